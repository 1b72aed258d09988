"""Hypernetworks: the variational parameters of an MLP as a function of λ."""

import math
from collections.abc import Sequence
from itertools import pairwise
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .factored import LayerFactors, factored_linear_with_kl
from .functional import ACTIVATIONS, INIT_LOG_STD, variational_linear_with_kl
from .layers import reset_posterior_
from .mlp import VariationalMLP
from .moments import network_moments


class LayerPosterior(NamedTuple):
    """Variational parameters of one layer, optionally stacked over draws."""

    weight_mean: Tensor
    weight_log_std: Tensor
    bias_mean: Tensor
    bias_log_std: Tensor


class ComplexityEncoder(nn.Module):
    """Maps a complexity ``λ`` to ``t`` in ``[0, 1]`` over ``[low, high]``.

    With ``sampling="loguniform"`` the map is linear in ``log λ``, so that
    drawing ``t`` uniformly draws ``λ`` log-uniformly; with
    ``sampling="uniform"`` it is linear
    in ``λ``. Values outside the range map outside ``[0, 1]``.
    """

    def __init__(self, low: float, high: float, sampling: str = "loguniform"):
        super().__init__()
        self.low, self.high, self.sampling = float(low), float(high), sampling

    def _bounds(self) -> tuple[float, float]:
        if self.sampling == "loguniform":
            return math.log(self.low), math.log(self.high)
        return self.low, self.high

    def encode(self, complexity: Tensor) -> Tensor:
        """``t`` of each complexity."""
        start, stop = self._bounds()
        value = torch.log(complexity) if self.sampling == "loguniform" else complexity
        return (value - start) / (stop - start)

    def decode(self, t: Tensor) -> Tensor:
        """Complexity of each ``t``."""
        start, stop = self._bounds()
        value = start + t * (stop - start)
        return torch.exp(value) if self.sampling == "loguniform" else value

    def extra_repr(self) -> str:
        return f"low={self.low}, high={self.high}, sampling={self.sampling!r}"


def _posterior_shapes(layer_sizes: Sequence[int]) -> list[tuple[int, ...]]:
    """Shapes of the four posterior tensors of every layer, layer by layer."""
    return [
        shape
        for n_in, n_out in pairwise(layer_sizes)
        for shape in ((n_out, n_in), (n_out, n_in), (n_out,), (n_out,))
    ]


class _Generator(nn.Module):
    """Base of the generators: holds the base parameters ``A`` of every tensor.

    ``A`` starts as the parameters of a freshly initialised
    :class:`VariationalMLP`, and every correction starts at zero, so at every
    ``t`` the generated network starts as a fresh variational MLP.
    """

    def __init__(self, layer_sizes, init_log_std, factory):
        super().__init__()
        self.init_log_std = init_log_std
        self.base = nn.ParameterList(
            nn.Parameter(torch.empty(shape, **factory))
            for shape in _posterior_shapes(layer_sizes)
        )

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Initialise ``A`` as a :class:`VariationalMLP` and the corrections."""
        for index in range(0, len(self.base), 4):
            reset_posterior_(
                *self.base[index : index + 4], self.init_log_std, generator
            )
        self.reset_corrections(generator)

    def reset_corrections(self, generator: torch.Generator | None) -> None:
        raise NotImplementedError

    def _group(self, tensors: list[Tensor]) -> list[LayerPosterior]:
        return [LayerPosterior(*tensors[i : i + 4]) for i in range(0, len(tensors), 4)]


class LinearGenerator(_Generator):
    """Every tensor is ``A + t * B`` (the thesis' ``G_linear(λ) = λ b₂ + b₃``).

    ``B`` starts at zero, so at every ``t`` the generated network starts as a
    freshly initialised :class:`VariationalMLP`.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        init_log_std: float = INIT_LOG_STD,
        *,
        generator: torch.Generator | None = None,
        device=None,
        dtype=None,
    ):
        factory = {"device": device, "dtype": dtype}
        super().__init__(layer_sizes, init_log_std, factory)
        self.slope = nn.ParameterList(
            nn.Parameter(torch.empty_like(base)) for base in self.base
        )
        if self.slope[0].device.type != "meta":
            self.reset_parameters(generator)

    def reset_corrections(self, generator: torch.Generator | None) -> None:
        for slope in self.slope:
            nn.init.zeros_(slope)

    def forward(self, t: Tensor) -> list[LayerPosterior]:
        """Stacked parameters for ``t`` of shape ``(S,)``: each ``(S, *shape)``."""
        tensors = [
            torch.addcmul(base, t.view(-1, *([1] * base.dim())), slope)
            for base, slope in zip(self.base, self.slope)
        ]
        return self._group(tensors)


