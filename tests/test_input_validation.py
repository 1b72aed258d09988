"""Bad input gets a clear error and leaves a fitted model unchanged."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError

from skvarhyper import (
    HyperVariationalClassifier,
    HyperVariationalClassifierCV,
    PruningCurveDisplay,
    VariationalMLPClassifier,
    pruning_curve,
)

FAST = {"hidden_layer_sizes": (8,), "lr": 1e-2, "max_epochs": 3, "random_state": 0}
# At the default lr, for the tests on the ``three_classes`` table and on iris.
TINY = {"hidden_layer_sizes": (8,), "max_epochs": 3, "random_state": 0}
CLASSES = [VariationalMLPClassifier, HyperVariationalClassifier]
CLASS_IDS = ["variational", "hyper"]
RNG = np.random.RandomState(0)
X = RNG.normal(size=(60, 4))
Y = np.arange(60) % 3


def _with(array, index, value):
    array = np.array(array, dtype=object if isinstance(value, str) else float)
    array[index] = value
    return array


BAD_FIT_DATA = {
    "nan in X": (_with(X, (0, 0), np.nan), Y, ValueError, "NaN"),
    "inf in X": (_with(X, (1, 2), np.inf), Y, ValueError, "infinity"),
    "nan in y": (X, _with(Y, 3, np.nan), ValueError, "NaN"),
    "one class": (X, np.zeros(60), ValueError, "2 classes"),
    "1-D X": (X[:, 0], Y, ValueError, "Expected 2D array"),
    "3-D X": (X.reshape(60, 2, 2), Y, ValueError, "dim 3"),
    "empty X": (np.empty((0, 4)), np.empty(0), ValueError, "0 sample"),
    "length mismatch": (X, Y[:-1], ValueError, "inconsistent numbers of samples"),
    "non-numeric X": (_with(X, (0, 1), "a"), Y, ValueError, "convert string"),
    "continuous y": (X, RNG.normal(size=60), ValueError, "Unknown label type"),
}

BAD_PARAMS = {
    "complexity": [-1.0, np.inf, "big"],
    "prior_variance": [0.0, -0.1],
    "hidden_layer_sizes": [(), (0,), (10, -1), "wide"],
    "lr": [0.0, -1e-3],
    "batch_size": [0, 1.5],
    "max_epochs": [0],
    "optimizer": ["rmsprop"],
    "activation": ["gelu"],
    "device": ["gpu", "cuda:99" if torch.cuda.is_available() else "cuda"],
    "validation_fraction": [0.0, 1.0],
    "prune_fraction": [-0.1, 1.5],
    "prune_score": ["random"],
    "n_mc_samples": [-1],
    "predictive": ["sample"],
}


@pytest.fixture(
    scope="module", params=[VariationalMLPClassifier, HyperVariationalClassifier]
)
def fitted(request):
    return request.param(**FAST).fit(X, Y)


def _snapshot(clf):
    state = {
        k: v
        for k, v in vars(clf).items()
        if k not in {"net_", "_rng", "_applied_selection_"}
    }
    module = {k: v.clone() for k, v in clf.net_.module_.state_dict().items()}
    return state, module, clf._rng.get_state()[1].copy()


def _assert_unchanged(clf, snapshot):
    state, module, rng = _snapshot(clf)
    assert state.keys() == snapshot[0].keys()
    for key, value in state.items():
        np.testing.assert_array_equal(value, snapshot[0][key], err_msg=key)
    for key, value in module.items():
        assert torch.equal(value, snapshot[1][key]), key
    np.testing.assert_array_equal(rng, snapshot[2])


@pytest.mark.parametrize("case", sorted(BAD_FIT_DATA))
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_bad_training_data_is_refused_and_leaves_the_model_unchanged(
    fitted, case, method
):
    if method == "partial_fit" and case == "one class":
        pytest.skip("a one-class batch is valid input to a fitted model")
    bad_X, bad_y, error, match = BAD_FIT_DATA[case]
    snapshot = _snapshot(fitted)
    with pytest.raises(error, match=match):
        getattr(fitted, method)(bad_X, bad_y)
    _assert_unchanged(fitted, snapshot)


def test_fit_rejects_values_beyond_float32(three_classes):
    """X finite in float64 but infinite in float32 is refused by fit."""
    X, y = three_classes
    X = X.copy()
    X[0, 0] = 1e39
    with pytest.raises(ValueError, match=r"float32|range|large"):
        VariationalMLPClassifier(**TINY).fit(X, y)


@pytest.mark.parametrize(
    ("name", "value"),
    [(name, value) for name, values in BAD_PARAMS.items() for value in values],
)
def test_out_of_range_parameters_name_the_parameter(fitted, name, value):
    snapshot = _snapshot(fitted)
    fitted.set_params(**{name: value})
    try:
        with pytest.raises((ValueError, TypeError), match=name):
            fitted.fit(X, Y)
    finally:
        fitted.set_params(**{name: snapshot[0][name]})
    _assert_unchanged(fitted, snapshot)


def test_early_stopping_on_too_few_samples_names_the_parameter():
    """Too few samples to hold out one per class is explained in terms
    of early_stopping / validation_fraction."""
    X, y = load_iris(return_X_y=True)
    rows = [0, 1, 50, 51, 100, 101]
    clf = VariationalMLPClassifier(**TINY, early_stopping=True)
    with pytest.raises(ValueError, match=r"early_stopping|validation_fraction"):
        clf.fit(X[rows], y[rows])


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
def test_wrong_number_of_features_in_prediction(fitted, method):
    args = (X[:, :3],) if method != "score" else (X[:, :3], Y)
    with pytest.raises(ValueError, match=r"X has 3 features, but .* 4 features"):
        getattr(fitted, method)(*args)


@pytest.mark.parametrize(
    "case", ["nan in X", "inf in X", "1-D X", "3-D X", "empty X", "non-numeric X"]
)
def test_bad_prediction_data(fitted, case):
    bad_X, _, error, match = BAD_FIT_DATA[case]
    with pytest.raises(error, match=match):
        fitted.predict_proba(bad_X)


@pytest.mark.parametrize("cls", CLASSES, ids=CLASS_IDS)
def test_predict_proba_rejects_values_beyond_float32(three_classes, cls):
    """Prediction refuses X that float32 cannot hold, instead of NaN."""
    X, y = three_classes
    clf = cls(**TINY).fit(X, y)
    X = X.copy()
    X[0, 0] = 1e39
    with pytest.raises(ValueError, match=r"float32|range|large"):
        clf.predict_proba(X)


@pytest.mark.parametrize("fraction", [-0.01, 1.01, np.nan, "half"])
def test_prune_outside_unit_interval(fitted, fraction):
    snapshot = _snapshot(fitted)
    with pytest.raises((ValueError, TypeError), match="fraction"):
        fitted.prune(fraction)
    _assert_unchanged(fitted, snapshot)


@pytest.mark.parametrize("kwargs", [{"score": "random"}, {"scope": "row"}])
def test_prune_with_unknown_score_or_scope(fitted, kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        fitted.prune(0.5, **kwargs)


@pytest.mark.parametrize(
    "call",
    [
        lambda clf: clf.predict(X),
        lambda clf: clf.predict_proba(X),
        lambda clf: clf.prune(0.5),
        lambda clf: clf.evidence(X, Y),
        lambda clf: clf.sparsity_,
        lambda clf: clf.save("unused"),
        lambda clf: pruning_curve(clf, X, Y),
        lambda clf: PruningCurveDisplay.from_estimator(clf, X, Y),
    ],
)
@pytest.mark.parametrize("cls", [VariationalMLPClassifier, HyperVariationalClassifier])
def test_unfitted_model_raises_not_fitted(call, cls):
    with pytest.raises(NotFittedError):
        call(cls())


@pytest.mark.parametrize("case", sorted(BAD_FIT_DATA))
def test_cv_estimator_refuses_bad_training_data(case):
    bad_X, bad_y, error, match = BAD_FIT_DATA[case]
    clf = HyperVariationalClassifierCV(**FAST, complexities=[0.1], cv=2)
    with pytest.raises(error, match=match):
        clf.fit(bad_X, bad_y)
    assert not hasattr(clf, "scores_")


@pytest.mark.parametrize(
    "case", ["nan in X", "inf in X", "1-D X", "empty X", "non-numeric X"]
)
@pytest.mark.parametrize(
    "call",
    [
        lambda clf, bad: clf.evidence(bad, Y[: len(bad)] if bad.ndim else Y),
        lambda clf, bad: pruning_curve(clf, bad, Y[: len(bad)] if bad.ndim else Y),
        lambda clf, bad: clf.score(bad, Y[: len(bad)] if bad.ndim else Y),
    ],
    ids=["evidence", "pruning_curve", "score"],
)
def test_bad_evaluation_data(fitted, case, call):
    bad_X, _, error, match = BAD_FIT_DATA[case]
    snapshot = _snapshot(fitted)
    with pytest.raises(error, match=match):
        call(fitted, np.asarray(bad_X))
    _assert_unchanged(fitted, snapshot)


@pytest.mark.parametrize("value", [-1.0, np.nan, np.inf, None, "1"])
@pytest.mark.parametrize("method", ["set_complexity", "to_variational"])
def test_hypernetwork_complexity_arguments(method, value):
    clf = HyperVariationalClassifier(**FAST).fit(X, Y)
    snapshot = _snapshot(clf)
    if method == "to_variational" and value is None:
        return  # None means the current complexity there
    with pytest.raises(ValueError, match="complexity"):
        getattr(clf, method)(value)
    _assert_unchanged(clf, snapshot)


def test_evidence_refuses_unseen_labels(fitted):
    with pytest.raises(ValueError, match="not fitted on"):
        fitted.evidence(X, Y + 5)


def test_partial_fit_refuses_unseen_labels(fitted):
    snapshot = _snapshot(fitted)
    with pytest.raises(ValueError, match="not fitted on"):
        fitted.partial_fit(X, Y + 1)
    _assert_unchanged(fitted, snapshot)


def test_rejected_dataframe_fit_keeps_feature_names():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=list("abcd"))
    clf = VariationalMLPClassifier(**FAST).fit(frame, Y)
    bad = pd.DataFrame(_with(X, (0, 0), np.nan), columns=list("wxyz"))
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(bad, Y)
    assert list(clf.feature_names_in_) == list("abcd")
