"""Peak memory that ``fit`` adds on top of its input, for 200k x 100 float64 rows.

Each measurement runs in a fresh process, which creates the data, records its
peak resident memory (ru_maxrss), fits, and records it again.

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


def main():
    for cls in ("VariationalMLPClassifier", "HyperVariationalClassifier"):
        out = subprocess.run(
            [sys.executable, "-c", CHILD.format(cls=cls)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        input_bytes, growth = int(out[0]), int(out[1])
        print(
            f"{cls}: input {input_bytes / 2**20:.0f} MiB, peak grew by "
            f"{growth / 2**20:.0f} MiB = {growth / input_bytes:.2f}x the input "
            "(target <= 2x)"
        )


if __name__ == "__main__":
    main()
