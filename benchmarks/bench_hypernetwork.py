"""One hypernetwork against one VariationalMLPClassifier per complexity, on digits.

70/30 stratified split (seed 0), standardised features, (100,) networks, the
same training settings (step size, batches, epochs, stopping) for every fit.
Prints accuracy and the training ELBO per sample per λ over the whole default
range (0.001-100) for every seed, the spread of the separate models over the
seeds (the noise a gap is measured against), the gaps of the seeds' mean
accuracies, fit times against the six separate fits, the pruning and export
checks, and the cost of a GridSearchCV with ``memory``.

Writes docs/hypernetwork/gaps.json and docs/hypernetwork/gaps.png (accuracy
over λ of the separate models and of both hypernetworks, every seed shown).

Run: python benchmarks/bench_hypernetwork.py [--seeds 0 1 2] [--no-shrinkage]
"""

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from _common import standardised_split, timed
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from skvarhyper import HyperVariationalClassifier, VariationalMLPClassifier

COMPLEXITIES = [1e-3, 0.01, 0.1, 1.0, 10.0, 100.0]
GRID_COMPLEXITIES = [0.01, 0.1, 1.0, 10.0]
HYPERNETS = ["linear", "lowrank"]
OUT = Path(__file__).resolve().parents[1] / "docs" / "hypernetwork"


# The separate models train as the hypernetwork does: same prior, step size,
# batches and number of epochs (VariationalMLPClassifier's defaults stop on
# convergence).
TRAINING = ("prior_variance", "lr", "batch_size", "max_epochs", "tol")


def fit_all(X_train, y_train, seed, predictive, shrinkage):
    """The separate model of every λ and each hypernetwork, with fit seconds."""
    separate, separate_seconds = {}, 0.0
    hyper_defaults = HyperVariationalClassifier().get_params()
    training = {name: hyper_defaults[name] for name in TRAINING}
    for complexity in COMPLEXITIES:
        separate[complexity], seconds = timed(
            lambda c=complexity: VariationalMLPClassifier(
                complexity=c, random_state=seed, predictive=predictive, **training
            ).fit(X_train, y_train)
        )
        separate_seconds += seconds
    hypers, hyper_seconds = {}, {}
    for name in HYPERNETS:
        hypers[name], hyper_seconds[name] = timed(
            lambda n=name: HyperVariationalClassifier(
                hypernet=n,
                shrinkage=shrinkage,
                random_state=seed,
                predictive=predictive,
            ).fit(X_train, y_train)
        )
    return separate, separate_seconds, hypers, hyper_seconds


def accuracies(separate, hypers, X_test, y_test):
    """Test accuracy (%) per λ: ``{"separate": [...], name: [...]}``."""
    table = {
        "separate": [100 * separate[c].score(X_test, y_test) for c in COMPLEXITIES]
    }
    for name, hyper in hypers.items():
        table[name] = [
            100 * hyper.set_complexity(c).score(X_test, y_test) for c in COMPLEXITIES
        ]
    return table


def training_elbos(separate, hypers, X_train, y_train):
    """The generalised evidence per training sample (nats) of the model of
    every λ: how well each generated posterior does what the separate one
    is trained to, the generator's fidelity on its own objective."""
    n = len(y_train)
    table = {
        "separate": [
            separate[c].evidence(X_train, y_train)["elbo"] / n for c in COMPLEXITIES
        ]
    }
    for name, hyper in hypers.items():
        table[name] = [
            hyper.set_complexity(c).evidence(X_train, y_train)["elbo"] / n
            for c in COMPLEXITIES
        ]
    return table


def print_table(title, table, digits=2):
    print(title)
    print("λ          " + "  ".join(f"{c:>7g}" for c in COMPLEXITIES))
    for name, row in table.items():
        print(f"{name:<10} " + "  ".join(f"{a:7.{digits}f}" for a in row))
        if name != "separate":
            gaps = np.subtract(row, table["separate"])
            print(f"{'  gap':<10} " + "  ".join(f"{g:+7.{digits}f}" for g in gaps))


def print_summary(tables):
    """Largest gaps per seed, the separate models' spread, mean-vs-mean gaps."""
    inside = [i for i, c in enumerate(COMPLEXITIES) if c <= 10]
    top = COMPLEXITIES.index(100.0)
    for name in HYPERNETS:
        gaps = np.array([np.subtract(t[name], t["separate"]) for t in tables])
        print(
            f"{name}: largest |gap| at λ <= 10 per seed "
            + ", ".join(f"{g:.2f}" for g in np.abs(gaps[:, inside]).max(1))
            + "; at λ = 100 "
            + ", ".join(f"{g:+.2f}" for g in gaps[:, top])
        )
    separate = np.array([t["separate"] for t in tables])
    print(
        "separate models' spread over the seeds (max - min) per λ: "
        + ", ".join(f"{s:.2f}" for s in np.ptp(separate, axis=0))
    )
    mean = {k: np.mean([t[k] for t in tables], axis=0) for k in tables[0]}
    print_table(f"mean over {len(tables)} seeds", mean)


