"""MLPClassifier's fitted attributes and predict_log_proba (issue 13, item 2-3)."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.feature_selection import SelectFromModel
from sklearn.inspection import permutation_importance

from skvarhyper import (
    HyperVariationalClassifier,
    HyperVariationalClassifierCV,
    VariationalMLPClassifier,
)

FAST = {"hidden_layer_sizes": (16,), "max_epochs": 15, "random_state": 0}


@pytest.fixture(scope="module")
def informative():
    """Three informative features first, nine noise features after them."""
    return make_classification(
        400,
        n_features=12,
        n_informative=3,
        n_redundant=0,
        shuffle=False,
        random_state=0,
    )


@pytest.fixture(scope="module", params=["variational", "hyper"])
def fitted(request, informative):
    cls = {"variational": VariationalMLPClassifier, "hyper": HyperVariationalClassifier}
    return cls[request.param](**FAST).fit(*informative)


def _relu_forward(coefs, intercepts, X):
    hidden = np.maximum(X @ coefs[0] + intercepts[0], 0)
    logits = hidden @ coefs[1] + intercepts[1]
    logits -= logits.max(axis=1, keepdims=True)
    proba = np.exp(logits)
    return proba / proba.sum(axis=1, keepdims=True)


def test_coefs_and_intercepts_are_the_masked_posterior_means(fitted, informative):
    X, _ = informative
    model = fitted.set_params(predictive="mean", prune_fraction=0.5)
    try:
        coefs, intercepts = model.coefs_, model.intercepts_
        assert [c.shape for c in coefs] == [(12, 16), (16, 2)]
        assert [b.shape for b in intercepts] == [(16,), (2,)]
        zeros = sum(int((c == 0).sum()) for c in coefs)
        assert zeros == round(0.5 * model.n_weights_)
        np.testing.assert_allclose(
            _relu_forward(coefs, intercepts, X), model.predict_proba(X), atol=1e-5
        )
    finally:
        model.set_params(predictive="moments", prune_fraction=0.0)
    assert (model.n_layers_, model.n_outputs_, model.out_activation_) == (
        3,
        2,
        "softmax",
    )


def test_loss_curve_and_n_iter_follow_the_history(fitted):
    history = fitted.net_.history
    assert fitted.n_iter_ == len(history) == FAST["max_epochs"]
    assert fitted.loss_curve_ == list(history[:, "train_loss"])
    assert fitted.best_loss_ == min(fitted.loss_curve_)
    assert fitted.validation_scores_ is None
    assert fitted.best_validation_score_ is None


def test_a_model_exported_from_a_hypernetwork_has_trained_no_epoch(informative):
    """The model of one λ of a hypernetwork has an empty history: its MLP
    attributes say so (they raised a KeyError), and it exports as any other."""
    X, y = informative
    hyper = HyperVariationalClassifier(**FAST).fit(X, y)
    model = hyper.to_variational(0.1)
    assert (model.n_iter_, model.loss_curve_, model.best_loss_) == (0, [], None)
    np.testing.assert_allclose(
        model.to_sklearn().predict_proba(X),
        model.set_params(predictive="mean").predict_proba(X),
        rtol=1e-5,
        atol=1e-6,
    )
    model.set_params(warm_start=True, max_epochs=2).fit(X, y)
    assert model.n_iter_ == len(model.loss_curve_) == 2


@pytest.mark.parametrize("cls", [VariationalMLPClassifier, HyperVariationalClassifier])
def test_validation_scores_with_early_stopping(cls, informative):
    model = cls(**FAST, early_stopping=True).fit(*informative)
    scores = model.validation_scores_
    assert len(scores) == model.n_iter_
    assert all(0 <= s <= 1 for s in scores)
    assert model.best_validation_score_ == max(scores)
    assert model.best_loss_ is None


def test_predict_log_proba_is_the_log_of_predict_proba(fitted, informative):
    X, _ = informative
    np.testing.assert_allclose(
        fitted.predict_log_proba(X[:20]), np.log(fitted.predict_proba(X[:20]))
    )


def test_unfitted_model_has_no_fitted_attributes():
    model = VariationalMLPClassifier()
    for name in ("coefs_", "loss_curve_", "n_iter_", "feature_importances_"):
        assert not hasattr(model, name)


def test_feature_importances_rank_the_informative_inputs_first(informative):
    X, y = informative
    model = VariationalMLPClassifier(random_state=0).fit(X, y)
    importances = model.feature_importances_
    assert importances.sum() == pytest.approx(1.0)
    assert set(np.argsort(-importances)[:3]) == {0, 1, 2}
    selected = SelectFromModel(model, prefit=True).get_support()
    assert selected[:3].all() and selected.sum() <= 4
    permuted = permutation_importance(model, X, y, random_state=0).importances_mean
    assert set(np.argsort(-permuted)[:3]) == {0, 1, 2}


def test_pruned_inputs_get_no_importance(informative):
    X, y = informative
    model = VariationalMLPClassifier(**FAST, prune_scope="layer").fit(X, y)
    model.prune(0.9)
    first_mask = model.net_.module_.layers[0].weight_mask.numpy()
    dead = first_mask.sum(axis=0) == 0
    np.testing.assert_array_equal(model.feature_importances_[dead], 0.0)


def test_search_estimator_exposes_the_refitted_attributes(informative):
    X, y = informative
    search = HyperVariationalClassifierCV(
        **FAST, complexities=[0.1, 1.0], prune_fractions=[0.0], cv=2
    ).fit(X, y)
    best = search.best_estimator_
    np.testing.assert_array_equal(
        search.feature_importances_, best.feature_importances_
    )
    np.testing.assert_array_equal(search.coefs_[0], best.coefs_[0])
    np.testing.assert_array_equal(search.intercepts_[1], best.intercepts_[1])
    np.testing.assert_allclose(
        search.predict_log_proba(X[:5]), best.predict_log_proba(X[:5])
    )


# --- sample_weight and class_weight -------------------------------------------


@pytest.fixture(scope="module")
def breast_cancer():
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, random_state=0, stratify=y)


@pytest.mark.parametrize("cls", [VariationalMLPClassifier, HyperVariationalClassifier])
def test_integer_weights_train_the_model_of_repeated_rows(cls, breast_cancer):
    """An epoch repeats each row as often as its integer weight says: the fit
    is the fit on the repeated rows, bit for bit (zero weights drop rows)."""
    X_train, X_test, y_train, _ = breast_cancer
    weights = np.random.RandomState(0).randint(0, 4, len(y_train))
    weighted = cls(random_state=0).fit(X_train, y_train, sample_weight=weights)
    repeated = cls(random_state=0).fit(
        np.repeat(X_train, weights, 0), np.repeat(y_train, weights)
    )
    assert weighted.net_.n_train == weights.sum() == repeated.net_.n_train
    np.testing.assert_array_equal(
        weighted.predict_proba(X_test), repeated.predict_proba(X_test)
    )


@pytest.mark.parametrize("cls", [VariationalMLPClassifier, HyperVariationalClassifier])
def test_fractional_weights_weigh_the_likelihood(cls, breast_cancer):
    """Non-integer weights multiply each row's negative log-likelihood; halving
    every integer weight trains the same objective, up to the batches (for
    as many epochs: the stopping rule would stop the two at different ones)."""
    X_train, X_test, y_train, _ = breast_cancer
    weights = np.random.RandomState(0).randint(1, 4, len(y_train))
    model = cls(random_state=0, tol=None)
    repeated = clone(model).fit(X_train, y_train, sample_weight=weights)
    halved = clone(model).fit(X_train, y_train, sample_weight=weights / 2)
    assert halved.net_.n_train == pytest.approx(weights.sum() / 2)
    agreement = np.mean(halved.predict(X_test) == repeated.predict(X_test))
    assert agreement >= 0.95


def test_unit_weights_change_nothing(informative):
    X, y = informative
    plain = VariationalMLPClassifier(**FAST).fit(X, y)
    weighted = VariationalMLPClassifier(**FAST).fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_array_equal(plain.predict_proba(X), weighted.predict_proba(X))


def test_zero_weights_leave_rows_out(informative):
    """Rows of weight 0 are not trained on: flipping their labels changes
    nothing, with integer weights (rows dropped) and fractional ones (NLL
    weighted by 0)."""
    X, y = informative
    flipped = np.r_[y[:300], 1 - y[300:]]
    for weights in (
        np.r_[np.ones(300), np.zeros(100)],
        np.r_[np.full(300, 0.5), np.zeros(100)],
    ):
        a = VariationalMLPClassifier(**FAST).fit(X, y, sample_weight=weights)
        b = VariationalMLPClassifier(**FAST).fit(X, flipped, sample_weight=weights)
        np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)


def test_balanced_class_weight_raises_balanced_accuracy():
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import train_test_split

    X, y = make_classification(
        2000,
        n_features=10,
        n_informative=4,
        weights=[0.93],
        flip_y=0.02,
        random_state=1,
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, stratify=y, random_state=0
    )

    def score(class_weight):
        model = VariationalMLPClassifier(random_state=0, class_weight=class_weight)
        return balanced_accuracy_score(
            y_test, model.fit(X_train, y_train).predict(X_test)
        )

    unweighted = score(None)  # measured 0.69; "balanced" 0.84
    assert score("balanced") > unweighted + 0.1
    assert score({0: 1.0, 1: 13.0}) > unweighted + 0.1


@pytest.mark.parametrize(
    "weights, message",
    [
        (-np.ones(400), "Negative values in data passed to `sample_weight`"),
        (np.zeros(400), "at least one non-zero"),
        (np.ones(7), "inconsistent|shape"),
    ],
)
def test_bad_sample_weight_is_refused(informative, weights, message):
    X, y = informative
    with pytest.raises(ValueError, match=message):
        VariationalMLPClassifier(**FAST).fit(X, y, sample_weight=weights)


def test_class_weights_of_zero_are_refused(informative):
    X, y = informative
    with pytest.raises(ValueError, match="no weight on the training data"):
        VariationalMLPClassifier(**FAST, class_weight={0: 0.0, 1: 0.0}).fit(X, y)


def test_partial_fit_and_the_cv_estimator_take_weights(informative):
    X, y = informative
    weights = np.random.RandomState(0).rand(len(y))
    model = VariationalMLPClassifier(**FAST).partial_fit(
        X, y, classes=[0, 1], sample_weight=weights
    )
    assert model.n_iter_ == 1
    search = HyperVariationalClassifierCV(
        **FAST, complexities=[0.1, 1.0], prune_fractions=[0.0], cv=2
    ).fit(X, y, sample_weight=weights)
    assert search.best_estimator_.net_.n_train == pytest.approx(weights.sum())


def test_a_checkpoint_of_other_weights_is_not_reused(informative, tmp_path):
    X, y = informative
    params = {**FAST, "checkpoint": tmp_path}
    ones = VariationalMLPClassifier(**params).fit(X, y)
    weights = np.r_[np.ones(200), 3 * np.ones(200)]
    weighted = VariationalMLPClassifier(**params).fit(X, y, sample_weight=weights)
    assert len(list(tmp_path.iterdir())) == 2
    assert not np.allclose(ones.predict_proba(X), weighted.predict_proba(X))


# --- export ---------------------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_to_sklearn_predicts_as_the_posterior_means(n_classes, activation):
    import pickle

    X, y = make_classification(
        300, n_features=8, n_informative=5, n_classes=n_classes, random_state=0
    )
    model = VariationalMLPClassifier(
        **FAST, activation=activation, predictive="mean"
    ).fit(X, y)
    for fraction in (0.0, 0.9):
        model.prune(fraction)
        expected = model.predict_proba(X)
        for compress in (False, True):
            mlp = pickle.loads(pickle.dumps(model.to_sklearn(compress=compress)))
            np.testing.assert_allclose(mlp.predict_proba(X), expected, atol=1e-5)
            np.testing.assert_array_equal(mlp.predict(X), model.predict(X))


def test_compression_keeps_the_surviving_shape_dense(informative):
    import pickle

    from sklearn.pipeline import Pipeline

    X, y = informative
    model = VariationalMLPClassifier((300,), random_state=0, predictive="mean")
    model.fit(X, y).prune(0.9, scope="unit")
    dense, small = model.to_sklearn(), model.to_sklearn(compress=True)
    assert isinstance(small, Pipeline)  # unread inputs are dropped in front
    mlp = small[-1]
    support = model.get_support()
    assert mlp.hidden_layer_sizes == model.n_units_ and mlp.n_features_in_ == sum(
        support
    )
    assert small.n_features_in_ == 12 and not support.all()
    assert all(isinstance(c, np.ndarray) for c in mlp.coefs_)
    assert len(pickle.dumps(small)) < 0.4 * len(pickle.dumps(dense))
    np.testing.assert_allclose(
        small.predict_proba(X), dense.predict_proba(X), atol=1e-6
    )
    np.testing.assert_array_equal(small.predict(X), model.predict(X))


def test_compression_takes_the_inputs_the_model_takes(informative):
    """A DataFrame (names checked as the model checks them) and sparse rows."""
    import warnings

    import pandas as pd
    import scipy.sparse as sp

    X, y = informative
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(12)])
    model = VariationalMLPClassifier(**FAST, predictive="mean").fit(frame, y)
    small = model.prune(0.8, scope="unit").to_sklearn(compress=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = small.predict_proba(frame)
    np.testing.assert_allclose(proba, model.predict_proba(frame), atol=1e-5)
    np.testing.assert_allclose(small.predict_proba(sp.csr_matrix(X)), proba)
    with pytest.raises(ValueError, match="x0"):
        small.predict_proba(frame.rename(columns={"x0": "other"}))


def test_compression_keeps_every_input_when_selecting_them_costs_more(informative):
    """Copying the columns read costs more than a narrow layer's weights."""
    X, y = informative
    model = VariationalMLPClassifier(**FAST, predictive="mean").fit(X, y)
    small = model.prune(0.9).to_sklearn(compress=True)
    assert 0 < model.get_support().sum() < 12
    assert small.coefs_[0].shape[0] == 12 and small.n_features_in_ == 12
    np.testing.assert_allclose(
        small.predict_proba(X), model.predict_proba(X), atol=1e-5
    )


