"""A sampled mean-field Gaussian layer as one autograd node.

On small tabular networks a training step is dominated by the number of
operations, not by arithmetic: autograd records about thirty nodes per layer
for the local reparameterisation and the closed-form KL. This node computes the
sampled output and the KL value, and writes the gradients in closed form, the
KL term's included: the gradient that reaches the parameters through the
output is that of ``loss + kl_weight * KL``, so the KL value itself carries no
gradient. It serves single networks (2-d weights); the hypernetwork's stacks of
networks keep the autograd path of
:func:`~skvarhyper.nn.functional.variational_linear_with_kl`.
"""

import math

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from .log_uniform import log_uniform_kl_with_grad


def _flat_dot(a: Tensor, b: Tensor) -> Tensor:
    return torch.dot(a.reshape(-1), b.reshape(-1))


def _gaussian_kl(weight_mean, variance, bias_mean, bias_variance, rest):
    """The Gaussian prior's KL value (from masked means and variances) and
    what its gradient needs: the means' deviations from the prior mean."""
    weight_log_std, bias_log_std, weight_mask, prior_mean, prior_variance = rest
    if weight_mask is None:
        log_std_sum, count = weight_log_std.sum(), weight_mean.numel()
    else:
        log_std_sum, count = _flat_dot(weight_log_std, weight_mask), weight_mask.sum()
    deviation, bias_deviation = weight_mean, bias_mean
    if prior_mean:
        deviation, bias_deviation = weight_mean - prior_mean, bias_mean - prior_mean
        if weight_mask is not None:
            deviation = deviation * weight_mask
    squares = _flat_dot(deviation, deviation) + torch.dot(
        bias_deviation, bias_deviation
    )
    kl = 0.5 * (
        (variance.sum() + bias_variance.sum() + squares) / prior_variance
        - 2.0 * (log_std_sum + bias_log_std.sum())
        + (count + bias_mean.numel()) * (math.log(prior_variance) - 1.0)
    )
    return kl, (deviation, bias_deviation)


def _log_uniform_kl(weight_mean, weight_log_std, weight_mask):
    """The log-uniform prior's KL value (weights only) and its elementwise
    gradients; a pruned weight's mean may be masked or not, its terms are
    zeroed either way."""
    kl, grad_mean, grad_log_std = log_uniform_kl_with_grad(weight_mean, weight_log_std)
    if weight_mask is not None:
        kl, grad_mean = kl * weight_mask, grad_mean * weight_mask
        grad_log_std = grad_log_std * weight_mask
    return kl.sum(), (grad_mean, grad_log_std)


class _SampledLayer(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight_mean, weight_log_std, bias_mean, bias_log_std, *rest):
        weight_mask, noise, kl_weight, prior, prior_mean, prior_variance = rest
        variance = torch.exp(2.0 * weight_log_std)
        bias_variance = torch.exp(2.0 * bias_log_std)
        if weight_mask is not None:
            weight_mean = weight_mean * weight_mask
            variance = variance * weight_mask
        if prior == "log-uniform":
            kl, kl_tensors = _log_uniform_kl(weight_mean, weight_log_std, weight_mask)
        else:
            kl, kl_tensors = _gaussian_kl(
                weight_mean, variance, bias_mean, bias_variance,
                (weight_log_std, bias_log_std, weight_mask, prior_mean, prior_variance),
            )  # fmt: skip
        squared_x = x * x
        std = torch.addmm(bias_variance, squared_x, variance.t()).sqrt_()
        out = torch.addmm(bias_mean, x, weight_mean.t()).addcmul_(noise, std)
        ctx.mark_non_differentiable(kl)
        ctx.save_for_backward(
            x, squared_x, variance, bias_variance, noise, std, weight_mean,
            weight_mask, *kl_tensors,
        )  # fmt: skip
        ctx.kl_weight, ctx.prior, ctx.prior_variance = kl_weight, prior, prior_variance
        return out, kl

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out, _):
        (
            x, squared_x, variance, bias_variance, noise, std, weight_mean,
            weight_mask, *kl_tensors,
        ) = ctx.saved_tensors  # fmt: skip
        kl_weight = ctx.kl_weight
        # Twice the gradient with respect to the pre-activations' variance.
        grad_var = (grad_out * noise).div_(std)
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = (grad_out @ weight_mean).addcmul_(x, grad_var @ variance)
        grad_weight_mean = grad_out.t() @ x
        grad_weight_log_std = grad_var.t() @ squared_x
        grad_bias_mean = grad_out.sum(0)
        grad_bias_log_std = grad_var.sum(0)
        if ctx.prior == "log-uniform":
            kl_grad_mean, kl_grad_log_std = kl_tensors
            grad_weight_mean.add_(kl_grad_mean, alpha=kl_weight)
            grad_weight_log_std.mul_(variance).add_(kl_grad_log_std, alpha=kl_weight)
            grad_bias_log_std.mul_(bias_variance)
        else:
            deviation, bias_deviation = kl_tensors
            kl_scale = kl_weight / ctx.prior_variance
            grad_weight_mean.add_(deviation, alpha=kl_scale)
            grad_weight_log_std.add_(kl_scale).mul_(variance)
            if weight_mask is None:
                grad_weight_log_std.sub_(kl_weight)
            else:
                grad_weight_log_std.sub_(weight_mask, alpha=kl_weight)
            grad_bias_mean.add_(bias_deviation, alpha=kl_scale)
            grad_bias_log_std.add_(kl_scale).mul_(bias_variance).sub_(kl_weight)
        if weight_mask is not None:
            grad_weight_mean.mul_(weight_mask)
            grad_weight_log_std.mul_(weight_mask)
        return (
            grad_x, grad_weight_mean, grad_weight_log_std, grad_bias_mean,
            grad_bias_log_std, None, None, None, None, None, None,
        )  # fmt: skip


def sampled_linear_with_kl(
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
    kl_weight: float = 1.0,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """Pre-activations drawn by the local reparameterisation trick, and the KL.

    The values equal (to rounding) those of
    :func:`~skvarhyper.nn.functional.variational_linear` with ``sample=True``
    and :func:`~skvarhyper.nn.functional.posterior_kl` (of ``prior``), for one
    network: ``x`` of shape ``(B, in)`` and a weight of shape ``(out, in)``.
    The KL value is not differentiable; instead, the gradient through the
    output includes ``kl_weight`` times the KL's, so that
    ``loss(out) + kl_weight * kl`` is minimised by ``loss(out).backward()``.
    Noise comes from ``generator`` (torch's global one when None). Not twice
    differentiable.
    """
    noise = torch.randn(
        (x.shape[0], weight_mean.shape[0]),
        generator=generator,
        device=x.device,
        dtype=x.dtype,
    )
    return _SampledLayer.apply(
        x,
        weight_mean,
        weight_log_std,
        bias_mean,
        bias_log_std,
        weight_mask,
        noise,
        float(kl_weight),
        prior,
        float(prior_mean),
        float(prior_variance),
    )
