"""Divergence, interruption, persistence, determinism, scale-out."""

import pickle

import joblib
import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback

from skvarhyper import (
    HyperVariationalClassifier,
    HyperVariationalClassifierCV,
    VariationalMLPClassifier,
    pruning_curve,
)

FAST = {"hidden_layer_sizes": (8,), "max_epochs": 6, "random_state": 0}
# Three epochs, for the tests on the ``three_classes`` table.
TINY = {"hidden_layer_sizes": (8,), "max_epochs": 3, "random_state": 0}
ESTIMATORS = [
    VariationalMLPClassifier(**FAST),
    HyperVariationalClassifier(**FAST),
    HyperVariationalClassifierCV(**FAST, complexities=[0.1, 1.0], cv=2),
]
IDS = ["variational", "hyper", "hyper_cv"]


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=120, n_features=5, n_informative=4, n_redundant=0, random_state=0
    )


def _state(clf):
    net = clf.best_estimator_.net_ if hasattr(clf, "best_estimator_") else clf.net_
    return {k: v.clone() for k, v in net.module_.state_dict().items()}


def _same_state(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("cls", [VariationalMLPClassifier, HyperVariationalClassifier])
def test_divergence_raises_a_clear_error_and_keeps_the_old_model(data, cls):
    X, y = data
    clf = cls(**FAST).fit(X, y)
    before = _state(clf)
    clf.set_params(lr=1e30)
    with pytest.raises(ValueError, match=r"diverged.*lr.*StandardScaler"):
        clf.fit(X * 1e30, y)
    assert _same_state(_state(clf), before)
    assert np.all(np.isfinite(clf.predict_proba(X)))


def test_divergence_with_warn_restores_the_last_finite_parameters(data):
    X, y = data

    class Explode(Callback):
        def on_epoch_begin(self, net, **kwargs):
            if len(net.history) == 4:
                with torch.no_grad():
                    net.module_.layers[0].weight_mean.fill_(float("inf"))

    clf = VariationalMLPClassifier(
        **FAST, on_divergence="warn", callbacks=[("explode", Explode())]
    )
    with pytest.warns(RuntimeWarning, match="diverged.*Restored"):
        clf.fit(X, y)
    # The history keeps the three complete epochs, not the diverged fourth.
    assert len(clf.net_.history) == 3
    assert np.all(np.isfinite(clf.predict_proba(X)))
    for value in clf.net_.module_.state_dict().values():
        assert torch.all(torch.isfinite(value))


class _Interrupt(Callback):
    def __init__(self, at_epoch=3):
        self.at_epoch = at_epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.at_epoch:
            raise KeyboardInterrupt


@pytest.mark.parametrize("cls", [VariationalMLPClassifier, HyperVariationalClassifier])
def test_ctrl_c_stops_training_and_leaves_a_usable_model(data, cls):
    X, y = data
    clf = cls(**FAST, callbacks=[("interrupt", _Interrupt())]).fit(X, y)
    assert len(clf.net_.history) == 3
    assert clf.predict(X).shape == (len(X),)
    assert clf.prune(0.5).sparsity_ == pytest.approx(0.5, abs=0.05)


def _variants(estimator, X, y):
    yield "unfitted", clone(estimator)
    fitted = clone(estimator).fit(X, y)
    yield "fitted", fitted
    if not isinstance(estimator, HyperVariationalClassifierCV):
        yield "pruned", pickle.loads(pickle.dumps(fitted)).prune(0.6)
    if isinstance(estimator, HyperVariationalClassifier):
        yield "other λ", pickle.loads(pickle.dumps(fitted)).set_complexity(0.05)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_round_trips_of_every_estimator(data, estimator, dump, tmp_path):
    X, y = data
    for name, model in _variants(estimator, X, y):
        if dump == "pickle":
            loaded = pickle.loads(pickle.dumps(model))
        else:
            joblib.dump(model, tmp_path / "model.joblib")
            loaded = joblib.load(tmp_path / "model.joblib")
        assert loaded.get_params().keys() == model.get_params().keys(), name
        if name != "unfitted":
            np.testing.assert_array_equal(
                loaded.predict_proba(X), model.predict_proba(X), err_msg=name
            )


@pytest.mark.parametrize("activation", ["identity", "softmax"])
def test_every_activation_pickles(three_classes, activation):
    X, y = three_classes
    clf = VariationalMLPClassifier(**TINY, activation=activation).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    pruning_curve(clf, X, y, fractions=[0.0, 0.5])


@pytest.mark.parametrize("cls", [VariationalMLPClassifier, HyperVariationalClassifier])
def test_save_and_load_keep_classes_parameters_and_predictions(data, cls, tmp_path):
    X, y = data
    labels = np.array(["no", "yes"])[y]
    clf = cls(**FAST, complexity=0.3).fit(X, labels).prune(0.4)
    assert clf.save(tmp_path / "model") is clf
    loaded = cls.load(tmp_path / "model")
    assert list(loaded.classes_) == ["no", "yes"]
    assert loaded.get_params() == clf.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert len(loaded.net_.history) == FAST["max_epochs"]
    with pytest.raises(TypeError, match="not a"):
        HyperVariationalClassifier.load(tmp_path / "model") if cls is not (
            HyperVariationalClassifier
        ) else VariationalMLPClassifier.load(tmp_path / "model")


def test_save_and_load_keep_the_optimizer_state(three_classes, tmp_path):
    """A loaded model continues training exactly as the saved one."""
    X, y = three_classes
    clf = VariationalMLPClassifier(**TINY).fit(X, y)
    clf.save(tmp_path)
    loaded = VariationalMLPClassifier.load(tmp_path)
    clf.partial_fit(X, y)
    loaded.partial_fit(X, y)
    assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-6)


