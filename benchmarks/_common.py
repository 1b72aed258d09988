"""What the benchmark scripts share: timing and the standard split."""

import time

from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def timed(fn):
    """``(fn(), seconds)``."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def standardised_split(loader, *, test_size=0.3, seed=0):
    """A stratified train/test split of a scikit-learn data set, standardised."""
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test
