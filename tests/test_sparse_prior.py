"""The log-uniform prior of sparse variational dropout, through the estimators."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits, load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skvarhyper import HyperVariationalClassifier, VariationalMLPClassifier
from skvarhyper.nn.log_uniform import log_alpha


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def sparse_model(digits):
    X_train, _, y_train, _ = digits
    return VariationalMLPClassifier(
        (50,),
        prior="log-uniform",
        lr=1e-2,
        batch_size=128,
        max_epochs=60,
        tol=None,
        random_state=0,
    ).fit(X_train, y_train)


def test_sparse_prior_removes_most_weights_and_keeps_accuracy(digits, sparse_model):
    _, X_test, _, y_test = digits
    accuracy = sparse_model.score(X_test, y_test)
    assert accuracy > 0.93
    sparse_model.prune(threshold=3.0)
    assert sparse_model.sparsity_ > 0.8
    assert sparse_model.score(X_test, y_test) > accuracy - 0.02
    sparse_model.prune(0.0)


def test_gaussian_prior_leaves_the_same_network_denser(digits, sparse_model):
    X_train, _, y_train, _ = digits
    dense = VariationalMLPClassifier(
        (50,), complexity=1.0, lr=1e-2, max_epochs=60, tol=None, random_state=0
    ).fit(X_train, y_train)
    sparse = sparse_model.prune(threshold=3.0).sparsity_
    sparse_model.prune(0.0)
    assert dense.prune(threshold=3.0).sparsity_ < sparse - 0.3


def test_threshold_prunes_exactly_the_weights_with_large_alpha(sparse_model):
    sparse_model.prune(threshold=1.0)
    posteriors = sparse_model.net_.module_.weight_posteriors()
    for (mean, log_std), mask in zip(
        posteriors, sparse_model.net_.module_.weight_masks
    ):
        torch.testing.assert_close(mask, (log_alpha(mean, log_std) <= 1.0).float())
    assert sparse_model.prune_threshold == 1.0
    assert sparse_model.prune_fraction == 0.0
    sparse_model.prune(0.5)  # a fraction replaces the threshold
    assert sparse_model.prune_threshold is None
    assert sparse_model.sparsity_ == pytest.approx(0.5, abs=1e-3)
    sparse_model.prune(0.0)


@pytest.mark.parametrize(
    "kwargs", [{}, {"fraction": 0.5, "threshold": 3.0}], ids=["neither", "both"]
)
def test_prune_needs_a_fraction_or_a_threshold(sparse_model, kwargs):
    with pytest.raises(ValueError, match=r"either a fraction .* or a log-alpha"):
        sparse_model.prune(**kwargs)
    assert sparse_model.prune_fraction == 0.0


def test_sparse_prior_defaults_follow_the_prior(digits, sparse_model):
    _, X_test, _, _ = digits
    assert sparse_model.complexity_ == 1.0  # "auto" is the ordinary evidence
    # "auto": 200 steps, 10 batches of 128 per epoch.
    assert sparse_model.net_.complexity_warmup == 20
    assert "lr_schedule" in dict(sparse_model.net_.callbacks_)  # cosine
    means = sparse_model.set_params(predictive="mean").predict_proba(X_test)
    auto = sparse_model.set_params(predictive="auto").predict_proba(X_test)
    np.testing.assert_array_equal(auto, means)
    assert (
        sparse_model.evidence(X_test[:50], sparse_model.predict(X_test[:50]))["kl"] > 0
    )


def test_warmup_keeps_a_small_table_from_being_pruned_away():
    """At λ = 1 the log-uniform KL of 1,600 weights outweighs 124 rows: from
    the start it turns every weight into noise (the model predicts one class);
    annealing the KL weight over the first epochs lets the data in first."""
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    params = {"prior": "log-uniform", "random_state": 0, "max_epochs": 120}
    collapsed = VariationalMLPClassifier(complexity_warmup=0, **params)
    assert collapsed.fit(X_train, y_train).score(X_test, y_test) < 0.5
    annealed = VariationalMLPClassifier(**params).fit(X_train, y_train)
    assert annealed.score(X_test, y_test) > 0.9


def _one_step(estimator, X, y):
    """The loss and gradients of one training step of a fresh net."""
    estimator._check_params()
    X_t, y_t = estimator._validate_X(X, y, reset=True)
    codes = estimator._encode_targets(y_t, first=True)
    estimator._rng = np.random.RandomState(0)
    net = estimator._new_net(X_t.shape[1], len(X_t), None, seed=0)
    net.history.new_epoch()
    net.history.new_batch()
    step = net.train_step_single((X_t, torch.from_numpy(codes)))
    grads = [p.grad.clone() for p in net.module_.parameters() if p.grad is not None]
    return float(step["loss"]), grads


@pytest.mark.parametrize("cls", [VariationalMLPClassifier, HyperVariationalClassifier])
def test_warmup_scales_the_kl_gradient_not_the_recorded_loss(digits, cls):
    X_train, _, y_train, _ = digits
    params = {"hidden_layer_sizes": (8,), "prior": "log-uniform", "max_epochs": 8}
    if cls is VariationalMLPClassifier:
        params["complexity"] = 1.0
    full_loss, full = _one_step(cls(complexity_warmup=0, **params), X_train, y_train)
    warm_loss, warm = _one_step(cls(complexity_warmup=4, **params), X_train, y_train)
    assert warm_loss == pytest.approx(full_loss)
    assert any(not torch.allclose(a, b) for a, b in zip(full, warm))
    no_kl = cls(complexity_warmup=0, **{**params, "complexity": 0.0})
    if cls is HyperVariationalClassifier:
        return  # a hypernetwork draws its own complexities
    _, data_only = _one_step(no_kl, X_train, y_train)
    # A quarter of the KL gradient: halfway between none and all of it.
    for w, f, d in zip(warm, full, data_only):
        torch.testing.assert_close(w, d + 0.25 * (f - d), rtol=1e-4, atol=1e-6)


def test_hypernetwork_with_the_sparse_prior_exports_it(digits):
    X_train, _, y_train, _ = digits
    hyper = HyperVariationalClassifier(
        (16,), prior="log-uniform", max_epochs=5, random_state=0
    ).fit(X_train, y_train)
    exported = hyper.to_variational(1.0)
    assert exported.prior == "log-uniform"
    assert exported.net_.module_.prior == "log-uniform"
    hyper.set_complexity(1.0).prune(threshold=3.0)
    np.testing.assert_array_equal(
        hyper.predict(X_train), exported.prune(threshold=3.0).predict(X_train)
    )


def test_threshold_uses_the_exact_dropout_rate(sparse_model):
    """A weight with m = 1e-5, s = 1e-4 has log α = 4.6 and is noise; the
    guard of log(m²) inside the KL must not make it survive threshold 3."""
    module = sparse_model.net_.module_
    layer = module.layers[0]
    saved = (layer.weight_mean[0, 0].item(), layer.weight_log_std[0, 0].item())
    with torch.no_grad():
        layer.weight_mean[0, 0] = 1e-5
        layer.weight_log_std[0, 0] = float(np.log(1e-4))
    try:
        sparse_model.prune(threshold=3.0)
        assert layer.weight_mask[0, 0] == 0
    finally:
        with torch.no_grad():
            layer.weight_mean[0, 0], layer.weight_log_std[0, 0] = saved
        sparse_model.prune(0.0)


def test_prune_refused_leaves_the_pruning_as_it_was(sparse_model):
    sparse_model.prune(0.3)
    masks = [mask.clone() for mask in sparse_model.net_.module_.weight_masks]
    with pytest.raises(ValueError):
        sparse_model.prune(0.5, threshold=3.0)
    assert (sparse_model.prune_fraction, sparse_model.prune_threshold) == (0.3, None)
    for mask, before in zip(sparse_model.net_.module_.weight_masks, masks):
        torch.testing.assert_close(mask, before)
    sparse_model.prune(0.0)


def test_prune_threshold_parameter_applies_after_fit(digits):
    X_train, _, y_train, _ = digits
    clf = VariationalMLPClassifier(
        (16,), prior="log-uniform", prune_threshold=3.0, max_epochs=20,
        finetune_epochs=0, random_state=0,
    ).fit(X_train, y_train)  # fmt: skip
    for (mean, log_std), mask in zip(
        clf.net_.module_.weight_posteriors(), clf.net_.module_.weight_masks
    ):
        torch.testing.assert_close(mask, (log_alpha(mean, log_std) <= 3.0).float())
    assert clf.sparsity_ > 0


def test_auto_predictive_follows_the_fitted_prior(digits, sparse_model):
    """``predictive="auto"`` is about the fitted posterior: changing ``prior``
    without refitting must not change the predictions."""
    _, X_test, _, _ = digits
    before = sparse_model.predict_proba(X_test)
    sparse_model.set_params(prior="gaussian")
    try:
        np.testing.assert_array_equal(sparse_model.predict_proba(X_test), before)
    finally:
        sparse_model.set_params(prior="log-uniform")


def test_exported_model_fine_tunes_without_a_new_warmup(digits):
    X_train, _, y_train, _ = digits
    hyper = HyperVariationalClassifier(
        (16,), prior="log-uniform", max_epochs=8, random_state=0
    ).fit(X_train, y_train)
    assert hyper.net_.complexity_warmup == 8  # 200 steps, at most max_epochs
    exported = hyper.to_variational(1.0)
    assert exported.complexity_warmup == 0
    exported.set_params(warm_start=True, max_epochs=1).fit(X_train, y_train)
    assert exported.net_.warmup_scale() == 1.0
