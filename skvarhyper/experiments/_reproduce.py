"""The thesis' comparison as a library function: numbers in, numbers out."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .._training.config import check_device
from ..path import DEFAULT_FRACTIONS
from ._checks import (
    HYPER_METHODS,
    METHODS,
    SPLIT,
    THESIS_COMPLEXITIES,
    check_data,
    check_grids,
    check_positive_int,
    check_task,
    hyper_complexity_range,
)
from ._restart import (
    MODELS,
    Outcome,
    Restart,
    curves,
    hyper_complexity,
    magnitude_pruned_scores,
    split,
    timed,
)

__all__ = ["METHODS", "THESIS_COMPLEXITIES", "reproduce"]


def _add_single_model(run, outcome, name, complexity, model, seconds):
    """Score a single network of ``complexity``, fitted in ``seconds``, into
    ``outcome``, and say so."""
    scores = curves(model, None, run.fractions, run.valid, run.test)
    outcome.add(*scores, seconds)
    outcome.add_errors(run, [model])
    run.say(
        f"[{name}] {run.prefix} λ={complexity:g}: {seconds:.1f} s, "
        f"test {run.score_name} {scores[1][0][0]:.4f}"
    )


def _run_variational(run):
    """One variational network per λ, pruned by SNR."""
    outcome = Outcome()
    for complexity in run.complexities:
        model, seconds = timed(
            lambda c=complexity: MODELS[run.task][0](
                complexity=c, random_state=run.seed, **run.common
            ).fit(*run.train)
        )
        _add_single_model(run, outcome, "variational", complexity, model, seconds)
    return {"variational": outcome}


def _run_hypernetwork(run, generator, complexity_range, methods, finetune_epochs):
    """One hypernetwork for all λ, and the fine-tuned model of each λ if asked."""
    name, tuned = f"hyper_{generator}", f"hyper_{generator}_finetuned"
    hyper, seconds = timed(
        lambda: MODELS[run.task][1](
            hypernet=generator,
            complexity_range=complexity_range,
            random_state=run.seed,
            **run.common,
        ).fit(*run.train)
    )
    grid = [hyper_complexity(c, complexity_range[0]) for c in run.complexities]
    outcomes = {}
    if name in methods:
        outcomes[name] = Outcome()
        scores = curves(hyper, grid, run.fractions, run.valid, run.test)
        outcomes[name].add(*scores, seconds)
        outcomes[name].add_errors(run, [hyper.to_variational(c) for c in grid])
        run.say(
            f"[{name}] {run.prefix} all {len(grid)} λ: {seconds:.1f} s, "
            f"test {run.score_name} {' '.join(f'{s:.4f}' for s in scores[1][:, 0])}"
        )
    if tuned in methods:
        outcomes[tuned] = _finetune(run, hyper, grid, tuned, finetune_epochs)
        outcomes[tuned].fit_seconds += seconds
    return outcomes


def _finetune(run, hyper, grid, name, epochs):
    """The hypernetwork's model of each λ, trained ``epochs`` more epochs."""
    outcome = Outcome()
    for complexity in grid:

        def fit(c=complexity):
            model = hyper.to_variational(c)
            model.set_params(warm_start=True, max_epochs=epochs)
            return model.fit(*run.train)

        model, seconds = timed(fit)
        _add_single_model(run, outcome, name, complexity, model, seconds)
    return outcome


def _run_deterministic(run):
    """A deterministic MLP with L2 weight λ per λ, pruned by magnitude."""
    outcome = Outcome()
    for complexity in run.complexities:

        def fit(c=complexity):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                return MODELS[run.task][2](
                    hidden_layer_sizes=run.common["hidden_layer_sizes"],
                    alpha=c,
                    max_iter=run.common["max_epochs"],
                    random_state=run.seed,
                ).fit(*run.train)

        mlp, seconds = timed(fit)
        valid_scores = magnitude_pruned_scores(mlp, run.fractions, run.valid)
        test_scores = magnitude_pruned_scores(mlp, run.fractions, run.test)
        outcome.add(valid_scores, test_scores, seconds)
        outcome.add_errors(run, [mlp])
        run.say(
            f"[deterministic] {run.prefix} λ={complexity:g}: {seconds:.1f} s, "
            f"test {run.score_name} {test_scores[0]:.4f}"
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
    task="auto",
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
    pruned by magnitude). The variational models are pruned by SNR. A
    regression runs the regressors instead (``VariationalMLPRegressor``,
    ``HyperVariationalRegressor``, ``MLPRegressor``) on a target standardised
    on the train part, is split without stratification, is scored by R², and
    also records every unpruned model's test RMSE and the coverage of its
    central 90% predictive interval.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Features.
    y : array-like of shape (n_samples,)
        Labels, or real targets of a regression.
    dataset : str, default="custom"
        Name stored with the results.
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"`` is a regression for a numeric target with fractional
        values or more than 20 distinct ones, a classification otherwise.
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
        ``dataset``, ``task``, ``score`` (``"accuracy"`` or ``"r2"``),
        ``complexities``, ``fractions``, ``settings`` and ``methods``: for
        each method the test and validation scores (``accuracy`` and
        ``validation_accuracy``, or ``r2`` and ``validation_r2``) as
        ``[restart][complexity][fraction]``, ``fit_seconds`` per restart
        (training for the whole ``λ`` grid) and ``pruned_by``; a regression
        also ``rmse`` and ``coverage90`` as ``[restart][complexity]``.

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
    task = check_task(task, y)
    X, y = check_data(X, y, task)
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
        run = Restart(
            *split(X, y, seed + restart, task),
            task=task,
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
    return _results(X, y, dataset, task, complexities, fractions, settings, outcomes)


def _method_results(name, runs, score):
    result = {
        score: [o.accuracy for o in runs],
        f"validation_{score}": [o.validation_accuracy for o in runs],
        "fit_seconds": [o.fit_seconds for o in runs],
        "pruned_by": "magnitude" if name == "deterministic" else "snr",
    }
    if score == "r2":
        result["rmse"] = [o.rmse for o in runs]
        result["coverage90"] = [o.coverage90 for o in runs]
    return result


def _results(X, y, dataset, task, complexities, fractions, settings, outcomes):
    """The JSON-ready dictionary that :func:`reproduce` returns."""
    score = "r2" if task == "regression" else "accuracy"
    results = {
        "dataset": dataset,
        "task": task,
        "score": score,
        "n_samples": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "complexities": complexities,
        "fractions": fractions,
        "settings": settings,
        "methods": {
            name: _method_results(name, runs, score) for name, runs in outcomes.items()
        },
    }
    if task == "classification":
        results["n_classes"] = len(np.unique(y))
    return results
