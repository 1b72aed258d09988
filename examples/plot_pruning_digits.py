"""
=====================================================
Pruning a variational network: SNR against magnitude
=====================================================

A :class:`~skvarhyper.VariationalMLPClassifier` learns a mean and a standard
deviation for every weight. Ranking weights by their signal-to-noise ratio
``|m| / s`` (the thesis' relative density) finds the ones the posterior is
unsure about; ranking by ``|m|`` alone is the non-Bayesian baseline. This
example trains one network on the digits data and removes an increasing
share of its weights by each criterion. Pruning is a mask, so the same fitted
model is evaluated at every fraction.

At this small complexity (λ = 0.1) the two criteria keep the same accuracy up
to 80 % removed, and beyond it magnitude keeps more: within one network
trained with the Gaussian prior, the posterior means are already shrunk where
the weights are not needed, and their noise adds little. SNR's advantage is
against a deterministic network (the user guide's "Pruning by relative
density" compares both) and under the log-uniform prior, whose dropout rate
``α = 1 / SNR²`` is the quantity it drives up (``plot_sparse_prior.py``).

Run: ``python examples/plot_pruning_digits.py [output.png]``; the figure is saved
only when a path is given.
"""

import sys

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skvarhyper import VariationalMLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

clf = VariationalMLPClassifier(complexity=0.1, random_state=0).fit(X_train, y_train)

fractions = np.array([0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98])
curves = {
    score: [clf.prune(f, score=score).score(X_test, y_test) for f in fractions]
    for score in ("snr", "magnitude")
}
clf.prune(0.0)

print("removed   snr     magnitude")
for f, snr, magnitude in zip(fractions, curves["snr"], curves["magnitude"]):
    print(f"{f:>6.0%}   {snr:.4f}  {magnitude:.4f}")

fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
for (score, accuracy), style in zip(curves.items(), ("o-", "s--")):
    label = "SNR |m|/s" if score == "snr" else "magnitude |m|"
    ax.plot(100 * fractions, 100 * np.array(accuracy), style, label=label)
ax.set_xlabel("Weights removed (%)")
ax.set_ylabel("Test accuracy (%)")
ax.set_title("Digits, (100,) variational MLP, λ = 0.1")
ax.grid(alpha=0.3)
ax.legend(loc="lower left")
if len(sys.argv) > 1:
    fig.savefig(sys.argv[1], dpi=150)
    print(f"figure saved to {sys.argv[1]}")