class LowRankGenerator(_Generator):
    """Low-rank corrections of every tensor, driven by a small network of ``t``.

    ``f`` is a one-hidden-layer ReLU network of ``t`` with ``hidden`` units.
    Every weight-mean matrix is ``A + t B + (f(t) U₁)(f(t) U₂)ᵀ``: the
    linear generator's path of every weight, and a correction of rank
    ``rank`` that can bend it; every weight log-std matrix is ``L + a 1ᵀ + 1 bᵀ`` with
    ``a = f(t) U₃`` a shift per unit and ``b = f(t) U₄`` one per input (so a
    unit's or an input's variances scale together); every vector is
    ``a + f(t) U``. In this form no network's matrices need to be formed to
    train it (:mod:`skvarhyper.nn.factored`). ``B`` and all factors but ``U₁``
    start at zero, so at every ``t`` the generated network starts as a freshly
    initialised :class:`VariationalMLP`, while ``U₁`` is random so that the
    product has a gradient.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        rank: int = 1,
        hidden: int = 50,
        init_log_std: float = INIT_LOG_STD,
        *,
        generator: torch.Generator | None = None,
        device=None,
        dtype=None,
    ):
        factory = {"device": device, "dtype": dtype}
        super().__init__(layer_sizes, init_log_std, factory)
        self.rank = rank
        self.hidden = hidden
        # Created uninitialised: reset_parameters draws every initial value.
        linear = nn.Linear(1, hidden, device="meta", dtype=dtype)
        target = torch.empty(0, device=device).device
        self.features = nn.Sequential(linear.to_empty(device=target), nn.ReLU())
        n_out, n_in = list(layer_sizes[1:]), list(layer_sizes[:-1])
        # The factors U₁ (left), U₂ (right), U₃ (unit), U₄ (input) and U of
        # every layer side by side, so that one product maps the features to
        # all of them; the blocks' widths in that order.
        self._widths = [
            *(size * rank for size in n_out),
            *(size * rank for size in n_in),
            *n_out,
            *n_in,
            *n_out,
            *n_out,
        ]
        self.corrections = nn.Parameter(
            torch.empty(hidden, sum(self._widths), **factory)
        )
        self.slope = nn.ParameterList(
            nn.Parameter(torch.empty(n_out, n_in, **factory))
            for n_in, n_out in pairwise(layer_sizes)
        )
        if self.corrections.device.type != "meta":
            self.reset_parameters(generator)

    def reset_corrections(self, generator: torch.Generator | None) -> None:
        # f's layer as nn.Linear(1, hidden) initialises itself (bound 1/sqrt(1)).
        linear = self.features[0]
        nn.init.uniform_(linear.weight, -1.0, 1.0, generator=generator)
        nn.init.uniform_(linear.bias, -1.0, 1.0, generator=generator)
        n_left = sum(self._widths[: len(self._widths) // 6])
        for slope in self.slope:
            nn.init.zeros_(slope)
        nn.init.zeros_(self.corrections)
        nn.init.normal_(self.corrections[:, :n_left], generator=generator)

    def factors(self, t: Tensor) -> list[LayerFactors]:
        """Every layer's factors for ``t`` of shape ``(S,)``, stacked over draws."""
        # Scaled by 1/hidden so that an optimiser step on U moves the generated
        # tensors about as far as a step on A, whatever the number of units.
        features = self.features(t.view(-1, 1)) / self.hidden
        blocks = (features @ self.corrections).split(self._widths, 1)
        n_draws, rank, n_layers = len(features), self.rank, len(self._widths) // 6
        lefts, rights, units, inputs, bias_means, bias_log_stds = (
            blocks[start : start + n_layers]
            for start in range(0, len(blocks), n_layers)
        )
        return [
            LayerFactors(
                mean_base=self.base[4 * index],
                mean_slope=self.slope[index],
                log_std_base=self.base[4 * index + 1],
                left=lefts[index].view(n_draws, -1, rank),
                right=rights[index].view(n_draws, -1, rank),
                unit_log_std=units[index],
                input_log_std=inputs[index],
                bias_mean=self.base[4 * index + 2] + bias_means[index],
                bias_log_std=self.base[4 * index + 3] + bias_log_stds[index],
                encoding=t,
            )
            for index in range(n_layers)
        ]

    def forward(self, t: Tensor) -> list[LayerPosterior]:
        """Stacked parameters for ``t`` of shape ``(S,)``: each ``(S, *shape)``."""
        return [
            LayerPosterior(
                layer.weight_mean(),
                layer.weight_log_std(),
                layer.bias_mean,
                layer.bias_log_std,
            )
            for layer in self.factors(t)
        ]


