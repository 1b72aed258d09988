"""
======================================================
The complexity path of a hypernetwork on digits
======================================================

One :class:`~skvarhyper.HyperVariationalClassifier` is trained once for every
complexity ``λ`` in ``[1e-3, 100]``. Its models are then evaluated over
``λ`` × the fraction of weights pruned by signal-to-noise ratio: the heat map
shows where accuracy survives pruning and which ``λ`` is best for each
parameter budget, the evidence panel how the expected log-likelihood, the KL
term and the generalised evidence move with ``λ``, and the pruning curves
compare a few ``λ`` side by side.

Run: ``python examples/plot_complexity_path.py [output-directory]``; the figures
are saved only when a directory is given.
"""

import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skvarhyper import (
    ComplexityPathDisplay,
    HyperVariationalClassifier,
    PruningCurveDisplay,
)

output = Path(sys.argv[1]) if len(sys.argv) > 1 else None

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

hyper = HyperVariationalClassifier(hypernet="linear", random_state=0)
hyper.fit(X_train, y_train)

# %%
# The accuracy surface over λ × the pruned fraction, and the evidence over λ.
surface = ComplexityPathDisplay.from_estimator(
    hyper,
    X_test,
    y_test,
    complexities=np.geomspace(1e-3, 100, 11),
    name="Digits: linear hypernetwork, test accuracy",
)
if output:
    surface.figure_.savefig(output / "complexity_path_digits.png", dpi=150)

# %%
# Pruning curves of four of the models the one hypernetwork generates.
curves = PruningCurveDisplay.from_estimator(
    hyper,
    X_test,
    y_test,
    complexities=[0.01, 0.1, 1.0, 10.0],
    name="Digits: linear hypernetwork",
)
if output:
    curves.figure_.savefig(output / "pruning_curves_digits.png", dpi=150)

# %%
# The best λ for each parameter budget.
best = surface.complexities[np.argmax(surface.scores[0], axis=0)]
for fraction, complexity in zip(surface.fractions, best):
    print(f"{fraction:>5.0%} removed: best λ = {complexity:.3g}")
if output:
    print(f"figures saved to {output}/")
