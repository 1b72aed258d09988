"""Turn the results of :func:`reproduce` into figures, ``results.json`` and a report."""

import json
from pathlib import Path

import numpy as np

from ._figures import LABELS, write_figures
from ._figures import accuracy as _accuracy

__all__ = [
    "LABELS",
    "check_conclusions",
    "render_report",
    "write_figures",
    "write_report",
]

REPORT_FRACTIONS = (0.0, 0.5, 0.8, 0.9, 0.95)


def _fraction_index(results, fraction):
    fractions = np.asarray(results["fractions"])
    matches = np.flatnonzero(np.isclose(fractions, fraction))
    return int(matches[0]) if matches.size else None


def _cell(values):
    return f"{100 * np.mean(values):.1f} ± {100 * np.std(values):.1f}"


def _accuracy_table(results):
    complexities = results["complexities"]
    columns = [f for f in REPORT_FRACTIONS if _fraction_index(results, f) is not None]
    lines = [
        "| method | λ | " + " | ".join(f"{100 * f:g}% removed" for f in columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    for method in results["methods"]:
        accuracy = _accuracy(results, method)
        for i, complexity in enumerate(complexities):
            cells = [
                _cell(accuracy[:, i, _fraction_index(results, f)]) for f in columns
            ]
            lines.append(f"| {method} | {complexity:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cost_table(results):
    lines = ["| method | training seconds for the whole λ grid |", "|---|---|"]
    for method, result in results["methods"].items():
        seconds = np.asarray(result["fit_seconds"])
        lines.append(f"| {method} | {seconds.mean():.1f} ± {seconds.std():.1f} |")
    return "\n".join(lines)


def check_conclusions(results):
    """The thesis' conclusions, each checked against these results.

    Returns a list of ``(claim, holds, evidence)``; ``holds`` is None when the
    results lack the methods or fractions the check needs.
    """
    methods = results["methods"]
    complexities = np.asarray(results["complexities"])
    at_90 = _fraction_index(results, 0.9)
    checks = []

    def add(claim, needed, evaluate):
        if all(m in methods for m in needed) and at_90 is not None:
            checks.append((claim, *evaluate()))
        else:
            checks.append((claim, None, "not measured in this run"))

    def robustness():
        mean = _accuracy(results, "variational").mean(0)
        drops = 100 * (mean[:, 0] - mean[:, at_90])
        order = np.argsort(complexities)
        # The thesis compares its small λ with λ = 1, the ordinary ELBO.
        near_one = np.argmin(np.abs(np.log(np.maximum(complexities, 1e-12))))
        text = ", ".join(
            f"λ={c:g}: {d:.1f}" for c, d in zip(complexities[order], drops[order])
        )
        holds = drops[near_one] < drops[order[0]]
        return bool(holds), f"accuracy lost at 90% removed (points): {text}"

    add(
        "A larger λ makes the variational model more robust to pruning.",
        ["variational"],
        robustness,
    )

    def snr_vs_magnitude():
        snr = _accuracy(results, "variational").mean(0)[:, at_90].max()
        magnitude = _accuracy(results, "deterministic").mean(0)[:, at_90].max()
        return bool(snr > magnitude), (
            f"best accuracy at 90% removed: variational + SNR {100 * snr:.1f}%, "
            f"deterministic + magnitude {100 * magnitude:.1f}%"
        )

    add(
        "Pruning a variational model by SNR keeps more accuracy than pruning a "
        "deterministic one by magnitude.",
        ["variational", "deterministic"],
        snr_vs_magnitude,
    )

    for generator in ("linear", "lowrank"):
        name = f"hyper_{generator}"

        def approximation(name=name):
            gap = 100 * (
                _accuracy(results, name).mean(0)[:, 0]
                - _accuracy(results, "variational").mean(0)[:, 0]
            )
            text = ", ".join(f"λ={c:g}: {g:+.1f}" for c, g in zip(complexities, gap))
            return bool(np.abs(gap).max() <= 3.0), (
                f"unpruned accuracy minus the separate model's (points): {text}"
            )

        add(
            f"One {generator} hypernetwork matches the separate model of every λ "
            "within 3 points of unpruned accuracy (the thesis' own gap).",
            [name, "variational"],
            approximation,
        )

        def cost(name=name):
            hyper = np.mean(methods[name]["fit_seconds"])
            separate = np.mean(methods["variational"]["fit_seconds"])
            return bool(hyper < separate), (
                f"{hyper:.1f} s for the hypernetwork against {separate:.1f} s for "
                f"{len(complexities)} separate models ({hyper / separate:.2f}x)"
            )

        add(
            f"Training one {generator} hypernetwork costs less than training a "
            "model per λ (the thesis found it cost more).",
            [name, "variational"],
            cost,
        )

        def finetuning(name=name):
            gain = 100 * (
                _accuracy(results, f"{name}_finetuned").mean(0)
                - _accuracy(results, name).mean(0)
            )
            per_complexity = ", ".join(
                f"λ={c:g}: {g:+.1f}" for c, g in zip(complexities, gain[:, 0])
            )
            return bool(gain[:, 0].mean() > 0), (
                f"mean gain from fine-tuning: {gain[:, 0].mean():+.2f} points "
                f"unpruned ({per_complexity}), {gain[:, at_90].mean():+.2f} points "
                "at 90% removed"
            )

        add(
            f"Fine-tuning the {generator} hypernetwork's model at a λ improves it.",
            [name, f"{name}_finetuned"],
            finetuning,
        )
    return checks


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
    figures = "\n".join(
        f"![{method}](pruning_{method}.png)" for method in results["methods"]
    )
    return f"""# Reproducing the thesis on `{results["dataset"]}`

{results["n_samples"]} samples, {results["n_features"]} features, \
{results["n_classes"]} classes. Each of {settings["restarts"]} restarts splits the \
data anew into train / validation / test (60 / 20 / 20, stratified), trains every \
method on the train part for {settings["max_epochs"]} epochs \
(hidden layers {tuple(settings["hidden"])}; fine-tuning \
{settings["finetune_epochs"]} more epochs), and reports accuracy on the test part. \
{_hypernetwork_sentence(settings)}Variational models are pruned by signal-to-noise \
ratio, the deterministic MLP by magnitude.

## Test accuracy (%, mean ± std over restarts)

{_accuracy_table(results)}

## Compute cost

{_cost_table(results)}

![compute cost](compute_cost.png)

## The thesis' conclusions, checked against these numbers

{conclusions}

## Figures

![surfaces](complexity_surfaces.png)

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
