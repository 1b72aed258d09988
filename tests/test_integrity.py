"""Integrity of the estimators' state: checkpoints, failed and interrupted fits,
changed parameters, labels, random state, dtypes and extreme values.

Regression tests for bugs 1-10 of the integrity review; each test names its bug.
"""

import copy
import itertools
import math
import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris, make_classification
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import EarlyStopping, EpochScoring, LRScheduler

from skvarhyper import (
    HyperVariationalClassifier,
    HyperVariationalClassifierCV,
    VariationalMLPClassifier,
    complexity_path,
    pruning_curve,
)
from skvarhyper.nn import HyperVariationalMLP, VariationalMLP

FAST = {"hidden_layer_sizes": (8,), "max_epochs": 3, "random_state": 0}
CLASSES = [VariationalMLPClassifier, HyperVariationalClassifier]
CLASS_IDS = ["variational", "hyper"]


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=120,
        n_features=5,
        n_informative=4,
        n_redundant=0,
        n_classes=3,
        random_state=0,
    )


def _assert_same(a, b, where="state"):
    """Bit-identical nested dicts/lists of tensors, arrays and scalars."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor), where
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert torch.equal(a, b), where
    elif isinstance(a, np.ndarray):
        assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, z) in enumerate(zip(a, b)):
            _assert_same(x, z, f"{where}[{i}]")
    else:
        assert a == b, where


def _snapshot(clf):
    net = clf.net_
    return {
        "module": {k: v.clone() for k, v in net.module_.state_dict().items()},
        "optimizer": copy.deepcopy(net.optimizer_.state_dict()),
        "history": len(net.history),
        "masks": [mask.clone() for mask in net.module_.weight_masks],
        "rng": clf._rng.get_state(),
    }


def _interrupt_forward(monkeypatch, module_class, at_call):
    """Make the ``at_call``-th training pass of ``module_class`` raise a Ctrl-C,
    as a user's Ctrl-C would in the middle of a batch (not from a callback)."""
    name = "sample_with_kl" if hasattr(module_class, "sample_with_kl") else "forward"
    original = getattr(module_class, name)
    calls = itertools.count(1)

    def training_pass(self, *args, **kwargs):
        if next(calls) == at_call:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(module_class, name, training_pass)


# --- bug 1: a checkpoint belongs to one fit ------------------------------------


def _step_schedule(step_size):
    return [LRScheduler(torch.optim.lr_scheduler.StepLR, step_size=step_size)]


@pytest.mark.parametrize("change", ["data", "complexity", "callbacks"])
def test_checkpoint_of_another_fit_is_not_reused(data, change, tmp_path):
    """Bug 1: a checkpoint written by a fit on other data (or other parameters,
    or another learning-rate schedule) in the same directory must not be
    returned as the new fit's model."""
    X, y = data
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


def test_checkpoint_of_the_same_fit_gives_the_same_model(data, tmp_path):
    """Bug 1: the same parameters and data in the same directory resume (here:
    return) the model of the first fit."""
    X, y = data
    params = {**FAST, "checkpoint": tmp_path}
    first = VariationalMLPClassifier(**params).fit(X, y)
    again = VariationalMLPClassifier(**params).fit(X, y)
    assert_allclose(again.predict_proba(X), first.predict_proba(X), rtol=1e-6)
    assert len(again.net_.history) == FAST["max_epochs"]


def _recording_scorer(record):
    def scorer(estimator, X, y):
        record.append(estimator.predict_proba(X))
        return estimator.score(X, y)

    return scorer


def test_grid_search_with_a_checkpoint_fits_every_candidate(data, tmp_path):
    """Bug 1: in a grid search sharing one checkpoint directory, every candidate
    and fold is its own fit, equal to the fit without a checkpoint."""
    X, y = data
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


def test_hypernetwork_cv_with_a_checkpoint_scores_every_fold(data, tmp_path):
    """Bug 1: HyperVariationalClassifierCV with a checkpoint directory fits every
    fold anew: the same scores as without a checkpoint."""
    X, y = data
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


# --- bug 2: a failed partial_fit / warm fit leaves the model as it was --------


