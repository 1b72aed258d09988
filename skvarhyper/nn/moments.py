"""The predictive distribution of a mean-field Gaussian network in one pass.

Instead of averaging sampled networks, the means and variances of every
layer's pre-activations are propagated through the network (each unit treated
as an independent Gaussian), and the class probabilities integrate a softmax
over the Gaussian logits by the probit approximation
``softmax(mean / sqrt(1 + pi * variance / 8))``. ReLU and identity activations
pass their exact Gaussian moments on; smooth activations pass first-order
(delta-method) moments.
"""

import math
from collections.abc import Iterable

import torch
from torch import Tensor

PROBIT_SCALE = math.pi / 8
"""``pi / 8`` matches the logistic function to the Gaussian CDF (MacKay, 1992)."""


def _relu_moments(mean: Tensor, variance: Tensor) -> tuple[Tensor, Tensor]:
    std = variance.sqrt().clamp_min(torch.finfo(mean.dtype).tiny)
    z = mean / std
    cdf = 0.5 * torch.erfc(-z / math.sqrt(2.0))
    pdf = torch.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    out_mean = mean * cdf + std * pdf
    second_moment = (mean * mean + variance) * cdf + mean * std * pdf
    return out_mean, (second_moment - out_mean * out_mean).clamp_min(0.0)


def _softmax_moments(mean: Tensor, variance: Tensor) -> tuple[Tensor, Tensor]:
    """First-order moments of the softmax over the last dimension: the
    Jacobian ``diag(p) - p p.T`` applied to independent inputs."""
    p = torch.softmax(mean, dim=-1)
    spread = (p * p * variance).sum(-1, keepdim=True)
    return p, (p * p * (spread + (1.0 - 2.0 * p) * variance)).clamp_min(0.0)


def activation_moments(
    name: str, mean: Tensor, variance: Tensor
) -> tuple[Tensor, Tensor]:
    """Mean and variance of the activation ``name`` of ``a ~ N(mean, variance)``:
    exact for ``"relu"`` and ``"identity"``, first-order otherwise."""
    if name == "identity":
        return mean, variance
    if name == "relu":
        return _relu_moments(mean, variance)
    if name == "softmax":
        return _softmax_moments(mean, variance)
    if name == "tanh":
        out = torch.tanh(mean)
        slope = 1.0 - out * out
    else:  # logistic
        out = torch.sigmoid(mean)
        slope = out * (1.0 - out)
    return out, slope * slope * variance


def linear_moments(
    mean: Tensor,
    variance: Tensor | None,
    weight_mean: Tensor,
    weight_variance: Tensor,
    bias_mean: Tensor,
    bias_variance: Tensor,
) -> tuple[Tensor, Tensor]:
    """Mean and variance of ``x w.T + b`` for independent Gaussian ``x``
    (``variance`` None for a known input), weights and biases: of one layer
    (weights ``(out, in)``, inputs ``(B, in)``), or of a stack of ``S``
    layers (weights ``(S, out, in)``, biases ``(S, out)``, inputs
    ``(S, B, in)``)."""
    stacked = weight_mean.dim() == 3
    if stacked:
        bias_mean, bias_variance = bias_mean.unsqueeze(1), bias_variance.unsqueeze(1)
    product = torch.baddbmm if stacked else torch.addmm
    out_mean = product(bias_mean, mean, weight_mean.mT)
    out_variance = product(bias_variance, mean * mean, weight_variance.mT)
    if variance is not None:
        second_moment = weight_mean * weight_mean + weight_variance
        accumulate = out_variance.baddbmm_ if stacked else out_variance.addmm_
        out_variance = accumulate(variance, second_moment.mT)
    return out_mean, out_variance


def network_moments(
    x: Tensor, layers: Iterable[tuple[Tensor, ...]], activation: str
) -> tuple[Tensor, Tensor]:
    """Mean and variance of a mean-field network's outputs for inputs ``x``,
    every unit treated as an independent Gaussian: ``layers`` gives each
    layer's ``(weight_mean, weight_log_std, bias_mean, bias_log_std,
    weight_mask)``, of one network or stacked over networks (see
    :func:`linear_moments`), with ``activation`` between them."""
    mean, variance = x, None
    for index, layer in enumerate(layers):
        weight_mean, weight_log_std, bias_mean, bias_log_std, mask = layer
        if index:
            mean, variance = activation_moments(activation, mean, variance)
        mean, variance = linear_moments(
            mean,
            variance,
            weight_mean * mask,
            torch.exp(2.0 * weight_log_std) * mask,
            bias_mean,
            torch.exp(2.0 * bias_log_std),
        )
    return mean, variance


def probit_logits(mean: Tensor, variance: Tensor) -> Tensor:
    """The logits whose softmax is the probit approximation of Gaussian logits'
    class probabilities."""
    return mean * torch.rsqrt(1.0 + PROBIT_SCALE * variance)


def probit_softmax(mean: Tensor, variance: Tensor) -> Tensor:
    """Class probabilities of Gaussian logits by the probit approximation."""
    return torch.softmax(probit_logits(mean, variance), dim=-1)
