"""File size and prediction speed of exported, compressed pruned models.

A (300, 100) VariationalMLPClassifier on synthetic 784-feature data (10
classes), SNR-pruned to 0/80/90/95 %, exported with ``to_sklearn()`` (dense)
and ``to_sklearn(compress=True)`` (dead hidden units removed, sparse weights
as CSR). Prints pickle and ONNX sizes and ``predict_proba`` throughput (median
of 5 runs on 20,000 rows) of each, and checks that the predictions agree.
ONNX needs ``pip install "skvarhyper[export]"``; the ONNX model of the
compressed network stores its (fewer) weights densely.

Run: python benchmarks/bench_export.py
"""

import pickle
import time

import numpy as np
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

from skvarhyper import VariationalMLPClassifier

FRACTIONS = [0.0, 0.8, 0.9, 0.95]


def rows_per_second(predict, X, repeats=5):
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        predict(X)
        seconds.append(time.perf_counter() - start)
    return len(X) / np.median(seconds)


def onnx_bytes(mlp, X):
    try:
        from skl2onnx import to_onnx
    except ImportError:
        return None
    dense = pickle.loads(pickle.dumps(mlp))
    dense.coefs_ = [c.toarray() if hasattr(c, "toarray") else c for c in dense.coefs_]
    return len(to_onnx(dense, X[:1].astype(np.float32)).SerializeToString())


def main():
    X, y = make_classification(
        26000, n_features=784, n_informative=80, n_classes=10, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    X_train, y_train, X_test = X[:6000], y[:6000], X[6000:]
    model = VariationalMLPClassifier(
        (300, 100), max_epochs=30, predictive="mean", random_state=0
    ).fit(X_train, y_train)
    print(
        "pruned  hidden units   pickle KB dense/compressed (ratio)   "
        "ONNX KB dense/compressed   predict_proba rows/s dense/compressed (×)"
    )
    for fraction in FRACTIONS:
        model.prune(fraction)
        dense, small = model.to_sklearn(), model.to_sklearn(compress=True)
        agree = np.abs(dense.predict_proba(X_test) - small.predict_proba(X_test)).max()
        assert agree < 1e-6, agree
        sizes = [len(pickle.dumps(m)) / 1e3 for m in (dense, small)]
        onnx = [onnx_bytes(m, X_test) for m in (dense, small)]
        onnx_text = (
            "n/a" if onnx[0] is None else f"{onnx[0] / 1e3:.0f}/{onnx[1] / 1e3:.0f}"
        )
        speed = [rows_per_second(m.predict_proba, X_test) for m in (dense, small)]
        print(
            f"{int(fraction * 100):>3} %   {small.hidden_layer_sizes!s:<13}  "
            f"{sizes[0]:7.0f}/{sizes[1]:<7.0f} ({sizes[1] / sizes[0]:.2f})          "
            f"{onnx_text:<24} {speed[0]:9.0f}/{speed[1]:<9.0f} "
            f"({speed[1] / speed[0]:.2f})"
        )
    torch_speed = rows_per_second(model.prune(0.0).predict_proba, X_test)
    print(f"the estimator itself (PyTorch, mean prediction): {torch_speed:.0f} rows/s")


if __name__ == "__main__":
    main()
