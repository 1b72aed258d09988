"""Peak memory that ``fit`` and ``predict_proba`` add on top of their input.

``fit`` on 200k x 100 float64 rows, ``predict_proba`` on 1M x 100 float64
rows. Each measurement runs in a fresh process, which creates the data,
records its peak resident memory (ru_maxrss), runs, and records it again.

Run: python benchmarks/bench_memory.py
"""

import subprocess
import sys

CHILD = """
import resource, sys
import numpy as np
import torch
from skvarhyper import {cls}
rng = np.random.RandomState(0)
X = rng.normal(size=(200_000, 100))
y = (X[:, 0] > 0).astype(int)
{cls}((16,), max_epochs=1, random_state=0).fit(X[:100], y[:100])  # load code paths
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
{cls}((100,), max_epochs=1, batch_size=512, random_state=0).fit(X, y)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(X.nbytes, (after - before) * 1024)
"""

PREDICT = """
import resource
import numpy as np
from skvarhyper import VariationalMLPClassifier
rng = np.random.RandomState(0)
clf = VariationalMLPClassifier((100,), max_epochs=1, random_state=0)
clf.fit(rng.normal(size=(1000, 100)), rng.randint(10, size=1000))
X = rng.normal(size=(1_000_000, 100))
clf.predict_proba(X[:10])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
proba = clf.predict_proba(X)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(X.nbytes, (after - before) * 1024, proba.nbytes)
"""


def _run(code):
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return [int(value) for value in done.stdout.split()]


def main():
    for cls in ("VariationalMLPClassifier", "HyperVariationalClassifier"):
        input_bytes, growth = _run(CHILD.format(cls=cls))
        print(
            f"{cls}: input {input_bytes / 2**20:.0f} MiB, peak grew by "
            f"{growth / 2**20:.0f} MiB = {growth / input_bytes:.2f}x the input "
            "(target <= 2x)"
        )
    input_bytes, growth, output_bytes = _run(PREDICT)
    print(
        f"predict_proba on 1M rows: input {input_bytes / 2**20:.0f} MiB, output "
        f"{output_bytes / 2**20:.0f} MiB, peak grew by {growth / 2**20:.0f} MiB "
        f"= {growth / input_bytes:.2f}x the input"
    )


if __name__ == "__main__":
    main()
