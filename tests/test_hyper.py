import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import LRScheduler

from skvarhyper import (
    HyperVariationalClassifier,
    VariationalMLPClassifier,
    complexity_path,
)
from skvarhyper.nn import HyperVariationalMLP

FAST = {"hidden_layer_sizes": (16,), "max_epochs": 10, "random_state": 0}
# Smaller fits, for the tests on the ``three_classes`` table.
TINY = {"hidden_layer_sizes": (8,), "max_epochs": 3, "random_state": 0}


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=200, n_features=8, n_informative=5, n_classes=3, random_state=0
    )


@pytest.fixture(scope="module", params=["linear", "lowrank"])
def fitted(request, data):
    params = {**FAST, "max_epochs": 30, "hypernet": request.param}
    return HyperVariationalClassifier(**params).fit(*data)


def _copy(clf):
    return pickle.loads(pickle.dumps(clf))


def test_set_complexity_changes_predictions_without_refitting(fitted, data):
    X, _ = data
    clf = _copy(fitted)
    state = {k: v.clone() for k, v in clf.net_.module_.state_dict().items()}
    low = clf.set_complexity(0.01).predict_proba(X)
    high = clf.set_complexity(50.0).predict_proba(X)
    assert not np.allclose(low, high)
    np.testing.assert_array_equal(clf.set_complexity(0.01).predict_proba(X), low)
    for key, value in clf.net_.module_.state_dict().items():
        if "mask" not in key:
            assert torch.equal(value, state[key])
    assert len(clf.net_.history) == 30


def test_history_records_evidence_terms(fitted):
    for key in ("train_loss", "train_nll", "train_kl", "train_elbo"):
        assert np.all(np.isfinite(fitted.net_.history[:, key]))


def test_set_complexity_outside_the_range_warns(fitted):
    clf = _copy(fitted)
    with pytest.warns(UserWarning, match="extrapolates"):
        clf.set_complexity(1e4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.set_complexity(1.0)


@pytest.mark.parametrize("value", [-1.0, np.nan, np.inf, "1"])
def test_set_complexity_refuses_bad_values(fitted, value):
    clf = _copy(fitted)
    with pytest.raises(ValueError, match="complexity"):
        clf.set_complexity(value)
    assert clf.complexity == fitted.complexity


def test_set_complexity_zero_on_a_log_scale_is_refused(fitted):
    with pytest.raises(ValueError, match="log scale"):
        _copy(fitted).set_complexity(0.0)


def test_hypernetwork_rejects_a_complexity_beyond_float32(three_classes):
    """λ = 1e300 cannot be encoded in float32; set_complexity and
    complexity_path refuse it instead of returning NaN probabilities."""
    X, y = three_classes
    hyper = HyperVariationalClassifier(**TINY).fit(X, y)
    with pytest.raises(ValueError):
        hyper.set_complexity(1e300)
    with pytest.raises(ValueError):
        complexity_path(hyper, X, y, complexities=[1e300])
    assert np.all(np.isfinite(hyper.predict_proba(X)))


def test_uniform_sampling_supports_zero(data):
    clf = HyperVariationalClassifier(
        **FAST, complexity_range=(0.0, 2.0), complexity_sampling="uniform"
    ).fit(*data)
    assert clf.set_complexity(0.0).score(*data) > 0.5


def test_prune_follows_the_selected_complexity(fitted):
    clf = _copy(fitted).set_complexity(100.0).prune(0.8)
    masks_1 = [m.clone() for m in clf.net_.module_.weight_masks]
    clf.set_complexity(0.001)
    masks_2 = [m.clone() for m in clf.net_.module_.weight_masks]
    assert clf.sparsity_ == pytest.approx(0.8, abs=1 / clf.n_weights_)
    assert any(not torch.equal(a, b) for a, b in zip(masks_1, masks_2))
    clf.set_complexity(100.0)
    for a, b in zip(clf.net_.module_.weight_masks, masks_1):
        assert torch.equal(a, b)


@pytest.mark.parametrize("complexity", [None, 0.05, 5.0])
def test_to_variational_round_trip(fitted, data, complexity):
    X, y = data
    hyper = _copy(fitted).prune(0.5)
    clf = hyper.to_variational(complexity)
    assert isinstance(clf, VariationalMLPClassifier)
    expected = fitted.complexity if complexity is None else complexity
    assert clf.complexity == expected
    hyper.set_complexity(expected)
    np.testing.assert_allclose(
        clf.predict_proba(X), hyper.predict_proba(X), rtol=1e-5, atol=1e-6
    )
    assert clf.sparsity_ == hyper.sparsity_
    assert clf.evidence(X, y) == pytest.approx(hyper.evidence(X, y))
    # Fine-tuning the exported network trains it: two more epochs, every
    # parameter moved, and the score of the exported model (which predicts as
    # the hypernetwork) kept within 0.1.
    n_iter, score = clf.n_iter_, hyper.score(X, y)
    before = {k: v.clone() for k, v in clf.net_.module_.named_parameters()}
    clf.set_params(warm_start=True, max_epochs=2).fit(X, y)
    assert clf.n_iter_ == n_iter + 2
    after = dict(clf.net_.module_.named_parameters())
    assert after.keys() == before.keys()
    for name, value in before.items():
        assert not torch.equal(after[name], value), name
    assert clf.score(X, y) >= score - 0.1


def test_the_exported_model_trains_as_the_hypernetwork_did(fitted):
    """Its learning rate and batches are the hypernetwork's, not a single
    network's defaults."""
    clf = fitted.to_variational()
    assert (clf.lr, clf.batch_size) == (1e-2, 128)
    assert clf.net_.lr == 1e-2


def test_to_variational_warns_outside_the_complexity_range(three_classes):
    """to_variational warns when it extrapolates, as set_complexity."""
    X, y = three_classes
    hyper = HyperVariationalClassifier(**TINY).fit(X, y)
    with pytest.warns(UserWarning, match="complexity_range"):
        hyper.to_variational(1e6)


def test_generated_networks_start_identical_across_complexities(data):
    # The mean shrinkage starts nearly, not exactly, inactive (test_nn_hyper).
    clf = HyperVariationalClassifier(
        **{**FAST, "max_epochs": 1}, lr=1e-12, shrinkage=False
    )
    clf.fit(*data)
    a = clf.net_.module_.export(0.001).state_dict()
    b = clf.net_.module_.export(100.0).state_dict()
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=1e-6, rtol=0)


