"""Variational deep learning with complexity control for scikit-learn."""

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0.dev0"

if TYPE_CHECKING:
    from ._hyper import HyperVariationalClassifier
    from ._hyper_cv import HyperVariationalClassifierCV
    from ._variational import VariationalMLPClassifier
    from .path import complexity_path, pruning_curve
    from .plotting import ComplexityPathDisplay, PruningCurveDisplay

# Imported on first use, so that ``import skvarhyper`` (and the ``skvarhyper``
# command's --help) does not load torch.
_LAZY = {
    "ComplexityPathDisplay": ".plotting",
    "HyperVariationalClassifier": "._hyper",
    "HyperVariationalClassifierCV": "._hyper_cv",
    "PruningCurveDisplay": ".plotting",
    "VariationalMLPClassifier": "._variational",
    "complexity_path": ".path",
    "pruning_curve": ".path",
}

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


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
