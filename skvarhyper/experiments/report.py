"""Turn the results of :func:`reproduce` into figures, ``results.json`` and a report."""

import json
from pathlib import Path

import numpy as np

from ._conclusions import check_conclusions, fraction_index
from ._figures import (
    LABELS,
    evaluated_complexities,
    in_percent,
    label,
    score_name,
    scores,
    write_figures,
)

__all__ = [
    "LABELS",
    "check_conclusions",
    "render_report",
    "write_figures",
    "write_report",
]

REPORT_FRACTIONS = (0.0, 0.5, 0.8, 0.9, 0.95)


def _cell(values, percent=True):
    """Mean ± sample standard deviation, in per cent when ``percent``."""
    scale, digits = (100, 1) if percent else (1, 3)
    mean, spread = scale * np.mean(values), scale * _spread(values)
    return f"{mean:.{digits}f} ± {spread:.{digits}f}"


def _score_table(results):
    columns = [f for f in REPORT_FRACTIONS if fraction_index(results, f) is not None]
    lines = [
        "| method | λ | " + " | ".join(f"{100 * f:g}% removed" for f in columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    percent = in_percent(results)
    for method in results["methods"]:
        values = scores(results, method)
        for i, complexity in enumerate(evaluated_complexities(results, method)):
            cells = [
                _cell(values[:, i, fraction_index(results, f)], percent)
                for f in columns
            ]
            lines.append(f"| {method} | {complexity:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _error_table(results):
    """A regression's test RMSE and 90% interval coverage per method and λ."""
    lines = [
        "| method | λ | RMSE | coverage of the 90% interval (%) |",
        "|---|---|---|---|",
    ]
    for method, result in results["methods"].items():
        rmse = np.asarray(result["rmse"], dtype=float)
        coverage = np.asarray(result["coverage90"], dtype=float)
        for i, complexity in enumerate(evaluated_complexities(results, method)):
            covered = "—" if np.isnan(coverage[:, i]).any() else _cell(coverage[:, i])
            lines.append(
                f"| {method} | {complexity:g} | {np.mean(rmse[:, i]):.4g} ± "
                f"{np.std(rmse[:, i]):.2g} | {covered} |"
            )
    return "\n".join(lines)


def _data_sentence(results):
    if results.get("task") == "regression":
        return (
            f"{results['n_samples']} samples, {results['n_features']} features, a "
            "real target (regression, standardised on the train part; differences "
            "of R² below are in points, hundredths of R²). Each of "
            f"{results['settings']['restarts']} restarts splits the data anew into "
            "train / validation / test (60 / 20 / 20)"
        )
    return (
        f"{results['n_samples']} samples, {results['n_features']} features, "
        f"{results['n_classes']} classes. Each of {results['settings']['restarts']} "
        "restarts splits the data anew into train / validation / test (60 / 20 / "
        "20, stratified)"
    )


def _scores_section(results):
    if in_percent(results):
        return (
            "## Test accuracy (%, mean ± sample std over restarts)\n\n"
            f"{_score_table(results)}"
        )
    return (
        f"## Test R² (mean ± sample std over restarts)\n\n{_score_table(results)}\n\n"
        "## Test RMSE and interval coverage of the unpruned models\n\n"
        "RMSE in the target's units; the deterministic MLP has no predictive "
        f"interval.\n\n{_error_table(results)}"
    )


def _sentence(text):
    """``text`` with a capital first letter."""
    return text[:1].upper() + text[1:]


def _spread(values):
    """The sample standard deviation (ddof = 1); 0 for a single value."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def _cost_table(results):
    restarts = len(next(iter(results["methods"].values()))["fit_seconds"])
    lines = [
        f"Training seconds for the whole λ grid: mean ± sample standard deviation "
        f"(ddof = 1) over {restarts} restart(s), and each restart's time. Times "
        "depend on what else the machine runs (another process on a core can "
        "double them), so compare methods within one run.",
        "",
        "| method | mean ± std (s) | each restart (s) |",
        "|---|---|---|",
    ]
    for method, result in results["methods"].items():
        seconds = np.asarray(result["fit_seconds"])
        each = ", ".join(f"{value:.1f}" for value in seconds)
        lines.append(
            f"| {method} | {seconds.mean():.1f} ± {_spread(seconds):.1f} | {each} |"
        )
    return "\n".join(lines)


def _hypernetwork_sentence(settings):
    complexity_range = settings.get("hypernetwork_complexity_range")
    if complexity_range is None:
        return ""
    return (
        f"Hypernetworks are trained on λ in {tuple(complexity_range)} (log scale) "
        "and evaluate λ = 0 at the low end of that range. "
    )


def render_report(results):
    """The Markdown report of a run."""
    settings = results["settings"]
    verdict = {True: "holds", False: "does not hold", None: "not checked"}
    conclusions = "\n".join(
        f"- **{verdict[holds]}** — {claim} {evidence}."
        for claim, holds, evidence in check_conclusions(results)
    )
    name = score_name(results)
    figures = "\n\n".join(
        f"![{method}](pruning_{method}.png)\n\n*{_sentence(label(method))}: test "
        f"{name} against the share of weights removed, one line per λ (mean and "
        "± one sample standard deviation over the restarts).*"
        for method in results["methods"]
    )
    return f"""# Reproducing the thesis on `{results["dataset"]}`

{_data_sentence(results)}, trains every method on the train part for \
{settings["max_epochs"]} epochs (hidden layers {tuple(settings["hidden"])}; \
fine-tuning {settings["finetune_epochs"]} more epochs), and reports \
{score_name(results)} on the test part. \
{_hypernetwork_sentence(settings)}Variational models are pruned by signal-to-noise \
ratio, the deterministic MLP by magnitude.

{_scores_section(results)}

## Compute cost

{_cost_table(results)}

![compute cost](compute_cost.png)

*Training time of each method for the whole λ grid.*

## The thesis' conclusions, checked against these numbers

{conclusions}

## Figures

![surfaces](complexity_surfaces.png)

*Test {score_name(results)} of every method over λ (columns) and the share of
weights removed (rows), on one colour scale; the white line marks the best λ
of each pruned share. Hypernetworks evaluate λ = 0 at the low end of their
range.*

{figures}
"""


def write_report(results, out):
    """Write ``results.json``, the figures and ``report.md`` into ``out``.

    Parameters
    ----------
    results : dict
        As returned by :func:`~skvarhyper.experiments.reproduce`.
    out : str or path
        Output directory; created if needed.

    Returns
    -------
    paths : list of Path
        Every file written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "results.json"
    json_path.write_text(json.dumps(results, indent=1))
    figures = write_figures(results, out)
    report_path = out / "report.md"
    report_path.write_text(render_report(results))
    return [json_path, *figures, report_path]
