import threading

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal
from sklearn.datasets import make_classification
from skorch.callbacks import Callback

from skvarhyper import (
    HyperVariationalClassifier,
    VariationalMLPClassifier,
    complexity_path,
    pruning_curve,
)


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=200, n_features=8, n_informative=5, n_classes=3, random_state=0
    )


@pytest.fixture(scope="module")
def hyper(data):
    return HyperVariationalClassifier((16,), max_epochs=30, random_state=0).fit(*data)


def test_path_over_complexities_matches_evidence(hyper, data):
    X, y = data
    path = complexity_path(hyper, X, y, complexities=[0.01, 1.0, 100.0])
    assert set(path) == {"complexities", "log_likelihood", "kl", "elbo", "scores"}
    for i, complexity in enumerate(path.complexities):
        expected = hyper.to_variational(complexity).evidence(X, y)
        assert path.log_likelihood[i] == pytest.approx(expected["log_likelihood"])
        assert path.kl[i] == pytest.approx(expected["kl"])
    np.testing.assert_allclose(
        path.elbo, path.log_likelihood - path.complexities * path.kl
    )
    assert path.kl[0] > path.kl[-1]
    assert hyper.complexity == 1.0


def test_default_path_spans_the_range_on_a_log_scale(hyper, data):
    path = complexity_path(hyper, *data)
    assert len(path.complexities) == 20
    assert path.complexities[0] == pytest.approx(1e-3)
    assert path.complexities[-1] == pytest.approx(100.0)
    np.testing.assert_allclose(np.diff(np.log(path.complexities)).std(), 0, atol=1e-9)


def test_variational_model_gives_one_point(data):
    clf = VariationalMLPClassifier((16,), max_epochs=10, random_state=0).fit(*data)
    path = complexity_path(clf, *data)
    assert path.complexities.tolist() == [1.0]
    with pytest.raises(ValueError, match="HyperVariationalClassifier"):
        complexity_path(clf, *data, complexities=[0.1, 1.0])


def test_pruning_curve_keeps_the_masks_of_a_fine_tuned_model(three_classes):
    """pruning_curve leaves a pruned, then fine-tuned model's masks (and
    so its predictions) exactly as they were."""
    X, y = three_classes
    clf = VariationalMLPClassifier(
        hidden_layer_sizes=(16,), lr=0.05, max_epochs=5, random_state=0
    ).fit(X, y)
    clf.prune(0.5)
    for _ in range(5):
        clf.partial_fit(X, y)
    masks = [mask.clone() for mask in clf.net_.module_.weight_masks]
    proba = clf.predict_proba(X)
    pruning_curve(clf, X, y, fractions=[0, 0.5, 0.9])
    assert clf.prune_fraction == 0.5
    assert_array_equal(clf.predict_proba(X), proba)
    for mask, before in zip(clf.net_.module_.weight_masks, masks):
        assert torch.equal(mask, before)


class _LockedLogger(Callback):
    """A callback that cannot be copied deeply, as loggers holding a lock or
    a file are."""

    def initialize(self):
        self.lock_ = threading.Lock()
        return self


def test_curves_of_a_single_network_copy_only_its_network(data):
    """The path functions evaluate a copy of a single network's posterior:
    its callbacks, history and optimiser are not copied (a logger holding a
    lock made them raise), and the estimator is left as it was."""
    X, y = data
    clf = VariationalMLPClassifier(
        (8,), max_epochs=3, random_state=0, callbacks=[("log", _LockedLogger())]
    ).fit(X, y)
    expected = clf.score(X, y)
    curve = pruning_curve(clf, X, y, fractions=[0.0, 0.5])
    path = complexity_path(clf, X, y)
    assert curve.scores[0, 0] == path.scores[0] == expected
    assert clf.sparsity_ == 0.0
    assert dict(clf.net_.callbacks_)["log"].lock_ is not None
