"""Hypernetworks: the variational parameters of an MLP as a function of λ."""

import math
from collections.abc import Sequence
from itertools import pairwise
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .functional import ACTIVATIONS, INIT_LOG_STD, variational_linear_with_kl
from .layers import reset_posterior_
from .mlp import VariationalMLP


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
    """Every matrix is ``A + (f(t) U₁)(f(t) U₂)ᵀ``, every vector ``a + f(t) U``.

    ``f`` is a one-hidden-layer ReLU network of ``t`` with ``hidden`` units and
    the correction of a matrix has rank ``rank``. ``U₂`` and ``U`` start at
    zero, so at every ``t`` the generated network starts as a freshly
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
        matrices = [base.shape for base in self.base if base.dim() == 2]
        vectors = [base.numel() for base in self.base if base.dim() == 1]
        self._left_sizes = [n_out * rank for n_out, _ in matrices]
        self._right_sizes = [n_in * rank for _, n_in in matrices]
        self._vector_sizes = vectors
        # The factors of all tensors side by side, so that one product each
        # maps the features to every tensor's correction.
        self.left = nn.Parameter(torch.empty(hidden, sum(self._left_sizes), **factory))
        self.right = nn.Parameter(
            torch.empty(hidden, sum(self._right_sizes), **factory)
        )
        self.vector = nn.Parameter(torch.empty(hidden, sum(vectors), **factory))
        if self.left.device.type != "meta":
            self.reset_parameters(generator)

    def reset_corrections(self, generator: torch.Generator | None) -> None:
        # f's layer as nn.Linear(1, hidden) initialises itself (bound 1/sqrt(1)).
        linear = self.features[0]
        nn.init.uniform_(linear.weight, -1.0, 1.0, generator=generator)
        nn.init.uniform_(linear.bias, -1.0, 1.0, generator=generator)
        nn.init.normal_(self.left, generator=generator)
        nn.init.zeros_(self.right)
        nn.init.zeros_(self.vector)

    def forward(self, t: Tensor) -> list[LayerPosterior]:
        """Stacked parameters for ``t`` of shape ``(S,)``: each ``(S, *shape)``."""
        # Scaled by 1/hidden so that an optimiser step on U moves the generated
        # tensors about as far as a step on A, whatever the number of units.
        features = self.features(t.view(-1, 1)) / self.hidden
        n_draws = len(features)
        lefts = iter((features @ self.left).split(self._left_sizes, dim=1))
        rights = iter((features @ self.right).split(self._right_sizes, dim=1))
        vectors = iter((features @ self.vector).split(self._vector_sizes, dim=1))
        tensors = []
        for base in self.base:
            if base.dim() == 2:
                n_out, n_in = base.shape
                u = next(lefts).reshape(n_draws, n_out, self.rank)
                v = next(rights).reshape(n_draws, n_in, self.rank)
                tensors.append(torch.baddbmm(base, u, v.transpose(1, 2)))
            else:
                tensors.append(base + next(vectors))
        return self._group(tensors)


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
        learned ``c = softplus(ρ) >= 0`` per weight: the path of the posterior
        mean of a linear model under a Gaussian prior as its weight ``λ``
        grows. It lets a generator that is smooth in the encoding of ``λ``
        shrink the weights as fast as large complexities need.
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
                nn.Parameter(torch.empty(n_out, n_in, **factory))
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

    def generate(self, complexity: Tensor) -> list[LayerPosterior]:
        """Unmasked parameters for complexities of shape ``(S,)``, stacked."""
        complexity = complexity.to(self.weight_masks[0].dtype)
        posteriors = self.hypernet(self.encoder.encode(complexity))
        if self.shrinkage is None:
            return posteriors
        scale = complexity.view(-1, 1, 1)
        return [
            layer._replace(
                weight_mean=layer.weight_mean / (1.0 + scale * F.softplus(rho))
            )
            for layer, rho in zip(posteriors, self.shrinkage)
        ]

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