@pytest.mark.parametrize("method", ["partial_fit", "warm_start"])
@pytest.mark.parametrize("cls", CLASSES, ids=CLASS_IDS)
def test_a_diverging_update_leaves_the_fitted_model_unchanged(data, cls, method):
    """Bug 2: a partial_fit (or warm-started fit) that diverges raises and
    leaves weights, optimiser state, history, masks and random state as they
    were."""
    X, y = data
    clf = cls(**FAST, warm_start=method == "warm_start").fit(X, y).prune(0.3)
    clf.partial_fit(X, y)
    before = _snapshot(clf)
    params = clf.get_params()
    proba = clf.predict_proba(X)
    update = clf.partial_fit if method == "partial_fit" else clf.fit
    with pytest.raises(ValueError, match="diverged"):
        update(X * 1e30, y)  # finite in float32, but the loss overflows
    _assert_same(_snapshot(clf), before)
    assert clf.get_params() == params
    assert_array_equal(clf.predict_proba(X), proba)


def test_a_diverging_partial_fit_keeps_the_parameters_the_user_set(data):
    """Bug 2: after a failed partial_fit, the state is restored but parameters
    set by set_params stay as the user set them."""
    X, y = data
    clf = VariationalMLPClassifier(**FAST).fit(X, y)
    before = _snapshot(clf)
    proba = clf.predict_proba(X)
    clf.set_params(lr=1e6)
    with pytest.raises(ValueError, match="diverged"):
        clf.partial_fit(X * 1e30, y)
    after = _snapshot(clf)
    # The optimiser's learning rate may follow the new lr; everything else is
    # restored bit for bit.
    for state in (before, after):
        for group in state["optimizer"]["param_groups"]:
            group.pop("lr")
    _assert_same(after, before)
    assert clf.get_params()["lr"] == 1e6
    assert_array_equal(clf.predict_proba(X), proba)


# --- bug 3: partial_fit checks its classes -------------------------------------


def test_partial_fit_rejects_labels_missing_from_classes(data):
    """Bug 3: a label of y that is not in ``classes`` is an error naming it."""
    X, y = data
    with pytest.raises(ValueError, match=r"\b1\b"):
        VariationalMLPClassifier(**FAST).partial_fit(X, y, classes=[0, 2])
    with pytest.raises(ValueError, match=r"\b2\b"):
        VariationalMLPClassifier(**FAST).partial_fit(X, y, classes=[0, 1])


def test_partial_fit_rejects_other_classes_on_a_later_call(data):
    """Bug 3: ``classes`` of a later call must equal those of the first."""
    X, y = data
    clf = VariationalMLPClassifier(**FAST).partial_fit(X, y, classes=[0, 1, 2])
    clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, y, classes=[0, 1, 2, 3])


# --- bug 4: partial_fit and warm_start apply changed parameters ----------------


@pytest.mark.parametrize("method", ["partial_fit", "warm_start"])
@pytest.mark.parametrize("cls", CLASSES, ids=CLASS_IDS)
def test_continued_training_uses_a_new_learning_rate(data, cls, method):
    """Bug 4: lr set after the first fit is the optimiser's learning rate."""
    X, y = data
    clf = cls(**FAST, warm_start=method == "warm_start")
    update = clf.partial_fit if method == "partial_fit" else clf.fit
    update(X, y)
    clf.set_params(lr=0.123)
    update(X, y)
    assert clf.net_.optimizer_.param_groups[0]["lr"] == 0.123


def test_partial_fit_uses_a_new_optimizer(data):
    """Bug 4: optimizer set after the first call is used by the next one."""
    X, y = data
    clf = VariationalMLPClassifier(**FAST).partial_fit(X, y)
    clf.set_params(optimizer="sgd").partial_fit(X, y)
    assert isinstance(clf.net_.optimizer_, torch.optim.SGD)


def test_partial_fit_uses_a_new_prior_variance(data):
    """Bug 4: prior_variance set after the first call is the prior of the next."""
    X, y = data
    clf = VariationalMLPClassifier(**FAST).partial_fit(X, y)
    clf.set_params(prior_variance=0.5).partial_fit(X, y)
    for layer in clf.net_.module_.layers:
        assert layer.prior_variance == 0.5


def test_partial_fit_uses_a_new_batch_size(data):
    """Bug 4: batch_size set after the first call sizes the next epoch."""
    X, y = data
    clf = VariationalMLPClassifier(**FAST).partial_fit(X, y)
    clf.set_params(batch_size=7).partial_fit(X, y)
    assert len(clf.net_.history[-1]["batches"]) == math.ceil(len(X) / 7)


def test_partial_fit_refuses_a_new_architecture(data):
    """Bug 4: a changed hidden_layer_sizes cannot continue the fitted network."""
    X, y = data
    clf = VariationalMLPClassifier(**FAST).partial_fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        clf.set_params(hidden_layer_sizes=(5,)).partial_fit(X, y)


