"""The variational regressors: targets, predictive distribution, the shared
machinery (pruning, complexity selection, export, persistence, caching) and
scikit-learn's meta-estimators around them."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import norm
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, make_regression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvarhyper import (
    ComplexityPathDisplay,
    HyperVariationalRegressor,
    HyperVariationalRegressorCV,
    PruningCurveDisplay,
    VariationalMLPRegressor,
    complexity_path,
    pruning_curve,
)
from skvarhyper.nn import GaussianLikelihood

# The default batches hold these tables whole: one step per epoch.
FAST = {"hidden_layer_sizes": (16,), "max_epochs": 200, "random_state": 0}


@pytest.fixture(scope="module")
def data():
    X, y = make_regression(
        n_samples=300, n_features=5, n_informative=3, noise=10.0, random_state=0
    )
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def fitted(data):
    return VariationalMLPRegressor(**FAST).fit(*data)


@pytest.fixture(scope="module")
def hyper(data):
    return HyperVariationalRegressor(**FAST).fit(*data)


def test_fits_a_noisy_linear_target_and_learns_its_noise(data, fitted):
    X, y = data
    assert fitted.score(X, y) > 0.9
    # make_regression's noise is 10: the learned noise is of that order.
    assert 5 < fitted.noise_std_[0] < 25


def test_predictions_do_not_depend_on_the_units_of_y(data):
    X, y = data
    base = VariationalMLPRegressor(**FAST).fit(X, y)
    scaled = VariationalMLPRegressor(**FAST).fit(X, 1000.0 * y + 5.0)
    mean, std = base.predict(X, return_std=True)
    mean_scaled, std_scaled = scaled.predict(X, return_std=True)
    np.testing.assert_allclose(mean_scaled, 1000.0 * mean + 5.0, rtol=1e-4, atol=1e-1)
    np.testing.assert_allclose(std_scaled, 1000.0 * std, rtol=1e-4)


@pytest.mark.parametrize("predictive", ["moments", "mean"])
def test_predictive_std_adds_the_posterior_spread_to_the_noise(
    fitted, data, predictive
):
    X, _ = data
    model = pickle.loads(pickle.dumps(fitted)).set_params(predictive=predictive)
    _, std = model.predict(X, return_std=True)
    assert std.shape == (len(X),)
    if predictive == "mean":  # the learned σ, spread on the training rows included
        assert np.ptp(std) == 0 and std[0] > model.noise_std_[0]
    else:
        assert np.all(std > model.noise_std_[0])


def test_sampled_predictions_agree_with_the_moments(fitted, data):
    X, _ = data
    model = pickle.loads(pickle.dumps(fitted))
    mean, std = model.predict(X, return_std=True)
    model.set_params(n_mc_samples=400)
    mc_mean, mc_std = model.predict(X, return_std=True)
    np.testing.assert_allclose(mc_mean, mean, atol=0.2 * fitted.noise_std_[0])
    np.testing.assert_allclose(mc_std, std, rtol=0.1)


def test_the_noise_excludes_the_posterior_spread_on_the_training_rows(fitted, data):
    X, _ = data
    model = pickle.loads(pickle.dumps(fitted))
    _, std = model.predict(X, return_std=True)
    _, learned = model.set_params(predictive="mean").predict(X, return_std=True)
    # On the training rows the predictive variance averages to the learned σ².
    np.testing.assert_allclose(np.mean(std**2), learned[0] ** 2, rtol=1e-3)
    assert model.noise_std_[0] < learned[0]


def test_intervals_cover_held_out_targets(data):
    X, y = data
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = VariationalMLPRegressor(**FAST).fit(X_train, y_train)
    mean, std = model.predict(X_test, return_std=True)
    coverage = np.mean(np.abs(y_test - mean) <= norm.ppf(0.95) * std)
    assert 0.8 <= coverage <= 1.0


def test_multi_output_targets(data):
    X, y = data
    Y = np.column_stack([y, -2.0 * y + 100.0])
    model = VariationalMLPRegressor(**FAST).fit(X, Y)
    mean, std = model.predict(X, return_std=True)
    assert model.n_outputs_ == 2 and mean.shape == std.shape == (len(X), 2)
    assert model.noise_std_.shape == (2,)
    assert model.score(X, Y) > 0.9
    column = VariationalMLPRegressor(**FAST).fit(X, y[:, None])
    assert column.predict(X).shape == (len(X), 1)


def test_evidence_is_the_density_of_y_in_its_own_units(fitted, data):
    X, y = data
    model = pickle.loads(pickle.dumps(fitted)).set_params(predictive="mean")
    terms = model.evidence(X, y, n_mc_samples=0)
    _, learned_std = model.predict(X, return_std=True)
    expected = norm.logpdf(y, model.predict(X), learned_std).sum()
    assert terms["log_likelihood"] == pytest.approx(expected, rel=1e-5)
    assert terms["elbo"] == pytest.approx(
        terms["log_likelihood"] - model.complexity_ * terms["kl"]
    )


def test_pruning_and_pruning_curve_score_r2(fitted, data):
    X, y = data
    curve = pruning_curve(fitted, X, y, fractions=[0.0, 0.5, 0.99])
    assert curve.scores[0, 0] == pytest.approx(fitted.score(X, y))
    assert curve.scores[0, 0] > curve.scores[0, -1]
    assert fitted.sparsity_ == 0.0  # left as it was


def test_to_sklearn_predicts_as_the_posterior_means(fitted, data):
    X, _ = data
    model = pickle.loads(pickle.dumps(fitted)).set_params(predictive="mean")
    model.prune(0.6)
    for compress in (False, True):
        mlp = model.to_sklearn(compress=compress)
        assert isinstance(mlp, MLPRegressor)
        np.testing.assert_allclose(mlp.predict(X), model.predict(X), rtol=1e-4)
    model = VariationalMLPRegressor(
        **{**FAST, "hidden_layer_sizes": (300,), "max_epochs": 30}
    )
    model.set_params(predictive="mean").fit(*data).prune(0.9, scope="unit")
    small = model.to_sklearn(compress=True)  # unread inputs dropped in front
    assert 2 * small[-1].n_features_in_ == 2 * model.get_support().sum() <= X.shape[1]
    np.testing.assert_allclose(small.predict(X), model.predict(X), rtol=1e-4)


def test_partial_fit_keeps_the_target_scale_of_the_first_call(data):
    X, y = data
    model = VariationalMLPRegressor(**FAST)
    model.partial_fit(X[:100], y[:100])
    scale = model._target_scale_.copy()
    for _ in range(5):
        model.partial_fit(X, y)
    np.testing.assert_array_equal(model._target_scale_, scale)
    assert model.n_iter_ == 6
    with pytest.raises(ValueError, match="y has 2 outputs"):
        model.partial_fit(X, np.column_stack([y, y]))


@pytest.mark.parametrize("cls", [VariationalMLPRegressor, HyperVariationalRegressor])
def test_integer_weights_fit_as_the_repeated_rows_bit_for_bit(data, cls):
    X, y = data
    weights = np.random.default_rng(0).integers(0, 3, len(y))
    weighted = cls(**FAST).fit(X, y, sample_weight=weights)
    repeated = cls(**FAST).fit(np.repeat(X, weights, 0), np.repeat(y, weights))
    for a, b in zip(
        weighted.predict(X, return_std=True), repeated.predict(X, return_std=True)
    ):
        np.testing.assert_array_equal(a, b)


def test_float_weights_standardise_the_targets_by_their_weights(data):
    X, y = data
    weights = np.where(np.arange(len(y)) < 100, 0.0, 0.5)
    model = VariationalMLPRegressor(**{**FAST, "max_epochs": 1}).fit(X, y, weights)
    np.testing.assert_allclose(model._target_mean_, [y[100:].mean()])
    np.testing.assert_allclose(model._target_scale_, [y[100:].std()])
    assert len(model._reference_rows_) == len(y) - 100


def test_partial_fit_keeps_training_rows_of_every_call(data):
    X, y = data
    model = VariationalMLPRegressor(**FAST)
    for start in range(0, 300, 50):
        model.partial_fit(X[start : start + 50], y[start : start + 50])
    assert len(model._reference_rows_) == 300
    np.testing.assert_array_equal(model._reference_rows_, X.astype(np.float32))


def test_early_stopping_records_validation_r2(data):
    X, y = data
    model = VariationalMLPRegressor(**FAST, early_stopping=True).fit(X, y)
    scores = model.validation_scores_
    assert scores is not None and max(scores) > 0.8
    assert model.best_validation_score_ == max(scores)


def test_bad_targets_raise_a_clear_error(data):
    X, y = data
    with pytest.raises(ValueError, match="NaN"):
        VariationalMLPRegressor(**FAST).fit(X, np.where(y > 0, np.nan, y))
    with pytest.raises(ValueError):
        VariationalMLPRegressor(**FAST).fit(X, np.array(["a"] * len(y), dtype=object))
    with pytest.raises(ValueError, match="too large for float32"):
        VariationalMLPRegressor(**FAST).fit(X, np.r_[1e300, y[1:]])


def test_pandas_input_and_feature_names(data):
    X, y = data
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    model = VariationalMLPRegressor(**FAST).fit(frame, pd.Series(y))
    assert list(model.feature_names_in_) == list(frame.columns)
    assert model.predict(frame).shape == (len(y),)


def test_save_and_load_keep_the_noise(fitted, data, tmp_path):
    X, _ = data
    fitted.save(tmp_path / "model")
    loaded = VariationalMLPRegressor.load(tmp_path / "model")
    for a, b in zip(
        fitted.predict(X, return_std=True), loaded.predict(X, return_std=True)
    ):
        np.testing.assert_array_equal(a, b)


def test_a_checkpoint_resumes_with_the_noise(data, tmp_path):
    X, y = data
    params = {**FAST, "checkpoint": tmp_path}
    first = VariationalMLPRegressor(**params).fit(X, y)
    again = VariationalMLPRegressor(**params).fit(X, y)
    assert again.n_iter_ == first.n_iter_
    np.testing.assert_array_equal(again.noise_std_, first.noise_std_)


def test_hypernetwork_noise_grows_with_the_complexity(hyper):
    noise = [hyper.set_complexity(c).noise_std_[0] for c in (0.001, 1.0, 100.0)]
    hyper.set_complexity(1.0)
    assert noise[0] < noise[-1]


@pytest.mark.parametrize("complexity", [0.01, 10.0])
def test_to_variational_carries_the_noise_of_its_complexity(hyper, data, complexity):
    X, _ = data
    model = pickle.loads(pickle.dumps(hyper)).set_complexity(complexity)
    exported = model.to_variational()
    assert isinstance(exported, VariationalMLPRegressor)
    np.testing.assert_allclose(exported.noise_std_, model.noise_std_, rtol=1e-6)
    for a, b in zip(
        exported.predict(X, return_std=True), model.predict(X, return_std=True)
    ):
        np.testing.assert_allclose(a, b, rtol=1e-5)


def test_complexity_path_of_a_hypernetwork_regressor(hyper, data):
    X, y = data
    path = complexity_path(hyper, X, y, complexities=[0.01, 1.0, 100.0])
    assert path.kl[0] > path.kl[-1]
    assert path.scores[0] > path.scores[-1]  # R² falls as λ grows


def test_memory_caches_a_regressor_apart_from_a_classifier(data, tmp_path):
    X, y = data
    params = {**FAST, "memory": str(tmp_path)}
    first = HyperVariationalRegressor(**params).fit(X, y)
    again = HyperVariationalRegressor(**params).fit(X, y)
    assert again.net_.module_ is not first.net_.module_
    for a, b in zip(first.net_.module_.parameters(), again.net_.module_.parameters()):
        assert torch.equal(a, b)
    np.testing.assert_array_equal(again.noise_std_, first.noise_std_)


def test_cv_selects_a_complexity_and_predicts_with_std(data):
    X, y = data
    model = HyperVariationalRegressorCV(
        **FAST, complexities=[0.01, 1.0, 100.0], prune_fractions=[0.0, 0.5], cv=3
    ).fit(X, y)
    assert model.scores_.shape == (3, 3, 2)
    assert model.complexity_ in (0.01, 1.0, 100.0)
    mean, std = model.predict(X, return_std=True)
    assert mean.shape == std.shape == (len(y),)
    assert model.score(X, y) > 0.8
    np.testing.assert_array_equal(model.noise_std_, model.best_estimator_.noise_std_)


def test_cv_selects_by_the_predictive_density_by_default(data):
    """The default score of a fold is the mean log-density of its held-out
    targets under the predictive distribution (the intervals' quality, not
    only the means'), over 3 shuffled folds."""
    from scipy.stats import norm
    from sklearn.model_selection import KFold

    from skvarhyper import pruning_curve

    X, y = data
    params = {**FAST, "complexities": [0.01, 1.0], "prune_fractions": [0.0]}
    model = HyperVariationalRegressorCV(**params).fit(X, y)
    assert model.scores_.shape[0] == 3
    train, test = next(KFold(3, shuffle=True, random_state=0).split(X))
    hyper = HyperVariationalRegressor(**FAST, hypernet=model.hypernet)
    hyper.fit(X[train], y[train])
    expected = [
        norm.logpdf(y[test], *hyper.set_complexity(c).predict(X[test], True)).mean()
        for c in (0.01, 1.0)
    ]
    np.testing.assert_allclose(model.scores_[0, :, 0], expected, rtol=1e-10)
    curve = pruning_curve(hyper, X[test], y[test], complexities=[0.01, 1.0])
    assert not np.allclose(curve.scores[:, 0], expected)  # R² is another score


def test_pipeline_grid_search_over_complexity():
    X, y = load_diabetes(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), VariationalMLPRegressor(**FAST))
    search = GridSearchCV(
        pipe, {"variationalmlpregressor__complexity": [0.01, 1.0]}, cv=3
    ).fit(X, y)
    assert search.best_params_["variationalmlpregressor__complexity"] in (0.01, 1.0)
    assert search.best_score_ > 0.3


