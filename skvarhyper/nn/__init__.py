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
from .likelihood import CategoricalLikelihood, GaussianLikelihood
from .mlp import VariationalMLP
from .pruning import (
    PRUNING_SCOPES,
    PRUNING_SCORES,
    live_units,
    magnitude_scores,
    masks_from_scores,
    pruning_masks,
    snr_scores,
)

__all__ = [
    "ACTIVATIONS",
    "PRUNING_SCOPES",
    "PRUNING_SCORES",
    "CategoricalLikelihood",
    "ComplexityEncoder",
    "GaussianLikelihood",
    "HyperVariationalMLP",
    "LayerPosterior",
    "LinearGenerator",
    "LowRankGenerator",
    "VariationalLinear",
    "VariationalMLP",
    "gaussian_kl",
    "live_units",
    "magnitude_scores",
    "masks_from_scores",
    "pruning_masks",
    "snr_scores",
    "variational_linear",
]
