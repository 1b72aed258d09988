"""A low-rank generator's layer, sampled for a stack of complexities as one
autograd node, without forming any of its weight matrices.

The low-rank hypernetwork generates, for draw ``s`` of ``λ``, a layer whose
weight means and log-stds are

    M_s = diag(p_s) (A + t_s B + U_s V_sᵀ)     log S_s = L + α_s 1ᵀ + 1 β_sᵀ

(``t_s`` the encoded ``λ``, ``p_s`` the mean shrinkage of every unit,
``U_s V_sᵀ`` the low-rank correction, ``α_s`` and ``β_s`` shifts of every
unit's and every input's log-std). Forming ``M_s`` and ``S_s`` for ``S``
draws costs ``S`` passes over every matrix in each direction, which on a wide
first layer is most of a training step. Here the means and variances of the
pre-activations, the KL and every gradient are computed from the factors:
the data touch the shared matrices ``[A; B]`` and ``exp(2L)`` in one product
each, as a single network's layer touches its two, and everything per draw
is a vector or a rank-``r`` matrix.

As in :mod:`.fused`, the KL value carries no gradient: the gradient through
the output includes ``kl_weight[s]`` times the gradient of draw ``s``'s KL.
Gaussian prior only; masked layers and the log-uniform prior take the
generated matrices (:func:`~skvarhyper.nn.functional.variational_linear_with_kl`).
"""

import math
from typing import NamedTuple

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable


class LayerFactors(NamedTuple):
    """The factors of one generated layer for ``S`` draws (see the module)."""

    mean_base: Tensor  # A (out, in)
    mean_slope: Tensor  # B (out, in)
    log_std_base: Tensor  # L (out, in)
    left: Tensor  # U (S, out, r)
    right: Tensor  # V (S, in, r)
    unit_log_std: Tensor  # α (S, out)
    input_log_std: Tensor  # β (S, in)
    bias_mean: Tensor  # (S, out)
    bias_log_std: Tensor  # (S, out)
    encoding: Tensor  # t (S,)

    def weight_mean(self, scale: Tensor | None = None) -> Tensor:
        """``diag(p_s) (A + t_s B + U_s V_sᵀ)`` of every draw, ``(S, out, in)``;
        ``p`` is ``scale`` ``(S, out)``, or 1 when None."""
        linear = torch.addcmul(
            self.mean_base, self.encoding.view(-1, 1, 1), self.mean_slope
        )
        low_rank = torch.baddbmm(linear, self.left, self.right.transpose(1, 2))
        return low_rank if scale is None else low_rank * scale.unsqueeze(-1)

    def weight_log_std(self) -> Tensor:
        """``L + α_s 1ᵀ + 1 β_sᵀ`` of every draw, ``(S, out, in)``."""
        shift = self.unit_log_std.unsqueeze(-1) + self.input_log_std.unsqueeze(-2)
        return self.log_std_base + shift


def _shared_times_stacked(matrix: Tensor, stacked: Tensor) -> Tensor:
    """``matrix @ stacked[s]`` of every draw ``(S, m, r)`` in one product
    (``torch.matmul`` would copy ``matrix`` once per draw)."""
    n_draws, n_cols, rank = stacked.shape
    flat = stacked.transpose(0, 1).reshape(n_cols, n_draws * rank)
    return (matrix @ flat).view(-1, n_draws, rank).transpose(0, 1)


def _kl_parts(mean_bases, t, left, right, scale, bias_mean, prior_mean):
    """The squared deviations of every draw's means from the prior mean, and
    what their gradients reuse."""
    n_out = mean_bases.shape[0] // 2
    base, slope = mean_bases[:n_out], mean_bases[n_out:]
    both_times_right = _shared_times_stacked(mean_bases, right)  # (S, 2 out, r)
    draw_t = t.view(-1, 1, 1)
    # (A + t B) V of every draw.
    combined_times_right = torch.addcmul(
        both_times_right[:, :n_out], both_times_right[:, n_out:], draw_t
    )
    right_gram = right.transpose(1, 2) @ right  # (S, r, r)
    # Row sums of squares of A + t B + U Vᵀ, draw by draw.
    row_t = t.view(-1, 1)
    row_squares = (
        (base * base).sum(1)
        + 2.0 * row_t * (base * slope).sum(1)
        + row_t * row_t * (slope * slope).sum(1)
        + 2.0 * (left * combined_times_right).sum(2)
        + ((left @ right_gram) * left).sum(2)
    )
    squares = (scale * scale * row_squares).sum(1)
    row_sums = None
    if prior_mean:
        row_sums = (
            base.sum(1)
            + row_t * slope.sum(1)
            + (left @ right.sum(1).unsqueeze(-1)).squeeze(-1)
        )
        squares = (
            squares - 2.0 * prior_mean * (scale * row_sums).sum(1)
        ) + base.numel() * prior_mean**2
    bias_deviation = bias_mean - prior_mean
    squares = squares + (bias_deviation * bias_deviation).sum(1)
    return squares, (combined_times_right, right_gram, row_squares, row_sums)


