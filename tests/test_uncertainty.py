"""predict_uncertainty: the split of the predictive uncertainty into its
aleatoric and epistemic parts."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from scipy.special import entr
from sklearn.datasets import load_diabetes, make_classification
from sklearn.preprocessing import StandardScaler

from skvarhyper import (
    HyperVariationalClassifier,
    HyperVariationalClassifierCV,
    HyperVariationalRegressor,
    VariationalMLPClassifier,
    VariationalMLPRegressor,
)

FAST = {"hidden_layer_sizes": (16,), "max_epochs": 30, "random_state": 0}


@pytest.fixture(scope="module")
def table():
    X, y = make_classification(
        300, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def classifier(table):
    return VariationalMLPClassifier(**FAST).fit(*table)


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def regressor(diabetes):
    return VariationalMLPRegressor(**FAST).fit(*diabetes)


def test_classifier_parts_add_up_to_the_predictive_entropy(classifier, table):
    X, _ = table
    parts = classifier.predict_uncertainty(X, n_mc_samples=50)
    assert set(parts) == {"total", "aleatoric", "epistemic"}
    assert parts.total.shape == (len(X),)
    np.testing.assert_allclose(
        parts.total, parts.aleatoric + parts.epistemic, atol=1e-5
    )
    assert np.all(parts.aleatoric >= 0) and np.all(parts.epistemic >= 0)
    assert np.all(parts.total <= np.log(3) + 1e-9)
    # The same draws as predict_proba's: the total is its entropy.
    proba = classifier.set_params(n_mc_samples=50).predict_proba(X)
    classifier.set_params(n_mc_samples=0)
    np.testing.assert_allclose(parts.total, entr(proba).sum(1), atol=1e-5)


def test_classifier_uncertainty_is_reproducible_from_any_thread(classifier, table):
    X, _ = table
    first = classifier.predict_uncertainty(X)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: classifier.predict_uncertainty(X), range(4)))
    for result in results:
        np.testing.assert_array_equal(result.epistemic, first.epistemic)


def test_regressor_parts_add_up_in_quadrature(regressor, diabetes):
    X, _ = diabetes
    parts = regressor.predict_uncertainty(X)
    assert parts.total.shape == (len(X),)
    np.testing.assert_allclose(
        parts.total**2, parts.aleatoric**2 + parts.epistemic**2, rtol=1e-5
    )
    _, std = regressor.predict(X, return_std=True)
    np.testing.assert_allclose(parts.total, std, rtol=1e-5)
    assert np.ptp(parts.aleatoric) == 0  # the noise is the same for every row
    shifted = X.copy()
    shifted[:, 2] += 6.0
    far = regressor.predict_uncertainty(shifted)
    assert far.epistemic.mean() > parts.epistemic.mean()
    np.testing.assert_array_equal(far.aleatoric, parts.aleatoric)


def test_regressor_draws_agree_with_the_moments(regressor, diabetes):
    X, _ = diabetes
    moments = regressor.predict_uncertainty(X[:50])
    drawn = regressor.predict_uncertainty(X[:50], n_mc_samples=400)
    np.testing.assert_allclose(drawn.aleatoric, moments.aleatoric)
    ratio = drawn.epistemic.mean() / moments.epistemic.mean()
    assert 0.7 < ratio < 1.3


def test_regressor_uncertainty_has_one_column_per_output(diabetes):
    X, y = diabetes
    Y = np.column_stack([y, -2 * y])
    model = VariationalMLPRegressor(**FAST).fit(X, Y)
    parts = model.predict_uncertainty(X[:10])
    assert parts.total.shape == parts.aleatoric.shape == (10, 2)
    assert np.all(parts.aleatoric[:, 1] > parts.aleatoric[:, 0])  # larger scale


def test_hypernetworks_answer_for_the_selected_model(table, diabetes):
    X, y = table
    hyper = HyperVariationalClassifier(**FAST).fit(X, y)
    small = hyper.set_complexity(0.01).predict_uncertainty(X).epistemic
    large = hyper.set_complexity(30.0).predict_uncertainty(X).epistemic
    assert not np.allclose(small, large)
    X_r, y_r = diabetes
    regressor = HyperVariationalRegressor(**FAST).fit(X_r, y_r)
    parts = regressor.predict_uncertainty(X_r[:20])
    np.testing.assert_allclose(
        parts.total**2, parts.aleatoric**2 + parts.epistemic**2, rtol=1e-5
    )


def test_the_cv_estimator_answers_for_its_refitted_model(table):
    X, y = table
    search = HyperVariationalClassifierCV(**FAST, complexities=[0.01, 0.1], cv=2).fit(
        X, y
    )
    expected = search.best_estimator_.predict_uncertainty(X[:20])
    np.testing.assert_array_equal(
        search.predict_uncertainty(X[:20]).total, expected.total
    )


@pytest.mark.parametrize("n_mc_samples", [0, -3, 2.5, "many"])
def test_bad_draw_counts_are_refused(classifier, table, n_mc_samples):
    with pytest.raises(ValueError, match="n_mc_samples"):
        classifier.predict_uncertainty(table[0], n_mc_samples=n_mc_samples)


# --- conformal prediction around these estimators (MAPIE) -------------------


def _thirds(X, y):
    from sklearn.model_selection import train_test_split

    X_fit, X_rest, y_fit, y_rest = train_test_split(
        X, y, test_size=2 / 3, random_state=0
    )
    X_conf, X_test, y_conf, y_test = train_test_split(
        X_rest, y_rest, test_size=0.5, random_state=0
    )
    return X_fit, y_fit, X_conf, y_conf, X_test, y_test


def test_mapie_conformalizes_a_regressor(diabetes):
    """Split-conformal intervals around a fitted regressor cover about the
    confidence level on held-out rows, beside its own Bayesian intervals."""
    mapie = pytest.importorskip("mapie.regression")
    X_fit, y_fit, X_conf, y_conf, X_test, y_test = _thirds(*diabetes)
    model = VariationalMLPRegressor(**FAST).fit(X_fit, y_fit)
    conformal = mapie.SplitConformalRegressor(model, confidence_level=0.9)
    conformal.conformalize(X_conf, y_conf)
    prediction, intervals = conformal.predict_interval(X_test)
    np.testing.assert_allclose(prediction, model.predict(X_test))
    low, high = intervals[:, 0, 0], intervals[:, 1, 0]
    assert 0.8 < np.mean((low <= y_test) & (y_test <= high)) <= 1.0


def test_mapie_conformalizes_a_classifier(table):
    mapie = pytest.importorskip("mapie.classification")
    X_fit, y_fit, X_conf, y_conf, X_test, y_test = _thirds(*table)
    model = VariationalMLPClassifier(**FAST).fit(X_fit, y_fit)
    conformal = mapie.SplitConformalClassifier(model, confidence_level=0.9)
    conformal.conformalize(X_conf, y_conf)
    labels, sets = conformal.predict_set(X_test)
    np.testing.assert_array_equal(labels, model.predict(X_test))
    covered = sets[np.arange(len(y_test)), y_test, 0]
    assert 0.8 < covered.mean() <= 1.0
