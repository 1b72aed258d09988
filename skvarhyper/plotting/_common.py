"""Helpers shared by the Displays: score arrays, axis labels and cell edges."""

import numpy as np
from sklearn.base import is_regressor


def as_runs(scores, n_rows, n_columns, name):
    """Scores as (n_runs, n_rows, n_columns), or a ValueError naming ``name``."""
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 2:
        scores = scores[np.newaxis]
    if scores.ndim != 3 or scores.shape[1:] != (n_rows, n_columns):
        raise ValueError(
            f"{name} must have shape ({n_rows}, {n_columns}) or (n_runs, {n_rows}, "
            f"{n_columns}) to match the grid, got {np.shape(scores)}."
        )
    return scores


def check_complexities(complexities):
    """``λ`` values as a float array: finite, non-negative and increasing."""
    complexities = np.asarray(complexities, dtype=float)
    if complexities.ndim != 1 or not np.all(
        np.isfinite(complexities) & (complexities >= 0)
    ):
        raise ValueError(
            "complexities must be a 1-D sequence of finite non-negative numbers, "
            f"got {complexities.tolist()}."
        )
    if np.any(np.diff(complexities) <= 0):
        raise ValueError(
            f"complexities must be increasing, got {complexities.tolist()}."
        )
    return complexities


def percent_axis(scores, score_name):
    """Scores in [0, 1] are drawn as percentages, but R² (which is no share
    of anything and can be negative)."""
    if score_name in ("R²", "r2"):
        return 1.0, score_name
    if np.nanmin(scores) >= 0 and np.nanmax(scores) <= 1:
        return 100.0, f"{score_name} (%)"
    return 1.0, score_name


def complexity_label(value):
    return f"λ = {value:g}"


def scoring_name(scoring, estimator=None):
    """A readable name of ``scoring`` for an axis label.

    For None the estimator's own score: "R²" for a regressor, "Accuracy"
    otherwise; the string itself for a scorer's name, the metric's name for a
    scorer made by ``make_scorer`` (``neg_`` in front when it is negated), a
    function's name, and "score" for anything else.
    """
    if scoring is None:
        return "R²" if is_regressor(estimator) else "Accuracy"
    if isinstance(scoring, str):
        return scoring
    metric = getattr(scoring, "_score_func", None)
    name = getattr(scoring if metric is None else metric, "__name__", "")
    if not name.isidentifier():  # "<lambda>", or no name at all
        return "score"
    if metric is not None and getattr(scoring, "_sign", 1) < 0:
        return f"neg_{name}"
    return name


def set_complexity_scale(ax, complexities):
    """Give ``ax`` a ``λ`` axis and return its label.

    A log axis, unless ``λ = 0`` is drawn: then a symmetric-log axis, linear
    from 0 to the smallest positive ``λ`` over the width of one decade, so
    that the cell of ``λ = 0`` is as wide as a decade's; a linear axis
    when ``λ = 0`` is the only value.
    """
    positive = complexities[complexities > 0]
    if positive.size == complexities.size:
        ax.set_xscale("log")
        return "Complexity λ (log scale)"
    if positive.size == 0:  # λ = 0 alone: one cell, one tick
        ax.set_xticks([0.0])
        return "Complexity λ"
    threshold = positive.min()
    # linscale is in decades of the linear part; 1 - 1/base makes it one decade.
    ax.set_xscale("symlog", base=10, linthresh=threshold, linscale=0.9)
    return f"Complexity λ (log scale, linear below {threshold:g})"


def cell_edges(centers, transform=None):
    """Cell edges midway between increasing centres.

    Midway on the scale of ``transform`` (an axis' ``get_transform()``), so
    that the cells of a log or symmetric-log axis look even; None is linear.
    """
    values = np.asarray(centers, dtype=float)
    if transform is not None:
        values = transform.transform(values)
    if len(values) == 1:
        edges = values[0] + np.array([-0.5, 0.5])
    else:
        inner = (values[1:] + values[:-1]) / 2
        first = 2 * values[0] - inner[0]
        last = 2 * values[-1] - inner[-1]
        edges = np.concatenate([[first], inner, [last]])
    return edges if transform is None else transform.inverted().transform(edges)
