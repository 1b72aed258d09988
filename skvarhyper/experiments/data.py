"""Data sets for the experiments: bundled ones, CSV files and OpenML.

scikit-learn and pandas are imported only when a data set is loaded.
"""

import warnings
from pathlib import Path

import numpy as np

BUNDLED = ("digits", "wine", "breast_cancer", "iris", "diabetes")
"""The data sets that come with scikit-learn, loaded by ``load_<name>``;
diabetes is a regression."""


class DatasetError(ValueError):
    """A data set that cannot be loaded; the message says why, in one line."""


def load_dataset(name, *, target=None):
    """Load a data set by name for :func:`~skvarhyper.experiments.reproduce`.

    Parameters
    ----------
    name : str
        ``"digits"``, ``"wine"``, ``"breast_cancer"``, ``"iris"``,
        ``"diabetes"`` (a regression; all bundled with scikit-learn), a path
        to a CSV file with a header row, or ``"openml:NAME"`` (needs internet
        access). CSV files and OpenML need pandas (``pip install
        "skvarhyper[experiments]"``); the bundled data sets do not.
    target : str, default=None
        The label column of a CSV file; None takes the last column.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``X`` (float array), ``y`` (labels or targets) and ``name``.

    Raises
    ------
    DatasetError
        If the data set is unknown, unreadable, has no such target column,
        has a non-numeric feature column or missing values, or cannot be
        downloaded, or if pandas is needed but not installed.
    """
    if name in BUNDLED:
        from sklearn import datasets

        X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
        return _bunch(X=X.astype(float), y=y, name=name)
    if name.startswith("openml:"):
        return _load_openml(name.removeprefix("openml:"), target)
    if name.lower().endswith(".csv") or Path(name).exists():
        return _load_csv(Path(name), target)
    raise DatasetError(
        f"unknown dataset {name!r}: use one of {', '.join(BUNDLED)}, a path to a "
        "CSV file, or openml:NAME."
    )


def _bunch(**data):
    from sklearn.utils import Bunch

    return Bunch(**data)


def _import_pandas(purpose):
    """pandas, or a DatasetError saying how to install it."""
    try:
        import pandas
    except ImportError:
        raise DatasetError(
            f"{purpose} needs pandas, an optional dependency: "
            'pip install "skvarhyper[experiments]"'
        ) from None
    return pandas


def _frame_to_data(frame, target, name):
    pd = _import_pandas(f"loading {name}")
    if target is None:
        target = frame.columns[-1]
    if target not in frame.columns:
        raise DatasetError(
            f"--target {target!r} is not a column of {name}; its columns are "
            f"{', '.join(map(str, frame.columns))}."
        )
    features = frame.drop(columns=[target])
    non_numeric = [
        str(column)
        for column in features.columns
        if not pd.api.types.is_numeric_dtype(features[column])
    ]
    if non_numeric:
        raise DatasetError(
            f"{name} has non-numeric feature column(s) {', '.join(non_numeric)}; "
            "encode them as numbers first (e.g. one-hot)."
        )
    if features.shape[1] == 0:
        raise DatasetError(f"{name} has no feature column besides {target!r}.")
    labels = frame[target]
    if labels.isna().any():
        raise DatasetError(
            f"the target column {target!r} of {name} has missing values."
        )
    X = features.to_numpy(dtype=float)
    bad = [str(c) for c, ok in zip(features.columns, np.isfinite(X).all(0)) if not ok]
    if bad:
        raise DatasetError(
            f"{name} has missing or infinite values in feature column(s) "
            f"{', '.join(bad)}; impute them or drop those rows first."
        )
    return _bunch(X=X, y=np.asarray(labels), name=str(name))


def _load_csv(path, target):
    pd = _import_pandas("reading a CSV file")
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise DatasetError(f"cannot read {path}: no such file.") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DatasetError(f"cannot read {path} as CSV: {reason}") from None
    except pd.errors.EmptyDataError:
        raise DatasetError(f"cannot read {path}: the file is empty.") from None
    return _frame_to_data(frame, target, path.name)


def _load_openml(name, target):
    from sklearn import datasets

    _import_pandas("openml:NAME")
    try:
        with warnings.catch_warnings():  # its retries warn: keep stderr one line
            warnings.simplefilter("ignore")
            bunch = datasets.fetch_openml(name, as_frame=True, n_retries=1, delay=0.1)
    except OSError as exc:  # URLError, HTTPError and timeouts among them
        raise DatasetError(
            f"openml:{name} could not be downloaded ({type(exc).__name__}); it "
            "needs internet access and an existing OpenML data set name."
        ) from None
    except Exception as exc:  # OpenML answered, or the call was refused
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DatasetError(f"openml:{name} could not be loaded: {reason}") from None
    frame = bunch.frame
    target = target or (bunch.target.name if bunch.target is not None else None)
    return _frame_to_data(frame, target, f"openml:{name}")
