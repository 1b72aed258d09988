"""Who writes a fitted model's state: the pruning masks (and a hypernetwork's
selected λ) follow the parameters through the methods that change them, and
reading a fitted model never writes to it."""

import copy

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification, make_regression

from skvarhyper import (
    HyperVariationalClassifier,
    HyperVariationalRegressor,
    VariationalMLPClassifier,
    VariationalMLPRegressor,
)

FAST = {"hidden_layer_sizes": (8,), "max_epochs": 5, "random_state": 0}
CLASSIFIERS = [VariationalMLPClassifier, HyperVariationalClassifier]
REGRESSORS = [VariationalMLPRegressor, HyperVariationalRegressor]


def _data(cls):
    if cls in REGRESSORS:
        return make_regression(n_samples=80, n_features=4, noise=5.0, random_state=0)
    return make_classification(
        n_samples=80, n_features=4, n_informative=3, n_redundant=0, random_state=0
    )


def _reads(model, X, y):
    """Every way of reading a fitted model."""
    outputs = [model.predict(X), model.score(X, y), model.evidence(X, y)]
    if hasattr(model, "predict_proba"):
        outputs += [model.predict_proba(X), model.predict_log_proba(X)]
    else:
        outputs += [model.predict(X, return_std=True), model.noise_std_]
    outputs += [
        model.coefs_,
        model.intercepts_,
        model.sparsity_,
        model.feature_importances_,
        model.n_layers_,
        model.n_iter_,
        model.complexity_,
        model.to_sklearn().predict(X),
    ]
    return outputs


def _state(model):
    """The model's attributes (by identity) and its network's tensors."""
    attributes = {name: id(value) for name, value in vars(model).items()}
    tensors = {k: v.clone() for k, v in model.net_.module_.state_dict().items()}
    return attributes, tensors, model.net_.complexity


@pytest.mark.parametrize("cls", CLASSIFIERS + REGRESSORS)
def test_reading_a_fitted_model_never_writes_to_it(cls):
    X, y = _data(cls)
    model = cls(**FAST).fit(X, y).set_params(prune_fraction=0.5, n_mc_samples=2)
    before = _state(model)
    _reads(model, X, y)
    _reads(model, X, y)
    attributes, tensors, complexity = _state(model)
    assert attributes == before[0]
    assert tensors.keys() == before[1].keys()
    for name, tensor in tensors.items():
        assert torch.equal(tensor, before[1][name]), name
    assert complexity == before[2]


@pytest.mark.parametrize("cls", CLASSIFIERS + REGRESSORS)
def test_set_params_prunes_the_fitted_network_at_once(cls):
    X, y = _data(cls)
    model = cls(**FAST).fit(X, y)
    model.set_params(prune_fraction=0.75)
    kept = sum(float(mask.sum()) for mask in model.net_.module_.weight_masks)
    assert kept == model.n_weights_ / 4
    pruned = cls(**FAST).fit(X, y).prune(0.75)
    assert_array_equal(model.predict(X), pruned.predict(X))


@pytest.mark.parametrize("cls", CLASSIFIERS + REGRESSORS)
def test_a_parameter_assigned_directly_prunes_a_copy(cls):
    """Assigning ``prune_fraction`` (not through ``set_params`` or ``prune``)
    changes what the model predicts, as ``prune`` would, but not the fitted
    network."""
    X, y = _data(cls)
    model = cls(**FAST).fit(X, y)
    expected = copy.deepcopy(model).prune(0.5)
    model.prune_fraction = 0.5
    assert model.sparsity_ == 0.5
    assert_array_equal(model.predict(X), expected.predict(X))
    assert_array_equal(model.coefs_[0], expected.coefs_[0])
    assert all(bool(mask.all()) for mask in model.net_.module_.weight_masks)
    if cls in REGRESSORS:
        assert_array_equal(model.noise_std_, expected.noise_std_)


@pytest.mark.parametrize("cls", [HyperVariationalClassifier, HyperVariationalRegressor])
def test_a_complexity_assigned_directly_selects_the_model_of_it(cls):
    X, y = _data(cls)
    model = cls(**FAST, prune_fraction=0.5).fit(X, y)
    expected = copy.deepcopy(model).set_complexity(0.1)
    fitted_complexity = model.net_.complexity
    model.complexity = 0.1
    assert model.complexity_ == 0.1
    assert_allclose(model.predict(X), expected.predict(X))
    assert_array_equal(model.coefs_[0], expected.coefs_[0])
    assert model.net_.complexity == fitted_complexity


def test_a_regressors_noise_follows_the_pruning():
    """The noise net of the posterior's spread is cached per selected model
    and recomputed when the pruning changes."""
    X, y = _data(VariationalMLPRegressor)
    model = VariationalMLPRegressor(**FAST).fit(X, y)
    unpruned = model.noise_std_
    model.prune(0.9)
    fresh = copy.deepcopy(model)
    assert not np.array_equal(model.noise_std_, unpruned)
    assert_array_equal(model.noise_std_, fresh.noise_std_)
    assert_array_equal(model.prune(0.0).noise_std_, unpruned)


def test_a_hypernetworks_generated_networks_follow_the_masks():
    X, y = _data(HyperVariationalClassifier)
    model = HyperVariationalClassifier(**FAST).fit(X, y)
    unpruned = model.predict_proba(X)
    model.prune(0.9)
    zeros = sum(int((coefs == 0).sum()) for coefs in model.coefs_)
    assert zeros == round(0.9 * model.n_weights_)
    assert not np.allclose(model.predict_proba(X), unpruned)
    assert_array_equal(model.prune(0.0).predict_proba(X), unpruned)