def _with_slope(tensor: Tensor, t: Tensor) -> Tensor:
    """``[X_s, t_s X_s]`` of every draw side by side: ``(S, m, n)`` becomes
    ``(S, 2m, n)``, the rows of the base's and the slope's terms."""
    return torch.cat((tensor, tensor * t.view(-1, 1, 1)), dim=1)


class _FactoredLayer(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale, t, mean_bases, *tensors):
        *factors, noise, kl_weight, prior_mean, prior_variance = tensors
        (
            log_std_base, left, right, unit_log_std, input_log_std, bias_mean,
            bias_log_std,
        ) = factors  # fmt: skip
        n_draws, n_rows, n_in = x.shape
        n_out = mean_bases.shape[0] // 2
        variance_base = torch.exp(2.0 * log_std_base)
        unit_variance = torch.exp(2.0 * unit_log_std)
        input_variance = torch.exp(2.0 * input_log_std)
        bias_variance = torch.exp(2.0 * bias_log_std)

        projected = x @ right  # (S, B, r)
        # x Aᵀ and x Bᵀ in one product.
        both = (x.reshape(-1, n_in) @ mean_bases.t()).view(n_draws, n_rows, 2, n_out)
        before_scale = torch.addcmul(both[:, :, 0], both[:, :, 1], t.view(-1, 1, 1))
        before_scale = torch.baddbmm(before_scale, projected, left.transpose(1, 2))
        mean = torch.addcmul(bias_mean.unsqueeze(1), before_scale, scale.unsqueeze(1))
        squared_x = x * x
        scaled_squares = squared_x * input_variance.unsqueeze(1)
        base_variance = (scaled_squares.reshape(-1, n_in) @ variance_base.t()).view(
            n_draws, n_rows, n_out
        )
        std = torch.addcmul(
            bias_variance.unsqueeze(1), base_variance, unit_variance.unsqueeze(1)
        ).sqrt_()
        out = mean.addcmul_(noise, std)

        squares, kl_tensors = _kl_parts(
            mean_bases, t, left, right, scale, bias_mean, prior_mean
        )
        variance_sum = ((unit_variance @ variance_base) * input_variance).sum(1)
        log_std_sum = (
            log_std_base.sum()
            + n_in * unit_log_std.sum(1)
            + n_out * input_log_std.sum(1)
            + bias_log_std.sum(1)
        )
        n_parameters = log_std_base.numel() + n_out
        kl = 0.5 * (
            (variance_sum + bias_variance.sum(1) + squares) / prior_variance
            - 2.0 * log_std_sum
            + n_parameters * (math.log(prior_variance) - 1.0)
        )
        ctx.mark_non_differentiable(kl)
        ctx.save_for_backward(
            x, scale, t, mean_bases, left, right, bias_mean, variance_base,
            unit_variance, input_variance, bias_variance, projected, before_scale,
            squared_x, scaled_squares, base_variance, noise, std, kl_weight,
            *(tensor for tensor in kl_tensors if tensor is not None),
        )  # fmt: skip
        ctx.prior_mean, ctx.prior_variance = prior_mean, prior_variance
        return out, kl

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out, _):
        (
            x, scale, t, mean_bases, left, right, bias_mean, variance_base,
            unit_variance, input_variance, bias_variance, projected, before_scale,
            squared_x, scaled_squares, base_variance, noise, std, kl_weight,
            *kl_tensors,
        ) = ctx.saved_tensors  # fmt: skip
        # The KL's weight w of the squares and variances (½ Σ / prior_variance).
        draw_weight = ((0.5 / ctx.prior_variance) * kl_weight).view(-1, 1)
        means = _mean_gradients(
            grad_out, draw_weight, ctx.prior_mean,
            (x, scale, t, mean_bases, left, right, bias_mean, projected,
             before_scale, *kl_tensors),
        )  # fmt: skip
        variances = _variance_gradients(
            grad_out, draw_weight, kl_weight,
            (variance_base, unit_variance, input_variance, bias_variance,
             squared_x, scaled_squares, base_variance, noise, std),
        )  # fmt: skip
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_both, grad_projected = means.upstream
            grad_x = (grad_both @ mean_bases).view(x.shape)
            grad_x = torch.baddbmm(grad_x, grad_projected, right.transpose(1, 2))
            grad_x += 2.0 * x * input_variance.unsqueeze(1) * variances.upstream
        return (
            grad_x, means.scale, None, means.mean_bases, variances.log_std_base,
            means.left, means.right, variances.unit_log_std,
            variances.input_log_std, means.bias_mean, variances.bias_log_std,
            None, None, None, None,
        )  # fmt: skip


