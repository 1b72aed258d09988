"""Stateless maths of mean-field Gaussian layers.

The functions accept the parameters of one network (a weight of shape
``(out, in)`` applied to inputs ``(B, in)``) or of a stack of ``S`` networks, as
a hypernetwork generates them for ``S`` complexities (a weight ``(S, out, in)``
applied to inputs ``(S, B, in)``).
"""

import torch
import torch.nn.functional as F
from torch import Tensor

INIT_LOG_STD = -3.0
"""Initial posterior log-std of every weight and bias, as in the thesis' code."""

ACTIVATIONS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "logistic": torch.sigmoid,
    "identity": lambda x: x,
    "softmax": lambda x: torch.softmax(x, dim=-1),
}


def gaussian_kl(
    mean: Tensor, log_std: Tensor, prior_mean: float, prior_variance: float
) -> Tensor:
    """Elementwise ``KL(N(mean, exp(log_std)**2) || N(prior_mean, prior_variance))``.

    The closed form for two univariate Gaussians; callers sum it.
    """
    log_variance_ratio = 2.0 * log_std - torch.log(
        torch.as_tensor(prior_variance, dtype=mean.dtype, device=mean.device)
    )
    return 0.5 * (
        torch.exp(log_variance_ratio)
        + (mean - prior_mean) ** 2 / prior_variance
        - 1.0
        - log_variance_ratio
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
) -> Tensor:
    """KL divergence of one layer's posterior from the prior; pruned weights excluded.

    Sums over the parameter dimensions, so a stack of ``S`` layers gives ``(S,)``.
    """
    weight_kl = gaussian_kl(weight_mean, weight_log_std, prior_mean, prior_variance)
    if weight_mask is not None:
        weight_kl = weight_kl * weight_mask
    bias_kl = gaussian_kl(bias_mean, bias_log_std, prior_mean, prior_variance)
    return weight_kl.sum((-2, -1)) + bias_kl.sum(-1)


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
) -> Tensor:
    """Affine map under a factorised Gaussian posterior.

    With ``sample=True`` the pre-activations are drawn by the local
    reparameterisation trick, ``N(x m + b_m, x**2 s**2 + b_s**2)`` independently
    for every row of ``x``; with ``sample=False`` the posterior mean is used. A
    weight mask zeroes pruned weights in both the mean and the variance.
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
    return torch.addcmul(mean, torch.randn_like(mean), variance.sqrt())
