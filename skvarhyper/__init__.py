"""Variational deep learning with complexity control for scikit-learn."""

from ._hyper import HyperVariationalClassifier
from ._hyper_cv import HyperVariationalClassifierCV
from ._variational import VariationalMLPClassifier
from .path import complexity_path, pruning_curve
from .plotting import ComplexityPathDisplay, PruningCurveDisplay

__version__ = "0.1.0.dev0"

__all__ = [
    "ComplexityPathDisplay",
    "HyperVariationalClassifier",
    "HyperVariationalClassifierCV",
    "PruningCurveDisplay",
    "VariationalMLPClassifier",
    "__version__",
    "complexity_path",
    "pruning_curve",
]
