"""Checkpoints: a checkpoint belongs to one fit, which it resumes after an
interruption; another fit, or a partial_fit, neither reuses nor resumes it."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import LRScheduler

from skvarhyper import HyperVariationalClassifierCV, VariationalMLPClassifier

FAST = {"hidden_layer_sizes": (8,), "max_epochs": 3, "random_state": 0}
SIX_EPOCHS = {**FAST, "max_epochs": 6}


def _step_schedule(step_size):
    return [LRScheduler(torch.optim.lr_scheduler.StepLR, step_size=step_size)]


@pytest.mark.parametrize("change", ["data", "complexity", "callbacks"])
def test_checkpoint_of_another_fit_is_not_reused(three_classes, change, tmp_path):
    """A checkpoint written by a fit on other data (or other parameters,
    or another learning-rate schedule) in the same directory must not be
    returned as the new fit's model."""
    X, y = three_classes
    first, second = (X[:60], y[:60]), (X[60:], y[60:])
    assert set(first[1]) == set(second[1]) == {0, 1, 2}
    params = {**FAST, "checkpoint": tmp_path}
    other = {
        "data": {},
        "complexity": {"complexity": 0.01},
        "callbacks": {"callbacks": _step_schedule(1)},
    }[change]
    if change == "callbacks":
        params["callbacks"] = _step_schedule(1000)
    if change != "data":
        second = first
    VariationalMLPClassifier(**params).fit(*first)
    with_checkpoint = VariationalMLPClassifier(**{**params, **other}).fit(*second)
    without = VariationalMLPClassifier(**FAST, **other).fit(*second)
    assert_allclose(
        with_checkpoint.predict_proba(X), without.predict_proba(X), rtol=1e-6
    )
    assert len(with_checkpoint.net_.history) == FAST["max_epochs"]


def test_checkpoint_of_another_architecture_gets_its_own_directory(
    two_classes, tmp_path
):
    X, y = two_classes
    VariationalMLPClassifier(**SIX_EPOCHS, checkpoint=tmp_path).fit(X, y)
    other = VariationalMLPClassifier(**{**SIX_EPOCHS, "hidden_layer_sizes": (4,)})
    other.set_params(checkpoint=tmp_path).fit(X, y)
    assert len(list(tmp_path.glob("*/params.pt"))) == 2
    expected = clone(other).set_params(checkpoint=None).fit(X, y)
    np.testing.assert_array_equal(other.predict_proba(X), expected.predict_proba(X))


def test_checkpoint_of_a_fit_with_other_validation_rows_is_not_reused(
    three_classes, tmp_path
):
    """Early stopping on other validation rows (fit's X_val, y_val) is
    another fit: it gets a checkpoint directory of its own."""
    X, y = three_classes
    params = {**SIX_EPOCHS, "early_stopping": True, "checkpoint": tmp_path}
    train, first, second = slice(0, 80), slice(80, 100), slice(100, 120)
    for rows in (first, second):
        VariationalMLPClassifier(**params).fit(
            X[train], y[train], X_val=X[rows], y_val=y[rows]
        )
    assert len(list(tmp_path.glob("*/params.pt"))) == 2


def test_checkpoint_of_the_same_fit_gives_the_same_model(three_classes, tmp_path):
    """The same parameters and data in the same directory resume (here:
    return) the model of the first fit."""
    X, y = three_classes
    params = {**FAST, "checkpoint": tmp_path}
    first = VariationalMLPClassifier(**params).fit(X, y)
    again = VariationalMLPClassifier(**params).fit(X, y)
    assert_allclose(again.predict_proba(X), first.predict_proba(X), rtol=1e-6)
    assert len(again.net_.history) == FAST["max_epochs"]


@pytest.mark.parametrize(
    "params",
    [
        {"tol": 10.0, "n_iter_no_change": 1, "max_epochs": 6},
        {"early_stopping": True, "n_iter_no_change": 1, "max_epochs": 6, "lr": 1.0},
    ],
    ids=["converged", "early_stopped"],
)
def test_a_finished_checkpointed_fit_is_returned_as_it_ended(
    three_classes, tmp_path, params
):
    X, y = three_classes
    first = VariationalMLPClassifier(**{**FAST, **params}, checkpoint=tmp_path)
    first.fit(X, y)
    again = VariationalMLPClassifier(**{**FAST, **params}, checkpoint=tmp_path)
    again.fit(X, y)
    assert len(again.net_.history) == len(first.net_.history)
    assert_array_equal(again.predict_proba(X), first.predict_proba(X))


