"""Hypernetworks: the variational parameters of an MLP as a function of λ."""

import math
from collections.abc import Sequence
from itertools import pairwise
from typing import NamedTuple

import torch
from torch import Tensor, nn

from .functional import ACTIVATIONS, INIT_LOG_STD, variational_linear_with_kl
from .mlp import VariationalMLP


class LayerPosterior(NamedTuple):
    """Variational parameters of one layer, optionally stacked over draws."""

    weight_mean: Tensor
    weight_log_std: Tensor
    bias_mean: Tensor
    bias_log_std: Tensor


class ComplexityEncoder(nn.Module):
    """Maps a complexity ``λ`` to ``t`` in ``[0, 1]`` over ``[low, high]``.

    With ``scale="log"`` the map is linear in ``log λ``, so that drawing ``t``
    uniformly draws ``λ`` log-uniformly; with ``scale="linear"`` it is linear
    in ``λ``. Values outside the range map outside ``[0, 1]``.
    """

    def __init__(self, low: float, high: float, scale: str = "log"):
        super().__init__()
        self.low, self.high, self.scale = float(low), float(high), scale

    def _bounds(self) -> tuple[float, float]:
        if self.scale == "log":
            return math.log(self.low), math.log(self.high)
        return self.low, self.high

    def encode(self, complexity: Tensor) -> Tensor:
        """``t`` of each complexity."""
        start, stop = self._bounds()
        value = torch.log(complexity) if self.scale == "log" else complexity
        return (value - start) / (stop - start)

    def decode(self, t: Tensor) -> Tensor:
        """Complexity of each ``t``."""
        start, stop = self._bounds()
        value = start + t * (stop - start)
        return torch.exp(value) if self.scale == "log" else value

    def extra_repr(self) -> str:
        return f"low={self.low}, high={self.high}, scale={self.scale!r}"


def _template_posteriors(
    layer_sizes: Sequence[int], init_log_std: float
) -> list[LayerPosterior]:
    """Parameters of a freshly initialised :class:`VariationalMLP`."""
    mlp = VariationalMLP(layer_sizes, init_log_std=init_log_std)
    return [
        LayerPosterior(
            layer.weight_mean.detach(),
            layer.weight_log_std.detach(),
            layer.bias_mean.detach(),
            layer.bias_log_std.detach(),
        )
        for layer in mlp.layers
    ]


class _Generator(nn.Module):
    """Base of the generators: holds the base parameters ``A`` of every tensor."""

    def __init__(self, layer_sizes: Sequence[int], init_log_std: float):
        super().__init__()
        self.base = nn.ParameterList(
            nn.Parameter(tensor.clone())
            for layer in _template_posteriors(layer_sizes, init_log_std)
            for tensor in layer
        )

    def _group(self, tensors: list[Tensor]) -> list[LayerPosterior]:
        return [LayerPosterior(*tensors[i : i + 4]) for i in range(0, len(tensors), 4)]


class LinearGenerator(_Generator):
    """Every tensor is ``A + t * B`` (the thesis' ``G_linear(λ) = λ b₂ + b₃``).

    ``B`` starts at zero, so at every ``t`` the generated network starts as a
    freshly initialised :class:`VariationalMLP`.
    """

    def __init__(self, layer_sizes: Sequence[int], init_log_std: float = INIT_LOG_STD):
        super().__init__(layer_sizes, init_log_std)
        self.slope = nn.ParameterList(
            nn.Parameter(torch.zeros_like(base)) for base in self.base
        )

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
    ):
        super().__init__(layer_sizes, init_log_std)
        self.rank = rank
        self.hidden = hidden
        self.features = nn.Sequential(nn.Linear(1, hidden), nn.ReLU())
        matrices = [base.shape for base in self.base if base.dim() == 2]
        vectors = [base.numel() for base in self.base if base.dim() == 1]
        self._left_sizes = [n_out * rank for n_out, _ in matrices]
        self._right_sizes = [n_in * rank for _, n_in in matrices]
        self._vector_sizes = vectors
        # The factors of all tensors side by side, so that one product each
        # maps the features to every tensor's correction.
        self.left = nn.Parameter(torch.randn(hidden, sum(self._left_sizes)))
        self.right = nn.Parameter(torch.zeros(hidden, sum(self._right_sizes)))
        self.vector = nn.Parameter(torch.zeros(hidden, sum(vectors)))

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


