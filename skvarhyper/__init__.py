"""Variational deep learning with complexity control for scikit-learn."""

from typing import TYPE_CHECKING

from ._lazy import lazy_attributes

__version__ = "0.1.0.dev0"

if TYPE_CHECKING:
    from ._hyper import HyperVariationalClassifier
    from ._hyper_cv import HyperVariationalClassifierCV
    from ._hyper_cv_regressor import HyperVariationalRegressorCV
    from ._hyper_regressor import HyperVariationalRegressor
    from ._variational import VariationalMLPClassifier
    from ._variational_regressor import VariationalMLPRegressor
    from .path import complexity_path, pruning_curve
    from .plotting import ComplexityPathDisplay, PruningCurveDisplay

# Imported on first use, so that ``import skvarhyper`` (and the ``skvarhyper``
# command's --help) does not load torch.
_LAZY = {
    "ComplexityPathDisplay": ".plotting",
    "HyperVariationalClassifier": "._hyper",
    "HyperVariationalClassifierCV": "._hyper_cv",
    "HyperVariationalRegressor": "._hyper_regressor",
    "HyperVariationalRegressorCV": "._hyper_cv_regressor",
    "PruningCurveDisplay": ".plotting",
    "VariationalMLPClassifier": "._variational",
    "VariationalMLPRegressor": "._variational_regressor",
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
