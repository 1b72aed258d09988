"""Global state: predictions from several threads at once, torch's and numpy's
global random generators, and torch's default dtype."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from _helpers import _assert_same
from numpy.testing import assert_array_equal

from skvarhyper import HyperVariationalClassifier, VariationalMLPClassifier
from skvarhyper.path import complexity_path, pruning_curve

FAST = {"hidden_layer_sizes": (8,), "max_epochs": 3, "random_state": 0}
CLASSES = [VariationalMLPClassifier, HyperVariationalClassifier]
CLASS_IDS = ["variational", "hyper"]


def test_concurrent_predictions_equal_serial_ones(three_classes):
    """Monte-Carlo predictions of one model from four threads at once
    equal a serial prediction (no shared global generator)."""
    X, y = three_classes
    clf = VariationalMLPClassifier(**FAST, n_mc_samples=10).fit(X, y)
    expected = clf.predict_proba(X)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: clf.predict_proba(X), range(20)))
    for result in results:
        assert_array_equal(result, expected)


def _global_state():
    # The legacy global numpy generator is what is checked here.
    return torch.get_rng_state().clone(), np.random.get_state()  # noqa: NPY002


def _variational(X, y):
    return VariationalMLPClassifier(**FAST, n_mc_samples=3).fit(X, y)


def _hyper(X, y):
    return HyperVariationalClassifier(**FAST).fit(X, y)


def _save_and_load(model, path):
    model.save(path)
    return type(model).load(path)


OPERATIONS = {
    "fit": (lambda X, y: None, lambda _, X, y, path: _variational(X, y)),
    "fit_hyper": (lambda X, y: None, lambda _, X, y, path: _hyper(X, y)),
    "predict_proba": (_variational, lambda m, X, y, path: m.predict_proba(X)),
    "hyper_predict_proba": (_hyper, lambda m, X, y, path: m.predict_proba(X)),
    "to_variational": (_hyper, lambda m, X, y, path: m.to_variational(0.1)),
    "save_load": (_variational, lambda m, X, y, path: _save_and_load(m, path)),
    "save_load_hyper": (_hyper, lambda m, X, y, path: _save_and_load(m, path)),
    "pruning_curve": (
        _variational,
        lambda m, X, y, path: pruning_curve(m, X, y, fractions=[0, 0.5]),
    ),
    "pruning_curve_hyper": (
        _hyper,
        lambda m, X, y, path: pruning_curve(
            m, X, y, fractions=[0, 0.5], complexities=[0.1, 1.0]
        ),
    ),
    "complexity_path": (
        _hyper,
        lambda m, X, y, path: complexity_path(m, X, y, complexities=[0.1, 1.0]),
    ),
    "evidence": (_variational, lambda m, X, y, path: m.evidence(X, y)),
    "evidence_hyper": (_hyper, lambda m, X, y, path: m.evidence(X, y)),
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_global_random_state_is_untouched(three_classes, operation, tmp_path):
    """No operation draws from (or reseeds) torch's or numpy's global
    random generators."""
    X, y = three_classes
    prepare, run = OPERATIONS[operation]
    model = prepare(X, y)
    torch_before, numpy_before = _global_state()
    run(model, X, y, tmp_path / "model")
    torch_after, numpy_after = _global_state()
    assert torch.equal(torch_after, torch_before)
    _assert_same(list(numpy_after), list(numpy_before), "numpy")


@pytest.fixture
def float64_default():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


@pytest.mark.parametrize("cls", CLASSES, ids=CLASS_IDS)
def test_fit_and_predict_with_float64_as_torch_default(
    three_classes, cls, float64_default
):
    """torch's default dtype set to float64 by the user breaks nothing."""
    X, y = three_classes
    clf = cls(**FAST).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    assert np.all(np.isfinite(proba))
    assert clf.predict(X).shape == (len(X),)


@pytest.mark.parametrize("cls", CLASSES, ids=CLASS_IDS)
def test_a_seed_repeats_a_fit_on_as_many_threads(cls):
    """A seeded fit is bit-identical on the same number of threads; on
    another number the sums round differently, and the predictions agree
    to float32 rounding only (what the random_state docstrings say)."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X[:600] / 16.0
    threads = torch.get_num_threads()
    params = {"hidden_layer_sizes": (100,), "max_epochs": 15, "random_state": 0}
    try:
        torch.set_num_threads(1)
        one = cls(**params).fit(X, y[:600]).predict_proba(X)
        again = cls(**params).fit(X, y[:600]).predict_proba(X)
        torch.set_num_threads(2)
        two = cls(**params).fit(X, y[:600]).predict_proba(X)
    finally:
        torch.set_num_threads(threads)
    assert_array_equal(one, again)
    np.testing.assert_allclose(one, two, atol=1e-4)