class HyperVariationalMLP(nn.Module):
    """A variational MLP whose parameters a hypernetwork generates from ``λ``.

    Parameters
    ----------
    layer_sizes : sequence of int
        Input size, hidden sizes and output size.
    activation : str
        Hidden activation, one of :data:`ACTIVATIONS`.
    generator : {"linear", "lowrank"}
        The hypernetwork: :class:`LinearGenerator` or :class:`LowRankGenerator`.
    complexity_range : (float, float)
        The interval of ``λ`` the encoder maps onto ``[0, 1]``.
    complexity_scale : {"log", "linear"}
        Scale of the encoder.
    rank, hidden : int
        Rank and hidden units of the low-rank generator.
    prior_mean, prior_variance : float
        The Gaussian prior of every parameter.
    init_log_std : float
        Initial posterior log-std of the generated networks.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str = "relu",
        *,
        generator: str = "linear",
        complexity_range: tuple[float, float] = (1e-3, 100.0),
        complexity_scale: str = "log",
        rank: int = 1,
        hidden: int = 50,
        prior_mean: float = 0.0,
        prior_variance: float = 0.1,
        init_log_std: float = INIT_LOG_STD,
    ):
        super().__init__()
        self.layer_sizes = tuple(layer_sizes)
        self.activation = activation
        self._activation = ACTIVATIONS[activation]
        self.prior_mean, self.prior_variance = prior_mean, prior_variance
        self.encoder = ComplexityEncoder(*complexity_range, scale=complexity_scale)
        if generator == "linear":
            self.generator = LinearGenerator(layer_sizes, init_log_std)
        elif generator == "lowrank":
            self.generator = LowRankGenerator(layer_sizes, rank, hidden, init_log_std)
        else:
            raise ValueError(f"unknown generator {generator!r}")
        for index, (n_in, n_out) in enumerate(pairwise(layer_sizes)):
            self.register_buffer(f"weight_mask_{index}", torch.ones(n_out, n_in))

    @property
    def weight_masks(self) -> list[Tensor]:
        """The pruning mask of every weight matrix, shared by every ``λ``."""
        return [
            getattr(self, f"weight_mask_{i}") for i in range(len(self.layer_sizes) - 1)
        ]

    def generate(self, complexity: Tensor) -> list[LayerPosterior]:
        """Unmasked parameters for complexities of shape ``(S,)``, stacked."""
        return self.generator(self.encoder.encode(complexity))

    def forward(
        self, x: Tensor, complexity: Tensor, sample: bool | None = None
    ) -> tuple[Tensor, Tensor]:
        """Logits ``(S, B, n_out)`` for inputs ``(S, B, n_in)``, and KL ``(S,)``.

        Row block ``s`` of ``x`` goes through the network generated for
        ``complexity[s]``; the generator runs once for all ``S`` draws.
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
                sample=sample,
            )
            kl = kl + layer_kl
        return x, kl

    @torch.no_grad()
    def export(self, complexity: float) -> VariationalMLP:
        """The :class:`VariationalMLP` generated for one ``λ``, masks included."""
        device = self.weight_masks[0].device
        posteriors = self.generate(torch.tensor([float(complexity)], device=device))
        mlp = VariationalMLP(
            self.layer_sizes,
            self.activation,
            prior_mean=self.prior_mean,
            prior_variance=self.prior_variance,
        ).to(device)
        for layer, posterior, mask in zip(mlp.layers, posteriors, self.weight_masks):
            for name, value in zip(LayerPosterior._fields, posterior):
                getattr(layer, name).copy_(value[0])
            layer.weight_mask.copy_(mask)
        return mlp
