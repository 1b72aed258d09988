"""The thesis' comparison as a library function: numbers in, numbers out."""

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from .._hyper import HyperVariationalClassifier
from .._validation import check_device
from .._variational import VariationalMLPClassifier
from ..nn.pruning import masks_from_scores
from ..path import DEFAULT_FRACTIONS, pruning_curve
from ._checks import (
    HYPER_METHODS,
    METHODS,
    SPLIT,
    THESIS_COMPLEXITIES,
    check_data,
    check_grids,
    check_positive_int,
    hyper_complexity_range,
)

__all__ = ["METHODS", "THESIS_COMPLEXITIES", "reproduce"]


def _split(X, y, seed):
    """60 / 20 / 20 stratified train, validation and test parts, standardised."""
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=seed
    )
    X_train, X_valid, y_train, y_valid = train_test_split(
        X_rest, y_rest, test_size=0.25, stratify=y_rest, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    return (
        (scaler.transform(X_train), y_train),
        (scaler.transform(X_valid), y_valid),
        (scaler.transform(X_test), y_test),
    )


def _curves(model, complexities, fractions, valid, test):
    kwargs = {"fractions": fractions, "complexities": complexities}
    return (
        pruning_curve(model, *valid, **kwargs).scores,
        pruning_curve(model, *test, **kwargs).scores,
    )


def _magnitude_pruned_scores(mlp, fractions, data):
    """Accuracy of an MLPClassifier with its smallest weights zeroed."""
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


def _hyper_complexity(complexity, low):
    """λ = 0 is evaluated at the low end of a log-encoded hypernetwork's range."""
    return max(complexity, low)


@dataclass
class _Restart:
    """What every method of one restart trains and evaluates on."""

    train: tuple
    valid: tuple
    test: tuple
    complexities: list
    fractions: list
    common: dict
    seed: int
    prefix: str
    say: Callable


@dataclass
class _Outcome:
    """One method's scores of one restart: a row per λ, a column per fraction."""

    validation_accuracy: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    fit_seconds: float = 0.0

    def add(self, valid_scores, test_scores, seconds):
        self.validation_accuracy.extend(np.atleast_2d(valid_scores).tolist())
        self.accuracy.extend(np.atleast_2d(test_scores).tolist())
        self.fit_seconds += seconds


def _timed(fit):
    start = time.perf_counter()
    model = fit()
    return model, time.perf_counter() - start


def _run_variational(run):
    """One VariationalMLPClassifier per λ, pruned by SNR."""
    outcome = _Outcome()
    for complexity in run.complexities:
        model, seconds = _timed(
            lambda c=complexity: VariationalMLPClassifier(
                complexity=c, random_state=run.seed, **run.common
            ).fit(*run.train)
        )
        scores = _curves(model, None, run.fractions, run.valid, run.test)
        outcome.add(*scores, seconds)
        run.say(
            f"[variational] {run.prefix} λ={complexity:g}: {seconds:.1f} s, "
            f"test accuracy {scores[1][0][0]:.4f}"
        )
    return {"variational": outcome}


def _run_hypernetwork(run, generator, complexity_range, methods, finetune_epochs):
    """One hypernetwork for all λ, and the fine-tuned model of each λ if asked."""
    name, tuned = f"hyper_{generator}", f"hyper_{generator}_finetuned"
    hyper, seconds = _timed(
        lambda: HyperVariationalClassifier(
            hypernet=generator,
            complexity_range=complexity_range,
            random_state=run.seed,
            **run.common,
        ).fit(*run.train)
    )
    grid = [_hyper_complexity(c, complexity_range[0]) for c in run.complexities]
    outcomes = {}
    if name in methods:
        outcomes[name] = _Outcome()
        scores = _curves(hyper, grid, run.fractions, run.valid, run.test)
        outcomes[name].add(*scores, seconds)
        run.say(
            f"[{name}] {run.prefix} all {len(grid)} λ: {seconds:.1f} s, "
            f"test accuracy {' '.join(f'{s:.4f}' for s in scores[1][:, 0])}"
        )
    if tuned in methods:
        outcomes[tuned] = _finetune(run, hyper, grid, tuned, finetune_epochs)
        outcomes[tuned].fit_seconds += seconds
    return outcomes


def _finetune(run, hyper, grid, name, epochs):
    """The hypernetwork's model of each λ, trained ``epochs`` more epochs."""
    outcome = _Outcome()
    for complexity in grid:

        def fit(c=complexity):
            model = hyper.to_variational(c)
            model.set_params(warm_start=True, max_epochs=epochs)
            return model.fit(*run.train)

        model, seconds = _timed(fit)
        scores = _curves(model, None, run.fractions, run.valid, run.test)
        outcome.add(*scores, seconds)
        run.say(
            f"[{name}] {run.prefix} λ={complexity:g}: {seconds:.1f} s, "
            f"test accuracy {scores[1][0][0]:.4f}"
        )
    return outcome


def _run_deterministic(run):
    """An MLPClassifier with L2 weight λ per λ, pruned by magnitude."""
    outcome = _Outcome()
    for complexity in run.complexities:

        def fit(c=complexity):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                return MLPClassifier(
                    run.common["hidden_layer_sizes"],
                    alpha=c,
                    max_iter=run.common["max_epochs"],
                    random_state=run.seed,
                ).fit(*run.train)

        mlp, seconds = _timed(fit)
        valid_scores = _magnitude_pruned_scores(mlp, run.fractions, run.valid)
        test_scores = _magnitude_pruned_scores(mlp, run.fractions, run.test)
        outcome.add(valid_scores, test_scores, seconds)
        run.say(
            f"[deterministic] {run.prefix} λ={complexity:g}: {seconds:.1f} s, "
            f"test accuracy {test_scores[0]:.4f}"
        )
    return {"deterministic": outcome}


def _run_restart(run, methods, complexity_range, finetune_epochs):
    """Every asked method trained and evaluated on one restart's split."""
    outcomes = {}
    if "variational" in methods:
        outcomes.update(_run_variational(run))
    for generator in ("linear", "lowrank"):
        if {f"hyper_{generator}", f"hyper_{generator}_finetuned"} & set(methods):
            outcomes.update(
                _run_hypernetwork(
                    run, generator, complexity_range, methods, finetune_epochs
                )
            )
    if "deterministic" in methods:
        outcomes.update(_run_deterministic(run))
    return outcomes


def reproduce(
    X,
    y,
    *,
    dataset="custom",
    complexities=THESIS_COMPLEXITIES,
    fractions=DEFAULT_FRACTIONS,
    restarts=3,
    max_epochs=200,
    hidden=(100,),
    finetune_epochs=20,
    methods=METHODS,
    seed=0,
    device="cpu",
    progress=None,
):
    """Rerun the thesis' comparison of variational models and hypernetworks.

    For every restart the data are split anew into train (60%), validation
    (20%) and test (20%) parts, standardised on the train part. Each method
    is trained on the train part and evaluated at every complexity and every
    pruned fraction on the validation and test parts; the test part serves
    only for reporting. Methods: ``variational`` (one
    :class:`VariationalMLPClassifier` per ``λ``), ``hyper_linear`` and
    ``hyper_lowrank`` (one :class:`HyperVariationalClassifier` for all
    ``λ``), their ``*_finetuned`` variants (the generated model of each ``λ``
    trained ``finetune_epochs`` more epochs), and ``deterministic`` (an
    :class:`~sklearn.neural_network.MLPClassifier` with L2 weight ``λ``,
    pruned by magnitude). The variational models are pruned by SNR.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Features.
    y : array-like of shape (n_samples,)
        Labels.
    dataset : str, default="custom"
        Name stored with the results.
    complexities : sequence of float, default=(0, 0.01, 0.1, 1, 10, 100)
        The grid of ``λ`` (the thesis' grid). A hypernetwork is trained on
        ``[min positive λ / 10, max λ]`` on a log scale and evaluates ``λ = 0``
        at the low end of that range; it needs a positive ``λ`` in the grid.
        The grid must be increasing.
    fractions : sequence of float, default=(0, 0.1, ..., 0.9, 0.95, 0.98)
        The grid of pruned fractions.
    restarts : int, default=3
        Independent repetitions with different seeds and splits.
    max_epochs : int, default=200
        Training epochs of every model.
    hidden : tuple of int, default=(100,)
        Hidden layer sizes.
    finetune_epochs : int, default=20
        Extra epochs of the fine-tuned methods.
    methods : sequence of str, default=all six
        Which methods to run.
    seed : int, default=0
        Seed of the first restart; restart ``r`` uses ``seed + r``.
    device : str, default="cpu"
        Torch device of the variational models.
    progress : callable, default=None
        Called with one line of text per trained model.

    Returns
    -------
    results : dict
        ``dataset``, ``complexities``, ``fractions``, ``settings`` and
        ``methods``: for each method ``accuracy`` and ``validation_accuracy``
        as ``[restart][complexity][fraction]``, ``fit_seconds`` per restart
        (training for the whole ``λ`` grid) and ``pruned_by``.

    Raises
    ------
    ValueError
        Before any training, if ``X`` has missing or infinite values, a class
        has fewer than 3 members or the data are too few for the stratified
        split, a grid is not increasing and in range, or ``seed`` is not a
        valid random state for every restart, an epoch count is not positive,
        or ``device`` is not usable here.
    """
    complexities, fractions, methods = check_grids(
        complexities, fractions, methods, seed=seed, restarts=restarts
    )
    X, y = check_data(X, y)
    check_positive_int(max_epochs, "max_epochs")
    check_positive_int(finetune_epochs, "finetune_epochs")
    check_device(device)
    hypernetworks = any(name in HYPER_METHODS for name in methods)
    complexity_range = hyper_complexity_range(complexities) if hypernetworks else None
    common = {
        "hidden_layer_sizes": tuple(hidden),
        "max_epochs": max_epochs,
        "device": device,
    }
    outcomes = {name: [] for name in methods}
    for restart in range(restarts):
        run = _Restart(
            *_split(X, y, seed + restart),
            complexities=complexities,
            fractions=fractions,
            common=common,
            seed=seed + restart,
            prefix=f"restart {restart + 1}/{restarts}",
            say=progress or (lambda line: None),
        )
        for name, outcome in _run_restart(
            run, methods, complexity_range, finetune_epochs
        ).items():
            outcomes[name].append(outcome)
    settings = {
        "restarts": restarts,
        "max_epochs": max_epochs,
        "hidden": list(hidden),
        "finetune_epochs": finetune_epochs,
        "seed": seed,
        "device": device,
        "split": dict(SPLIT),
        "hypernetwork_complexity_range": (
            list(complexity_range) if hypernetworks else None
        ),
        "methods": list(methods),
    }
    return _results(X, y, dataset, complexities, fractions, settings, outcomes)


def _results(X, y, dataset, complexities, fractions, settings, outcomes):
    """The JSON-ready dictionary that :func:`reproduce` returns."""
    return {
        "dataset": dataset,
        "n_samples": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "n_classes": len(np.unique(y)),
        "complexities": complexities,
        "fractions": fractions,
        "settings": settings,
        "methods": {
            name: {
                "accuracy": [o.accuracy for o in runs],
                "validation_accuracy": [o.validation_accuracy for o in runs],
                "fit_seconds": [o.fit_seconds for o in runs],
                "pruned_by": "magnitude" if name == "deterministic" else "snr",
            }
            for name, runs in outcomes.items()
        },
    }
