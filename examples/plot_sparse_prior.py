"""
==============================================================
98 % of the weights removed: the sparse prior against the rest
==============================================================

With ``prior="log-uniform"`` a :class:`~skvarhyper.VariationalMLPClassifier`
is trained as sparse variational dropout (Molchanov, Ashukha & Vetrov, 2017):
the log-uniform prior pushes the dropout rate ``α = s² / m²`` of every weight
the data do not need towards infinity, so that most weights can be removed
without fine-tuning. This example trains three (100,) networks on the digits
data and removes 0-99 % of the weights of each:

* an :class:`~sklearn.neural_network.MLPClassifier`, pruned by magnitude;
* the Gaussian prior at λ = 0.1, pruned by the signal-to-noise ratio, weight
  by weight and by whole inputs and hidden units (``scope="unit"``);
* ``prior="log-uniform"`` with nothing else set, pruned by ``α``, which ranks
  weights as the SNR does (``α = 1 / SNR²``). Its ``"auto"`` defaults are
  sparse variational dropout's training: λ = 1 (the ordinary evidence), a
  learning rate of ``1e-2`` decayed to zero along a cosine, batches of 128
  and 8,000 steps.

Its own rule, ``prune(threshold=3)`` (remove every weight with ``log α > 3``),
picks the pruned fraction by itself. Pruning is a mask, so each fitted model
is evaluated at every fraction. The 98 % model uses only some of the inputs
and hidden units (``get_support()``, ``n_units_``): what
``to_sklearn(compress=True)`` keeps.

Run: ``python examples/plot_sparse_prior.py [output.png]``; the figure is saved
only when a path is given.
"""

import copy
import sys

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skvarhyper import VariationalMLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

mlp = MLPClassifier((100,), max_iter=300, random_state=0).fit(X_train, y_train)
gaussian = VariationalMLPClassifier(complexity=0.1, random_state=0).fit(
    X_train, y_train
)
sparse = VariationalMLPClassifier(prior="log-uniform", random_state=0).fit(
    X_train, y_train
)


def mlp_accuracy_without_smallest(fraction):
    """MLPClassifier's accuracy with ``fraction`` of its weights, the smallest
    in magnitude over both layers, set to zero."""
    pruned = copy.deepcopy(mlp)
    every = np.abs(np.concatenate([w.ravel() for w in mlp.coefs_]))
    if fraction > 0:
        cut = np.sort(every)[round(fraction * every.size) - 1]
        pruned.coefs_ = [np.where(np.abs(w) <= cut, 0.0, w) for w in mlp.coefs_]
    return pruned.score(X_test, y_test)


fractions = np.array([0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99])
curves = {
    "MLPClassifier, magnitude": [mlp_accuracy_without_smallest(f) for f in fractions],
    "Gaussian prior, SNR": [gaussian.prune(f).score(X_test, y_test) for f in fractions],
    "Gaussian prior, whole units": [
        gaussian.prune(f, scope="unit").score(X_test, y_test) for f in fractions
    ],
    "log-uniform prior, α": [sparse.prune(f).score(X_test, y_test) for f in fractions],
}
sparse.prune(0.98)
print(
    f"at 98 % removed the sparse model reads {sparse.get_support().sum()} of 64 "
    f"inputs through {sparse.n_units_[0]} of 100 hidden units"
)
sparse.prune(threshold=3.0)
own_rule = (sparse.sparsity_, sparse.score(X_test, y_test))

print("removed  " + "  ".join(f"{name:>26}" for name in curves))
for i, f in enumerate(fractions):
    print(f"{f:>6.0%}   " + "  ".join(f"{c[i]:>26.4f}" for c in curves.values()))
print(f"log α > 3 removes {own_rule[0]:.1%} of the weights: accuracy {own_rule[1]:.4f}")

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
positions = np.arange(len(fractions))
for (name, accuracy), style in zip(curves.items(), ("s:", "o--", "v-.", "^-")):
    ax.plot(positions, 100 * np.array(accuracy), style, label=name)
ax.set_xticks(positions, [f"{f:.0%}" for f in fractions])
ax.set_xlabel("Weights removed (no fine-tuning)")
ax.set_ylabel("Test accuracy (%)")
ax.set_title("Digits, (100,) networks")
ax.grid(alpha=0.3)
ax.legend(loc="lower left")
if len(sys.argv) > 1:
    fig.savefig(sys.argv[1], dpi=150)
    print(f"figure saved to {sys.argv[1]}")