def test_checkpoint_resumes_an_interrupted_fit(two_classes, tmp_path, monkeypatch):
    from skvarhyper.nn import VariationalMLP

    X, y = two_classes
    params = {**SIX_EPOCHS, "max_epochs": 8, "checkpoint": tmp_path}
    n_batches = -(-len(X) // 128)
    original, calls = VariationalMLP.sample_with_kl, []

    def sample_with_kl(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2 * n_batches + 1:  # Ctrl-C in the third epoch
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(VariationalMLP, "sample_with_kl", sample_with_kl)
    interrupted = VariationalMLPClassifier(**params)
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(X, y)
    monkeypatch.setattr(VariationalMLP, "sample_with_kl", original)
    assert len(interrupted.net_.history) == 2
    (fit_directory,) = tmp_path.iterdir()
    assert (fit_directory / "params.pt").exists()
    resumed = VariationalMLPClassifier(**params).fit(X, y)
    assert len(resumed.net_.history) == 8
    saved = interrupted.net_.history[:, "train_loss"]
    assert resumed.net_.history[:2, "train_loss"] == pytest.approx(saved)
    finished = VariationalMLPClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(finished.predict_proba(X), resumed.predict_proba(X))


def test_a_resumed_fit_goes_on_with_its_learning_rate_schedule(
    two_classes, tmp_path, monkeypatch
):
    from skorch.callbacks import Callback

    from skvarhyper.nn import VariationalMLP

    class Rates(Callback):
        def on_epoch_end(self, net, **kwargs):
            rates.append(net.optimizer_.param_groups[0]["lr"])

    X, y = two_classes
    params = {
        **SIX_EPOCHS,
        "lr": 1e-2,
        "batch_size": 128,
        "lr_schedule": "cosine",
        "checkpoint": tmp_path,
        "callbacks": [("rates", Rates())],
    }
    original, calls, rates = VariationalMLP.sample_with_kl, [], []

    def sample_with_kl(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3 * -(-len(X) // 128) + 1:  # Ctrl-C in the fourth epoch
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(VariationalMLP, "sample_with_kl", sample_with_kl)
    with pytest.raises(KeyboardInterrupt):
        VariationalMLPClassifier(**params).fit(X, y)
    monkeypatch.setattr(VariationalMLP, "sample_with_kl", original)
    VariationalMLPClassifier(**params).fit(X, y)
    expected = 1e-2 * (1 + np.cos(np.pi * np.arange(6) / 6)) / 2
    np.testing.assert_allclose(rates, expected)


def test_partial_fit_neither_writes_nor_resumes_a_checkpoint(three_classes, tmp_path):
    X, y = three_classes
    VariationalMLPClassifier(**FAST, checkpoint=tmp_path).fit(X, y)
    clf = VariationalMLPClassifier(**FAST, checkpoint=tmp_path).partial_fit(X, y)
    assert len(clf.net_.history) == 1
    assert len(list(tmp_path.iterdir())) == 1


def test_unreadable_checkpoint_is_a_clear_error(two_classes, tmp_path):
    X, y = two_classes
    VariationalMLPClassifier(**SIX_EPOCHS, checkpoint=tmp_path).fit(X, y)
    (params,) = tmp_path.glob("*/params.pt")
    params.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=r"checkpoint.*cannot be read"):
        VariationalMLPClassifier(**SIX_EPOCHS, checkpoint=tmp_path).fit(X, y)


def _recording_scorer(record):
    def scorer(estimator, X, y):
        record.append(estimator.predict_proba(X))
        return estimator.score(X, y)

    return scorer


def test_grid_search_with_a_checkpoint_fits_every_candidate(three_classes, tmp_path):
    """In a grid search sharing one checkpoint directory, every candidate
    and fold is its own fit, equal to the fit without a checkpoint."""
    X, y = three_classes
    grid = {"complexity": [0.01, 1.0]}
    probas = {}
    searches = {}
    for name, checkpoint in (("with", tmp_path), ("without", None)):
        probas[name] = []
        searches[name] = GridSearchCV(
            VariationalMLPClassifier(**FAST, checkpoint=checkpoint),
            grid,
            cv=2,
            scoring=_recording_scorer(probas[name]),
        ).fit(X, y)
    assert len(probas["with"]) == len(probas["without"]) == 4
    for with_checkpoint, without in zip(probas["with"], probas["without"]):
        assert_allclose(with_checkpoint, without, rtol=1e-6)
    assert_allclose(
        searches["with"].best_estimator_.predict_proba(X),
        searches["without"].best_estimator_.predict_proba(X),
        rtol=1e-6,
    )


def test_hypernetwork_cv_with_a_checkpoint_scores_every_fold(three_classes, tmp_path):
    """HyperVariationalClassifierCV with a checkpoint directory fits every
    fold anew: the same scores as without a checkpoint."""
    X, y = three_classes
    params = {
        **FAST,
        "complexities": [0.1, 1.0],
        "cv": 2,
        "scoring": "neg_log_loss",
    }
    with_checkpoint = HyperVariationalClassifierCV(**params, checkpoint=tmp_path)
    without = HyperVariationalClassifierCV(**params)
    with_checkpoint.fit(X, y)
    without.fit(X, y)
    assert_allclose(with_checkpoint.scores_, without.scores_, rtol=1e-6)
    assert_allclose(
        with_checkpoint.predict_proba(X), without.predict_proba(X), rtol=1e-6
    )
