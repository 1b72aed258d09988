"""Pure PyTorch building blocks; nothing here imports scikit-learn or skorch."""

from .functional import ACTIVATIONS, gaussian_kl, variational_linear
from .hyper import (
    ComplexityEncoder,
    HyperVariationalMLP,
    LayerPosterior,
    LinearGenerator,
    LowRankGenerator,
)
from .layers import VariationalLinear
from .mlp import VariationalMLP

__all__ = [
    "ACTIVATIONS",
    "ComplexityEncoder",
    "HyperVariationalMLP",
    "LayerPosterior",
    "LinearGenerator",
    "LowRankGenerator",
    "VariationalLinear",
    "VariationalMLP",
    "gaussian_kl",
    "variational_linear",
]