def plot(tables, shrinkage):
    """Accuracy over λ, one line per seed and model; λ = 100 on its own scale
    would hide the rest, so the axis is broken into two panels."""
    import matplotlib.pyplot as plt

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "gaps.json").write_text(
        json.dumps({"complexities": COMPLEXITIES, "seeds": tables}, indent=1)
    )
    fig, (low, high) = plt.subplots(
        2, 1, figsize=(6, 5), sharex=True, height_ratios=(3, 1.3)
    )
    styles = {
        "separate": ("separate models", "black", "o"),
        "linear": ("linear hypernetwork", "tab:blue", "s"),
        "lowrank": ("low-rank hypernetwork", "tab:orange", "^"),
    }
    for key, (label, colour, marker) in styles.items():
        for i, table in enumerate(tables):
            for ax in (low, high):
                ax.plot(
                    COMPLEXITIES,
                    table[key],
                    marker=marker,
                    color=colour,
                    alpha=0.8,
                    label=label if i == 0 and ax is low else None,
                )
    low.set_ylim(88, 99)
    high.set_ylim(0, 100)
    high.set_xscale("log")
    high.set_xlabel("complexity λ")
    low.set_ylabel("test accuracy (%)")
    high.set_ylabel("full scale")
    kind = "with" if shrinkage else "without"
    low.set_title(f"Digits, (100,): {len(tables)} seeds, {kind} mean shrinkage")
    for ax in (low, high):
        ax.grid(alpha=0.3)
    low.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(OUT / "gaps.png", dpi=120)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    # The acceptance numbers compare posterior-mean predictions; "moments" is
    # the estimators' default.
    parser.add_argument("--predictive", choices=["mean", "moments"], default="mean")
    parser.add_argument(
        "--shrinkage", action=argparse.BooleanOptionalAction, default=True
    )
    args = parser.parse_args()
    seeds = args.seeds
    X_train, X_test, y_train, y_test = standardised_split(load_digits)

    tables = []
    for seed in seeds:
        separate, separate_seconds, fitted, seconds = fit_all(
            X_train, y_train, seed, args.predictive, args.shrinkage
        )
        if seed == seeds[0]:
            hypers, hyper_seconds = fitted, seconds
        tables.append(accuracies(separate, fitted, X_test, y_test))
        print_table(f"seed {seed}: test accuracy (%)", tables[-1])
        print_table(
            f"seed {seed}: training ELBO per sample (nats; gap > 0: the "
            "generated posterior has the higher evidence)",
            training_elbos(separate, fitted, X_train, y_train),
            digits=3,
        )
        print(
            f"fit seconds: {len(COMPLEXITIES)} separate fits {separate_seconds:.1f}; "
            + "; ".join(
                f"{n} {s:.1f} ({s / separate_seconds:.2f}x)" for n, s in seconds.items()
            )
        )
    print_summary(tables)
    plot(tables, args.shrinkage)

    for name, hyper in hypers.items():
        scores = {
            c: hyper.set_complexity(c).score(X_test, y_test) for c in GRID_COMPLEXITIES
        }
        best = max(scores, key=scores.get)
        pruned = hyper.set_complexity(best).prune(0.8).score(X_test, y_test)
        agreement = np.mean(
            hyper.to_variational().predict(X_test) == hyper.predict(X_test)
        )
        hyper.prune(0.0)
        print(
            f"{name}: best λ {best} accuracy {scores[best]:.4f}, 80% SNR-pruned "
            f"{pruned:.4f} (cost {100 * (scores[best] - pruned):.2f} points); "
            f"to_variational agrees on {100 * agreement:.2f}% of predictions"
        )

    grid = {"complexity": GRID_COMPLEXITIES, "prune_fraction": [0.0, 0.8]}
    single = hyper_seconds["lowrank"]
    with tempfile.TemporaryDirectory() as cache:
        search, seconds = timed(
            lambda: GridSearchCV(
                HyperVariationalClassifier(
                    shrinkage=args.shrinkage, random_state=0, memory=cache
                ),
                grid,
                cv=3,
            ).fit(X_train, y_train)
        )
    print(
        f"GridSearchCV 4 λ x 2 fractions x 3 folds with memory: {seconds:.1f} s "
        f"= {seconds / single:.1f} single fits (best {search.best_params_}, "
        f"test accuracy {search.score(X_test, y_test):.4f})"
    )


if __name__ == "__main__":
    main()
