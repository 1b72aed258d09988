"""Checks of the experiments' inputs, all done before any model is trained.

Nothing here imports torch or scikit-learn, so that the command line can
refuse bad input (and print its help) quickly.
"""

import math
from numbers import Integral

import numpy as np

METHODS = (
    "variational",
    "hyper_linear",
    "hyper_lowrank",
    "hyper_linear_finetuned",
    "hyper_lowrank_finetuned",
    "deterministic",
)
HYPER_METHODS = tuple(name for name in METHODS if name.startswith("hyper_"))
THESIS_COMPLEXITIES = (0.0, 0.01, 0.1, 1.0, 10.0, 100.0)
SPLIT = {"train": 0.6, "validation": 0.2, "test": 0.2}
# The first split keeps 80% of a class and the second 75% of that: with 3
# members a class keeps at least 2 in the 80%, which the second split needs.
MIN_CLASS_MEMBERS = 3
MAX_SEED = 2**32 - 1


def check_methods(methods):
    """``methods`` as a list of known method names, or a ValueError."""
    methods = [methods] if isinstance(methods, str) else list(methods)
    unknown = sorted(set(methods) - set(METHODS))
    if unknown or not methods:
        raise ValueError(
            f"unknown methods {unknown}; choose from {', '.join(METHODS)}."
        )
    return methods


