"""HyperVariationalClassifierCV against GridSearchCV over separate models.

Breast cancer data, standardised, 70/30 stratified split (seed 0). The grid is
4 complexities x 3 pruned fractions, 3 folds. Prints the cost of the CV
estimator in single hypernetwork fits, and the test accuracy of the model each
search selects.

Run: python benchmarks/bench_cv.py
"""

from _common import standardised_split, timed
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skvarhyper import (
    HyperVariationalClassifier,
    HyperVariationalClassifierCV,
    VariationalMLPClassifier,
)

COMPLEXITIES = [0.01, 0.1, 1.0, 10.0]
FRACTIONS = [0.0, 0.5, 0.8]


def main():
    X_train, X_test, y_train, y_test = standardised_split(load_breast_cancer)

    _, single = timed(
        lambda: HyperVariationalClassifier(random_state=0).fit(X_train, y_train)
    )
    cv, cv_seconds = timed(
        lambda: HyperVariationalClassifierCV(
            complexities=COMPLEXITIES, prune_fractions=FRACTIONS, cv=3, random_state=0
        ).fit(X_train, y_train)
    )
    grid, grid_seconds = timed(
        lambda: GridSearchCV(
            make_pipeline(VariationalMLPClassifier(random_state=0)),
            {
                "variationalmlpclassifier__complexity": COMPLEXITIES,
                "variationalmlpclassifier__prune_fraction": FRACTIONS,
            },
            cv=3,
        ).fit(X_train, y_train)
    )
    print(f"one hypernetwork fit: {single:.1f} s")
    print(
        f"HyperVariationalClassifierCV (4 λ x 3 fractions x 3 folds): "
        f"{cv_seconds:.1f} s = {cv_seconds / single:.2f} single fits "
        f"= {cv_seconds / (4 * single):.2f} x (3 folds + 1 refit) (target <= 1.5)"
    )
    print(
        f"GridSearchCV over VariationalMLPClassifier: {grid_seconds:.1f} s "
        f"({len(grid.cv_results_['params']) * 3 + 1} fits)"
    )
    cv_accuracy = cv.score(X_test, y_test)
    grid_accuracy = grid.score(X_test, y_test)
    print(
        f"selected by HyperVariationalClassifierCV: λ={cv.complexity_}, "
        f"pruned {cv.prune_fraction_}: test accuracy {cv_accuracy:.4f}"
    )
    print(
        f"selected by GridSearchCV: {grid.best_params_}: test accuracy "
        f"{grid_accuracy:.4f}"
    )
    print(
        f"difference {100 * (cv_accuracy - grid_accuracy):+.2f} points "
        "(target: within 1 point)"
    )


if __name__ == "__main__":
    main()
