"""Stateless maths of mean-field Gaussian layers.

The functions accept the parameters of one network (a weight of shape
``(out, in)`` applied to inputs ``(B, in)``) or of a stack of ``S`` networks, as
a hypernetwork generates them for ``S`` complexities (a weight ``(S, out, in)``
applied to inputs ``(S, B, in)``).
"""

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from .log_uniform import log_uniform_kl

PRIORS = ("gaussian", "log-uniform")
"""The priors a layer can have: ``N(prior_mean, prior_variance)`` on every
weight and bias, or the log-uniform prior of sparse variational dropout on the
weights (see :mod:`skvarhyper.nn.log_uniform`)."""

INIT_LOG_STD = -3.0
"""Initial posterior log-std of every weight and bias, as in the thesis' code."""


def _identity(x: Tensor) -> Tensor:
    return x


def _softmax(x: Tensor) -> Tensor:
    return torch.softmax(x, dim=-1)


# Module-level functions, not lambdas, so that networks pickle.
ACTIVATIONS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "logistic": torch.sigmoid,
    "identity": _identity,
    "softmax": _softmax,
}


def gaussian_kl(
    mean: Tensor, log_std: Tensor, prior_mean: float, prior_variance: float
) -> Tensor:
    """Elementwise ``KL(N(mean, exp(log_std)**2) || N(prior_mean, prior_variance))``.

    The closed form for two univariate Gaussians; callers sum it.
    """
    scaled = (torch.exp(2.0 * log_std) + (mean - prior_mean) ** 2) / prior_variance
    return 0.5 * (scaled - 2.0 * log_std + (math.log(prior_variance) - 1.0))


def _summed_kl(mean, variance, log_std, count, dims, prior_mean, prior_variance):
    """KL summed over ``dims`` from the (already masked) means, variances and
    log-stds of ``count`` parameters: a few reductions instead of one pass per
    elementwise term."""
    squares = (mean * mean).sum(dims)
    if prior_mean:
        squares = squares - 2 * prior_mean * mean.sum(dims) + count * prior_mean**2
    return 0.5 * (
        (variance.sum(dims) + squares) / prior_variance
        - 2.0 * log_std.sum(dims)
        + count * (math.log(prior_variance) - 1.0)
    )


def _masked_posterior(weight_mean, weight_log_std, bias_log_std, weight_mask):
    """Masked weight means, variances and log-stds, bias variances and count."""
    weight_variance = torch.exp(2.0 * weight_log_std)
    bias_variance = torch.exp(2.0 * bias_log_std)
    if weight_mask is None:
        count = weight_mean.shape[-1] * weight_mean.shape[-2]
    else:
        weight_mean = weight_mean * weight_mask
        weight_variance = weight_variance * weight_mask
        weight_log_std = weight_log_std * weight_mask
        count = weight_mask.sum((-2, -1))
    return weight_mean, weight_variance, weight_log_std, bias_variance, count


def _log_uniform_layer_kl(weight_mean, weight_log_std, weight_mask):
    """Summed log-uniform KL of the kept weights (biases have a flat prior)."""
    kl = log_uniform_kl(weight_mean, weight_log_std)
    if weight_mask is not None:
        kl = kl * weight_mask
    return kl.sum((-2, -1))


def _layer_kl(masked, bias_mean, bias_log_std, prior_mean, prior_variance):
    weight_mean, weight_variance, weight_log_std, bias_variance, count = masked
    prior = (prior_mean, prior_variance)
    return _summed_kl(
        weight_mean, weight_variance, weight_log_std, count, (-2, -1), *prior
    ) + _summed_kl(
        bias_mean, bias_variance, bias_log_std, bias_mean.shape[-1], (-1,), *prior
    )


def posterior_kl(
    weight_mean: Tensor,
    weight_log_std: Tensor,
    bias_mean: Tensor,
    bias_log_std: Tensor,
    *,
    weight_mask: Tensor | None,
    prior_mean: float,
    prior_variance: float,
    prior: str = "gaussian",
) -> Tensor:
    """KL divergence of one layer's posterior from the prior; pruned weights excluded.

    Sums over the parameter dimensions, so a stack of ``S`` layers gives ``(S,)``.
    For the Gaussian prior, equal to summing :func:`gaussian_kl`, in fewer
    passes over the parameters; for ``prior="log-uniform"``, the approximation
    of :func:`~skvarhyper.nn.log_uniform.log_uniform_kl` over the weights.
    """
    if prior == "log-uniform":
        return _log_uniform_layer_kl(weight_mean, weight_log_std, weight_mask)
    masked = _masked_posterior(weight_mean, weight_log_std, bias_log_std, weight_mask)
    return _layer_kl(masked, bias_mean, bias_log_std, prior_mean, prior_variance)


def _noise(like: Tensor, generator: torch.Generator | None) -> Tensor:
    """Standard normal noise shaped like ``like``, from ``generator`` when given."""
    return torch.randn(
        like.shape, generator=generator, device=like.device, dtype=like.dtype
    )


def _affine(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    if weight.dim() == 2:
        return F.linear(x, weight, bias)
    return torch.baddbmm(bias.unsqueeze(-2), x, weight.transpose(-1, -2))


def variational_linear(
    x: Tensor,
    weight_mean: Tensor,
    weight_log_std: Tensor,
    bias_mean: Tensor,
    bias_log_std: Tensor,
    *,
    weight_mask: Tensor | None = None,
    sample: bool = True,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Affine map under a factorised Gaussian posterior.

    With ``sample=True`` the pre-activations are drawn by the local
    reparameterisation trick, ``N(x m + b_m, x**2 s**2 + b_s**2)`` independently
    for every row of ``x``, with noise from ``generator`` (torch's global one
    when None); with ``sample=False`` the posterior mean is used. A weight mask
    zeroes pruned weights in both the mean and the variance.
    """
    if weight_mask is not None:
        weight_mean = weight_mean * weight_mask
    mean = _affine(x, weight_mean, bias_mean)
    if not sample:
        return mean
    weight_variance = torch.exp(2.0 * weight_log_std)
    if weight_mask is not None:
        weight_variance = weight_variance * weight_mask
    variance = _affine(x * x, weight_variance, torch.exp(2.0 * bias_log_std))
    return torch.addcmul(mean, _noise(mean, generator), variance.sqrt())


def variational_linear_with_kl(
    x: Tensor,
    weight_mean: Tensor,
    weight_log_std: Tensor,
    bias_mean: Tensor,
    bias_log_std: Tensor,
    *,
    weight_mask: Tensor | None,
    prior_mean: float,
    prior_variance: float,
    prior: str = "gaussian",
    sample: bool = True,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """:func:`variational_linear` and :func:`posterior_kl` in one pass.

    Shares the variances and the masked means between the two, which matters
    when a hypernetwork generates ``S`` stacks of parameters per step.
    """
    masked = _masked_posterior(weight_mean, weight_log_std, bias_log_std, weight_mask)
    masked_mean, masked_variance, _, bias_variance, _ = masked
    out = _affine(x, masked_mean, bias_mean)
    if sample:
        variance = _affine(x * x, masked_variance, bias_variance)
        out = torch.addcmul(out, _noise(out, generator), variance.sqrt())
    if prior == "log-uniform":
        return out, _log_uniform_layer_kl(weight_mean, weight_log_std, weight_mask)
    return out, _layer_kl(masked, bias_mean, bias_log_std, prior_mean, prior_variance)