@pytest.mark.parametrize("draw_batching", ["split", "repeat"])
def test_draw_batching_modes_train(data, draw_batching):
    clf = HyperVariationalClassifier(
        **{**FAST, "max_epochs": 40}, draw_batching=draw_batching
    ).fit(*data)
    assert clf.set_complexity(0.01).score(*data) > 0.7


def test_hypernetwork_draws_cover_the_range_with_small_batches(
    three_classes, monkeypatch
):
    """With batches smaller than n_complexity_samples, the λ drawn in
    training still reach the top of complexity_range."""
    X, y = three_classes
    seen = []
    original = HyperVariationalMLP.sample_with_kl

    def sample_with_kl(self, x, complexity, *args, **kwargs):
        seen.extend(complexity.detach().cpu().reshape(-1).tolist())
        return original(self, x, complexity, *args, **kwargs)

    monkeypatch.setattr(HyperVariationalMLP, "sample_with_kl", sample_with_kl)
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


def test_random_state_gives_identical_fits(data):
    a = HyperVariationalClassifier(**FAST).fit(*data)
    b = HyperVariationalClassifier(**FAST).fit(*data)
    for key, value in a.net_.module_.state_dict().items():
        assert torch.equal(value, b.net_.module_.state_dict()[key])


def _cache_entries(path):
    return len(list(path.rglob("output.pkl")))


def test_memory_hit_skips_training_and_a_changed_fit_parameter_misses(data, tmp_path):
    X, y = data
    memory = joblib.Memory(tmp_path, verbose=0)
    first = HyperVariationalClassifier(**FAST, memory=memory).fit(X, y)
    assert _cache_entries(tmp_path) == 1
    second = HyperVariationalClassifier(
        **FAST, memory=memory, complexity=0.1, prune_fraction=0.5, verbose=0
    ).fit(X, y)
    assert _cache_entries(tmp_path) == 1
    assert second.complexity == 0.1
    assert second.sparsity_ == pytest.approx(0.5, abs=1 / second.n_weights_)
    reference = _copy(first).set_complexity(0.1).prune(0.5)
    np.testing.assert_array_equal(second.predict_proba(X), reference.predict_proba(X))
    HyperVariationalClassifier(**FAST, memory=memory, lr=0.02).fit(X, y)
    assert _cache_entries(tmp_path) == 2
    HyperVariationalClassifier(**FAST, memory=memory).fit(X[:150], y[:150])
    assert _cache_entries(tmp_path) == 3
    schedule = LRScheduler(torch.optim.lr_scheduler.StepLR, step_size=1)
    HyperVariationalClassifier(**FAST, memory=memory, callbacks=[schedule]).fit(X, y)
    assert _cache_entries(tmp_path) == 4  # another schedule is another fit


def test_the_net_predicts_with_the_selected_complexity(fitted, data):
    """The skorch net (which scoring callbacks call) predicts with the
    posterior means of the selected model."""
    X, _ = data
    model = _copy(fitted).set_params(predictive="mean")
    for complexity in (0.01, 10.0):
        model.set_complexity(complexity)
        expected = model.predict_proba(X)
        np.testing.assert_allclose(model.net_.predict_proba(X), expected, atol=1e-6)
    model.set_params(complexity=0.1).predict(X)
    assert model.net_.complexity == 0.1


