"""The ``skvarhyper`` command line.

Only the ``reproduce`` command, once its input is checked, imports torch and
the estimators: ``--help``, ``--version`` and bad input answer at once.
"""

import sys
import tempfile
import time
from pathlib import Path

from ._checks import check_data, check_grids, check_task
from ._parser import build_parser, settings
from .data import DatasetError, load_dataset

__all__ = ["build_parser", "main"]


def _fractions(args):
    """The fractions given as percentages, or the library's default ones."""
    if args.fractions is None:
        from ..path import DEFAULT_FRACTIONS

        return list(DEFAULT_FRACTIONS)
    return [value / 100 for value in args.fractions]


def _check_options(args, run_settings):
    """The grids and methods of the command line, checked; they need no data."""
    fractions = _fractions(args)
    if not fractions or not all(0 <= f <= 1 for f in fractions):
        raise ValueError("--fractions must be percentages between 0 and 100.")
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    # The grids are sorted here: the figures draw them in increasing order.
    return check_grids(
        sorted(set(args.complexities)),
        sorted(set(fractions)),
        methods,
        seed=args.seed,
        restarts=run_settings["restarts"],
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

    The options come first, then the data and the device, and the output
    directory last, so that bad input leaves no empty directory behind.
    """
    run_settings = settings(args)
    complexities, fractions, methods = _check_options(args, run_settings)
    data = load_dataset(args.dataset, target=args.target)
    try:
        task = check_task(args.task, data.y)
        X, y = check_data(data.X, data.y, task)
    except ValueError as exc:
        raise DatasetError(f"{data.name}: {exc}") from None
    from .._training.config import check_device

    check_device(args.device)
    return {
        "X": X,
        "y": y,
        "dataset": data.name,
        "task": task,
        "complexities": complexities,
        "fractions": fractions,
        "methods": methods,
        "out": _check_output_dir(args.out),
        **run_settings,
    }


def _run(args, plan):
    """Train and evaluate every method, then write the results and figures."""
    import torch

    from ._reproduce import reproduce
    from .report import write_report

    torch.set_num_threads(args.threads)
    say = (lambda line: None) if args.quiet else _print_progress
    out = plan.pop("out")
    start = time.perf_counter()
    results = reproduce(
        **plan, hidden=args.hidden, seed=args.seed, device=args.device, progress=say
    )
    results["settings"]["quick"] = args.quick
    results["settings"]["threads"] = args.threads
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
