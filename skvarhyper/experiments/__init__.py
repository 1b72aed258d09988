"""The thesis' experiments: a library function, a report writer and the CLI.

The names that train or plot (``reproduce``, ``write_report``,
``check_conclusions``) are imported on first use, so that the ``skvarhyper``
command starts, and refuses bad input, without loading torch.
"""

from typing import TYPE_CHECKING

from .._utils.lazy import lazy_attributes
from ._checks import METHODS, THESIS_COMPLEXITIES
from .data import DatasetError, load_dataset

if TYPE_CHECKING:
    from ._conclusions import check_conclusions
    from ._reproduce import reproduce
    from .report import write_report

_LAZY = {
    "check_conclusions": "._conclusions",
    "reproduce": "._reproduce",
    "write_report": ".report",
}

__all__ = [
    "METHODS",
    "THESIS_COMPLEXITIES",
    "DatasetError",
    "check_conclusions",
    "load_dataset",
    "reproduce",
    "write_report",
]


__getattr__, __dir__ = lazy_attributes(globals(), _LAZY)
