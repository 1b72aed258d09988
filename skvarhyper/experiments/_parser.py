"""The options of the ``skvarhyper`` command, and how its help is laid out."""

import argparse
import re
import textwrap

from .. import __version__
from ._checks import METHODS, THESIS_COMPLEXITIES
from .data import BUNDLED

FULL = {"restarts": 3, "max_epochs": 200, "finetune_epochs": 20}
QUICK = {"restarts": 2, "max_epochs": 100, "finetune_epochs": 10}
# The percentages of skvarhyper.path.DEFAULT_FRACTIONS (a test keeps them
# equal); --fractions resolves its default from there when the command runs,
# so that the help need not import torch.
DEFAULT_PERCENTS = "0,10,20,30,40,50,60,70,80,90,95,98"
DEFAULT_OUT = "skvarhyper-results"


class _HelpFormatter(argparse.HelpFormatter):
    """Wraps help between words only: never inside a name or at a hyphen."""

    def _split_lines(self, text, width):
        return textwrap.wrap(
            re.sub(r"\s+", " ", text).strip(),
            width,
            break_long_words=False,
            break_on_hyphens=False,
        )

    def _fill_text(self, text, width, indent):
        return textwrap.fill(
            re.sub(r"\s+", " ", text).strip(),
            width,
            initial_indent=indent,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        )


def _numbers(text):
    try:
        return [float(value) for value in text.split(",") if value.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers, got {text!r}"
        ) from None


def _hidden(text):
    try:
        sizes = tuple(int(value) for value in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers, got {text!r}"
        )
    return sizes


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _add_data_options(parser):
    data = parser.add_argument_group("data")
    data.add_argument(
        "--dataset",
        default="digits",
        metavar="NAME",
        help=f"{', '.join(BUNDLED)} (bundled with scikit-learn; diabetes is a "
        "regression), a CSV file with a header row, or openml:NAME; CSV files and "
        "OpenML need pandas (default: digits)",
    )
    data.add_argument(
        "--target",
        metavar="COLUMN",
        help="label column of a CSV file (default: the last column)",
    )
    data.add_argument(
        "--task",
        choices=("auto", "classification", "regression"),
        default="auto",
        help="auto: a regression for a numeric target with fractional values or "
        "more than 20 distinct ones, else a classification (default: auto)",
    )


def _add_grid_options(parser):
    grids = parser.add_argument_group("grids and methods")
    grids.add_argument(
        "--complexities",
        type=_numbers,
        default=list(THESIS_COMPLEXITIES),
        metavar="LAMBDAS",
        help="comma-separated λ grid; the hypernetworks need a positive λ "
        f"(default: {','.join(f'{c:g}' for c in THESIS_COMPLEXITIES)})",
    )
    grids.add_argument(
        "--fractions",
        type=_numbers,
        metavar="PERCENTS",
        help=f"comma-separated percentages of weights removed "
        f"(default: {DEFAULT_PERCENTS})",
    )
    grids.add_argument(
        "--methods",
        default=",".join(METHODS),
        metavar="NAMES",
        help=f"comma-separated subset of: {', '.join(METHODS)} (default: all)",
    )


def _add_training_options(parser):
    training = parser.add_argument_group("training")
    explained = {
        "restarts": "independent repetitions, each on a new split",
        "max_epochs": "training epochs of every model",
        "finetune_epochs": "extra epochs of the fine-tuned models",
    }
    for name, text in explained.items():
        training.add_argument(
            f"--{name.replace('_', '-')}",
            type=_positive_int,
            metavar="N",
            help=f"{text} (default: {FULL[name]}; with --quick: {QUICK[name]})",
        )
    training.add_argument(
        "--quick", action="store_true", help="fewer epochs and restarts, as above"
    )
    training.add_argument(
        "--hidden",
        type=_hidden,
        default=(100,),
        metavar="SIZES",
        help="comma-separated hidden layer sizes (default: 100)",
    )
    training.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of the first restart; restart r uses seed + r (default: 0)",
    )
    training.add_argument(
        "--device",
        default="cpu",
        help="torch device of the variational models (default: cpu)",
    )
    training.add_argument(
        "--threads",
        type=_positive_int,
        default=1,
        metavar="N",
        help="PyTorch's CPU threads (default: 1; the small networks gain nothing "
        "from more, and lose much when another process shares the cores)",
    )


def _add_output_options(parser):
    output = parser.add_argument_group("output")
    output.add_argument(
        "--out",
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"output directory, created if needed (default: {DEFAULT_OUT})",
    )
    output.add_argument(
        "-q", "--quiet", action="store_true", help="no progress lines on stderr"
    )


def build_parser():
    """The argument parser of the ``skvarhyper`` command."""
    parser = argparse.ArgumentParser(
        prog="skvarhyper",
        description="Variational deep learning with complexity control.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "reproduce",
        help="rerun the thesis' experiments and write figures and a report",
        description=(
            "Train variational MLPs (one per λ), hypernetworks (one for all λ), "
            "their fine-tuned models and a deterministic baseline, prune them, and "
            "write results.json, figures and report.md. Every option and the data "
            "are checked before any training starts."
        ),
        formatter_class=_HelpFormatter,
    )
    _add_data_options(run)
    _add_grid_options(run)
    _add_training_options(run)
    _add_output_options(run)
    return parser


def settings(args):
    """Restarts and epochs: the options given, else the (quick) defaults."""
    defaults = {**FULL, **(QUICK if args.quick else {})}
    return {
        name: getattr(args, name) if getattr(args, name) is not None else value
        for name, value in defaults.items()
    }
