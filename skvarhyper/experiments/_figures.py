"""The figures of a run, drawn on Figure objects of their own.

No pyplot: the figures never touch the user's backend or pyplot's list of
open figures, and ``savefig`` renders PNG files with Agg on any machine,
headless or not.
"""

from pathlib import Path

import numpy as np

from ..plotting import ComplexityPathDisplay, PruningCurveDisplay

DPI = 120
LABELS = {
    "variational": "variational (one model per λ)",
    "hyper_linear": "hypernetwork, linear",
    "hyper_lowrank": "hypernetwork, low-rank",
    "hyper_linear_finetuned": "hypernetwork, linear, fine-tuned",
    "hyper_lowrank_finetuned": "hypernetwork, low-rank, fine-tuned",
    "deterministic": "deterministic MLP, L2 = λ, magnitude pruning",
}


def label(method):
    """The name of ``method`` in figures and the report."""
    return LABELS.get(method, method)


SCORE_NAMES = {"accuracy": "accuracy", "r2": "R²"}


def in_percent(results):
    """Whether the run's score is accuracy, shown in per cent (R² is not)."""
    return results.get("score", "accuracy") == "accuracy"


def score_name(results):
    """The name of the run's score: accuracy, or R² for a regression."""
    return SCORE_NAMES[results.get("score", "accuracy")]


def scores(results, method):
    """Test scores of ``method`` as (restarts, complexities, fractions)."""
    return np.asarray(results["methods"][method][results.get("score", "accuracy")])


def evaluated_complexities(results, method):
    """The ``λ`` at which ``method`` was evaluated: a hypernetwork evaluates
    ``λ = 0`` at the low end of its (log-scale) range."""
    complexities = np.asarray(results["complexities"], dtype=float)
    low = (results["settings"].get("hypernetwork_complexity_range") or [None])[0]
    if method.startswith("hyper_") and low is not None:
        complexities = np.maximum(complexities, low)
    return complexities


def _std(values):
    """The sample standard deviation over the restarts (axis 0)."""
    return values.std(0, ddof=1) if len(values) > 1 else np.zeros(values.shape[1:])


def _score_range(results):
    """The lowest and highest mean score (± std) of every method, in the
    units of the axes, so that every figure of a run shares one scale."""
    values = np.concatenate(
        [
            np.ravel([s.mean(0) - _std(s), s.mean(0) + _std(s)])
            for s in (scores(results, m) for m in results["methods"])
        ]
    )
    scale = 100.0 if in_percent(results) else 1.0
    return scale * values.min(), scale * values.max()


def _figure(**kwargs):
    from matplotlib.figure import Figure

    return Figure(layout="constrained", **kwargs)


def _save(fig, path):
    fig.savefig(path, dpi=DPI)
    return path


def write_pruning_figures(results, out):
    """One pruning-curve figure per method; returns the paths written."""
    written = []
    low, high = _score_range(results)
    margin = 0.03 * (high - low) or 1.0
    for method in results["methods"]:
        fig = _figure(figsize=(6.5, 4))
        display = PruningCurveDisplay(
            fractions=results["fractions"],
            scores=scores(results, method),
            complexities=evaluated_complexities(results, method),
            score_name=score_name(results).capitalize(),
            estimator_name=f"{results['dataset']}: {label(method)}",
        ).plot(ax=fig.subplots())
        display.ax_.set_ylim(low - margin, high + margin)
        written.append(_save(fig, Path(out) / f"pruning_{method}.png"))
    return written


def write_surfaces(results, out):
    """Every method's score over λ × fraction, side by side."""
    methods = list(results["methods"])
    n_columns = min(2, len(methods))  # readable at a page's width
    n_rows = int(np.ceil(len(methods) / n_columns))
    fig = _figure(figsize=(5.2 * n_columns, 4.0 * n_rows))
    axes = fig.subplots(n_rows, n_columns, squeeze=False)
    means = [scores(results, method).mean(0) for method in methods]
    scale = 100.0 if in_percent(results) else 1.0
    vmin = scale * min(m.min() for m in means)
    vmax = scale * max(m.max() for m in means)
    for ax, method in zip(axes.flat, methods):
        ComplexityPathDisplay(
            complexities=evaluated_complexities(results, method),
            fractions=results["fractions"],
            scores=scores(results, method),
            score_name=score_name(results).capitalize(),
        ).plot(ax=ax, legend=False, vmin=vmin, vmax=vmax)
        ax.set_title(label(method), fontsize="medium")
    for ax in axes.flat[len(methods) :]:
        ax.remove()
    fig.suptitle(
        f"{results['dataset']}: test {score_name(results)} over λ and the "
        "fraction pruned, one colour scale; "
        "white line: the best λ of each fraction"
    )
    return _save(fig, Path(out) / "complexity_surfaces.png")


def write_cost_chart(results, out):
    """Training time of each method for the whole λ grid, as bars."""
    methods = list(results["methods"])
    seconds = np.asarray([results["methods"][m]["fit_seconds"] for m in methods])
    fig = _figure(figsize=(7, 0.6 * len(methods) + 1.5))
    ax = fig.subplots()
    ax.barh(
        [label(m) for m in methods],
        seconds.mean(1),
        xerr=seconds.std(1, ddof=1) if seconds.shape[1] > 1 else None,
        color="0.55",
        edgecolor="black",
    )
    ax.invert_yaxis()
    n_complexities = len(results["complexities"])
    ax.set_xlabel(f"Training time for all {n_complexities} values of λ (s)")
    fig.suptitle(
        f"{results['dataset']}: compute cost (mean ± sample std over "
        f"{seconds.shape[1]} restarts)"
    )
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, Path(out) / "compute_cost.png")


def write_figures(results, out):
    """Write every figure of a run into the directory ``out``.

    Parameters
    ----------
    results : dict
        As returned by :func:`~skvarhyper.experiments.reproduce`.
    out : str or path
        An existing directory.

    Returns
    -------
    paths : list of Path
        The PNG files written: one pruning curve per method, the surfaces
        and the compute cost.
    """
    return [
        *write_pruning_figures(results, out),
        write_surfaces(results, out),
        write_cost_chart(results, out),
    ]