# --- bug 5: the hypernetwork trains on the whole complexity range ---------------


def test_hypernetwork_draws_cover_the_range_with_small_batches(data, monkeypatch):
    """Bug 5: with batches smaller than n_complexity_samples, the λ drawn in
    training still reach the top of complexity_range."""
    X, y = data
    seen = []
    original = HyperVariationalMLP.forward

    def forward(self, x, complexity, *args, **kwargs):
        if self.training:
            seen.extend(complexity.detach().cpu().reshape(-1).tolist())
        return original(self, x, complexity, *args, **kwargs)

    monkeypatch.setattr(HyperVariationalMLP, "forward", forward)
    HyperVariationalClassifier(
        hidden_layer_sizes=(8,),
        batch_size=2,
        n_complexity_samples=5,
        complexity_range=(1e-3, 100),
        max_epochs=1,
        random_state=0,
    ).fit(X[:60], y[:60])
    assert seen
    assert max(seen) > 10


# --- bug 6: a user's Ctrl-C ----------------------------------------------------


def test_ctrl_c_stops_a_grid_search(data, monkeypatch):
    """Bug 6: a Ctrl-C during one fit of a grid search stops the search."""
    X, y = data
    _interrupt_forward(monkeypatch, VariationalMLP, at_call=5)
    search = GridSearchCV(
        VariationalMLPClassifier(**FAST, batch_size=20), {"complexity": [0.1, 1]}, cv=2
    )
    with pytest.raises(KeyboardInterrupt):
        search.fit(X, y)


@pytest.mark.parametrize(
    "cls, module_class",
    [
        (VariationalMLPClassifier, VariationalMLP),
        (HyperVariationalClassifier, HyperVariationalMLP),
    ],
    ids=CLASS_IDS,
)
def test_ctrl_c_in_an_epoch_raises_and_keeps_the_complete_epochs(
    data, cls, module_class, monkeypatch
):
    """Bug 6: a Ctrl-C in the middle of epoch 3 reaches the caller, and the
    model of the two complete epochs is usable."""
    X, y = data
    clf = cls(**{**FAST, "max_epochs": 5}, batch_size=40)  # 3 batches per epoch
    _interrupt_forward(monkeypatch, module_class, at_call=8)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    monkeypatch.undo()
    assert clf.predict(X).shape == (len(X),)
    assert len(clf.net_.history) == 2
    assert all("train_loss" in row for row in clf.net_.history)


def test_ctrl_c_at_the_first_batch_raises_and_leaves_no_incomplete_epoch(
    data, monkeypatch
):
    """Bug 6: a Ctrl-C in the very first batch reaches the caller and leaves no
    epoch without its losses in the history."""
    X, y = data
    clf = VariationalMLPClassifier(**FAST)
    _interrupt_forward(monkeypatch, VariationalMLP, at_call=1)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    monkeypatch.undo()
    if hasattr(clf, "net_"):
        assert all("train_loss" in row for row in clf.net_.history)


def test_early_stopping_callback_still_stops_training_quietly(data):
    """Bug 6: skorch's EarlyStopping (which stops by raising KeyboardInterrupt
    from a callback) ends training normally, without an exception."""
    X, y = data
    # threshold=0.9: only a 90% drop of the loss counts as an improvement.
    stop = EarlyStopping(monitor="train_loss", patience=1, threshold=0.9)
    clf = VariationalMLPClassifier(**{**FAST, "max_epochs": 20}, callbacks=[stop])
    clf.fit(X, y)
    assert len(clf.net_.history) == 2
    assert clf.predict(X).shape == (len(X),)


# --- bug 7: derived state that must not go stale or be recomputed --------------


def test_pruning_curve_keeps_the_masks_of_a_fine_tuned_model(data):
    """Bug 7: pruning_curve leaves a pruned, then fine-tuned model's masks (and
    so its predictions) exactly as they were."""
    X, y = data
    clf = VariationalMLPClassifier(
        hidden_layer_sizes=(16,), lr=0.05, max_epochs=5, random_state=0
    ).fit(X, y)
    clf.prune(0.5)
    for _ in range(5):
        clf.partial_fit(X, y)
    masks = [mask.clone() for mask in clf.net_.module_.weight_masks]
    proba = clf.predict_proba(X)
    pruning_curve(clf, X, y, fractions=[0, 0.5, 0.9])
    assert clf.prune_fraction == 0.5
    assert_array_equal(clf.predict_proba(X), proba)
    for mask, before in zip(clf.net_.module_.weight_masks, masks):
        assert torch.equal(mask, before)