def test_memory_fit_uses_the_callbacks_without_hashing_them(data, tmp_path):
    from skorch.callbacks import EpochScoring

    X, y = data
    scoring = EpochScoring("accuracy", on_train=True, name="train_acc")
    clf = HyperVariationalClassifier(**FAST, memory=str(tmp_path), callbacks=[scoring])
    history = clf.fit(X, y).net_.history
    # The scoring ran every epoch, and (the hypernetwork's net predicts anew,
    # use_caching=False) the last epoch's score is the final net's accuracy.
    assert all("train_acc" in row for row in history)
    assert len(set(history[:, "train_acc"])) > 1
    assert history[-1, "train_acc"] == accuracy_score(y, clf.net_.predict(X))
    other = EpochScoring("accuracy", on_train=True, name="train_acc")
    clf.set_params(callbacks=[other]).fit(X, y)
    assert _cache_entries(tmp_path) == 1


def test_grid_search_with_memory_trains_one_hypernetwork_per_fold(data, tmp_path):
    search = GridSearchCV(
        HyperVariationalClassifier(**FAST, memory=str(tmp_path)),
        {"complexity": [0.01, 0.1, 1.0, 10.0], "prune_fraction": [0.0, 0.8]},
        cv=3,
    ).fit(*data)
    assert _cache_entries(tmp_path) == 4  # 3 folds + the refit
    assert search.best_estimator_.complexity in (0.01, 0.1, 1.0, 10.0)


def test_memory_does_not_keep_stale_feature_names(three_classes, tmp_path):
    """A cached hypernetwork fitted on a DataFrame, then refitted on an
    array, has no feature_names_in_."""
    pd = pytest.importorskip("pandas")
    X, y = three_classes
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = HyperVariationalClassifier(**TINY, memory=str(tmp_path))
    clf.fit(frame, y)
    assert list(clf.feature_names_in_) == list(frame.columns)
    clf.fit(X, y)
    assert not hasattr(clf, "feature_names_in_")


BAD_PARAMS = {
    "complexity_range": [(10.0, 1.0), (-1.0, 1.0), (0.0, 1.0), (1.0,), (1, np.inf)],
    "n_complexity_samples": [0],
    "hypernet": ["quadratic"],
    "rank": [0],
    "complexity_sampling": ["normal"],
    "hypernet_hidden": [0],
    "draw_batching": ["mixed"],
    "memory": [3],
}


@pytest.mark.parametrize(
    ("name", "value"),
    [(name, value) for name, values in BAD_PARAMS.items() for value in values],
)
def test_bad_hypernetwork_parameters_name_the_parameter(data, name, value):
    with pytest.raises((ValueError, TypeError), match=name):
        HyperVariationalClassifier(**FAST, **{name: value}).fit(*data)


def test_complexity_range_beyond_float32_is_a_parameter_error(three_classes):
    """A complexity_range float32 cannot hold is named as the cause,
    not reported as a divergence."""
    X, y = three_classes
    hyper = HyperVariationalClassifier(**TINY, complexity_range=(1e-300, 1e300))
    with pytest.raises(ValueError, match="complexity_range"):
        hyper.fit(X, y)


def test_unfitted_hypernetwork_raises_not_fitted():
    with pytest.raises(NotFittedError):
        HyperVariationalClassifier().set_complexity(1.0)
    with pytest.raises(NotFittedError):
        HyperVariationalClassifier().to_variational()


def test_shrinkage_is_part_of_the_architecture(data):
    X, y = data
    clf = HyperVariationalClassifier((4,), max_epochs=1, random_state=0).fit(X, y)
    # One shrinkage parameter per unit of every layer (the default low-rank
    # generator) or per weight (linear); none without.
    shrinkage = clf.net_.module_.shrinkage
    assert len(shrinkage) == clf.n_layers_ - 1
    masks = clf.net_.module_.weight_masks
    assert [rho.shape for rho in shrinkage] == [mask.shape[:1] for mask in masks]
    linear = HyperVariationalClassifier(
        (4,), hypernet="linear", max_epochs=1, random_state=0
    ).fit(X, y)
    assert [rho.shape for rho in linear.net_.module_.shrinkage] == [
        mask.shape for mask in linear.net_.module_.weight_masks
    ]
    plain = HyperVariationalClassifier(
        (4,), max_epochs=1, random_state=0, shrinkage=False
    ).fit(X, y)
    assert plain.net_.module_.shrinkage is None
    clf.set_params(shrinkage=False, warm_start=True)
    with pytest.raises(ValueError, match="shrinkage"):
        clf.fit(X, y)
