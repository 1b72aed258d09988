"""Whole curves of a fitted model: its score as weights are pruned, and the
evidence and score of the model of every complexity λ (as ``lasso_path``).

Built on the estimators' public API: a hypernetwork's model of each ``λ`` is
its :meth:`~skvarhyper.HyperVariationalClassifier.to_variational`, pruned
with ``prune``; a single network's is a copy with a network of its own, so
the estimator is left as it was.
"""

import copy

import numpy as np
from sklearn.metrics import check_scoring
from sklearn.pipeline import Pipeline
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from ._estimators.base import BaseVariationalEstimator
from ._estimators.hypernetwork import (
    BaseHypernetwork,
    check_complexity,
    complexity_grid,
)

DEFAULT_FRACTIONS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98)
"""Pruned fractions of :func:`pruning_curve` and ``skvarhyper reproduce``."""


def final_estimator_and_data(estimator, X):
    """Split a fitted Pipeline into its transformed ``X`` and its last step.

    A bare variational estimator comes back unchanged with ``X``.
    """
    if isinstance(estimator, Pipeline):
        return estimator[-1], estimator[:-1].transform(X)
    return estimator, X


def check_variational(estimator, name="estimator"):
    """Raise unless ``estimator`` is a fitted variational estimator."""
    if not isinstance(estimator, BaseVariationalEstimator):
        raise TypeError(
            f"{name} must be a VariationalMLPClassifier, HyperVariationalClassifier, "
            "VariationalMLPRegressor or HyperVariationalRegressor (or a Pipeline "
            f"ending in one), got {type(estimator).__name__}."
        )
    check_is_fitted(estimator)


def check_fractions(fractions):
    """The pruned fractions of a curve as a float array; None gives
    :data:`DEFAULT_FRACTIONS`."""
    fractions = np.asarray(DEFAULT_FRACTIONS if fractions is None else fractions, float)
    if fractions.ndim != 1 or fractions.size == 0:
        raise ValueError("fractions must be a non-empty 1-D sequence of numbers.")
    if not np.all((fractions >= 0) & (fractions <= 1)):
        raise ValueError(f"fractions must lie in [0, 1], got {fractions.tolist()}.")
    return fractions


def check_complexities(estimator, complexities=None):
    """The values of ``λ`` at which a path evaluates the fitted ``estimator``:
    for a hypernetwork ``complexities`` (None: 20 spread over its
    ``complexity_range``), for a single network its own ``complexity_``."""
    if not isinstance(estimator, BaseHypernetwork):
        if complexities is not None:
            raise ValueError(
                "complexities can only be given for a hypernetwork "
                f"(HyperVariationalClassifier or HyperVariationalRegressor); a "
                f"{type(estimator).__name__} is fitted at one complexity."
            )
        return np.array([estimator.complexity_])
    if complexities is None:
        return default_complexities(estimator)
    grid = np.atleast_1d(np.asarray(complexities, dtype=float))
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError("complexities must be a non-empty 1-D array of numbers.")
    for value in grid:
        check_complexity(value, "complexities", sampling=estimator.complexity_sampling)
    return grid


def _model_at(estimator, complexity):
    """A fitted model of ``complexity`` that can be pruned without touching
    ``estimator``: a hypernetwork's model of that ``λ``, or a single network
    with a network of its own (its callbacks and history shared, read
    only)."""
    if isinstance(estimator, BaseHypernetwork):
        return estimator.to_variational(complexity)
    model = copy.copy(estimator)
    # A skorch net copies its module (and optimiser) when it is copied.
    model.net_ = copy.copy(estimator.net_)
    return model