def test_load_and_export_use_the_fitted_architecture(three_classes, tmp_path):
    X, y = three_classes
    clf = VariationalMLPClassifier(**TINY).fit(X, y)
    clf.save(tmp_path / "v").set_params(hidden_layer_sizes=(3,))
    loaded = VariationalMLPClassifier.load(tmp_path / "v")
    assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    clf.save(tmp_path / "w")
    assert_array_equal(
        VariationalMLPClassifier.load(tmp_path / "w").predict_proba(X),
        clf.predict_proba(X),
    )
    hyper = HyperVariationalClassifier(**TINY).fit(X, y)
    expected = hyper.predict_proba(X)
    hyper.set_params(hidden_layer_sizes=(3,))
    assert_allclose(hyper.to_variational().predict_proba(X), expected, rtol=1e-6)


def test_a_model_saved_on_an_unavailable_device_loads_on_the_cpu(data, tmp_path):
    X, y = data
    clf = VariationalMLPClassifier(**FAST).fit(X, y).save(tmp_path)
    saved = joblib.load(tmp_path / "estimator.joblib")
    saved["state"]["device"] = "cuda:7"
    joblib.dump(saved, tmp_path / "estimator.joblib")
    if not torch.cuda.is_available():
        with pytest.warns(UserWarning, match="loading it on the CPU"):
            loaded = VariationalMLPClassifier.load(tmp_path)
        np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_cuda_without_cuda_is_a_clear_error(data):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match="CUDA is not available"):
        VariationalMLPClassifier(**FAST, device="cuda").fit(*data)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_end_to_end(data, tmp_path):
    X, y = data
    clf = HyperVariationalClassifier(**FAST, device="cuda").fit(X, y)
    proba = clf.predict_proba(X)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(loaded.predict_proba(X), proba, rtol=1e-5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_regressor_end_to_end(data):
    from skvarhyper import HyperVariationalRegressor

    X, y = data
    target = X[:, 0] + 0.1 * y
    reg = HyperVariationalRegressor(**FAST, device="cuda").fit(X, target)
    mean, std = reg.predict(X, return_std=True)
    assert np.isfinite(reg.evidence(X, target)["elbo"])
    exported_mean, exported_std = reg.to_variational().predict(X, return_std=True)
    np.testing.assert_allclose(exported_mean, mean, rtol=1e-5)
    np.testing.assert_allclose(exported_std, std, rtol=1e-5)


def test_grid_search_in_two_processes_is_bit_identical_to_sequential(data):
    X, y = data
    grid = {"complexity": [0.1, 1.0]}
    search = [
        GridSearchCV(VariationalMLPClassifier(**FAST), grid, cv=2, n_jobs=n_jobs)
        for n_jobs in (1, 2)
    ]
    one, two = (s.fit(X, y) for s in search)
    np.testing.assert_array_equal(
        one.cv_results_["mean_test_score"], two.cv_results_["mean_test_score"]
    )
    assert _same_state(_state(one.best_estimator_), _state(two.best_estimator_))


def test_large_prediction_is_batched_and_equal_to_small_batches(data, monkeypatch):
    X, y = data
    clf = VariationalMLPClassifier(**FAST).fit(X, y)
    expected = clf.predict_proba(X)
    monkeypatch.setattr("skvarhyper._estimators.base.PREDICT_BATCH_SIZE", 7)
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-6)


def test_dask_cluster_gives_the_sequential_results(data):
    distributed = pytest.importorskip("dask.distributed")
    X, y = data
    sequential = {
        "grid": GridSearchCV(
            VariationalMLPClassifier(**FAST), {"complexity": [0.1, 1.0]}, cv=2
        ).fit(X, y),
        "cv": clone(ESTIMATORS[2]).fit(X, y),
    }
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_config(backend="dask"),
    ):
        grid = GridSearchCV(
            VariationalMLPClassifier(**FAST),
            {"complexity": [0.1, 1.0]},
            cv=2,
            n_jobs=-1,
        ).fit(X, y)
        cv = clone(ESTIMATORS[2]).set_params(n_jobs=-1).fit(X, y)
    np.testing.assert_array_equal(
        grid.cv_results_["mean_test_score"],
        sequential["grid"].cv_results_["mean_test_score"],
    )
    np.testing.assert_array_equal(cv.scores_, sequential["cv"].scores_)
