import os

import matplotlib
import pytest

# One PyTorch thread, as the project's thread policy says (README, "Threads"):
# as fast as two for these small networks on an idle machine, and many times
# faster when another process shares the cores. Set before torch is imported;
# an OMP_NUM_THREADS of the user's wins.
os.environ.setdefault("OMP_NUM_THREADS", "1")

matplotlib.use("Agg")


def _table(n_classes):
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=120,
        n_features=5,
        n_informative=4,
        n_redundant=0,
        n_classes=n_classes,
        random_state=0,
    )


@pytest.fixture(scope="module")
def three_classes():
    """120 rows, 5 features, 3 classes: a table for fits of a few epochs, shared
    by the tests of the estimators' state (checkpoints, continued and
    interrupted fits, global state) and their edge cases."""
    return _table(3)


@pytest.fixture(scope="module")
def two_classes():
    """The same table with 2 classes."""
    return _table(2)