def pruning_curve(estimator, X, y, *, fractions=None, complexities=None, scoring=None):
    """Score of a fitted model as an increasing fraction of its weights is pruned.

    Parameters
    ----------
    estimator : variational estimator or Pipeline
        A fitted classifier or regressor of this package, or a fitted
        Pipeline ending in one. Its own ``complexity`` and pruning state are
        left as they were.
    X : array-like of shape (n_samples, n_features)
        Evaluation data.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        True labels or target values.
    fractions : array-like of float, default=None
        Fractions of weights to prune, each in ``[0, 1]``; None uses
        ``0, 0.1, ..., 0.9, 0.95, 0.98``.
    complexities : array-like of float, default=None
        Values of ``λ`` for a hypernetwork, each generated once; None uses the
        estimator's current ``complexity`` (the only choice for a
        :class:`VariationalMLPClassifier`).
    scoring : str or callable, default=None
        A scikit-learn scorer; None uses the estimator's ``score`` (accuracy,
        or R² for a regressor).

    Returns
    -------
    result : sklearn.utils.Bunch
        ``fractions`` (n_fractions,), ``complexities`` (n_complexities,),
        ``scores`` (n_complexities, n_fractions) and ``n_weights_kept``
        (n_fractions,).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skvarhyper import VariationalMLPClassifier, pruning_curve
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = VariationalMLPClassifier((20,), max_epochs=50, random_state=0)
    >>> curve = pruning_curve(clf.fit(X, y), X, y, fractions=[0, 0.5, 0.9])
    >>> curve.scores.shape, curve.n_weights_kept.tolist()
    ((1, 3), [140, 70, 14])
    """
    final, X = final_estimator_and_data(estimator, X)
    check_variational(final)
    fractions = check_fractions(fractions)
    complexities = check_complexities(final, complexities)
    scorer = check_scoring(final, scoring=scoring)
    scores = np.empty((len(complexities), len(fractions)))
    kept = np.empty(len(fractions), dtype=int)
    for i, complexity in enumerate(complexities):
        model = _model_at(final, complexity)
        for j, fraction in enumerate(fractions):
            model.prune(fraction)
            scores[i, j] = scorer(model, X, y)
            kept[j] = model.n_weights_ - round(model.sparsity_ * model.n_weights_)
    return Bunch(
        fractions=fractions,
        complexities=complexities,
        scores=scores,
        n_weights_kept=kept,
    )


def default_complexities(estimator, n=20):
    """``n`` values of ``λ`` spread over a hypernetwork's ``complexity_range``.

    Log-spaced for ``complexity_sampling="loguniform"``, evenly spaced otherwise.
    """
    return complexity_grid(estimator.complexity_range, estimator.complexity_sampling, n)


def complexity_path(
    estimator, X, y, *, complexities=None, scoring=None, n_mc_samples=20
):
    """Evidence terms and score of the model of each complexity ``λ``.

    The behaviour of the generalised evidence over ``λ`` that the thesis
    studies: for every ``λ`` the hypernetwork's generated model (pruned as the
    estimator's pruning parameters say) is evaluated on ``(X, y)``.

    Parameters
    ----------
    estimator : variational estimator or Pipeline
        A fitted classifier or regressor of this package, or a fitted
        Pipeline ending in one. A single network (``VariationalMLPClassifier``
        or ``VariationalMLPRegressor``) gives the single point of its own
        ``complexity``.
    X : array-like of shape (n_samples, n_features)
        Evaluation data.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        True labels or target values.
    complexities : array-like of float, default=None
        Values of ``λ``; None spreads 20 over ``complexity_range``.
    scoring : str or callable, default=None
        A scikit-learn scorer; None uses the estimator's ``score`` (accuracy,
        or R² for a regressor).
    n_mc_samples : int, default=20
        Monte-Carlo draws for the expected log-likelihood (see ``evidence``).

    Returns
    -------
    path : sklearn.utils.Bunch
        ``complexities``, and per complexity ``log_likelihood`` (summed over
        the samples), ``kl``, ``elbo`` and ``scores``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skvarhyper import HyperVariationalClassifier, complexity_path
    >>> X, y = load_iris(return_X_y=True)
    >>> hyper = HyperVariationalClassifier((20,), max_epochs=30, random_state=0)
    >>> path = complexity_path(hyper.fit(X, y), X, y, complexities=[0.01, 1, 100])
    >>> bool(path.kl[0] > path.kl[-1])
    True
    """
    final, X = final_estimator_and_data(estimator, X)
    check_variational(final)
    complexities = check_complexities(final, complexities)
    scorer = check_scoring(final, scoring=scoring)
    terms = {name: [] for name in ("log_likelihood", "kl", "elbo", "scores")}
    for complexity in complexities:
        model = _model_at(final, complexity)
        for name, value in model.evidence(X, y, n_mc_samples=n_mc_samples).items():
            terms[name].append(value)
        terms["scores"].append(scorer(model, X, y))
    return Bunch(
        complexities=complexities, **{k: np.asarray(v) for k, v in terms.items()}
    )
