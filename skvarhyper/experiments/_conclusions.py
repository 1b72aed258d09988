"""The thesis' conclusions, each a claim with a check against a run's results.

Every check takes the results and the index of the 90%-removed fraction and
returns ``(holds, evidence)``. Differences of scores are in points: hundredths
of accuracy or of R².
"""

from functools import partial

import numpy as np

from ._figures import in_percent, score_name, scores


def fraction_index(results, fraction):
    fractions = np.asarray(results["fractions"])
    matches = np.flatnonzero(np.isclose(fractions, fraction))
    return int(matches[0]) if matches.size else None


def _per_complexity(complexities, values, spec):
    return ", ".join(f"λ={c:g}: {v:{spec}}" for c, v in zip(complexities, values))


def _absolute(results, value):
    """A score as a reader expects it: accuracy in per cent, R² as it is."""
    if in_percent(results):
        return f"{100 * value:.1f}%"
    return f"{value:.3f}"


def _direction(complexities, gap, tolerance, *, better, worse):
    """What a gap per λ (points) says, in words: where it lies within
    ``tolerance``, and by how much it is ``better`` or ``worse`` elsewhere."""
    within = [f"λ={c:g}" for c, g in zip(complexities, gap) if abs(g) <= tolerance]
    parts = [f"within {tolerance:g} points at {', '.join(within)}"] if within else []
    parts += [
        f"{abs(g):.1f} points {better if g > 0 else worse} at λ={c:g}"
        for c, g in zip(complexities, gap)
        if abs(g) > tolerance
    ]
    return "; ".join(parts)


def _robustness(results, at_90):
    complexities = np.asarray(results["complexities"])
    mean = scores(results, "variational").mean(0)
    drops = 100 * (mean[:, 0] - mean[:, at_90])
    order = np.argsort(complexities)
    # The thesis compares its small λ with λ = 1, the ordinary ELBO.
    near_one = np.argmin(np.abs(np.log(np.maximum(complexities, 1e-12))))
    text = _per_complexity(complexities[order], drops[order], ".1f")
    holds = drops[near_one] < drops[order[0]]
    return bool(holds), (
        f"{score_name(results).capitalize()} lost at 90% removed (points): {text}"
    )


def _snr_vs_magnitude(results, at_90):
    snr = scores(results, "variational").mean(0)[:, at_90].max()
    magnitude = scores(results, "deterministic").mean(0)[:, at_90].max()
    return bool(snr > magnitude), (
        f"Best {score_name(results)} at 90% removed: variational + SNR "
        f"{_absolute(results, snr)}, deterministic + magnitude "
        f"{_absolute(results, magnitude)}"
    )


def _approximation(results, at_90, *, name):
    gap = 100 * (
        scores(results, name).mean(0)[:, 0]
        - scores(results, "variational").mean(0)[:, 0]
    )
    complexities = results["complexities"]
    measured = _direction(
        complexities, gap, 3.0, better="better than the separate model", worse="worse"
    )
    text = _per_complexity(complexities, gap, "+.1f")
    return bool(np.abs(gap).max() <= 3.0), (
        f"Measured: {measured}. Unpruned {score_name(results)} minus the separate "
        f"model's (points): {text}"
    )


def _cost(results, at_90, *, name):
    hyper = np.mean(results["methods"][name]["fit_seconds"])
    separate = np.mean(results["methods"]["variational"]["fit_seconds"])
    return bool(hyper < separate), (
        f"{hyper:.1f} s for the hypernetwork against {separate:.1f} s for "
        f"{len(results['complexities'])} separate models ({hyper / separate:.2f}x)"
    )


def _finetuning(results, at_90, *, name):
    gain = 100 * (
        scores(results, f"{name}_finetuned").mean(0) - scores(results, name).mean(0)
    )
    complexities = results["complexities"]
    measured = _direction(complexities, gain[:, 0], 0.5, better="gained", worse="lost")
    text = _per_complexity(complexities, gain[:, 0], "+.1f")
    return bool(gain[:, 0].mean() > 0), (
        f"Measured, unpruned: {measured}. Mean gain from fine-tuning: "
        f"{gain[:, 0].mean():+.2f} points unpruned ({text}), "
        f"{gain[:, at_90].mean():+.2f} points at 90% removed"
    )


def _claims(score):
    """Every ``(claim, methods it needs, check)``, in the report's order, for
    a run scored by ``score``."""
    yield (
        "A larger λ makes the variational model more robust to pruning.",
        ["variational"],
        _robustness,
    )
    yield (
        f"Pruning a variational model by SNR keeps more {score} than pruning a "
        "deterministic one by magnitude.",
        ["variational", "deterministic"],
        _snr_vs_magnitude,
    )
    for generator in ("linear", "lowrank"):
        name = f"hyper_{generator}"
        yield (
            f"One {generator} hypernetwork matches the separate model of every λ "
            f"within 3 points of unpruned {score} (the thesis' own gap).",
            [name, "variational"],
            partial(_approximation, name=name),
        )
        yield (
            f"Training one {generator} hypernetwork costs less than training a "
            "model per λ (the thesis found it cost more).",
            [name, "variational"],
            partial(_cost, name=name),
        )
        yield (
            f"Fine-tuning the {generator} hypernetwork's model at a λ improves it.",
            [name, f"{name}_finetuned"],
            partial(_finetuning, name=name),
        )


def check_conclusions(results):
    """The thesis' conclusions, each checked against these results.

    Parameters
    ----------
    results : dict
        As returned by :func:`~skvarhyper.experiments.reproduce`.

    Returns
    -------
    checks : list of tuple
        ``(claim, holds, evidence)`` per conclusion; ``holds`` is None when
        the results lack the methods or fractions the check needs.
    """
    at_90 = fraction_index(results, 0.9)
    checks = []
    for claim, needed, check in _claims(score_name(results)):
        if at_90 is not None and all(m in results["methods"] for m in needed):
            checks.append((claim, *check(results, at_90)))
        else:
            checks.append((claim, None, "not measured in this run"))
    return checks
