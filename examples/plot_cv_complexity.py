"""
===========================================================
Choosing the complexity and the pruning by cross-validation
===========================================================

:class:`~skvarhyper.HyperVariationalClassifierCV` fits one hypernetwork per
fold and scores every fold's held-out part over the whole grid of ``λ`` ×
pruned fraction, so choosing both costs about as much as one fit per fold.
Its ``scores_`` hold every fold's score: here they become mean ± std bands of
pruning curves and the cross-validated accuracy surface. The one-standard-error
rule picks the sparsest model whose score is within one standard error of the
best.

Run: ``python examples/plot_cv_complexity.py [output-directory]``; the figure is
saved only when a directory is given.
"""

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvarhyper import (
    ComplexityPathDisplay,
    HyperVariationalClassifierCV,
    PruningCurveDisplay,
)

output = Path(sys.argv[1]) if len(sys.argv) > 1 else None

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
model = make_pipeline(
    StandardScaler(),
    HyperVariationalClassifierCV(
        complexities=[0.01, 0.1, 1.0, 10.0],
        prune_fractions=[0.0, 0.5, 0.8, 0.9, 0.95],
        cv=3,
        selection="one_standard_error",
        scoring="accuracy",  # the default, "neg_log_loss", would rank by log loss
        tol=None,
        random_state=0,
    ),
).fit(X_train, y_train)
cv = model[-1]
print(f"selected λ = {cv.complexity_}, pruned fraction = {cv.prune_fraction_}")
print(
    f"cross-validated accuracy {cv.best_score_:.4f}, "
    f"test accuracy {model.score(X_test, y_test):.4f}"
)

# %%
# Every fold's held-out accuracy over the grid: pruning curves with bands of
# ± one standard deviation over the folds, and the mean surface with the
# selected point.
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
PruningCurveDisplay(
    fractions=cv.prune_fractions_,
    scores=cv.scores_,
    complexities=cv.complexities_,
    estimator_name="3-fold CV",
).plot(ax=left)
ComplexityPathDisplay(
    complexities=cv.complexities_,
    fractions=cv.prune_fractions_,
    scores=cv.scores_,
).plot(ax=right)
# The heat map gives every pruned fraction a row: its y is the row's index.
selected_row = int(np.flatnonzero(cv.prune_fractions_ == cv.prune_fraction_)[0])
right.plot(
    cv.complexity_,
    selected_row,
    "*",
    color="tab:red",
    markersize=16,
    markeredgecolor="black",
    label="selected (1-SE rule)",
)
right.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
fig.suptitle("Breast cancer: hypernetwork, cross-validated accuracy")
if output:
    fig.savefig(output / "cv_complexity_breast_cancer.png", dpi=150)
    print(f"figure saved to {output}/")
