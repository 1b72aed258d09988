"""The ``skvarhyper`` command line."""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from ._checks import check_data, check_grids
from .data import BUNDLED, DatasetError, load_dataset
from .report import write_report
from .reproduce import METHODS, THESIS_COMPLEXITIES, reproduce

DEFAULT_FRACTIONS = "0,10,20,30,40,50,60,70,80,90,95,98"
QUICK = {"restarts": 2, "max_epochs": 100, "finetune_epochs": 10}


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


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skvarhyper",
        description="Variational deep learning with complexity control.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "reproduce",
        help="rerun the thesis' experiments and write figures and a report",
        description=(
            "Train variational MLPs (one per λ), hypernetworks (one for all λ), "
            "their fine-tuned models and a deterministic baseline, prune them, and "
            "write results.json, figures and report.md."
        ),
    )
    run.add_argument(
        "--dataset",
        default="digits",
        help=f"{', '.join(BUNDLED)}, a CSV path, or openml:NAME (default: digits)",
    )
    run.add_argument("--target", help="label column of a CSV (default: the last)")
    run.add_argument(
        "--complexities",
        type=_numbers,
        default=list(THESIS_COMPLEXITIES),
        help="comma-separated λ grid (default: 0,0.01,0.1,1,10,100)",
    )
    run.add_argument(
        "--fractions",
        type=_numbers,
        default=_numbers(DEFAULT_FRACTIONS),
        help=f"comma-separated percentages removed (default: {DEFAULT_FRACTIONS})",
    )
    run.add_argument("--restarts", type=_positive_int, help="default 3 (quick: 2)")
    run.add_argument(
        "--max-epochs", type=_positive_int, help="default 200 (quick: 100)"
    )
    run.add_argument(
        "--finetune-epochs", type=_positive_int, help="default 20 (quick: 10)"
    )
    run.add_argument("--hidden", type=_hidden, default=(100,), help="default 100")
    run.add_argument(
        "--methods",
        default=",".join(METHODS),
        help=f"comma-separated subset of {','.join(METHODS)}",
    )
    run.add_argument("--quick", action="store_true", help="fewer epochs and restarts")
    run.add_argument("--out", default="skvarhyper-results", help="output directory")
    run.add_argument("--seed", type=int, default=0, help="seed of the first restart")
    run.add_argument("--device", default="cpu", help="torch device (default: cpu)")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    return parser


def _settings(args):
    defaults = {"restarts": 3, "max_epochs": 200, "finetune_epochs": 20}
    if args.quick:
        defaults.update(QUICK)
    return {
        name: getattr(args, name) if getattr(args, name) is not None else value
        for name, value in defaults.items()
    }


def _check_options(args, settings):
    """The grids and methods of the command line, checked; they need no data."""
    fractions = [value / 100 for value in args.fractions]
    if not fractions or not all(0 <= f <= 1 for f in fractions):
        raise ValueError("--fractions must be percentages between 0 and 100.")
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    # The grids are sorted here: the figures draw them in increasing order.
    return check_grids(
        sorted(set(args.complexities)),
        sorted(set(fractions)),
        methods,
        seed=args.seed,
        restarts=settings["restarts"],
    )


def _check_output_dir(out):
    """Create ``out`` and write a file there, or say why that fails."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a directory.")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise ValueError(
            f"--out {out}: cannot create or write to this directory "
            f"({exc.strerror or type(exc).__name__})."
        ) from None
    return out


def _prepare(args):
    """Check every option, the data and the output directory; train nothing.

    The checks that need no data come first, the output directory last, so
    that bad input leaves no empty directory behind.
    """
    settings = _settings(args)
    complexities, fractions, methods = _check_options(args, settings)
    from .._validation import check_device

    check_device(args.device)
    data = load_dataset(args.dataset, target=args.target)
    try:
        X, y = check_data(data.X, data.y)
    except ValueError as exc:
        raise DatasetError(f"{data.name}: {exc}") from None
    return {
        "X": X,
        "y": y,
        "dataset": data.name,
        "complexities": complexities,
        "fractions": fractions,
        "methods": methods,
        "out": _check_output_dir(args.out),
        **settings,
    }


def _run(args, plan):
    """Train and evaluate every method, then write the results and figures."""
    say = (lambda line: None) if args.quiet else _print_progress
    out = plan.pop("out")
    start = time.perf_counter()
    results = reproduce(
        **plan, hidden=args.hidden, seed=args.seed, device=args.device, progress=say
    )
    results["settings"]["quick"] = args.quick
    results["settings"]["wall_seconds"] = time.perf_counter() - start
    paths = write_report(results, out)
    say(
        f"done in {results['settings']['wall_seconds']:.0f} s; wrote "
        f"{len(paths)} files to {out}/ (see report.md)"
    )


def _print_progress(line):
    print(line, file=sys.stderr)


def main(argv=None):
    """Run the ``skvarhyper`` command; returns its exit status.

    Bad input (options, data, output directory) ends before any training with
    a one-line ``skvarhyper: error: ...`` on stderr and status 2.
    """
    args = build_parser().parse_args(argv)
    try:
        plan = _prepare(args)
    except ValueError as exc:
        print(f"skvarhyper: error: {exc}", file=sys.stderr)
        return 2
    _run(args, plan)
    return 0


if __name__ == "__main__":
    sys.exit(main())