def test_compressed_export_converts_to_onnx(informative):
    skl2onnx = pytest.importorskip("skl2onnx")
    onnxruntime = pytest.importorskip("onnxruntime")
    X, y = informative
    X = X.astype(np.float32)
    model = VariationalMLPClassifier(
        **{**FAST, "hidden_layer_sizes": (300,)}, predictive="mean"
    ).fit(X, y)
    small = model.prune(0.9, scope="unit").to_sklearn(compress=True)
    onnx = skl2onnx.to_onnx(small, X[:1], options={id(small[-1]): {"zipmap": False}})
    session = onnxruntime.InferenceSession(
        onnx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    labels, proba = session.run(None, {session.get_inputs()[0].name: X})
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(labels, model.predict(X))


def test_softmax_hidden_units_cannot_be_exported(informative):
    model = VariationalMLPClassifier(**FAST, activation="softmax").fit(*informative)
    with pytest.raises(ValueError, match="activation='softmax' has no MLPClassifier"):
        model.to_sklearn()


def test_hypernetwork_exports_the_selected_model(informative):
    X, y = informative
    model = HyperVariationalClassifier(**FAST, predictive="mean").fit(X, y)
    for complexity in (0.01, 10.0):
        model.set_complexity(complexity)
        np.testing.assert_allclose(
            model.to_sklearn().predict_proba(X), model.predict_proba(X), atol=1e-5
        )


def test_onnx_export_agrees_with_the_model(informative):
    skl2onnx = pytest.importorskip("skl2onnx")
    onnxruntime = pytest.importorskip("onnxruntime")
    X, y = informative
    X = X.astype(np.float32)
    model = VariationalMLPClassifier(**FAST, predictive="mean").fit(X, y).prune(0.5)
    onnx = skl2onnx.to_onnx(model.to_sklearn(), X[:1], options={"zipmap": False})
    session = onnxruntime.InferenceSession(
        onnx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    labels, proba = session.run(None, {session.get_inputs()[0].name: X})
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(labels, model.predict(X))


def test_compression_follows_dead_units_back_through_the_layers():
    """A unit whose only outgoing weights lead to a removed unit is removed
    too; a unit without incoming weights becomes a bias."""
    from skvarhyper._estimators.export import _drop_dead_units

    rng = np.random.RandomState(0)
    coefs = [rng.randn(3, 4), rng.randn(4, 2), rng.randn(2, 2)]
    coefs[2][1] = 0  # second-layer unit 1 has no outgoing weight ...
    coefs[1][3] = [0, 1.0]  # ... and is the only target of first-layer unit 3
    coefs[0][:, 0] = 0  # first-layer unit 0 has no incoming weight
    intercepts = [rng.randn(4), rng.randn(2), rng.randn(2)]
    X = rng.randn(5, 3)

    def forward(coefs, intercepts):
        h = X
        for i, (w, b) in enumerate(zip(coefs, intercepts)):
            h = h @ w + b
            h = np.maximum(h, 0) if i < len(coefs) - 1 else h
        return h

    small, biases = _drop_dead_units(coefs, intercepts, "relu")
    assert [c.shape for c in small] == [(3, 2), (2, 1), (1, 2)]
    np.testing.assert_allclose(forward(small, biases), forward(coefs, intercepts))


def test_the_fitted_model_keeps_no_training_weights(informative):
    import pickle

    X, y = informative
    weights = np.random.RandomState(0).randint(1, 50, len(y))
    weighted = VariationalMLPClassifier(**FAST).fit(X, y, sample_weight=weights)
    assert weighted.net_.train_rows is None and weighted.net_.train_weights is None
    # As large as the model fitted on the repeated rows (whose longer epochs
    # fill the history with more batches), not larger.
    repeated = VariationalMLPClassifier(**FAST).fit(
        np.repeat(X, weights, 0), np.repeat(y, weights)
    )
    assert len(pickle.dumps(weighted)) <= 1.01 * len(pickle.dumps(repeated))


# --- review findings (each failed before its fix) -------------------------------


@pytest.mark.parametrize("cls", [VariationalMLPClassifier, HyperVariationalClassifier])
def test_fractional_weights_keep_scoring_callbacks_working(cls, informative):
    from skorch.callbacks import EpochScoring

    X, y = informative
    weights = np.random.RandomState(0).uniform(0.5, 2, len(y))
    scoring = EpochScoring("accuracy", on_train=True, name="train_acc")
    model = cls(**FAST, callbacks=[("train_acc", scoring)]).fit(
        X, y, sample_weight=weights
    )
    assert 0.5 < model.net_.history[-1, "train_acc"] <= 1


def test_validation_scores_without_validated_epochs_are_none(informative):
    X, y = informative
    model = VariationalMLPClassifier(**FAST, early_stopping=True).partial_fit(X, y)
    assert model.validation_scores_ is None and model.best_validation_score_ is None
    model = VariationalMLPClassifier(**{**FAST, "max_epochs": 2}).fit(X, y)
    model.set_params(warm_start=True, early_stopping=True).fit(X, y)
    assert len(model.validation_scores_) == 2 < model.n_iter_


def test_compression_of_a_layer_of_constant_units_keeps_the_predictions():
    import torch
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    model = VariationalMLPClassifier(
        (6, 5), max_epochs=5, random_state=0, predictive="mean"
    ).fit(X, y)
    with torch.no_grad():
        model.net_.module_.layers[0].weight_mask.zero_()
    np.testing.assert_allclose(
        model.to_sklearn(compress=True).predict_proba(X),
        model.predict_proba(X),
        atol=1e-6,
    )


def test_weights_all_held_out_for_early_stopping_are_refused():
    X, y = make_classification(40, n_features=4, random_state=0)
    weights = np.zeros(40)
    weights[:3] = 1.0
    model = VariationalMLPClassifier(
        **FAST, early_stopping=True, validation_fraction=0.5
    )
    for seed in range(20):
        model.set_params(random_state=seed)
        try:
            model.fit(X, y, sample_weight=weights * 0.5)
        except ValueError as error:
            assert "sample_weight" in str(error) and "validation" in str(error)
            return
    pytest.fail("no split put every weighted row into the validation set")
