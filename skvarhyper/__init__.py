"""Variational deep learning with complexity control for scikit-learn."""

from ._hyper import HyperVariationalClassifier
from ._variational import VariationalMLPClassifier

__version__ = "0.1.0.dev0"

__all__ = ["HyperVariationalClassifier", "VariationalMLPClassifier", "__version__"]
