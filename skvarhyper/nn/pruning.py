"""Pruning of variational networks by a per-weight score.

A criterion only computes scores from the posterior ``(mean, log_std)`` of each
weight matrix; :func:`masks_from_scores` turns any scores into masks that keep
the highest-scoring weights. Biases are never pruned.
"""

from collections.abc import Callable, Sequence

import torch
from torch import Tensor


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