class _MeanGradients(NamedTuple):
    scale: Tensor
    mean_bases: Tensor
    left: Tensor
    right: Tensor
    bias_mean: Tensor
    upstream: tuple[Tensor, Tensor]  # what the inputs' gradient needs


def _mean_gradients(grad_out, draw_weight, prior_mean, saved) -> _MeanGradients:
    """Gradients of the means ``diag(p) (A + t B + U Vᵀ)``: the output's and
    the KL's squares' (``2 w p² M`` per draw)."""
    (
        x, scale, t, mean_bases, left, right, bias_mean, projected, before_scale,
        combined_times_right, right_gram, row_squares, *row_sums,
    ) = saved  # fmt: skip
    n_draws, n_rows, n_in = x.shape
    n_out = mean_bases.shape[0] // 2
    flat_rows = n_draws * n_rows
    grad_scale = (grad_out * before_scale).sum(1)
    grad_before = grad_out * scale.unsqueeze(1)
    # The pre-activations' gradients of the base's and the slope's terms.
    grad_both = torch.stack((grad_before, grad_before * t.view(-1, 1, 1)), dim=2).view(
        flat_rows, 2 * n_out
    )
    grad_mean_bases = grad_both.t() @ x.reshape(flat_rows, n_in)
    grad_projected = grad_before @ left  # (S, B, r)
    grad_left = grad_before.transpose(1, 2) @ projected
    grad_right = x.transpose(1, 2) @ grad_projected
    grad_bias_mean = grad_out.sum(1)

    weighted_squares = 2.0 * draw_weight * scale * scale  # 2 w p², (S, out)
    weighted_left = weighted_squares.unsqueeze(-1) * left  # (S, out, r)
    # Σ_s 2 w p² times 1, t and t²: A's and B's coefficients in A's and B's.
    by_t = weighted_squares * t.view(-1, 1)
    own, cross, slope_own = (
        weighted_squares.sum(0).unsqueeze(1),
        by_t.sum(0).unsqueeze(1),
        (by_t * t.view(-1, 1)).sum(0).unsqueeze(1),
    )
    base, slope = mean_bases[:n_out], mean_bases[n_out:]
    grad_mean_bases[:n_out] += own * base + cross * slope
    grad_mean_bases[n_out:] += cross * base + slope_own * slope
    both_left = _with_slope(weighted_left, t)  # (S, 2 out, r)
    grad_mean_bases += both_left.permute(1, 0, 2).reshape(2 * n_out, -1) @ (
        right.transpose(1, 2).reshape(-1, n_in)
    )
    grad_scale += 2.0 * draw_weight * scale * row_squares
    grad_left += weighted_squares.unsqueeze(-1) * (
        combined_times_right + left @ right_gram
    )
    left_gram = left.transpose(1, 2) @ weighted_left  # Uᵀ diag(2w p²) U
    grad_right += _shared_times_stacked(mean_bases.t(), both_left)
    grad_right += right @ left_gram
    grad_bias_mean += (2.0 * draw_weight) * (bias_mean - prior_mean)
    if row_sums:
        (row_sums,) = row_sums
        shifted = -2.0 * prior_mean * draw_weight * scale  # (S, out)
        grad_mean_bases[:n_out] += shifted.sum(0).unsqueeze(1)
        grad_mean_bases[n_out:] += (shifted * t.view(-1, 1)).sum(0).unsqueeze(1)
        grad_scale += -2.0 * prior_mean * draw_weight * row_sums
        grad_left += shifted.unsqueeze(-1) * right.sum(1).unsqueeze(1)
        grad_right += (left.transpose(1, 2) @ shifted.unsqueeze(-1)).mT
    return _MeanGradients(
        grad_scale, grad_mean_bases, grad_left, grad_right, grad_bias_mean,
        (grad_both, grad_projected),
    )  # fmt: skip


