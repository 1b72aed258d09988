"""The thesis' experiments: a library function, a report writer and the CLI."""

from .data import DatasetError, load_dataset
from .report import check_conclusions, write_report
from .reproduce import METHODS, THESIS_COMPLEXITIES, reproduce

__all__ = [
    "METHODS",
    "THESIS_COMPLEXITIES",
    "DatasetError",
    "check_conclusions",
    "load_dataset",
    "reproduce",
    "write_report",
]
