"""One hypernetwork against one VariationalMLPClassifier per complexity, on digits.

70/30 stratified split (seed 0), standardised features, (100,) networks, the
same max_epochs for every fit. Prints accuracy per λ, fit times, the pruning
and export checks, and the cost of a GridSearchCV with and without ``memory``.

Run: python benchmarks/bench_hypernetwork.py [--seeds 0 1 2]
"""

import argparse
import tempfile

import numpy as np
from _common import standardised_split, timed
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from skvarhyper import HyperVariationalClassifier, VariationalMLPClassifier

COMPLEXITIES = [0.01, 0.1, 1.0, 10.0]
HYPERNETS = ["linear", "lowrank"]


# The separate models train as the hypernetwork does: same step size, batches
# and number of epochs (VariationalMLPClassifier's defaults stop on convergence).
TRAINING = ("lr", "batch_size", "max_epochs", "tol")


def fit_all(X_train, y_train, seed, predictive):
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
                hypernet=n, random_state=seed, predictive=predictive
            ).fit(X_train, y_train)
        )
    return separate, separate_seconds, hypers, hyper_seconds


def print_gaps(separate, hypers, X_test, y_test, seed):
    print(f"seed {seed}")
    print("λ        separate  " + "  ".join(f"{n:>8} (gap)" for n in HYPERNETS))
    worst = dict.fromkeys(HYPERNETS, 0.0)
    for complexity in COMPLEXITIES:
        reference = separate[complexity].score(X_test, y_test)
        cells = []
        for name in HYPERNETS:
            accuracy = hypers[name].set_complexity(complexity).score(X_test, y_test)
            gap = 100 * (accuracy - reference)
            worst[name] = max(worst[name], abs(gap))
            cells.append(f"{accuracy:.4f} ({gap:+.2f})")
        print(f"{complexity:<8} {reference:.4f}    " + "  ".join(cells))
    return worst


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    # The acceptance numbers compare posterior-mean predictions; "moments" is
    # the estimators' default.
    parser.add_argument("--predictive", choices=["mean", "moments"], default="mean")
    args = parser.parse_args()
    seeds = args.seeds
    X_train, X_test, y_train, y_test = standardised_split(load_digits)

    worst = dict.fromkeys(HYPERNETS, 0.0)
    for seed in seeds:
        fitted = fit_all(X_train, y_train, seed, args.predictive)
        if seed == seeds[0]:
            _, separate_seconds, hypers, hyper_seconds = fitted
        for name, gap in print_gaps(fitted[0], fitted[2], X_test, y_test, seed).items():
            worst[name] = max(worst[name], gap)
    print(
        "largest |gap| over seeds and λ: "
        + ", ".join(f"{n} {g:.2f} points" for n, g in worst.items())
    )
    print(
        f"fit seconds (seed {seeds[0]}): {len(COMPLEXITIES)} separate fits "
        f"{separate_seconds:.1f}; "
        + "; ".join(
            f"{n} {s:.1f} ({s / separate_seconds:.2f}x)"
            for n, s in hyper_seconds.items()
        )
    )

    for name, hyper in hypers.items():
        scores = {
            c: hyper.set_complexity(c).score(X_test, y_test) for c in COMPLEXITIES
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

    grid = {"complexity": COMPLEXITIES, "prune_fraction": [0.0, 0.8]}
    single = hyper_seconds["lowrank"]
    with tempfile.TemporaryDirectory() as cache:
        search, seconds = timed(
            lambda: GridSearchCV(
                HyperVariationalClassifier(random_state=0, memory=cache), grid, cv=3
            ).fit(X_train, y_train)
        )
    print(
        f"GridSearchCV 4 λ x 2 fractions x 3 folds with memory: {seconds:.1f} s "
        f"= {seconds / single:.1f} single fits (best {search.best_params_}, "
        f"test accuracy {search.score(X_test, y_test):.4f})"
    )


if __name__ == "__main__":
    main()
