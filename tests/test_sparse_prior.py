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
    assert sparse_model.net_.complexity_warmup == 15  # max_epochs // 4
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


def test_warmup_scales_the_kl_gradient_of_early_epochs(digits):
    X_train, _, y_train, _ = digits
    clf = VariationalMLPClassifier(
        (8,), complexity_warmup=4, max_epochs=2, tol=None, random_state=0
    ).fit(X_train[:100], y_train[:100])
    net = clf.net_
    assert net.warmup_scale() == 0.5  # two of four epochs recorded
    net.complexity_warmup = 0
    assert net.warmup_scale() == 1.0


def test_hypernetwork_with_the_sparse_prior_exports_it(digits):
    X_train, _, y_train, _ = digits
    hyper = HyperVariationalClassifier(
        (16,), prior="log-uniform", max_epochs=5, random_state=0
    ).fit(X_train, y_train)
    exported = hyper.to_variational(1.0)
    assert exported.prior == "log-uniform"
    assert exported.net_.module_.prior == "log-uniform"
    assert hyper.prune(threshold=3.0).sparsity_ >= 0.0