class _GradientOf(torch.autograd.Function):
    """The output unchanged; its backward also back-propagates ``loss``."""

    @staticmethod
    def forward(ctx, output, loss):
        return output.clone()

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, grad_output.new_ones(())


def _with_gradient_of(output: Tensor, loss: Tensor) -> Tensor:
    """``output``, whose backward also minimises the scalar ``loss``."""
    return _GradientOf.apply(output, loss)


SHRINKAGE_INIT = -7.0
"""Initial ``ρ`` of the mean shrinkage: ``c = softplus(-7) ≈ 1e-3``, so that
at the start the generated means are shrunk by 8 % at λ = 100 and not at all
below λ = 1."""


class HyperVariationalMLP(nn.Module):
    """A variational MLP whose parameters a hypernetwork generates from ``λ``.

    Parameters
    ----------
    layer_sizes : sequence of int
        Input size, hidden sizes and output size.
    activation : str
        Hidden activation, one of :data:`ACTIVATIONS`.
    hypernet : {"linear", "lowrank"}
        The hypernetwork: :class:`LinearGenerator` or :class:`LowRankGenerator`.
    complexity_range : (float, float)
        The interval of ``λ`` the encoder maps onto ``[0, 1]``.
    complexity_sampling : {"loguniform", "uniform"}
        Scale of the encoder: ``λ`` drawn uniformly on this scale.
    rank, hidden : int
        Rank and hidden units of the low-rank generator.
    shrinkage : bool
        Multiply every generated weight mean by ``1 / (1 + λ c)``, with a
        learned ``c = softplus(ρ) >= 0`` per weight (linear generator) or per
        unit (low-rank generator, whose matrices are never formed in
        training): the path of the posterior mean of a linear model under a
        Gaussian prior as its weight ``λ`` grows. It lets a generator that is
        smooth in the encoding of ``λ`` shrink the weights as fast as large
        complexities need.
    prior : {"gaussian", "log-uniform"}
        The prior of the generated networks (see
        :class:`~skvarhyper.nn.VariationalLinear`).
    prior_mean, prior_variance : float
        The Gaussian prior of every parameter; unused by the log-uniform one.
    init_log_std : float
        Initial posterior log-std of the generated networks.
    generator : torch.Generator, optional
        Source of the initial parameters; torch's global generator when None.
    device, dtype : optional
        Where and how the parameters are created; on the ``"meta"`` device
        nothing is initialised.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str = "relu",
        *,
        hypernet: str = "linear",
        complexity_range: tuple[float, float] = (1e-3, 100.0),
        complexity_sampling: str = "loguniform",
        rank: int = 1,
        hidden: int = 50,
        shrinkage: bool = False,
        prior: str = "gaussian",
        prior_mean: float = 0.0,
        prior_variance: float = 0.1,
        init_log_std: float = INIT_LOG_STD,
        generator: torch.Generator | None = None,
        device=None,
        dtype=None,
    ):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.layer_sizes = tuple(layer_sizes)
        self.activation = activation
        self._activation = ACTIVATIONS[activation]
        self.prior = prior
        self.prior_mean, self.prior_variance = prior_mean, prior_variance
        self.encoder = ComplexityEncoder(
            *complexity_range, sampling=complexity_sampling
        )
        init = {"generator": generator, **factory}
        if hypernet == "linear":
            self.hypernet = LinearGenerator(layer_sizes, init_log_std, **init)
        elif hypernet == "lowrank":
            self.hypernet = LowRankGenerator(
                layer_sizes, rank, hidden, init_log_std, **init
            )
        else:
            raise ValueError(f"unknown hypernet {hypernet!r}")
        for index, (n_in, n_out) in enumerate(pairwise(layer_sizes)):
            self.register_buffer(
                f"weight_mask_{index}", torch.ones(n_out, n_in, **factory)
            )
        self.shrinkage = None
        if shrinkage:
            self.shrinkage = nn.ParameterList(
                nn.Parameter(
                    torch.empty(
                        (n_out, n_in) if hypernet == "linear" else (n_out,), **factory
                    )
                )
                for n_in, n_out in pairwise(layer_sizes)
            )
            if self.shrinkage[0].device.type != "meta":
                self._reset_shrinkage()

    @torch.no_grad()
    def _reset_shrinkage(self) -> None:
        for rho in self.shrinkage or ():
            rho.fill_(SHRINKAGE_INIT)

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Initialise the hypernetwork afresh; nothing pruned."""
        self.hypernet.reset_parameters(generator)
        self._reset_shrinkage()
        with torch.no_grad():
            for mask in self.weight_masks:
                mask.fill_(1.0)

    @property
    def weight_masks(self) -> list[Tensor]:
        """The pruning mask of every weight matrix, shared by every ``λ``."""
        return [
            getattr(self, f"weight_mask_{i}") for i in range(len(self.layer_sizes) - 1)
        ]

    def _mean_scales(self, complexity: Tensor) -> list[Tensor | None]:
        """Every layer's shrinkage ``1 / (1 + λ c)`` of the weight means for
        complexities ``(S,)``: ``(S, out, in)`` or ``(S, out)``; None without
        shrinkage."""
        if self.shrinkage is None:
            return [None] * (len(self.layer_sizes) - 1)
        return [
            1.0 / (1.0 + complexity.view(-1, *([1] * rho.dim())) * F.softplus(rho))
            for rho in self.shrinkage
        ]

    def generate(self, complexity: Tensor) -> list[LayerPosterior]:
        """Unmasked parameters for complexities of shape ``(S,)``, stacked."""
        complexity = complexity.to(self.weight_masks[0].dtype)
        posteriors = self.hypernet(self.encoder.encode(complexity))
        if self.shrinkage is None:
            return posteriors
        return [
            layer._replace(
                weight_mean=layer.weight_mean
                * (scale if scale.dim() == 3 else scale.unsqueeze(-1))
            )
            for layer, scale in zip(posteriors, self._mean_scales(complexity))
        ]

    def _factored(self) -> bool:
        """Whether training steps can use the factors of the generated layers
        (:mod:`.factored`) instead of their matrices."""
        return (
            isinstance(self.hypernet, LowRankGenerator)
            and self.prior == "gaussian"
            and all(bool(mask.all()) for mask in self.weight_masks)
        )

    def sample_with_kl(
        self,
        x: Tensor,
        complexity: Tensor,
        kl_weight: Tensor,
        generator: torch.Generator | None = None,
    ) -> tuple[Tensor, Tensor]:
        """Sampled logits ``(S, B, n_out)`` and KL ``(S,)``, as a training step
        needs: the KL carries no gradient, the logits' gradient includes
        ``kl_weight[s]`` times that of ``KL[s]``, so that
        ``loss(logits).backward()`` minimises ``loss + Σ kl_weight * KL``.

        An unpruned low-rank hypernetwork with the Gaussian prior never forms
        its matrices (:func:`~skvarhyper.nn.factored.factored_linear_with_kl`);
        any other runs :meth:`forward`.
        """
        if not self._factored():
            logits, kl = self(x, complexity, sample=True, generator=generator)
            return _with_gradient_of(logits, (kl_weight * kl).sum()), kl.detach()
        complexity = complexity.to(x.dtype)
        layers = self.hypernet.factors(self.encoder.encode(complexity))
        scales = self._mean_scales(complexity)
        kl = 0.0
        for index, (layer, scale) in enumerate(zip(layers, scales)):
            if index:
                x = self._activation(x)
            if scale is None:
                scale = torch.ones_like(layer.bias_mean)
            x, layer_kl = factored_linear_with_kl(
                x,
                layer,
                scale,
                kl_weight=kl_weight,
                prior_mean=self.prior_mean,
                prior_variance=self.prior_variance,
                generator=generator,
            )
            kl = kl + layer_kl
        return x, kl

    def forward(
        self,
        x: Tensor,
        complexity: Tensor,
        sample: bool | None = None,
        generator: torch.Generator | None = None,
    ) -> tuple[Tensor, Tensor]:
        """Logits ``(S, B, n_out)`` for inputs ``(S, B, n_in)``, and KL ``(S,)``.

        Row block ``s`` of ``x`` goes through the network generated for
        ``complexity[s]``; the hypernetwork runs once for all ``S`` draws.
        Posterior noise comes from ``generator`` (torch's global one when None).
        """
        sample = self.training if sample is None else sample
        posteriors = self.generate(complexity)
        masks = self.weight_masks
        if all(bool(mask.all()) for mask in masks):
            masks = [None] * len(masks)
        kl = 0.0
        for index, (layer, mask) in enumerate(zip(posteriors, masks)):
            if index:
                x = self._activation(x)
            x, layer_kl = variational_linear_with_kl(
                x,
                *layer,
                weight_mask=mask,
                prior_mean=self.prior_mean,
                prior_variance=self.prior_variance,
                prior=self.prior,
                sample=sample,
                generator=generator,
            )
            kl = kl + layer_kl
        return x, kl

    def predictive_moments(
        self, x: Tensor, complexity: Tensor
    ) -> tuple[Tensor, Tensor]:
        """Mean and variance ``(S, B, n_out)`` of the outputs of the networks
        generated for complexities ``(S,)`` under their posteriors, masks
        included, for inputs ``(B, n_in)``: one pass, as
        :meth:`VariationalMLP.predictive_moments` for each ``λ``."""
        posteriors = self.generate(complexity)
        layers = ((*layer, mask) for layer, mask in zip(posteriors, self.weight_masks))
        x = x.expand(len(complexity), *x.shape)
        return network_moments(x, layers, self.activation)

    @torch.no_grad()
    def export(self, complexity: float) -> VariationalMLP:
        """The :class:`VariationalMLP` generated for one ``λ``, masks included.

        Built without random initialisation, so torch's random state is left
        alone.
        """
        mask = self.weight_masks[0]
        posteriors = self.generate(torch.tensor([float(complexity)]).to(mask.device))
        mlp = VariationalMLP(
            self.layer_sizes,
            self.activation,
            prior=self.prior,
            prior_mean=self.prior_mean,
            prior_variance=self.prior_variance,
            device="meta",
            dtype=mask.dtype,
        ).to_empty(device=mask.device)
        for layer, posterior, mask in zip(mlp.layers, posteriors, self.weight_masks):
            for name, value in zip(LayerPosterior._fields, posterior):
                getattr(layer, name).copy_(value[0])
            layer.weight_mask.copy_(mask)
        return mlp.train(self.training)
