import copy

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback

from skvarhyper import (
    HyperVariationalClassifier,
    HyperVariationalClassifierCV,
    VariationalMLPClassifier,
)

TINY = {"hidden_layer_sizes": (8,), "max_epochs": 3, "random_state": 0}
PARAMS = {"hidden_layer_sizes": (16,), "max_epochs": 20, "random_state": 0}


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=200, n_features=8, n_informative=5, n_classes=3, random_state=0
    )


@pytest.fixture(scope="module")
def fitted(data):
    return HyperVariationalClassifierCV(
        **PARAMS, complexities=[0.01, 1.0, 30.0], prune_fractions=[0.0, 0.5, 0.9], cv=3
    ).fit(*data)


def test_shapes_and_selection(fitted, data):
    assert fitted.scores_.shape == (3, 3, 3)
    mean = fitted.scores_.mean(0)
    i = list(fitted.complexities_).index(fitted.complexity_)
    j = list(fitted.prune_fractions_).index(fitted.prune_fraction_)
    assert mean[i, j] == mean.max() == fitted.best_score_
    refit = fitted.best_estimator_
    assert refit.complexity == fitted.complexity_
    assert refit.sparsity_ == pytest.approx(fitted.prune_fraction_, abs=0.01)
    np.testing.assert_array_equal(fitted.predict(data[0]), refit.predict(data[0]))


def test_fold_scores_are_held_out_pruning_curves(fitted, data):
    from sklearn.model_selection import StratifiedKFold

    from skvarhyper import pruning_curve

    X, y = data
    folds = StratifiedKFold(3, shuffle=True, random_state=PARAMS["random_state"])
    train, test = next(folds.split(X, y))
    hyper = HyperVariationalClassifier(**PARAMS).fit(X[train], y[train])
    curve = pruning_curve(
        hyper,
        X[test],
        y[test],
        fractions=[0.0, 0.5, 0.9],
        complexities=[0.01, 1.0, 30.0],
        scoring="neg_log_loss",
    )
    np.testing.assert_array_equal(fitted.scores_[0], curve.scores)


def test_integer_cv_shuffles_a_sorted_table_and_a_splitter_is_used_as_given(data):
    from sklearn.model_selection import StratifiedKFold

    X, y = data
    order = np.argsort(X[:, 0])
    X, y = X[order], y[order]
    params = {**PARAMS, "complexities": [0.1], "max_epochs": 2}
    unshuffled = [test for _, test in StratifiedKFold(3).split(X, y)]
    shuffled = HyperVariationalClassifierCV(**params, cv=3)._splitter(y)
    folds = [test for _, test in shuffled.split(X, y)]
    assert not any(np.array_equal(a, b) for a, b in zip(folds, unshuffled))
    given = HyperVariationalClassifierCV(**params, cv=StratifiedKFold(3))
    folds = [test for _, test in given._splitter(y).split(X, y)]
    for a, b in zip(folds, unshuffled):
        np.testing.assert_array_equal(a, b)


def test_one_standard_error_rule_picks_the_sparsest_within_one_se(data):
    clf = HyperVariationalClassifierCV(
        **PARAMS,
        complexities=[0.01, 1.0, 30.0],
        prune_fractions=[0.0, 0.5, 0.9],
        cv=3,
        selection="one_standard_error",
    )
    scores = np.array(
        [
            [[0.80, 0.80, 0.50], [0.79, 0.78, 0.60], [0.70, 0.70, 0.40]],
            [[0.84, 0.83, 0.50], [0.87, 0.80, 0.62], [0.72, 0.71, 0.42]],
            [[0.82, 0.81, 0.50], [0.83, 0.79, 0.61], [0.71, 0.69, 0.41]],
        ]
    )
    clf.complexities_ = np.array([0.01, 1.0, 30.0])
    clf.prune_fractions_ = np.array([0.0, 0.5, 0.9])
    threshold = 0.83 - scores[:, 1, 0].std() / np.sqrt(3)
    mean = scores.mean(0)
    assert mean[0, 1] >= threshold > mean[1, 1]
    assert clf._select(scores) == (0, 1)
    clf.selection = "best"
    assert clf._select(scores) == (1, 0)


