"""Pruning of variational networks by a per-weight score.

A criterion only computes scores from the posterior ``(mean, log_std)`` of each
weight matrix; :func:`masks_from_scores` turns any scores into masks that keep
the highest-scoring weights. Biases are never pruned.
"""

from collections.abc import Callable, Sequence

import numpy as np
import torch
from sklearn.metrics import check_scoring
from sklearn.utils import Bunch
from torch import Tensor

DEFAULT_FRACTIONS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98)


def snr_scores(mean: Tensor, log_std: Tensor) -> Tensor:
    """Signal-to-noise ratio ``|m| / s``.

    Monotone in the thesis' relative density ``exp(m**2 / 2 s**2)`` of a weight,
    so it ranks weights identically.
    """
    return mean.abs() * torch.exp(-log_std)


def magnitude_scores(mean: Tensor, log_std: Tensor) -> Tensor:
    """Absolute posterior mean ``|m|``: the non-Bayesian baseline."""
    return mean.abs()


PRUNING_SCORES: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "snr": snr_scores,
    "magnitude": magnitude_scores,
}


def _keep_top(scores: Tensor, fraction: float) -> Tensor:
    n_keep = round((1.0 - fraction) * scores.numel())
    order = torch.argsort(scores.flatten(), descending=True, stable=True)
    mask = torch.zeros(scores.numel(), dtype=scores.dtype, device=scores.device)
    mask[order[:n_keep]] = 1.0
    return mask


def masks_from_scores(
    scores: Sequence[Tensor], fraction: float, scope: str = "global"
) -> list[Tensor]:
    """Masks (1 kept, 0 pruned) that remove ``fraction`` of the weights.

    Parameters
    ----------
    scores : sequence of Tensor
        One score tensor per weight matrix; higher means more important.
    fraction : float
        Fraction of weights to remove, in ``[0, 1]``.
    scope : {"global", "layer"}
        ``"global"`` ranks all weights together and keeps exactly
        ``round((1 - fraction) * n_weights)``; ``"layer"`` removes ``fraction``
        of every matrix separately.

    Returns
    -------
    list of Tensor
        Masks shaped like ``scores``. Ties are broken by position, so the
        kept set only shrinks as ``fraction`` grows.
    """
    if scope == "layer":
        return [_keep_top(s, fraction).view_as(s) for s in scores]
    flat = _keep_top(torch.cat([s.flatten() for s in scores]), fraction)
    return [
        chunk.view_as(s)
        for chunk, s in zip(flat.split([s.numel() for s in scores]), scores)
    ]


def pruning_masks(
    posteriors: Sequence[tuple[Tensor, Tensor]],
    fraction: float,
    *,
    score: str = "snr",
    scope: str = "global",
) -> list[Tensor]:
    """Masks that prune ``fraction`` of the weights ranked by ``score``.

    ``posteriors`` holds the ``(mean, log_std)`` of every weight matrix.
    """
    score_fn = PRUNING_SCORES[score]
    return masks_from_scores(
        [score_fn(mean, log_std) for mean, log_std in posteriors], fraction, scope
    )


def _check_fractions(fractions):
    fractions = np.asarray(DEFAULT_FRACTIONS if fractions is None else fractions, float)
    if fractions.ndim != 1 or fractions.size == 0:
        raise ValueError("fractions must be a non-empty 1-D sequence of numbers.")
    if not np.all((fractions >= 0) & (fractions <= 1)):
        raise ValueError(f"fractions must lie in [0, 1], got {fractions.tolist()}.")
    return fractions


def pruning_curve(estimator, X, y, *, fractions=None, complexities=None, scoring=None):
    """Score of a fitted model as an increasing fraction of its weights is pruned.

    Parameters
    ----------
    estimator : VariationalMLPClassifier, HyperVariationalClassifier or Pipeline
        A fitted classifier, or a fitted Pipeline ending in one. Its own
        ``complexity`` and pruning state are left as they were.
    X : array-like of shape (n_samples, n_features)
        Evaluation data.
    y : array-like of shape (n_samples,)
        True labels.
    fractions : array-like of float, default=None
        Fractions of weights to prune, each in ``[0, 1]``; None uses
        ``0, 0.1, ..., 0.9, 0.95, 0.98``.
    complexities : array-like of float, default=None
        Values of ``λ`` for a hypernetwork, each generated once; None uses the
        estimator's current ``complexity`` (the only choice for a
        :class:`VariationalMLPClassifier`).
    scoring : str or callable, default=None
        A scikit-learn scorer; None uses the estimator's ``score`` (accuracy).

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
    from ._base import (
        check_complexity_grid,
        check_variational,
        final_estimator_and_data,
        model_at,
    )

    final, X = final_estimator_and_data(estimator, X)
    check_variational(final)
    fractions = _check_fractions(fractions)
    complexities = check_complexity_grid(
        final, complexities, lambda: [final.complexity]
    )
    scorer = check_scoring(final, scoring=scoring)
    scores = np.empty((len(complexities), len(fractions)))
    kept = np.empty(len(fractions), dtype=int)
    saved = final.get_params(deep=False)
    try:
        for i, complexity in enumerate(complexities):
            model = model_at(final, complexity)
            for j, fraction in enumerate(fractions):
                model.prune(fraction)
                scores[i, j] = scorer(model, X, y)
                kept[j] = model.n_weights_ - round(model.sparsity_ * model.n_weights_)
    finally:
        final.set_params(**saved)
    return Bunch(
        fractions=fractions,
        complexities=complexities,
        scores=scores,
        n_weights_kept=kept,
    )
