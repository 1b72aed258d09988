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


def fit_parameters(estimator):
    """The parameters that change a fit: all but those that only select,
    prune, display or store a fitted model (``_not_fit_params``)."""
    params = estimator.get_params(deep=False)
    return {
        name: value
        for name, value in params.items()
        if name not in estimator._not_fit_params
    }


def fit_fingerprint(estimator, X, y, weights=None):
    """Hash of the class, the fit parameters and the (weighted) training data."""
    return joblib.hash(
        (type(estimator).__name__, fit_parameters(estimator), np.asarray(X), y, weights)
    )
