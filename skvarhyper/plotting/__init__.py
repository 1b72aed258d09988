"""Figures of the thesis as scikit-learn Display objects.

Each Display holds its data (given to ``__init__``, e.g. the results of
several restarts), builds itself from a fitted estimator with
``from_estimator``, and draws with ``plot(ax=None, ...)``, which sets
``ax_`` and ``figure_`` and returns the Display. matplotlib is imported only
when plotting.
"""

from ._complexity_path import ComplexityPathDisplay
from ._pruning_curve import PruningCurveDisplay

__all__ = ["ComplexityPathDisplay", "PruningCurveDisplay"]
