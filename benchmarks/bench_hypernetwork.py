"""One hypernetwork against one VariationalMLPClassifier per complexity, on digits.

70/30 stratified split (seed 0), standardised features, (100,) networks, the
same max_epochs for every fit. Prints accuracy per λ, fit times, the pruning
and export checks, and the cost of a GridSearchCV with and without ``memory``.

Run: python benchmarks/bench_hypernetwork.py
"""

import tempfile

import numpy as np
from _common import standardised_split, timed
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from skvarhyper import HyperVariationalClassifier, VariationalMLPClassifier

COMPLEXITIES = [0.01, 0.1, 1.0, 10.0]
HYPERNETS = ["linear", "lowrank"]


def main():
    X_train, X_test, y_train, y_test = standardised_split(load_digits)

    separate, separate_seconds = {}, 0.0
    for complexity in COMPLEXITIES:
        clf, seconds = timed(
            lambda c=complexity: VariationalMLPClassifier(
                complexity=c, random_state=0
            ).fit(X_train, y_train)
        )
        separate[complexity] = clf.score(X_test, y_test)
        separate_seconds += seconds

    hypers, hyper_seconds = {}, {}
    for name in HYPERNETS:
        hypers[name], hyper_seconds[name] = timed(
            lambda n=name: HyperVariationalClassifier(hypernet=n, random_state=0).fit(
                X_train, y_train
            )
        )

    print("λ        separate  " + "  ".join(f"{n:>8} (gap)" for n in HYPERNETS))
    for complexity in COMPLEXITIES:
        cells = []
        for name in HYPERNETS:
            accuracy = hypers[name].set_complexity(complexity).score(X_test, y_test)
            cells.append(
                f"{accuracy:.4f} ({100 * (accuracy - separate[complexity]):+.2f})"
            )
        print(f"{complexity:<8} {separate[complexity]:.4f}    " + "  ".join(cells))
    print(
        f"fit seconds: {len(COMPLEXITIES)} separate fits {separate_seconds:.1f}; "
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
