"""The thesis' main figure: score against the fraction of weights removed."""

import textwrap

import numpy as np

from ._common import as_runs, complexity_label, percent_axis, scoring_name


class PruningCurveDisplay:
    """Score against the percentage of weights removed, one line per ``λ``.

    The thesis' main figure. Given the scores of several runs (restarts), the
    lines are their mean and the shaded bands ± one standard deviation.

    Parameters
    ----------
    fractions : array-like of shape (n_fractions,)
        Pruned fractions in ``[0, 1]``.
    scores : array-like of shape (n_complexities, n_fractions) or \
            (n_runs, n_complexities, n_fractions)
        Score at every complexity and fraction, for one or several runs.
    complexities : array-like of shape (n_complexities,), default=None
        The ``λ`` of each row; None for a single unlabelled row.
    score_name : str, default="Accuracy"
        Name of the score on the y axis.
    estimator_name : str, default=None
        Name shown in the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the curves.
    figure_ : matplotlib Figure
        Figure containing the curves.
    lines_ : list of matplotlib Line2D
        One line per complexity.

    See Also
    --------
    pruning_curve : Computes the scores of this figure.

    Examples
    --------
    >>> from skvarhyper import PruningCurveDisplay
    >>> display = PruningCurveDisplay(
    ...     fractions=[0, 0.5, 0.9],
    ...     scores=[[[0.97, 0.96, 0.90]], [[0.98, 0.97, 0.88]]],
    ...     complexities=[1.0],
    ... )
    >>> len(display.plot().lines_)
    1
    """

    def __init__(
        self,
        *,
        fractions,
        scores,
        complexities=None,
        score_name="Accuracy",
        estimator_name=None,
    ):
        self.fractions = np.asarray(fractions, dtype=float)
        n_rows = np.shape(scores)[-2] if np.ndim(scores) >= 2 else 0
        self.complexities = (
            None if complexities is None else np.asarray(complexities, dtype=float)
        )
        if self.complexities is not None and len(self.complexities) != n_rows:
            raise ValueError(
                f"complexities has {len(self.complexities)} values but scores has "
                f"{n_rows} rows."
            )
        self.scores = as_runs(scores, n_rows, len(self.fractions), "scores")
        self.score_name = score_name
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        fractions=None,
        complexities=None,
        scoring=None,
        score_name=None,
        name=None,
        ax=None,
        **kwargs,
    ):
        """Compute a pruning curve of a fitted model and plot it.

        Parameters
        ----------
        estimator : variational estimator or Pipeline
            A fitted classifier or regressor of this package, or a fitted
            Pipeline ending in one.
        X : array-like of shape (n_samples, n_features)
            Evaluation data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True labels or target values.
        fractions, complexities, scoring
            As in :func:`~skvarhyper.pruning_curve`.
        score_name : str, default=None
            Name of the score; None is "Accuracy" (a classifier's) or "R²" (a
            regressor's) for the default scoring,
            the name of a string scoring, and the metric's (or function's)
            name of a callable one.
        name : str, default=None
            Name shown in the title; None uses the estimator's class name.
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.
        **kwargs
            Passed to :meth:`plot`.

        Returns
        -------
        display : PruningCurveDisplay
        """
        from ..path import pruning_curve

        curve = pruning_curve(
            estimator,
            X,
            y,
            fractions=fractions,
            complexities=complexities,
            scoring=scoring,
        )
        display = cls(
            fractions=curve.fractions,
            scores=curve.scores,
            complexities=curve.complexities,
            score_name=score_name or scoring_name(scoring, estimator),
            estimator_name=name or type(estimator).__name__,
        )
        return display.plot(ax=ax, **kwargs)

    def plot(self, ax=None, *, name=None, cmap="viridis", **kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.
        name : str, default=None
            Title; None uses ``estimator_name``.
        cmap : str, default="viridis"
            Colour map for the lines (ordered by ``λ``).
        **kwargs
            Passed to ``Axes.plot`` for every line.

        Returns
        -------
        display : PruningCurveDisplay
            Itself, with ``ax_``, ``figure_`` and ``lines_`` set.
        """
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(6, 4), layout="constrained")
        scale, ylabel = percent_axis(self.scores, self.score_name)
        self._plot_lines(ax, scale, cmap, kwargs)
        removed = 100 * self.fractions
        ax.set_xlabel("Weights removed (%)")
        ax.set_ylabel(ylabel)
        margin = 0.02 * (removed.max() - removed.min())  # whole end markers
        ax.set_xlim(removed.min() - margin, removed.max() + margin)
        ax.grid(alpha=0.3)
        title = name or self.estimator_name
        if len(self.scores) > 1:
            runs = len(self.scores)
            title = f"{title or ''} (mean ± sample std of {runs} runs)".strip()
        if title:  # wrapped, so that a long one is not cut off
            ax.set_title(textwrap.fill(title, 60), fontsize="medium")
        if self.complexities is not None:
            ax.legend(
                loc="center left",
                bbox_to_anchor=(1.01, 0.5),
                frameon=False,
                fontsize="small",
            )
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    def _plot_lines(self, ax, scale, cmap, kwargs):
        """One line per λ (the mean of the runs), in a band of ± one std."""
        import matplotlib

        mean = self.scores.mean(0) * scale
        # The sample standard deviation; one run draws no band.
        std = self.scores.std(0, ddof=1 if len(self.scores) > 1 else 0) * scale
        removed = 100 * self.fractions
        colors = matplotlib.colormaps[cmap](np.linspace(0.0, 0.85, len(mean)))
        markers = "osD^vP*Xh<>"
        self.lines_ = []
        for row, (line_mean, line_std, color) in enumerate(zip(mean, std, colors)):
            label = (
                None
                if self.complexities is None
                else complexity_label(self.complexities[row])
            )
            style = {"marker": markers[row % len(markers)], "color": color, **kwargs}
            (line,) = ax.plot(removed, line_mean, label=label, **style)
            self.lines_.append(line)
            if len(self.scores) > 1:
                ax.fill_between(
                    removed,
                    line_mean - line_std,
                    line_mean + line_std,
                    color=color,
                    alpha=0.2,
                    linewidth=0,
                )