class _VarianceGradients(NamedTuple):
    log_std_base: Tensor
    unit_log_std: Tensor
    input_log_std: Tensor
    bias_log_std: Tensor
    upstream: Tensor  # the gradient of the inputs' scaled squares


def _variance_gradients(grad_out, draw_weight, kl_weight, saved):
    """Gradients of the variances ``exp(2L) ⊙ exp(2α) exp(2β)ᵀ``: the
    output's, and the KL's (its variance sum ``aᵀ E e`` and log-std sum)."""
    (
        variance_base, unit_variance, input_variance, bias_variance, squared_x,
        scaled_squares, base_variance, noise, std,
    ) = saved  # fmt: skip
    n_draws, n_rows, n_in = squared_x.shape
    n_out = variance_base.shape[0]
    flat_rows = n_draws * n_rows
    # With respect to the pre-activations' variance (out = mean + ε √var).
    grad_variance = (grad_out * noise).div_(std).mul_(0.5)
    grad_unit_variance = (grad_variance * base_variance).sum(1)
    grad_bias_variance = grad_variance.sum(1)
    grad_variance.mul_(unit_variance.unsqueeze(1))
    flat_grad_variance = grad_variance.reshape(flat_rows, n_out)
    grad_variance_base = flat_grad_variance.t() @ scaled_squares.reshape(
        flat_rows, n_in
    )
    grad_scaled_squares = (flat_grad_variance @ variance_base).view(
        n_draws, n_rows, n_in
    )
    grad_input_variance = (grad_scaled_squares * squared_x).sum(1)
    grad_variance_base += (draw_weight * unit_variance).t() @ input_variance
    grad_unit_variance += draw_weight * (input_variance @ variance_base.t())
    grad_input_variance += draw_weight * (unit_variance @ variance_base)
    grad_bias_variance += draw_weight
    row_kl_weight = kl_weight.view(-1, 1)
    grad_log_std_base = (2.0 * grad_variance_base).mul_(variance_base)
    grad_log_std_base -= kl_weight.sum()
    return _VarianceGradients(
        grad_log_std_base,
        2.0 * grad_unit_variance * unit_variance - n_in * row_kl_weight,
        2.0 * grad_input_variance * input_variance - n_out * row_kl_weight,
        2.0 * grad_bias_variance * bias_variance - row_kl_weight,
        grad_scaled_squares,
    )


def factored_linear_with_kl(
    x: Tensor,
    factors: LayerFactors,
    scale: Tensor,
    *,
    kl_weight: Tensor,
    prior_mean: float,
    prior_variance: float,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """Sampled pre-activations ``(S, B, out)`` of the draws' generated layers
    for inputs ``(S, B, in)``, and every draw's KL ``(S,)`` from the Gaussian
    prior ``N(prior_mean, prior_variance)``.

    The values equal (to rounding) those of
    :func:`~skvarhyper.nn.functional.variational_linear_with_kl` on the
    layers' matrices ``diag(scale) (A + U Vᵀ)`` and ``L + α 1ᵀ + 1 βᵀ``
    (:meth:`LayerFactors.weight_mean`, :meth:`LayerFactors.weight_log_std`).
    The KL carries no gradient; the output's gradient includes
    ``kl_weight[s]`` times that of ``kl[s]``. Noise comes from ``generator``
    (torch's global one when None). Not twice differentiable.
    """
    n_draws, n_rows, _ = x.shape
    n_out = factors.mean_base.shape[0]
    noise = torch.randn(
        (n_draws, n_rows, n_out), generator=generator, device=x.device, dtype=x.dtype
    )
    return _FactoredLayer.apply(
        x,
        scale,
        factors.encoding.to(x.dtype),
        torch.cat((factors.mean_base, factors.mean_slope)),
        *factors[2:-1],
        noise,
        kl_weight.to(x.dtype),
        float(prior_mean),
        float(prior_variance),
    )