def test_integer_complexities_spread_over_the_range(data):
    clf = HyperVariationalClassifierCV(
        **{**PARAMS, "max_epochs": 5}, complexities=4, cv=2, refit=False
    ).fit(*data)
    np.testing.assert_allclose(clf.complexities_, np.geomspace(1e-3, 100, 4))
    with pytest.raises(AttributeError, match="refit=False"):
        clf.predict(data[0])


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"complexities": [-1.0]}, "complexities"),
        ({"complexities": 0}, "complexities"),
        ({"prune_fractions": [1.5]}, "fractions"),
        ({"selection": "median"}, "selection"),
        ({"cv": "five"}, "cv"),
        ({"complexity_range": (1.0, 0.1)}, "complexity_range"),
    ],
)
def test_bad_parameters(data, params, match):
    with pytest.raises((ValueError, TypeError), match=match):
        HyperVariationalClassifierCV(**PARAMS, **params).fit(*data)


def test_unfitted_raises_not_fitted(data):
    with pytest.raises(NotFittedError):
        HyperVariationalClassifierCV().predict(data[0])


def test_a_failed_cv_fit_leaves_the_fitted_cv_estimator_unchanged(three_classes):
    X, y = three_classes
    params = {**TINY, "complexities": [0.1, 1.0], "cv": 2}
    clf = HyperVariationalClassifierCV(**params).fit(X, y)
    before = {k: copy.copy(v) for k, v in vars(clf).items()}
    clf.set_params(complexities=[0.1, 1.0, 10.0], lr=1e30)
    with pytest.raises(ValueError):
        clf.fit(X * 1e30, y)
    assert vars(clf).keys() == before.keys()
    assert clf.complexities_.shape == before["complexities_"].shape
    assert clf.scores_.shape == before["scores_"].shape


def test_refit_is_one_single_network_at_the_selected_point(fitted, data):
    """As LassoCV refits one Lasso: a VariationalMLPClassifier on all the data
    at the selected λ, sharing the search's parameters but the training
    schedule, where it keeps its own defaults."""
    refit = fitted.best_estimator_
    assert type(refit) is VariationalMLPClassifier
    defaults = VariationalMLPClassifier().get_params()
    assert (refit.lr, refit.batch_size) == (defaults["lr"], defaults["batch_size"])
    assert refit.hidden_layer_sizes == PARAMS["hidden_layer_sizes"]
    assert refit.max_epochs == PARAMS["max_epochs"]
    assert refit.random_state == PARAMS["random_state"]
    assert refit.n_features_in_ == data[0].shape[1]


def test_refit_params_set_the_refitted_network(data):
    search = HyperVariationalClassifierCV(
        **PARAMS, complexities=[0.1, 1.0], cv=2, refit_params={"lr": 0.02}
    ).fit(*data)
    assert search.best_estimator_.lr == 0.02


@pytest.mark.parametrize(
    "refit_params, message",
    [({"hypernet": "linear"}, "not parameters"), ({"complexity": 1.0}, "chosen by")],
)
def test_bad_refit_params_fail_before_any_fold_is_fitted(
    data, monkeypatch, refit_params, message
):
    def fail(*args, **kwargs):
        raise AssertionError("a fold was fitted")

    monkeypatch.setattr(HyperVariationalClassifier, "fit", fail)
    search = HyperVariationalClassifierCV(**PARAMS, refit_params=refit_params)
    with pytest.raises(ValueError, match=f"refit_params.*{message}"):
        search.fit(*data)


def test_the_regressor_refits_a_hypernetwork_with_the_search_schedule():
    from sklearn.datasets import make_regression

    from skvarhyper import HyperVariationalRegressor, HyperVariationalRegressorCV

    X, y = make_regression(n_samples=80, n_features=4, random_state=0)
    search = HyperVariationalRegressorCV(
        **TINY, complexities=[0.1, 1.0], cv=2, lr=0.02
    ).fit(X, y)
    assert type(search.best_estimator_) is HyperVariationalRegressor
    assert search.best_estimator_.lr == 0.02
    assert search.best_estimator_.complexity == search.complexity_


class _ValidationRows(Callback):
    """Records how many validation rows every fit of a fold saw (the CV
    estimator clones its callbacks, so the record is the class's)."""

    seen = []

    def on_train_end(self, net, **kwargs):
        batches = net.history[-1, "batches"]
        rows = sum(b["valid_batch_size"] for b in batches if "valid_loss" in b)
        type(self).seen.append(rows)


def test_with_early_stopping_each_fold_stops_on_its_held_out_rows(data):
    """Each fold's hypernetwork is validated on the fold's held-out third,
    not on a validation_fraction of its training part."""
    X, y = data
    _ValidationRows.seen = []
    HyperVariationalClassifierCV(
        **PARAMS,
        complexities=[0.01, 1.0],
        cv=3,
        early_stopping=True,
        refit=False,
        callbacks=[_ValidationRows()],
    ).fit(X, y)
    assert sorted(_ValidationRows.seen) == [66, 67, 67]
