"""One restart of the thesis' comparison: its data split, what each method
trains, and the scores it records."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from .._estimators.classifier import (
    HyperVariationalClassifier,
    VariationalMLPClassifier,
)
from .._estimators.regressor import HyperVariationalRegressor, VariationalMLPRegressor
from ..nn.pruning import masks_from_scores
from ..path import pruning_curve

# What each method trains, per task: (single network, hypernetwork, the
# deterministic MLP).
MODELS = {
    "classification": (
        VariationalMLPClassifier,
        HyperVariationalClassifier,
        MLPClassifier,
    ),
    "regression": (VariationalMLPRegressor, HyperVariationalRegressor, MLPRegressor),
}


def split(X, y, seed, task):
    """60 / 20 / 20 train, validation and test parts (stratified for a
    classification), ``X`` standardised on the train part, and a regression
    target too, so that the deterministic MLP sees it at unit scale as the
    variational ones do; also the target's scale (1 for labels)."""
    regression = task == "regression"
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=0.2, stratify=None if regression else y, random_state=seed
    )
    X_train, X_valid, y_train, y_valid = train_test_split(
        X_rest,
        y_rest,
        test_size=0.25,
        stratify=None if regression else y_rest,
        random_state=seed,
    )
    scaler = StandardScaler().fit(X_train)
    y_mean, y_scale = 0.0, 1.0
    if regression:
        y_mean, y_scale = y_train.mean(), y_train.std() or 1.0
        y_train, y_valid, y_test = (
            (v - y_mean) / y_scale for v in (y_train, y_valid, y_test)
        )
    return (
        (scaler.transform(X_train), y_train),
        (scaler.transform(X_valid), y_valid),
        (scaler.transform(X_test), y_test),
        y_scale,
    )


def curves(model, complexities, fractions, valid, test):
    kwargs = {"fractions": fractions, "complexities": complexities}
    return (
        pruning_curve(model, *valid, **kwargs).scores,
        pruning_curve(model, *test, **kwargs).scores,
    )


def magnitude_pruned_scores(mlp, fractions, data):
    """Scores (accuracy or R²) of a scikit-learn MLP with its smallest
    weights zeroed."""
    coefs = [torch.from_numpy(np.abs(c)) for c in mlp.coefs_]
    original = [c.copy() for c in mlp.coefs_]
    scores = []
    try:
        for fraction in fractions:
            masks = masks_from_scores(coefs, fraction)
            mlp.coefs_ = [c * m.numpy() for c, m in zip(original, masks)]
            scores.append(mlp.score(*data))
    finally:
        mlp.coefs_ = original
    return scores


def hyper_complexity(complexity, low):
    """λ = 0 is evaluated at the low end of a log-encoded hypernetwork's range."""
    return max(complexity, low)


@dataclass
class Restart:
    """What every method of one restart trains and evaluates on."""

    train: tuple
    valid: tuple
    test: tuple
    y_scale: float
    task: str
    complexities: list
    fractions: list
    common: dict
    seed: int
    prefix: str
    say: Callable

    @property
    def score_name(self):
        return "R²" if self.task == "regression" else "accuracy"


@dataclass
class Outcome:
    """One method's scores of one restart: a row per λ, a column per fraction."""

    validation_accuracy: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    fit_seconds: float = 0.0
    rmse: list = field(default_factory=list)
    coverage90: list = field(default_factory=list)

    def add(self, valid_scores, test_scores, seconds):
        self.validation_accuracy.extend(np.atleast_2d(valid_scores).tolist())
        self.accuracy.extend(np.atleast_2d(test_scores).tolist())
        self.fit_seconds += seconds

    def add_errors(self, run, models):
        """A regression's test RMSE (in the target's units) and the coverage
        of the central 90% interval of each unpruned model in ``models``
        (None for a model without a predictive standard deviation)."""
        if run.task != "regression":
            return
        X_test, y_test = run.test
        for model in models:
            # pruning_curve prunes copies: these models are unpruned.
            std = None
            if isinstance(model, MLPRegressor):
                mean = model.predict(X_test)
            else:
                mean, std = model.predict(X_test, return_std=True)
            error = y_test - mean
            self.rmse.append(float(np.sqrt(np.mean(error**2)) * run.y_scale))
            self.coverage90.append(
                None if std is None else float(np.mean(np.abs(error) <= 1.645 * std))
            )


def timed(fit):
    start = time.perf_counter()
    model = fit()
    return model, time.perf_counter() - start
