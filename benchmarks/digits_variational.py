"""Acceptance numbers of VariationalMLPClassifier on scikit-learn's digits.

70/30 stratified split (seed 0), standardised features, a (100,) network
with prior variance 0.1 trained for 200 full epochs (``tol=None``) at
``lr=1e-2`` in batches of 128: the recipe these numbers were set with (the
library's defaults stop on convergence at ``lr=3e-3``, which suits small
tables but leaves the signal-to-noise ranking less settled for heavy pruning).
The complexity λ is selected by 3-fold cross-validation on the training part
(accuracy of models fitted with ``prune_fraction=0.8``, which prune 80% of
their weights by SNR and fine-tune the rest); the test part only reports.
The table prunes models fitted unpruned (as trained, and fine-tuned by a
``warm_start`` fit); the selected λ is also fitted with
``prune_fraction=0.8``.

Run: python benchmarks/digits_variational.py
"""

import copy
import time

import numpy as np
from _common import standardised_split
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier

from skvarhyper import VariationalMLPClassifier

COMPLEXITIES = [0.01, 0.03, 0.1, 0.3, 1.0]
FRACTIONS = [0.8, 0.9, 0.95]
FINETUNE_EPOCHS = 30
RECIPE = {
    "prior_variance": 0.1,
    "lr": 1e-2,
    "batch_size": 128,
    "tol": None,
    "random_state": 0,
}


def main():
    X_train, X_test, y_train, y_test = standardised_split(load_digits)

    mlp = MLPClassifier((100,), max_iter=500, random_state=0).fit(X_train, y_train)
    mlp_accuracy = mlp.score(X_test, y_test)
    print(f"MLPClassifier (100,): test accuracy {mlp_accuracy:.4f}")

    start = time.perf_counter()
    search = GridSearchCV(
        VariationalMLPClassifier(**RECIPE),
        {"complexity": COMPLEXITIES, "prune_fraction": [0.8]},
        cv=3,
    ).fit(X_train, y_train)
    best = search.best_params_["complexity"]
    print(
        f"λ selected by 3-fold CV at 80% pruned: {best} "
        f"({time.perf_counter() - start:.0f} s)"
    )

    header = "λ       unpruned  " + "  ".join(
        f"{name}@{int(f * 100)}%"
        for name in ("snr", "mag", "snr+ft")
        for f in FRACTIONS
    )
    print(header)
    for complexity in COMPLEXITIES:
        clf = VariationalMLPClassifier(complexity=complexity, **RECIPE)
        clf.fit(X_train, y_train)
        row = [clf.score(X_test, y_test)]
        for score in ("snr", "magnitude"):
            row += [clf.prune(f, score=score).score(X_test, y_test) for f in FRACTIONS]
        for f in FRACTIONS:
            tuned = copy.deepcopy(clf).prune(f, score="snr")
            tuned.set_params(warm_start=True, max_epochs=FINETUNE_EPOCHS)
            row.append(tuned.fit(X_train, y_train).score(X_test, y_test))
        mark = " <- selected" if complexity == best else ""
        print(f"{complexity:<7} " + "  ".join(f"{a:.4f}" for a in row) + mark)
        if complexity == best:
            drop = 100 * (row[0] - row[1])
            gap = 100 * (row[0] - mlp_accuracy)
            fitted = VariationalMLPClassifier(
                complexity=complexity, prune_fraction=0.8, **RECIPE
            ).fit(X_train, y_train)
            fitted_accuracy = fitted.score(X_test, y_test)
            print(
                f"  selected λ: unpruned {row[0]:.4f}, gap to MLPClassifier "
                f"{gap:+.2f} points; 80% SNR-pruned as trained {row[1]:.4f} "
                f"(drop {drop:.2f} points), fitted with prune_fraction=0.8 "
                f"(fine-tuned) {fitted_accuracy:.4f} "
                f"(drop {100 * (row[0] - fitted_accuracy):.2f} points)"
            )


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