def test_transformed_target_regressor_around_a_regressor(data):
    X, y = data
    y = np.exp(y / np.abs(y).max())
    model = TransformedTargetRegressor(
        VariationalMLPRegressor(**FAST), func=np.log, inverse_func=np.exp
    ).fit(X, y)
    assert model.score(X, y) > 0.8


def test_gaussian_likelihood_density():
    likelihood = GaussianLikelihood(2)
    with torch.no_grad():
        likelihood.log_std_coef.copy_(torch.tensor([[0.5, -1.0]]))
    mean, target = torch.randn(7, 2), torch.randn(7, 2)
    expected = -norm.logpdf(target.numpy(), mean.numpy(), np.exp([0.5, -1.0])).sum(-1)
    np.testing.assert_allclose(
        likelihood(mean, target).detach().numpy(), expected, rtol=1e-5
    )


def test_gaussian_likelihood_of_a_complexity_is_its_polynomial():
    likelihood = GaussianLikelihood(1, degree=2)
    with torch.no_grad():
        likelihood.log_std_coef.copy_(torch.tensor([[0.1], [0.2], [0.3]]))
    fixed = likelihood.at(0.5)
    assert fixed.degree == 0
    assert float(fixed.log_std()[0].detach()) == pytest.approx(
        0.1 + 0.2 * 0.5 + 0.3 * 0.25
    )
    t = torch.tensor([0.0, 1.0])
    np.testing.assert_allclose(
        likelihood.log_std(t)[:, 0].detach().numpy(), [0.1, 0.6], rtol=1e-6
    )


def test_displays_label_a_regressor_by_r2(fitted, data):
    X, y = data
    display = PruningCurveDisplay.from_estimator(fitted, X, y, fractions=[0, 0.5])
    assert display.ax_.get_ylabel() == "R²"
    small_units = HyperVariationalRegressor(**FAST).fit(X, y / 1000.0)
    surface = ComplexityPathDisplay.from_estimator(
        small_units, X, y / 1000.0, complexities=[0.01, 1.0], fractions=[0, 0.5]
    )
    # Targets in small units have a positive log-density: a symmetric-log axis.
    assert surface.evidence_ax_.get_yscale() == "symlog"
    assert surface.score_name == "R²"
