"""The score over λ × pruned fraction as a heat map, and the evidence over λ."""

import numpy as np

from ._common import (
    as_runs,
    cell_edges,
    check_complexities,
    percent_axis,
    scoring_name,
    set_complexity_scale,
)


class ComplexityPathDisplay:
    """The score over ``λ`` × pruned fraction, and the evidence over ``λ``.

    A heat map of the score with ``λ`` on a log axis and the pruned fractions
    as rows of equal height (labelled in per cent; in data coordinates the
    row of ``fractions[i]`` is at ``y = i``, so that 95 % and 98 % are as
    visible as 10 % and 20 %), the best ``λ`` of every fraction marked as a
    line (the figure of the thesis' repository), and, when evidence terms are
    given, a second panel with the expected log-likelihood, the KL term and
    the ELBO against ``λ``.

    Parameters
    ----------
    complexities : array-like of shape (n_complexities,)
        Values of ``λ``, increasing and non-negative. The axis of ``λ`` is
        logarithmic; when ``λ = 0`` is among them it is linear from 0 to the
        smallest positive ``λ`` (a symmetric-log axis).
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
        The best ``λ`` of every fraction (y: the fractions' row indices).

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
        self.complexities = check_complexities(complexities)
        self.fractions = np.asarray(fractions, dtype=float)
        self.scores = as_runs(
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
        estimator : HyperVariationalClassifier, HyperVariationalRegressor or \
                Pipeline
            A fitted hypernetwork, or a fitted Pipeline ending in one.
        X : array-like of shape (n_samples, n_features)
            Evaluation data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True labels or target values.
        complexities : array-like of float, default=None
            Values of ``λ``; None spreads 20 over ``complexity_range``.
        fractions : array-like of float, default=None
            Pruned fractions; as in :func:`~skvarhyper.pruning_curve`.
        scoring : str or callable, default=None
            A scikit-learn scorer; None uses the estimator's ``score``
            (accuracy, or R² for a regressor). The colour bar is
            labelled with its name, or its metric's name for a callable.
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
        from ..path import complexity_path, pruning_curve

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
            score_name=scoring_name(scoring, estimator),
            estimator_name=name or type(estimator).__name__,
            **terms,
        )
        return display.plot(ax=ax, **kwargs)

    def plot(
        self, ax=None, *, name=None, cmap="viridis", legend=True, vmin=None, vmax=None
    ):
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
        vmin, vmax : float, default=None
            Limits of the colour scale, in the units of the colour bar (per
            cent for a score drawn as a percentage); None uses the surface's
            own range. Give several displays the same limits to compare them.

        Returns
        -------
        display : ComplexityPathDisplay
            Itself, with ``ax_``, ``evidence_ax_`` and ``figure_`` set.
        """
        has_evidence = any(v is not None for v in self.evidence.values())
        axes = _panels(ax, 2 if has_evidence else 1)
        heat_ax = axes[0]
        surface = self._plot_heat_map(heat_ax, cmap, vmin, vmax)
        self._plot_best_line(heat_ax, surface)
        if legend:
            heat_ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
        self.evidence_ax_ = None
        if has_evidence and len(axes) > 1:
            self.evidence_ax_ = self._plot_evidence(axes[1])
        title = name or self.estimator_name
        if title:
            heat_ax.figure.suptitle(title)
        self.ax_ = heat_ax
        self.figure_ = heat_ax.figure
        return self

    def _plot_heat_map(self, ax, cmap, vmin=None, vmax=None):
        """Draw the mean score per cell with its colour bar; return the surface.

        Every pruned fraction gets a row of the same height, so that 95 % and
        98 % are as visible as 10 % and 20 %."""
        xlabel = set_complexity_scale(ax, self.complexities)
        scale, label = percent_axis(self.scores, self.score_name)
        surface = self.scores.mean(0) * scale
        rows = np.arange(len(self.fractions))
        self.mesh_ = ax.pcolormesh(
            cell_edges(self.complexities, ax.xaxis.get_transform()),
            np.append(rows, len(rows)) - 0.5,
            surface.T,
            cmap=cmap,
            shading="flat",
            vmin=vmin,
            vmax=vmax,
        )
        ax.set_yticks(rows, [f"{100 * f:g}" for f in self.fractions])
        ax.figure.colorbar(self.mesh_, ax=ax).set_label(label)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Weights removed (%)")
        return surface

    def _plot_best_line(self, ax, surface):
        """Mark the ``λ`` of the best mean score at every fraction."""
        (self.best_line_,) = ax.plot(
            self.complexities[np.argmax(surface, axis=0)],
            np.arange(len(self.fractions)),
            color="white",
            marker="o",
            markeredgecolor="black",
            linewidth=2,
            label="best λ per fraction",
        )

    def _plot_evidence(self, ax):
        """Draw the evidence terms against ``λ`` on ``ax`` and return it."""
        # All three terms are drawn as positive numbers of nats on one log axis:
        # the negated log-likelihood and ELBO, and the KL divergence. A
        # regressor's log-density can be positive (targets in small units):
        # then the axis is symmetric-log.
        styles = {
            "log_likelihood": ("−expected log-likelihood", -1, "-", "o", "black"),
            "kl": ("KL(q ‖ p)", 1, ":", "^", "tab:red"),
            "elbo": ("−ELBO$_λ$ = −log-lik. + λ·KL", -1, "--", "s", "tab:blue"),
        }
        xlabel = set_complexity_scale(ax, self.complexities)
        drawn = []
        for key, (label, sign, linestyle, marker, color) in styles.items():
            if self.evidence[key] is not None:
                drawn.append(sign * np.asarray(self.evidence[key]))
                ax.plot(
                    self.complexities,
                    sign * self.evidence[key],
                    linestyle=linestyle,
                    marker=marker,
                    color=color,
                    label=label,
                )
        values = np.concatenate(drawn) if drawn else np.ones(1)
        if np.all(values > 0):
            ax.set_yscale("log")
            scale = "log scale"
        else:
            nonzero = np.abs(values[values != 0])
            threshold = float(nonzero.min()) if nonzero.size else 1.0
            ax.set_yscale("symlog", linthresh=threshold)
            scale = f"log scale, linear below {threshold:.3g}"
        ax.set_xlabel(xlabel)
        ax.set_ylabel(f"nats, summed over samples ({scale})")
        ax.grid(alpha=0.3, which="both")
        ax.legend(
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncol=3,
            frameon=False,
            fontsize="small",
        )
        return ax


def _panels(ax, n_panels):
    """The given Axes as an array, or a new figure's row of ``n_panels``."""
    if ax is not None:
        return np.atleast_1d(ax)
    import matplotlib.pyplot as plt

    _, axes = plt.subplots(
        1, n_panels, figsize=(5.5 * n_panels, 4.2), layout="constrained"
    )
    return np.atleast_1d(axes)
