"""What the benchmark scripts share: timing, the standard split and the
preprocessing of real tables."""

import time

from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


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


def table_pipeline(X, categorical, model):
    """``model`` behind the real tables' preprocessing: median imputation and
    standardisation of the numeric columns, one-hot encoding of the
    ``categorical`` ones."""
    numeric = [column for column in X.columns if column not in categorical]
    columns = ColumnTransformer(
        [
            (
                "numeric",
                make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                numeric,
            ),
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                categorical,
            ),
        ]
    )
    return make_pipeline(columns, model)