def test_memory_does_not_keep_stale_feature_names(data, tmp_path):
    """Bug 7: a cached hypernetwork fitted on a DataFrame, then refitted on an
    array, has no feature_names_in_."""
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = HyperVariationalClassifier(**FAST, memory=str(tmp_path))
    clf.fit(frame, y)
    assert list(clf.feature_names_in_) == list(frame.columns)
    clf.fit(X, y)
    assert not hasattr(clf, "feature_names_in_")


# --- bug 8: values beyond float32 ----------------------------------------------


def test_fit_rejects_values_beyond_float32(data):
    """Bug 8: X finite in float64 but infinite in float32 is refused by fit."""
    X, y = data
    X = X.copy()
    X[0, 0] = 1e39
    with pytest.raises(ValueError, match=r"float32|range|large"):
        VariationalMLPClassifier(**FAST).fit(X, y)


@pytest.mark.parametrize("cls", CLASSES, ids=CLASS_IDS)
def test_predict_proba_rejects_values_beyond_float32(data, cls):
    """Bug 8: prediction refuses X that float32 cannot hold, instead of NaN."""
    X, y = data
    clf = cls(**FAST).fit(X, y)
    X = X.copy()
    X[0, 0] = 1e39
    with pytest.raises(ValueError, match=r"float32|range|large"):
        clf.predict_proba(X)


def test_hypernetwork_rejects_a_complexity_beyond_float32(data):
    """Bug 8: λ = 1e300 cannot be encoded in float32; set_complexity and
    complexity_path refuse it instead of returning NaN probabilities."""
    X, y = data
    hyper = HyperVariationalClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError):
        hyper.set_complexity(1e300)
    with pytest.raises(ValueError):
        complexity_path(hyper, X, y, complexities=[1e300])
    assert np.all(np.isfinite(hyper.predict_proba(X)))


# --- bug 9: global state ---------------------------------------------------------


def test_concurrent_predictions_equal_serial_ones(data):
    """Bug 9: Monte-Carlo predictions of one model from four threads at once
    equal a serial prediction (no shared global generator)."""
    X, y = data
    clf = VariationalMLPClassifier(**FAST, n_mc_samples=10).fit(X, y)
    expected = clf.predict_proba(X)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: clf.predict_proba(X), range(20)))
    for result in results:
        assert_array_equal(result, expected)


def _global_state():
    # The legacy global numpy generator is what is checked here.
    return torch.get_rng_state().clone(), np.random.get_state()  # noqa: NPY002


def _variational(X, y):
    return VariationalMLPClassifier(**FAST, n_mc_samples=3).fit(X, y)


def _hyper(X, y):
    return HyperVariationalClassifier(**FAST).fit(X, y)


def _save_and_load(model, path):
    model.save(path)
    return type(model).load(path)


