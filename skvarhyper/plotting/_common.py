"""Helpers shared by the Displays: score arrays, axis labels and cell edges."""

import numpy as np


def _as_runs(scores, n_rows, n_columns, name):
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


def _percent_axis(scores, score_name):
    """Scores in [0, 1] are drawn as percentages."""
    if np.nanmin(scores) >= 0 and np.nanmax(scores) <= 1:
        return 100.0, f"{score_name} (%)"
    return 1.0, score_name


def _complexity_label(value):
    return f"λ = {value:g}"


def _edges(centers, *, log):
    """Cell edges around increasing centres, midway (geometrically when log)."""
    values = np.log(centers) if log else np.asarray(centers, dtype=float)
    if len(values) == 1:
        edges = values[0] + np.array([-0.5, 0.5])
    else:
        inner = (values[1:] + values[:-1]) / 2
        first = 2 * values[0] - inner[0]
        last = 2 * values[-1] - inner[-1]
        edges = np.concatenate([[first], inner, [last]])
    return np.exp(edges) if log else edges