def check_complexities(complexities, methods):
    """The ``λ`` grid as a list of floats, or a ValueError saying what is wrong.

    The grid must be strictly increasing, finite and non-negative; the
    hypernetwork methods also need a positive ``λ`` to set their log scale.
    """
    values = np.asarray(complexities, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError("complexities must be a non-empty list of numbers.")
    if not np.all(np.isfinite(values) & (values >= 0)):
        raise ValueError(
            f"complexities must be finite and non-negative, got {values.tolist()}."
        )
    if np.any(np.diff(values) <= 0):
        raise ValueError(
            f"complexities must be strictly increasing, got {values.tolist()}."
        )
    hyper = [name for name in methods if name in HYPER_METHODS]
    if hyper and not np.any(values > 0):
        raise ValueError(
            f"complexities must include a positive λ for the hypernetwork methods "
            f"({', '.join(hyper)}): they are trained on a log scale of λ starting "
            "at a tenth of the smallest positive λ, where they evaluate λ = 0; add "
            "one (e.g. 0,1) or leave these methods out."
        )
    if hyper and not math.isfinite(hyper_complexity_range(values)[1]):
        raise ValueError("complexities are too large for a hypernetwork's λ range.")
    return values.tolist()


def hyper_complexity_range(complexities):
    """The λ range of a hypernetwork: from a tenth of the smallest positive λ."""
    positive = [c for c in complexities if c > 0]
    low, high = min(positive), max(positive)
    return (low / 10, max(high, 10 * low))


def check_fractions(fractions):
    """The pruned fractions as a list of floats in [0, 1], or a ValueError."""
    values = np.asarray(fractions, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError("fractions must be a non-empty list of numbers.")
    if not np.all((values >= 0) & (values <= 1)):
        raise ValueError(f"fractions must lie in [0, 1], got {values.tolist()}.")
    return values.tolist()


def check_positive_int(value, name):
    """``value`` if it is an integer of at least 1, else a ValueError."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def check_seed(seed, restarts):
    """``seed`` if every restart's seed ``seed + r`` is a valid random state."""
    highest = MAX_SEED - (restarts - 1)
    if (
        isinstance(seed, bool)
        or not isinstance(seed, Integral)
        or not 0 <= seed <= highest
    ):
        last = f" (restart r uses seed + r, up to {MAX_SEED})" if restarts > 1 else ""
        raise ValueError(
            f"seed must be an integer from 0 to {highest}{last}, got {seed!r}."
        )
    return int(seed)


def split_sizes(n_samples):
    """Sizes of the train, validation and test parts of ``n_samples``.

    The same arithmetic as scikit-learn's ``train_test_split``, which rounds
    each test part up: 20% of all for test, then 25% of the rest for
    validation.
    """
    n_test = math.ceil(SPLIT["test"] * n_samples)
    n_rest = n_samples - n_test
    n_valid = math.ceil(SPLIT["validation"] / (1 - SPLIT["test"]) * n_rest)
    return n_rest - n_valid, n_valid, n_test


def _min_samples(n_classes):
    """The fewest samples whose every part can hold ``n_classes`` classes."""
    n = MIN_CLASS_MEMBERS * n_classes
    while min(split_sizes(n)) < n_classes:
        n += 1
    return n


def _plain(label):
    """A NumPy scalar label as the Python value it prints as."""
    return label.item() if isinstance(label, np.generic) else label


def check_labels(y):
    """Raise a ValueError unless the stratified 60/20/20 split works on ``y``.

    Every class needs ``MIN_CLASS_MEMBERS`` members, and each of the three
    parts needs room for one sample of every class.
    """
    classes, counts = np.unique(np.asarray(y), return_counts=True)
    if len(classes) < 2:
        found = repr(_plain(classes[0])) if len(classes) else "none"
        raise ValueError(
            f"the target has only one class ({found}); a classifier needs two or more."
        )
    small = [
        f"{_plain(label)!r} ({count} member{'s' if count > 1 else ''})"
        for label, count in zip(classes, counts)
        if count < MIN_CLASS_MEMBERS
    ]
    if small:
        raise ValueError(
            f"class(es) with too few members: {', '.join(small)}; the stratified "
            "60/20/20 train/validation/test split needs at least "
            f"{MIN_CLASS_MEMBERS} per class; drop or merge them."
        )
    needed = _min_samples(len(classes))
    if len(y) < needed:
        raise ValueError(
            f"{len(y)} samples in {len(classes)} classes are too few: the stratified "
            f"60/20/20 split needs at least {needed} so that each part has room "
            "for every class."
        )


def check_features(X):
    """Raise a ValueError unless ``X`` is a 2-D array of finite numbers."""
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (samples, features), got shape {X.shape}.")
    bad = np.flatnonzero(~np.isfinite(X).all(axis=0))
    if bad.size:
        raise ValueError(
            f"X has missing or infinite values in column(s) {bad.tolist()}; impute "
            "or drop them first."
        )


def check_targets(y):
    """``y`` as finite floats, or a ValueError; every part of the 60/20/20
    split needs two targets for R²."""
    try:
        y = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            "a regression target must be numeric; use --task classification for labels."
        ) from None
    if not np.isfinite(y).all():
        raise ValueError("the regression target has missing or infinite values.")
    if min(split_sizes(len(y))) < 2:
        raise ValueError(
            f"{len(y)} samples are too few: the 60/20/20 split needs at least 2 "
            "in each part."
        )
    return y


# A numeric target with more distinct values than this is taken for a
# regression target by task="auto".
MAX_AUTO_CLASSES = 20


def check_task(task, y):
    """``task`` with "auto" resolved: a regression for a numeric target with
    fractional values or more than ``MAX_AUTO_CLASSES`` distinct ones, a
    classification otherwise."""
    if task not in ("auto", "classification", "regression"):
        raise ValueError(
            f"task must be 'auto', 'classification' or 'regression', got {task!r}."
        )
    if task != "auto":
        return task
    y = np.asarray(y)
    if y.dtype.kind not in "iuf" or not np.isfinite(y).all():
        return "classification"
    fractional = y.dtype.kind == "f" and not np.all(y == np.round(y))
    if fractional or len(np.unique(y)) > MAX_AUTO_CLASSES:
        return "regression"
    return "classification"


def check_data(X, y, task="classification"):
    """``X`` and ``y`` as arrays, or a ValueError if the split cannot use them."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    check_features(X)
    if y.shape != (X.shape[0],):
        raise ValueError(
            f"y must have one label per row of X ({X.shape[0]}), got shape {y.shape}."
        )
    if task == "regression":
        return X, check_targets(y)
    check_labels(y)
    return X, y


def check_grids(complexities, fractions, methods, *, seed, restarts):
    """The grids and methods of a run as lists, checked; seed and restarts too."""
    methods = check_methods(methods)
    complexities = check_complexities(complexities, methods)
    fractions = check_fractions(fractions)
    check_seed(seed, check_positive_int(restarts, "restarts"))
    return complexities, fractions, methods