OPERATIONS = {
    "fit": (lambda X, y: None, lambda _, X, y, path: _variational(X, y)),
    "fit_hyper": (lambda X, y: None, lambda _, X, y, path: _hyper(X, y)),
    "predict_proba": (_variational, lambda m, X, y, path: m.predict_proba(X)),
    "hyper_predict_proba": (_hyper, lambda m, X, y, path: m.predict_proba(X)),
    "to_variational": (_hyper, lambda m, X, y, path: m.to_variational(0.1)),
    "save_load": (_variational, lambda m, X, y, path: _save_and_load(m, path)),
    "save_load_hyper": (_hyper, lambda m, X, y, path: _save_and_load(m, path)),
    "pruning_curve": (
        _variational,
        lambda m, X, y, path: pruning_curve(m, X, y, fractions=[0, 0.5]),
    ),
    "pruning_curve_hyper": (
        _hyper,
        lambda m, X, y, path: pruning_curve(
            m, X, y, fractions=[0, 0.5], complexities=[0.1, 1.0]
        ),
    ),
    "complexity_path": (
        _hyper,
        lambda m, X, y, path: complexity_path(m, X, y, complexities=[0.1, 1.0]),
    ),
    "evidence": (_variational, lambda m, X, y, path: m.evidence(X, y)),
    "evidence_hyper": (_hyper, lambda m, X, y, path: m.evidence(X, y)),
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_global_random_state_is_untouched(data, operation, tmp_path):
    """Bug 9: no operation draws from (or reseeds) torch's or numpy's global
    random generators."""
    X, y = data
    prepare, run = OPERATIONS[operation]
    model = prepare(X, y)
    torch_before, numpy_before = _global_state()
    run(model, X, y, tmp_path / "model")
    torch_after, numpy_after = _global_state()
    assert torch.equal(torch_after, torch_before)
    _assert_same(list(numpy_after), list(numpy_before), "numpy")


@pytest.fixture
def float64_default():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


@pytest.mark.parametrize("cls", CLASSES, ids=CLASS_IDS)
def test_fit_and_predict_with_float64_as_torch_default(data, cls, float64_default):
    """Bug 9: torch's default dtype set to float64 by the user breaks nothing."""
    X, y = data
    clf = cls(**FAST).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    assert np.all(np.isfinite(proba))
    assert clf.predict(X).shape == (len(X),)


# --- bug 10: odds and ends -------------------------------------------------------


def test_epoch_scoring_on_training_data(data):
    """Bug 10: skorch's EpochScoring of accuracy on the training data works."""
    X, y = data
    scoring = EpochScoring("accuracy", on_train=True, name="train_acc")
    clf = VariationalMLPClassifier(**FAST, callbacks=[scoring]).fit(X, y)
    accuracy = clf.net_.history[-1]["train_acc"]
    assert isinstance(accuracy, float)
    assert 0 <= accuracy <= 1


def test_save_and_load_keep_the_optimizer_state(data, tmp_path):
    """Bug 10: a loaded model continues training exactly as the saved one."""
    X, y = data
    clf = VariationalMLPClassifier(**FAST).fit(X, y)
    clf.save(tmp_path)
    loaded = VariationalMLPClassifier.load(tmp_path)
    clf.partial_fit(X, y)
    loaded.partial_fit(X, y)
    assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-6)


def test_to_variational_warns_outside_the_complexity_range(data):
    """Bug 10: to_variational warns when it extrapolates, as set_complexity."""
    X, y = data
    hyper = HyperVariationalClassifier(**FAST).fit(X, y)
    with pytest.warns(UserWarning, match="complexity_range"):
        hyper.to_variational(1e6)


def test_complexity_range_beyond_float32_is_a_parameter_error(data):
    """Bug 10: a complexity_range float32 cannot hold is named as the cause,
    not reported as a divergence."""
    X, y = data
    hyper = HyperVariationalClassifier(**FAST, complexity_range=(1e-300, 1e300))
    with pytest.raises(ValueError, match="complexity_range"):
        hyper.fit(X, y)


def test_invalid_prune_fraction_set_after_fit_is_refused(data):
    """Bug 10: prune_fraction=1.5 set on a fitted model is an error wherever
    the masks are used."""
    X, y = data
    clf = VariationalMLPClassifier(**FAST).fit(X, y)
    clf.set_params(prune_fraction=1.5)
    with pytest.raises(ValueError, match="prune_fraction"):
        clf.sparsity_  # noqa: B018
    with pytest.raises(ValueError, match="prune_fraction"):
        clf.evidence(X, y)


def test_early_stopping_on_too_few_samples_names_the_parameter():
    """Bug 10: too few samples to hold out one per class is explained in terms
    of early_stopping / validation_fraction."""
    X, y = load_iris(return_X_y=True)
    rows = [0, 1, 50, 51, 100, 101]
    clf = VariationalMLPClassifier(**FAST, early_stopping=True)
    with pytest.raises(ValueError, match=r"early_stopping|validation_fraction"):
        clf.fit(X[rows], y[rows])


# --- review findings -----------------------------------------------------------


@pytest.mark.parametrize("activation", ["identity", "softmax"])
def test_every_activation_pickles(data, activation):
    X, y = data
    clf = VariationalMLPClassifier(**FAST, activation=activation).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    pruning_curve(clf, X, y, fractions=[0.0, 0.5])


def test_partial_fit_ignores_early_stopping(data):
    X, y = data
    clf = VariationalMLPClassifier(**FAST, early_stopping=True)
    clf.partial_fit(X, y).partial_fit(X, y)
    assert len(clf.net_.history) == 2


