"""State that outlives one call: transactional updates and fit fingerprints."""

from contextlib import contextmanager

import joblib
import numpy as np


class FitInterrupted(KeyboardInterrupt):
    """Ctrl-C during training: the model trained so far was kept, and the
    interrupt goes on to the caller (a script, a grid search) so it stops too."""


@contextmanager
def transaction(estimator):
    """Leave ``estimator`` exactly as it was if the block raises.

    Fits never change the objects that the estimator's state refers to (a
    continuing fit trains a new net loaded from the old one) except the
    history, to which they only append epochs. So restoring the attributes,
    the history's length and the state of the estimator's random generator
    restores everything: network, optimiser state, masks, history and random
    state. A :class:`FitInterrupted` passes through: the block kept a usable
    model.
    """
    attributes = dict(estimator.__dict__)
    rng = attributes.get("_rng")
    rng_state = rng.get_state() if isinstance(rng, np.random.RandomState) else None
    net = attributes.get("net_")
    n_epochs = None if net is None else len(net.history)
    try:
        yield
    except FitInterrupted:
        raise
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(attributes)
        if rng_state is not None:
            rng.set_state(rng_state)
        if n_epochs is not None:
            del net.history[n_epochs:]
        raise


def _signature(value):
    """A picklable, process-independent stand-in for ``value`` in a hash."""
    try:
        joblib.hash(value)
    except Exception:  # e.g. a lambda: hash what it prints as, sans address
        return type(value).__qualname__
    return value


def callback_signature(callbacks):
    """What a fit's callbacks contribute to its fingerprint: the name, class
    and parameters of each (not the state a fit leaves in them), so that a
    learning-rate schedule, say, is part of what a checkpoint or a cache
    entry was trained with."""
    signature = []
    for item in callbacks or []:
        name, callback = item if isinstance(item, tuple) else (None, item)
        kind = f"{type(callback).__module__}.{type(callback).__qualname__}"
        params = (
            callback.get_params(deep=False) if hasattr(callback, "get_params") else {}
        )
        params = {key: _signature(value) for key, value in params.items()}
        signature.append((name, kind, params))
    return signature


def fit_parameters(estimator):
    """The parameters that change a fit: all but those that only select,
    prune, display or store a fitted model (``_not_fit_params``), with the
    callbacks by their :func:`callback_signature`."""
    params = estimator.get_params(deep=False)
    changing = {
        name: value
        for name, value in params.items()
        if name not in estimator._not_fit_params
    }
    changing["callbacks"] = callback_signature(params.get("callbacks"))
    return changing


def fit_fingerprint(estimator, X, y, weights=None, validation=None):
    """Hash of the class, the fit parameters, the (weighted) training data
    and the user's validation rows ``(X_val, encoded y_val)``, if any."""
    fit = (type(estimator).__name__, fit_parameters(estimator), np.asarray(X), y)
    if validation is None:
        return joblib.hash((*fit, weights))
    return joblib.hash((*fit, weights, *(np.asarray(part) for part in validation)))
