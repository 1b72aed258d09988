"""Training and prediction speed against a hand-written loop and the usual baselines.

Synthetic 20000 x 784 data, 10 classes, (100,) networks, batch 128, Adam, 3
epochs per fit. The contenders run interleaved (A B C ... A B C ...) for
``--repeats`` rounds and the medians of the per-epoch seconds are quoted, so
that a slow spell of a shared machine hits every contender alike.

Run: python benchmarks/bench_training.py [--repeats 3]
"""

import argparse
import math
import platform
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from skorch import NeuralNetClassifier

from skvarhyper import HyperVariationalClassifier, VariationalMLPClassifier

N_SAMPLES, N_FEATURES, N_CLASSES, HIDDEN = 20_000, 784, 10, 100
EPOCHS, BATCH, LR = 3, 128, 1e-3


def make_data(n_samples, seed=0):
    rng = np.random.RandomState(seed)
    centers = rng.normal(size=(N_CLASSES, N_FEATURES))
    y = rng.randint(N_CLASSES, size=n_samples)
    X = centers[y] + 3.0 * rng.normal(size=(n_samples, N_FEATURES))
    return X, y


def handwritten_vi(X, y):
    """The same variational network and objective in a plain PyTorch loop."""
    torch.manual_seed(0)
    X = torch.as_tensor(X, dtype=torch.float32)
    y = torch.as_tensor(y)
    sizes = [(N_FEATURES, HIDDEN), (HIDDEN, N_CLASSES)]
    params = []
    for n_in, n_out in sizes:
        bound = 1 / math.sqrt(n_in)
        params += [
            torch.empty(n_out, n_in).uniform_(-bound, bound).requires_grad_(),
            torch.full((n_out, n_in), -3.0, requires_grad=True),
            torch.empty(n_out).uniform_(-bound, bound).requires_grad_(),
            torch.full((n_out,), -3.0, requires_grad=True),
        ]
    optimizer = torch.optim.Adam(params, lr=LR)
    prior_var = 0.1
    for _ in range(EPOCHS):
        order = torch.randperm(len(X))
        for start in range(0, len(X), BATCH):
            index = order[start : start + BATCH]
            h = X[index]
            kl = 0.0
            for layer in range(2):
                wm, wls, bm, bls = params[4 * layer : 4 * layer + 4]
                mean = F.linear(h, wm, bm)
                var = F.linear(h * h, torch.exp(2 * wls), torch.exp(2 * bls))
                h = mean + torch.randn_like(mean) * var.sqrt()
                if layer == 0:
                    h = torch.relu(h)
                for m, ls in ((wm, wls), (bm, bls)):
                    ratio = torch.exp(2 * ls) / prior_var
                    kl = (
                        kl
                        + 0.5 * (ratio + m * m / prior_var - 1 - torch.log(ratio)).sum()
                    )
            loss = F.cross_entropy(h, y[index]) + kl / len(X)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def skorch_mlp(X, y):
    module = torch.nn.Sequential(
        torch.nn.Linear(N_FEATURES, HIDDEN),
        torch.nn.ReLU(),
        torch.nn.Linear(HIDDEN, N_CLASSES),
    )
    NeuralNetClassifier(
        module,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=LR,
        batch_size=BATCH,
        max_epochs=EPOCHS,
        train_split=None,
        iterator_train__shuffle=True,
        verbose=0,
    ).fit(X.astype(np.float32), y.astype(np.int64))


def sklearn_mlp(X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier(
            (HIDDEN,),
            batch_size=BATCH,
            learning_rate_init=LR,
            max_iter=EPOCHS,
            tol=0,
            n_iter_no_change=EPOCHS + 1,
            random_state=0,
        ).fit(X, y)


def ours(cls, **params):
    def fit(X, y):
        cls(
            (HIDDEN,),
            lr=LR,
            batch_size=BATCH,
            max_epochs=EPOCHS,
            random_state=0,
            **params,
        ).fit(X, y)

    return fit


CONTENDERS = {
    "VariationalMLPClassifier": ours(VariationalMLPClassifier),
    "hand-written VI loop": handwritten_vi,
    "Hyper linear (5 draws)": ours(HyperVariationalClassifier, hypernet="linear"),
    "Hyper lowrank (5 draws)": ours(HyperVariationalClassifier, hypernet="lowrank"),
    "skorch NeuralNetClassifier": skorch_mlp,
    "sklearn MLPClassifier": sklearn_mlp,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    X, y = make_data(N_SAMPLES)
    print(
        f"machine: {platform.processor() or platform.machine()}, "
        f"{torch.get_num_threads()} torch threads, torch {torch.__version__}"
    )

    for fit in CONTENDERS.values():  # warm-up: first-call costs of each library
        fit(X[:2000], y[:2000])
    seconds = {name: [] for name in CONTENDERS}
    for _ in range(args.repeats):
        for name, fit in CONTENDERS.items():
            start = time.perf_counter()
            fit(X, y)
            seconds[name].append((time.perf_counter() - start) / EPOCHS)
    median = {name: float(np.median(times)) for name, times in seconds.items()}
    print(f"\nseconds per epoch, median of {args.repeats} (20000 x 784, batch 128)")
    for name, value in median.items():
        print(f"  {name:<28} {value:7.3f}")
    var = median["VariationalMLPClassifier"]
    print("\nratios")
    print(
        f"  VariationalMLPClassifier / hand-written loop: "
        f"{var / median['hand-written VI loop']:.2f} (target <= 1.25)"
    )
    for name in ("Hyper linear (5 draws)", "Hyper lowrank (5 draws)"):
        print(
            f"  {name} / VariationalMLPClassifier: {median[name] / var:.2f} "
            "(target <= 2.5)"
        )

    X_big, _ = make_data(100_000, seed=1)
    clf = VariationalMLPClassifier((HIDDEN,), max_epochs=1, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier((HIDDEN,), max_iter=1, random_state=0).fit(X, y)
    rates = {}
    for name, model in (("VariationalMLPClassifier", clf), ("MLPClassifier", mlp)):
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            model.predict_proba(X_big)
            times.append(time.perf_counter() - start)
        rates[name] = len(X_big) / float(np.median(times))
    print("\npredict_proba on 100k rows (rows per second, median)")
    for name, rate in rates.items():
        print(f"  {name:<28} {rate:12,.0f}")
    print(
        f"  ratio: {rates['VariationalMLPClassifier'] / rates['MLPClassifier']:.2f} "
        "(target >= 0.8)"
    )


if __name__ == "__main__":
    main()
