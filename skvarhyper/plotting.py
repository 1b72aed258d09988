"""Figures of the thesis as scikit-learn Display objects.

Each Display holds its data (given to ``__init__``, e.g. the results of
several restarts), builds itself from a fitted estimator with
``from_estimator``, and draws with ``plot(ax=None, ...)``, which sets
``ax_`` and ``figure_`` and returns the Display. matplotlib is imported only
when plotting.
"""

import numpy as np

from .path import complexity_path, pruning_curve


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
        self.scores = _as_runs(scores, n_rows, len(self.fractions), "scores")
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
        estimator : VariationalMLPClassifier, HyperVariationalClassifier or \
                Pipeline
            A fitted classifier, or a fitted Pipeline ending in one.
        X : array-like of shape (n_samples, n_features)
            Evaluation data.
        y : array-like of shape (n_samples,)
            True labels.
        fractions, complexities, scoring
            As in :func:`~skvarhyper.pruning_curve`.
        score_name : str, default=None
            Name of the score; None is "Accuracy" for the default scoring.
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
            score_name=score_name or (scoring if scoring else "Accuracy"),
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
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4), layout="constrained")
        scale, ylabel = _percent_axis(self.scores, self.score_name)
        mean = self.scores.mean(0) * scale
        std = self.scores.std(0) * scale
        removed = 100 * self.fractions
        colors = plt.get_cmap(cmap)(np.linspace(0.0, 0.85, len(mean)))
        markers = "osD^vP*Xh<>"
        self.lines_ = []
        for row, (line_mean, line_std, color) in enumerate(zip(mean, std, colors)):
            label = (
                None
                if self.complexities is None
                else _complexity_label(self.complexities[row])
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
        ax.set_xlabel("Weights removed (%)")
        ax.set_ylabel(ylabel)
        ax.set_xlim(removed.min(), removed.max())
        ax.grid(alpha=0.3)
        title = name or self.estimator_name
        if len(self.scores) > 1:
            title = f"{title or ''} (mean ± std of {len(self.scores)} runs)".strip()
        if title:
            ax.set_title(title)
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


class ComplexityPathDisplay:
    """The score over ``λ`` × pruned fraction, and the evidence over ``λ``.

    A heat map of the score with ``λ`` on a log axis and the pruned fraction
    on the other, the best ``λ`` of every fraction marked as a line (the
    figure of the thesis' repository), and, when evidence terms are given, a
    second panel with the expected log-likelihood, the KL term and the ELBO
    against ``λ``.

    Parameters
    ----------
    complexities : array-like of shape (n_complexities,)
        Values of ``λ``, increasing.
    fractions : array-like of shape (n_fractions,)
        Pruned fractions, increasing.
    scores : array-like of shape (n_complexities, n_fractions) or \
            (n_runs, n_complexities, n_fractions)
        Score at every grid point; several runs are averaged.
    log_likelihood, kl, elbo : array-like of shape (n_complexities,), \
            default=None
        Evidence terms at every ``λ`` (see :func:`complexity_path`).
    score_name : str, default="Accuracy"
        Name of the score on the colour bar.
    estimator_name : str, default=None
        Name shown in the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes of the heat map.
    evidence_ax_ : matplotlib Axes or None
        Axes of the evidence panel.
    figure_ : matplotlib Figure
        Figure containing the panels.
    mesh_ : matplotlib QuadMesh
        The heat map.
    best_line_ : matplotlib Line2D
        The best ``λ`` of every fraction.

    See Also
    --------
    pruning_curve, complexity_path : Compute the data of this figure.

    Examples
    --------
    >>> from skvarhyper import ComplexityPathDisplay
    >>> display = ComplexityPathDisplay(
    ...     complexities=[0.01, 1.0, 100.0],
    ...     fractions=[0.0, 0.9],
    ...     scores=[[0.97, 0.80], [0.96, 0.93], [0.50, 0.50]],
    ... ).plot()
    >>> display.best_line_.get_xdata().tolist()
    [0.01, 1.0]
    """

    def __init__(
        self,
        *,
        complexities,
        fractions,
        scores,
        log_likelihood=None,
        kl=None,
        elbo=None,
        score_name="Accuracy",
        estimator_name=None,
    ):
        self.complexities = np.asarray(complexities, dtype=float)
        self.fractions = np.asarray(fractions, dtype=float)
        self.scores = _as_runs(
            scores, len(self.complexities), len(self.fractions), "scores"
        )
        self.evidence = {
            name: None if values is None else np.asarray(values, dtype=float)
            for name, values in (
                ("log_likelihood", log_likelihood),
                ("kl", kl),
                ("elbo", elbo),
            )
        }
        for name, values in self.evidence.items():
            if values is not None and values.shape != self.complexities.shape:
                raise ValueError(
                    f"{name} must have one value per complexity "
                    f"({len(self.complexities)}), got shape {values.shape}."
                )
        self.score_name = score_name
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        complexities=None,
        fractions=None,
        scoring=None,
        evidence=True,
        name=None,
        ax=None,
        **kwargs,
    ):
        """Compute the surface (and the evidence path) of a hypernetwork and plot it.

        Parameters
        ----------
        estimator : HyperVariationalClassifier or Pipeline
            A fitted hypernetwork, or a fitted Pipeline ending in one.
        X : array-like of shape (n_samples, n_features)
            Evaluation data.
        y : array-like of shape (n_samples,)
            True labels.
        complexities : array-like of float, default=None
            Values of ``λ``; None spreads 20 over ``complexity_range``.
        fractions : array-like of float, default=None
            Pruned fractions; as in :func:`~skvarhyper.pruning_curve`.
        scoring : str or callable, default=None
            A scikit-learn scorer; None uses accuracy.
        evidence : bool, default=True
            Also compute and draw the evidence panel.
        name : str, default=None
            Name shown in the title; None uses the estimator's class name.
        ax : matplotlib Axes or sequence of two Axes, default=None
            Where to draw; None creates a figure.
        **kwargs
            Passed to :meth:`plot`.

        Returns
        -------
        display : ComplexityPathDisplay
        """
        path = complexity_path(estimator, X, y, complexities=complexities)
        curve = pruning_curve(
            estimator,
            X,
            y,
            fractions=fractions,
            complexities=path.complexities,
            scoring=scoring,
        )
        terms = (
            {k: path[k] for k in ("log_likelihood", "kl", "elbo")} if evidence else {}
        )
        display = cls(
            complexities=curve.complexities,
            fractions=curve.fractions,
            scores=curve.scores,
            score_name=scoring if scoring else "Accuracy",
            estimator_name=name or type(estimator).__name__,
            **terms,
        )
        return display.plot(ax=ax, **kwargs)

    def plot(self, ax=None, *, name=None, cmap="viridis", legend=True):
        """Draw the heat map, and the evidence panel when there is evidence.

        Parameters
        ----------
        ax : matplotlib Axes or sequence of two Axes, default=None
            One Axes draws the heat map only; two draw both panels; None
            creates a figure with the panels that have data.
        name : str, default=None
            Title; None uses ``estimator_name``.
        cmap : str, default="viridis"
            Colour map of the heat map; the default is perceptually uniform
            and stays ordered when printed in grey.
        legend : bool, default=True
            Label the best-λ line in a legend above the heat map.

        Returns
        -------
        display : ComplexityPathDisplay
            Itself, with ``ax_``, ``evidence_ax_`` and ``figure_`` set.
        """
        import matplotlib.pyplot as plt

        has_evidence = any(v is not None for v in self.evidence.values())
        if ax is None:
            n_panels = 2 if has_evidence else 1
            _, axes = plt.subplots(
                1, n_panels, figsize=(5.5 * n_panels, 4.2), layout="constrained"
            )
            axes = np.atleast_1d(axes)
        else:
            axes = np.atleast_1d(ax)
        heat_ax = axes[0]
        scale, label = _percent_axis(self.scores, self.score_name)
        surface = self.scores.mean(0) * scale
        self.mesh_ = heat_ax.pcolormesh(
            _edges(self.complexities, log=True),
            np.clip(_edges(100 * self.fractions, log=False), 0, 100),
            surface.T,
            cmap=cmap,
            shading="flat",
        )
        colorbar = heat_ax.figure.colorbar(self.mesh_, ax=heat_ax)
        colorbar.set_label(label)
        best = self.complexities[np.argmax(surface, axis=0)]
        (self.best_line_,) = heat_ax.plot(
            best,
            100 * self.fractions,
            color="white",
            marker="o",
            markeredgecolor="black",
            linewidth=2,
            label="best λ per fraction",
        )
        heat_ax.set_xscale("log")
        heat_ax.set_xlabel("Complexity λ (log scale)")
        heat_ax.set_ylabel("Weights removed (%)")
        if legend:
            heat_ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
        title = name or self.estimator_name
        self.evidence_ax_ = None
        if has_evidence and len(axes) > 1:
            self.evidence_ax_ = self._plot_evidence(axes[1])
        if title:
            heat_ax.figure.suptitle(title)
        self.ax_ = heat_ax
        self.figure_ = heat_ax.figure
        return self

    def _plot_evidence(self, ax):
        # All three terms are drawn as positive numbers of nats on one log axis:
        # the negated log-likelihood and ELBO, and the KL divergence.
        styles = {
            "log_likelihood": ("−expected log-likelihood", -1, "-", "o", "black"),
            "kl": ("KL(q ‖ p)", 1, ":", "^", "tab:red"),
            "elbo": ("−ELBO$_λ$ = −log-lik. + λ·KL", -1, "--", "s", "tab:blue"),
        }
        for key, (label, sign, linestyle, marker, color) in styles.items():
            if self.evidence[key] is not None:
                ax.plot(
                    self.complexities,
                    sign * self.evidence[key],
                    linestyle=linestyle,
                    marker=marker,
                    color=color,
                    label=label,
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("Complexity λ (log scale)")
        ax.set_ylabel("nats, summed over samples (log scale)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncol=3,
            frameon=False,
            fontsize="small",
        )
        return ax


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
