"""The complexity path: the evidence and the score of the model of every λ."""

import numpy as np
from sklearn.metrics import check_scoring
from sklearn.utils import Bunch

from ._base import (
    check_complexity_grid,
    check_variational,
    final_estimator_and_data,
    model_at,
)


def default_complexities(estimator, n=20):
    """``n`` values of ``λ`` spread over a hypernetwork's ``complexity_range``.

    Log-spaced for ``complexity_sampling="loguniform"``, evenly spaced otherwise.
    """
    low, high = estimator.complexity_range
    if estimator.complexity_sampling == "loguniform":
        return np.geomspace(low, high, n)
    return np.linspace(low, high, n)


def complexity_path(estimator, X, y, *, complexities=None, scoring=None, n_samples=20):
    """Evidence terms and score of the model of each complexity ``λ``.

    The behaviour of the generalised evidence over ``λ`` that the thesis
    studies: for every ``λ`` the hypernetwork's generated model (pruned as the
    estimator's pruning parameters say) is evaluated on ``(X, y)``.

    Parameters
    ----------
    estimator : HyperVariationalClassifier, VariationalMLPClassifier or Pipeline
        A fitted classifier, or a fitted Pipeline ending in one. A
        :class:`VariationalMLPClassifier` gives the single point of its own
        ``complexity``.
    X : array-like of shape (n_samples, n_features)
        Evaluation data.
    y : array-like of shape (n_samples,)
        True labels.
    complexities : array-like of float, default=None
        Values of ``λ``; None spreads 20 over ``complexity_range``.
    scoring : str or callable, default=None
        A scikit-learn scorer; None uses accuracy.
    n_samples : int, default=20
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
    complexities = check_complexity_grid(
        final, complexities, lambda: default_complexities(final)
    )
    scorer = check_scoring(final, scoring=scoring)
    terms = {name: [] for name in ("log_likelihood", "kl", "elbo", "scores")}
    for complexity in complexities:
        model = model_at(final, complexity)
        for name, value in model.evidence(X, y, n_samples=n_samples).items():
            terms[name].append(value)
        terms["scores"].append(scorer(model, X, y))
    return Bunch(
        complexities=complexities, **{k: np.asarray(v) for k, v in terms.items()}
    )
