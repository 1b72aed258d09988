"""The log-uniform prior of sparse variational dropout.

Molchanov, Ashukha & Vetrov (ICML 2017) put the improper, scale-invariant
prior ``p(|w|) ∝ 1 / |w|`` on every weight. Under a Gaussian posterior
``N(m, s**2)`` (their "additive reparameterisation", which is how
:class:`~skvarhyper.nn.VariationalLinear` holds its parameters) the KL
divergence depends on the weight's dropout rate ``α = s**2 / m**2`` alone, and
is approximated by their sigmoid fit, shifted here so that it tends to 0 as
``α`` grows. Weights with large ``α`` carry only noise and are pruned
(``log α > 3`` in the paper). Biases are never pruned and get a flat prior:
no KL term, as in the paper.
"""

import torch
from torch import Tensor

K1, K2, K3 = 0.63576, 1.87320, 1.48695
"""Constants of the fit ``-KL ≈ k1 σ(k2 + k3 log α) - ½ log(1 + 1/α) - k1``."""

LOG_ALPHA_BOUNDS = (-10.0, 10.0)
"""``log α`` is clipped to this range inside the KL, as in the paper's code, so
that the KL's gradient stops pushing weights that are already noise."""

_EPS = 1e-8
"""Added to ``m**2`` inside ``log α``, as in the paper's code: a weight whose
mean is already below ``1e-4`` is no longer pushed towards zero."""

INIT_LOG_STD = -5.0
"""Initial posterior log-std of every weight under this prior: ``log s**2 =
-10``, as in the paper's code, so that every weight starts far from noise
(``log α`` about -4 at PyTorch's initial means)."""

PRUNING_LOG_ALPHA = 3.0
"""The paper's pruning threshold: ``α > e**3 ≈ 20``, a dropout rate above 0.95."""


def log_alpha(mean: Tensor, log_std: Tensor) -> Tensor:
    """``log α = log(s**2 / m**2)`` of every weight, exact (``inf`` at
    ``m = 0``): what pruning thresholds compare."""
    return 2.0 * (log_std - torch.log(mean.abs()))


def _guarded_log_alpha(mean: Tensor, log_std: Tensor) -> Tensor:
    """``log α`` as the KL sees it: ``m**2 + 1e-8``, unclipped."""
    return 2.0 * log_std - torch.log(mean * mean + _EPS)


def log_uniform_kl(mean: Tensor, log_std: Tensor) -> Tensor:
    """Elementwise approximate ``KL(N(m, s**2) || log-uniform)``; callers sum it."""
    clipped = _guarded_log_alpha(mean, log_std).clamp(*LOG_ALPHA_BOUNDS)
    return (
        K1
        - K1 * torch.sigmoid(K2 + K3 * clipped)
        + 0.5 * torch.nn.functional.softplus(-clipped)
    )


def log_uniform_kl_with_grad(
    mean: Tensor, log_std: Tensor
) -> tuple[Tensor, Tensor, Tensor]:
    """:func:`log_uniform_kl` and its elementwise gradients with respect to
    ``mean`` and ``log_std``, in closed form (for the fused training step)."""
    raw = _guarded_log_alpha(mean, log_std)
    low, high = LOG_ALPHA_BOUNDS
    clipped = raw.clamp(low, high)
    gate = torch.sigmoid(K2 + K3 * clipped)
    kl = K1 - K1 * gate + 0.5 * torch.nn.functional.softplus(-clipped)
    grad_log_alpha = -K1 * K3 * gate * (1.0 - gate) - 0.5 * torch.sigmoid(-clipped)
    grad_log_alpha = grad_log_alpha * ((raw >= low) & (raw <= high))
    grad_mean = -2.0 * grad_log_alpha * mean / (mean * mean + _EPS)
    return kl, grad_mean, 2.0 * grad_log_alpha