def test_partial_fit_neither_writes_nor_resumes_a_checkpoint(data, tmp_path):
    X, y = data
    VariationalMLPClassifier(**FAST, checkpoint=tmp_path).fit(X, y)
    clf = VariationalMLPClassifier(**FAST, checkpoint=tmp_path).partial_fit(X, y)
    assert len(clf.net_.history) == 1
    assert len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"tol": 10.0, "n_iter_no_change": 1, "max_epochs": 6},
        {"early_stopping": True, "n_iter_no_change": 1, "max_epochs": 6, "lr": 1.0},
    ],
    ids=["converged", "early_stopped"],
)
def test_a_finished_checkpointed_fit_is_returned_as_it_ended(data, tmp_path, params):
    X, y = data
    first = VariationalMLPClassifier(**{**FAST, **params}, checkpoint=tmp_path)
    first.fit(X, y)
    again = VariationalMLPClassifier(**{**FAST, **params}, checkpoint=tmp_path)
    again.fit(X, y)
    assert len(again.net_.history) == len(first.net_.history)
    assert_array_equal(again.predict_proba(X), first.predict_proba(X))


def test_continuing_fits_train_with_the_masks_of_the_current_parameters(data):
    X, y = data
    pruned = VariationalMLPClassifier(**FAST).fit(X, y)
    by_parameter = copy.deepcopy(pruned)
    pruned.prune(0.8).partial_fit(X, y)
    by_parameter.set_params(prune_fraction=0.8).partial_fit(X, y)
    for a, b in zip(
        pruned.net_.module_.parameters(), by_parameter.net_.module_.parameters()
    ):
        assert torch.equal(a, b)


def test_an_int_hidden_layer_size_is_the_same_architecture_as_a_tuple(data):
    X, y = data
    clf = VariationalMLPClassifier(**{**FAST, "hidden_layer_sizes": 8}).fit(X, y)
    clf.set_params(hidden_layer_sizes=(8,)).partial_fit(X, y)


def test_load_and_export_use_the_fitted_architecture(data, tmp_path):
    X, y = data
    clf = VariationalMLPClassifier(**FAST).fit(X, y)
    clf.save(tmp_path / "v").set_params(hidden_layer_sizes=(3,))
    loaded = VariationalMLPClassifier.load(tmp_path / "v")
    assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    clf.save(tmp_path / "w")
    assert_array_equal(
        VariationalMLPClassifier.load(tmp_path / "w").predict_proba(X),
        clf.predict_proba(X),
    )
    hyper = HyperVariationalClassifier(**FAST).fit(X, y)
    expected = hyper.predict_proba(X)
    hyper.set_params(hidden_layer_sizes=(3,))
    assert_allclose(hyper.to_variational().predict_proba(X), expected, rtol=1e-6)


def test_prune_validates_the_parameters_first(data):
    X, y = data
    clf = VariationalMLPClassifier(**FAST).fit(X, y)
    clf.set_params(prune_score="bogus")
    with pytest.raises(ValueError, match="prune_score"):
        clf.prune(0.5)


def test_a_failed_cv_fit_leaves_the_fitted_cv_estimator_unchanged(data):
    X, y = data
    params = {**FAST, "complexities": [0.1, 1.0], "cv": 2}
    clf = HyperVariationalClassifierCV(**params).fit(X, y)
    before = {k: copy.copy(v) for k, v in vars(clf).items()}
    clf.set_params(complexities=[0.1, 1.0, 10.0], lr=1e30)
    with pytest.raises(ValueError):
        clf.fit(X * 1e30, y)
    assert vars(clf).keys() == before.keys()
    assert clf.complexities_.shape == before["complexities_"].shape
    assert clf.scores_.shape == before["scores_"].shape


def test_divergence_warning_restores_the_optimizer_state_too(data):
    X, y = data
    clf = VariationalMLPClassifier(**FAST, on_divergence="warn").fit(X, y)
    clf.set_params(lr=1e30)
    with pytest.warns(RuntimeWarning, match="diverged"):
        clf.partial_fit(X * 1e30, y)
    for state in clf.net_.optimizer_.state_dict()["state"].values():
        for value in state.values():
            assert torch.isfinite(torch.as_tensor(value)).all()


def test_divergence_warning_in_the_first_epoch_with_early_stopping(data):
    X, y = data
    clf = VariationalMLPClassifier(
        **FAST, lr=1e30, early_stopping=True, on_divergence="warn"
    )
    with pytest.warns(RuntimeWarning, match="diverged"):
        clf.fit(X * 1e30, y)
    assert all("train_loss" in row for row in clf.net_.history)


def test_ctrl_c_with_memory_keeps_the_model(data, monkeypatch, tmp_path):
    X, y = data
    _interrupt_forward(monkeypatch, HyperVariationalMLP, at_call=2)
    clf = HyperVariationalClassifier(**FAST, memory=str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert clf.predict(X).shape == (len(X),)
