import copy
import pickle
from functools import partial

import numpy as np
import pytest
import torch
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback, EpochScoring

from skvarhyper import HyperVariationalClassifier, VariationalMLPClassifier

FAST = {"hidden_layer_sizes": (16,), "lr": 1e-2, "max_epochs": 15, "random_state": 0}
# Smaller fits, for the tests on the ``three_classes`` table.
TINY = {"hidden_layer_sizes": (8,), "max_epochs": 3, "random_state": 0}


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=200, n_features=8, n_informative=5, n_classes=3, random_state=0
    )
    return X, y


@pytest.fixture(scope="module")
def fitted(data):
    return VariationalMLPClassifier(**FAST).fit(*data)


def _module_state(clf):
    return {k: v.clone() for k, v in clf.net_.module_.state_dict().items()}


def _assert_same_state(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_learns_iris():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = VariationalMLPClassifier(**{**FAST, "max_epochs": 60}).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert clf.predict_proba(X).shape == (150, 3)
    np.testing.assert_allclose(clf.predict_proba(X).sum(1), 1.0, rtol=1e-5)


def test_history_records_evidence_terms(fitted):
    history = fitted.net_.history
    assert len(history) == FAST["max_epochs"]
    for key in ("train_loss", "train_nll", "train_kl", "train_elbo"):
        assert np.all(np.isfinite(history[:, key]))
    n_train = 200
    lam = fitted.complexity_
    expected_elbo = -(np.array(history[:, "train_loss"]) * n_train)
    np.testing.assert_allclose(history[:, "train_elbo"], expected_elbo, rtol=1e-5)
    nll_plus_kl = (
        np.array(history[:, "train_nll"])
        + lam * np.array(history[:, "train_kl"]) / n_train
    )
    np.testing.assert_allclose(history[:, "train_loss"], nll_plus_kl, rtol=1e-2)


def test_string_labels_round_trip(data):
    X, y = data
    labels = np.array(["cat", "dog", "eel"])[y]
    clf = VariationalMLPClassifier(**FAST).fit(X, labels)
    assert list(clf.classes_) == ["cat", "dog", "eel"]
    assert set(clf.predict(X)) <= {"cat", "dog", "eel"}


def test_pandas_input_sets_feature_names(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = VariationalMLPClassifier(**FAST).fit(frame, pd.Series(y))
    assert list(clf.feature_names_in_) == list(frame.columns)
    from_array = VariationalMLPClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(clf.predict(frame), from_array.predict(X))


def test_list_and_float64_input_give_the_same_model(data):
    X, y = data
    a = VariationalMLPClassifier(**FAST).fit(X.tolist(), y.tolist())
    b = VariationalMLPClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_sparse_input_gives_the_same_model_as_dense(data):
    sparse = pytest.importorskip("scipy.sparse")
    X, y = data
    a = VariationalMLPClassifier(**FAST).fit(sparse.csr_matrix(X), y)
    b = VariationalMLPClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_random_state_gives_identical_fits(data):
    a = VariationalMLPClassifier(**FAST).fit(*data)
    b = VariationalMLPClassifier(**FAST).fit(*data)
    _assert_same_state(_module_state(a), _module_state(b))
    c = VariationalMLPClassifier(**{**FAST, "random_state": 1}).fit(*data)
    assert not torch.equal(
        a.net_.module_.layers[0].weight_mean, c.net_.module_.layers[0].weight_mean
    )


def test_fit_leaves_the_global_torch_rng_alone(data):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    VariationalMLPClassifier(**FAST).fit(*data)
    torch.testing.assert_close(torch.rand(3), expected)


def test_mc_predictions_are_reproducible_and_close_to_the_mean(fitted, data):
    X, _ = data
    clf = pickle.loads(pickle.dumps(fitted)).set_params(n_mc_samples=30)
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(proba, clf.predict_proba(X))
    assert np.mean(proba.argmax(1) == fitted.predict_proba(X).argmax(1)) > 0.9


def test_pickle_round_trip(fitted, data):
    X, _ = data
    clone = pickle.loads(pickle.dumps(fitted.prune(0.5)))
    np.testing.assert_array_equal(clone.predict_proba(X), fitted.predict_proba(X))
    assert clone.sparsity_ == fitted.sparsity_ == 0.5
    fitted.prune(0.0)


def test_prune_is_a_mask_that_can_be_undone(data):
    X, _ = data
    clf = VariationalMLPClassifier(**FAST).fit(*data)
    proba = clf.predict_proba(X)
    means = _module_state(clf)
    assert clf.prune(0.9) is clf
    assert clf.sparsity_ == pytest.approx(0.9, abs=1 / clf.n_weights_)
    pruned_09 = clf.predict_proba(X)
    assert not np.allclose(pruned_09, proba)
    clf.prune(0.5)
    half = clf.predict_proba(X)
    fresh = VariationalMLPClassifier(**FAST).fit(*data).prune(0.5)
    np.testing.assert_array_equal(half, fresh.predict_proba(X))
    clf.prune(0.0)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    for key, value in _module_state(clf).items():
        if "mask" not in key:
            assert torch.equal(value, means[key])


def test_n_weights_counts_weight_matrices_only(fitted):
    assert fitted.n_weights_ == 8 * 16 + 16 * 3


def test_prune_fraction_parameter_is_applied_after_fit(data):
    X, _ = data
    clf = VariationalMLPClassifier(**FAST, prune_fraction=0.7, finetune_epochs=0)
    clf.fit(*data)
    assert clf.sparsity_ == pytest.approx(0.7, abs=1 / clf.n_weights_)
    manual = VariationalMLPClassifier(**FAST).fit(*data).prune(0.7)
    np.testing.assert_array_equal(clf.predict_proba(X), manual.predict_proba(X))


def test_set_params_prune_fraction_takes_effect(fitted, data):
    X, _ = data
    clf = pickle.loads(pickle.dumps(fitted))
    expected = pickle.loads(pickle.dumps(fitted)).prune(0.6).predict_proba(X)
    np.testing.assert_array_equal(
        clf.set_params(prune_fraction=0.6).predict_proba(X), expected
    )


def test_magnitude_and_layer_scope_prune_differently(data):
    # Enough steps at λ = 1 to spread the posterior stds, so the ranks differ.
    clf = VariationalMLPClassifier(**FAST, complexity=1.0, batch_size=32).fit(*data)
    masks = {}
    for score, scope in [("snr", "global"), ("magnitude", "global"), ("snr", "layer")]:
        clf.prune(0.8, score=score, scope=scope)
        masks[score, scope] = torch.cat(
            [m.flatten() for m in clf.net_.module_.weight_masks]
        )
    assert not torch.equal(masks["snr", "global"], masks["magnitude", "global"])
    assert not torch.equal(masks["snr", "global"], masks["snr", "layer"])
    layer_masks = clf.net_.module_.weight_masks
    assert [int(m.sum()) for m in layer_masks] == [
        round(0.2 * m.numel()) for m in layer_masks
    ]


@pytest.mark.parametrize("method", ["partial_fit", "warm_start"])
def test_further_training_keeps_pruned_weights_at_zero(data, method):
    X, y = data
    clf = VariationalMLPClassifier(**FAST).fit(X, y).prune(0.8)
    before = [m.clone() for m in clf.net_.module_.weight_masks]
    if method == "partial_fit":
        clf.partial_fit(X, y)
    else:
        clf.set_params(warm_start=True, max_epochs=3).fit(X, y)
    for mask, layer, old in zip(
        clf.net_.module_.weight_masks, clf.net_.module_.layers, before
    ):
        assert torch.equal(mask, old)
        effective = layer.weight_mean * layer.weight_mask
        assert torch.all(effective[mask == 0] == 0)
    assert clf.sparsity_ == pytest.approx(0.8, abs=1 / clf.n_weights_)


def test_partial_fit_trains_one_epoch_and_accumulates(data):
    X, y = data
    clf = VariationalMLPClassifier(**FAST)
    clf.partial_fit(X, y)
    clf.partial_fit(X, y)
    assert len(clf.net_.history) == 2


def test_partial_fit_classes_declares_labels_ahead(data):
    X, y = data
    clf = VariationalMLPClassifier(**FAST).partial_fit(
        X[y < 2], y[y < 2], classes=[0, 1, 2]
    )
    assert list(clf.classes_) == [0, 1, 2]
    clf.partial_fit(X, y)


def test_warm_start_with_a_new_architecture_is_refused(data):
    clf = VariationalMLPClassifier(**FAST, warm_start=True).fit(*data)
    with pytest.raises(ValueError, match="warm_start"):
        clf.set_params(hidden_layer_sizes=(4,)).fit(*data)


def test_early_stopping_stops_and_records_validation(data):
    clf = VariationalMLPClassifier(
        **{**FAST, "max_epochs": 200}, early_stopping=True, n_iter_no_change=3
    ).fit(*data)
    history = clf.net_.history
    assert len(history) < 200
    assert "valid_nll" in history[-1]


@pytest.mark.parametrize(
    "cls, monitor",
    [
        # The fit to the data: the KL term keeps falling after prediction
        # has stopped improving.
        (VariationalMLPClassifier, "train_nll_smoothed"),
        # The whole loss: its models of small λ must fit to the end.
        (HyperVariationalClassifier, "train_loss_smoothed"),
        # Pruned as trained: the whole loss, whose KL term settles the
        # ranking that prunes.
        (
            partial(VariationalMLPClassifier, prune_fraction=0.5, finetune_epochs=0),
            "train_loss_smoothed",
        ),
        # Pruned, then fine-tuned: the fit to the data, in both phases.
        (partial(VariationalMLPClassifier, prune_fraction=0.5), "train_nll_smoothed"),
        (
            partial(
                VariationalMLPClassifier, prior="log-uniform", lr_schedule="constant"
            ),
            "train_loss_smoothed",
        ),
        # The whole loss, which the prior's pull on the means drives.
        (partial(VariationalMLPClassifier, complexity=10.0), "train_loss_smoothed"),
    ],
)
def test_training_stops_when_the_training_loss_has_converged(data, cls, monitor):
    params = {**FAST, "max_epochs": 300, "n_iter_no_change": 5}
    converged = cls(**params, tol=1e-2).fit(*data)
    history = converged.net_.history
    assert len(history) < 300
    losses = history[:, monitor]
    best_before = min(losses[: -params["n_iter_no_change"]])
    assert min(losses[-params["n_iter_no_change"] :]) > best_before - 1e-2
    unstopped = cls(**params, tol=None).fit(*data)
    # A fit that prunes trains its survivors for finetune_epochs more.
    extra = unstopped.get_params().get("finetune_epochs", 0)
    if not unstopped.get_params().get("prune_fraction"):
        extra = 0
    assert len(unstopped.net_.history) == 300 + extra


def _epoch_rates(estimator, data, **fit_params):
    """The learning rate of every epoch of a fit (of every parameter group)."""
    from skorch.callbacks import Callback

    class Rates(Callback):
        def on_epoch_end(self, net, **kwargs):
            rates.append([group["lr"] for group in net.optimizer_.param_groups])

    rates = []
    estimator.set_params(callbacks=[("rates", Rates())]).fit(*data, **fit_params)
    return np.array(rates)


def test_cosine_schedule_decays_the_rate_epoch_by_epoch(data):
    model = VariationalMLPClassifier(**{**FAST, "max_epochs": 4}, lr_schedule="cosine")
    rates = _epoch_rates(model, data)[:, 0]
    expected = 1e-2 * (1 + np.cos(np.pi * np.arange(4) / 4)) / 2
    np.testing.assert_allclose(rates, expected)
    # A warm-started fit decays afresh from lr.
    model.set_params(warm_start=True, max_epochs=2)
    np.testing.assert_allclose(_epoch_rates(model, data)[:, 0], [1e-2, 5e-3])


def test_cosine_schedule_decays_every_parameter_group():
    from sklearn.datasets import make_regression

    from skvarhyper import VariationalMLPRegressor

    data = make_regression(60, 4, noise=1.0, random_state=0)
    model = VariationalMLPRegressor(
        (8,), lr=1e-2, max_epochs=2, lr_schedule="cosine", random_state=0
    )
    rates = _epoch_rates(model, data)
    np.testing.assert_allclose(rates.max(1) / rates.min(1), 10.0)  # the noise's
    np.testing.assert_allclose(rates.min(1), [1e-2, 5e-3])


def test_a_decaying_rate_trains_all_its_epochs(data):
    """``tol`` stops a constant rate; a decaying one sets the length itself."""
    params = {**FAST, "max_epochs": 60, "n_iter_no_change": 2, "tol": 1.0}
    constant = VariationalMLPClassifier(**params).fit(*data)
    assert constant.n_iter_ < 60
    cosine = VariationalMLPClassifier(**params, lr_schedule="cosine").fit(*data)
    assert cosine.n_iter_ == 60


def test_auto_training_follows_the_prior():
    from skvarhyper import (
        HyperVariationalRegressor,
        VariationalMLPRegressor,
    )
    from skvarhyper._training.config import training_schedule

    def schedule(estimator, n_rows):
        resolved = training_schedule(estimator, n_rows)
        return (
            resolved.lr,
            resolved.batch_size,
            resolved.max_epochs,
            resolved.lr_schedule,
            resolved.complexity_warmup,
        )

    assert schedule(VariationalMLPClassifier(), 1000) == (
        4e-3,
        256,
        200,
        "constant",
        0,
    )
    assert schedule(VariationalMLPRegressor(), 1000)[:3] == (1e-2, 1000, 200)
    assert schedule(HyperVariationalRegressor(), 1000)[:3] == (3e-3, 512, 200)
    sparse = VariationalMLPClassifier(prior="log-uniform")
    # 8,000 steps of 128 rows, in 200 to 800 epochs; 200 steps of warm-up.
    assert schedule(sparse, 1257) == (1e-2, 128, 800, "cosine", 20)
    assert schedule(sparse, 3500) == (1e-2, 128, 286, "cosine", 8)
    assert schedule(sparse, 100) == (1e-2, 100, 800, "cosine", 200)
    assert schedule(sparse, 100_000) == (1e-2, 128, 200, "cosine", 1)
    sparse.set_params(lr=1e-3, batch_size=64, max_epochs=10, lr_schedule="constant")
    assert schedule(sparse, 1257) == (1e-3, 64, 10, "constant", 10)
    assert schedule(sparse.set_params(complexity_warmup=3), 1257)[-1] == 3


def test_evidence_terms(fitted, data):
    X, y = data
    ev = fitted.evidence(X, y)
    assert set(ev) == {"log_likelihood", "kl", "elbo"}
    assert ev["log_likelihood"] < 0 and ev["kl"] > 0
    assert ev["elbo"] == pytest.approx(
        ev["log_likelihood"] - fitted.complexity_ * ev["kl"]
    )
    assert fitted.evidence(X, y) == ev
    mean_ll = fitted.evidence(X, y, n_mc_samples=0)["log_likelihood"]
    mean_model = copy.copy(fitted).set_params(predictive="mean")
    log_proba = np.log(mean_model.predict_proba(X)[np.arange(len(y)), y])
    assert mean_ll == pytest.approx(log_proba.sum(), rel=1e-4)


def test_verbose_prints_epoch_table(data, capsys):
    VariationalMLPClassifier(**{**FAST, "max_epochs": 2}, verbose=1).fit(*data)
    out = capsys.readouterr().out
    assert "train_elbo" in out and "train_kl" in out


def test_verbose_2_shows_a_progress_bar(data, capsys):
    VariationalMLPClassifier(**{**FAST, "max_epochs": 2}, verbose=2).fit(*data)
    captured = capsys.readouterr()
    assert "it/s" in captured.err or "batch" in captured.err + captured.out


def test_user_callbacks_are_run(data):
    from skorch.callbacks import Callback

    class Count(Callback):
        def initialize(self):
            self.epochs = 0
            return self

        def on_epoch_end(self, net, **kwargs):
            self.epochs += 1

    counter = Count()
    clf = VariationalMLPClassifier(**FAST, callbacks=[("count", counter)]).fit(*data)
    assert dict(clf.net_.callbacks_)["count"].epochs == FAST["max_epochs"]


class _TrainingSteps(Callback):
    """The targets and sampled logits of the training steps of an epoch."""

    def on_epoch_begin(self, net, **kwargs):
        self.targets, self.logits = [], []

    def on_batch_end(self, net, batch, training, y_pred, **kwargs):
        if training:
            self.targets.append(batch[1])
            self.logits.append(y_pred.detach())


def test_epoch_scoring_on_training_data(three_classes):
    """skorch's EpochScoring of accuracy on the training data works."""
    X, y = three_classes
    scoring = EpochScoring("accuracy", on_train=True, name="train_acc")
    callbacks = [scoring, ("steps", _TrainingSteps())]
    clf = VariationalMLPClassifier(**TINY, callbacks=callbacks).fit(X, y)
    accuracy = clf.net_.history[-1]["train_acc"]
    assert isinstance(accuracy, float)
    # EpochScoring caches the training steps' outputs (use_caching=True), so
    # the score is the accuracy of the sampled logits of the epoch's steps,
    # not that of the net's posterior-mean predictions after it.
    steps = dict(clf.net_.callbacks_)["steps"]
    targets = torch.cat(steps.targets).numpy()
    predicted = torch.cat(steps.logits).argmax(1).numpy()
    assert accuracy == accuracy_score(targets, predicted)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize(
    "activation", ["relu", "tanh", "logistic", "identity", "softmax"]
)
def test_every_optimizer_and_activation_trains(data, optimizer, activation):
    clf = VariationalMLPClassifier(
        **{**FAST, "max_epochs": 3}, optimizer=optimizer, activation=activation
    ).fit(*data)
    assert np.all(np.isfinite(clf.predict_proba(data[0])))


def test_pipeline_grid_search_over_complexity_and_pruning_with_string_labels():
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    search = GridSearchCV(
        make_pipeline(StandardScaler(), VariationalMLPClassifier(**FAST)),
        {
            "variationalmlpclassifier__complexity": [0.1, 1.0],
            "variationalmlpclassifier__prune_fraction": [0.0, 0.5],
        },
        cv=2,
    ).fit(X, labels)
    assert search.best_estimator_[-1].sparsity_ in (0.0, 0.5)
    assert set(search.predict(X)) <= set(labels)


def test_prune_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError):
        VariationalMLPClassifier().prune(0.5)


def test_auto_complexity_scales_with_the_data(data):
    """complexity="auto" trains at min(1, n_samples / n_weights)."""
    X, y = data
    small = VariationalMLPClassifier(**FAST).fit(X[:100], y[:100])
    n_weights = X.shape[1] * 16 + 16 * len(np.unique(y))
    assert small.complexity_ == pytest.approx(100 / n_weights)
    assert small.net_.complexity == small.complexity_
    ev = small.evidence(X, y)
    assert ev["elbo"] == pytest.approx(
        ev["log_likelihood"] - small.complexity_ * ev["kl"]
    )
    wide = VariationalMLPClassifier(**{**FAST, "hidden_layer_sizes": (2,)})
    assert wide.fit(X, y).complexity_ == 1.0
    fixed = VariationalMLPClassifier(**FAST, complexity=0.3).fit(X, y)
    assert fixed.complexity_ == 0.3


def test_predictive_moments_and_mean_differ_and_both_are_probabilities(fitted, data):
    X, _ = data
    moments = fitted.predict_proba(X)
    mean = copy.copy(fitted).set_params(predictive="mean").predict_proba(X)
    for proba in (moments, mean):
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # Integrating over the posterior is less confident than its mean.
    assert moments.max(axis=1).mean() < mean.max(axis=1).mean()
