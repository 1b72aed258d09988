"""The ``skvarhyper`` command line."""

import argparse
import sys
import time

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


def _check(args):
    fractions = [value / 100 for value in args.fractions]
    if not fractions or not all(0 <= f <= 1 for f in fractions):
        raise ValueError("--fractions must be percentages between 0 and 100.")
    if not args.complexities or min(args.complexities) < 0:
        raise ValueError("--complexities must be non-negative numbers.")
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown or not methods:
        raise ValueError(f"unknown --methods {unknown}; choose from {METHODS}.")
    from .._validation import check_device

    check_device(args.device)
    return fractions, methods


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    say = (
        (lambda line: None)
        if args.quiet
        else (lambda line: print(line, file=sys.stderr))
    )
    try:
        fractions, methods = _check(args)
        data = load_dataset(args.dataset, target=args.target)
    except (DatasetError, ValueError) as exc:
        print(f"skvarhyper: error: {exc}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    results = reproduce(
        data.X,
        data.y,
        dataset=data.name,
        complexities=args.complexities,
        fractions=fractions,
        hidden=args.hidden,
        methods=methods,
        seed=args.seed,
        device=args.device,
        progress=say,
        **_settings(args),
    )
    results["settings"]["quick"] = args.quick
    results["settings"]["wall_seconds"] = time.perf_counter() - start
    paths = write_report(results, args.out)
    say(
        f"done in {results['settings']['wall_seconds']:.0f} s; wrote "
        f"{len(paths)} files to {args.out}/ (see report.md)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
