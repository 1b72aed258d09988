"""Variational deep learning with complexity control for scikit-learn."""

from typing import TYPE_CHECKING

from ._utils.lazy import lazy_attributes

__version__ = "0.1.0.dev0"

if TYPE_CHECKING:
    from ._estimators.classifier import (
        HyperVariationalClassifier,
        VariationalMLPClassifier,
    )
    from ._estimators.regressor import (
        HyperVariationalRegressor,
        VariationalMLPRegressor,
    )
    from ._search import HyperVariationalClassifierCV, HyperVariationalRegressorCV
    from .path import complexity_path, pruning_curve
    from .plotting import ComplexityPathDisplay, PruningCurveDisplay

# Imported on first use, so that ``import skvarhyper`` (and the ``skvarhyper``
# command's --help) does not load torch.
_LAZY = {
    "ComplexityPathDisplay": ".plotting",
    "HyperVariationalClassifier": "._estimators.classifier",
    "HyperVariationalClassifierCV": "._search",
    "HyperVariationalRegressor": "._estimators.regressor",
    "HyperVariationalRegressorCV": "._search",
    "PruningCurveDisplay": ".plotting",
    "VariationalMLPClassifier": "._estimators.classifier",
    "VariationalMLPRegressor": "._estimators.regressor",
    "complexity_path": ".path",
    "pruning_curve": ".path",
}

__all__ = [
    "ComplexityPathDisplay",
    "HyperVariationalClassifier",
    "HyperVariationalClassifierCV",
    "HyperVariationalRegressor",
    "HyperVariationalRegressorCV",
    "PruningCurveDisplay",
    "VariationalMLPClassifier",
    "VariationalMLPRegressor",
    "__version__",
    "complexity_path",
    "pruning_curve",
]


__getattr__, __dir__ = lazy_attributes(globals(), _LAZY)
