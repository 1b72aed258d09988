"""Continued training: partial_fit and warm_start check their classes, apply
changed parameters and the current masks, and a failed one leaves the model as
it was."""

import copy
import math

import pytest
import torch
from _helpers import _assert_same
from numpy.testing import assert_array_equal

from skvarhyper import HyperVariationalClassifier, VariationalMLPClassifier

FAST = {"hidden_layer_sizes": (8,), "max_epochs": 3, "random_state": 0}
CLASSES = [VariationalMLPClassifier, HyperVariationalClassifier]
CLASS_IDS = ["variational", "hyper"]


def _snapshot(clf):
    net = clf.net_
    return {
        "module": {k: v.clone() for k, v in net.module_.state_dict().items()},
        "optimizer": copy.deepcopy(net.optimizer_.state_dict()),
        "history": len(net.history),
        "masks": [mask.clone() for mask in net.module_.weight_masks],
        "rng": clf._rng.get_state(),
    }


@pytest.mark.parametrize("method", ["partial_fit", "warm_start"])
@pytest.mark.parametrize("cls", CLASSES, ids=CLASS_IDS)
def test_a_diverging_update_leaves_the_fitted_model_unchanged(
    three_classes, cls, method
):
    """A partial_fit (or warm-started fit) that diverges raises and
    leaves weights, optimiser state, history, masks and random state as they
    were."""
    X, y = three_classes
    clf = cls(**FAST, warm_start=method == "warm_start").fit(X, y).prune(0.3)
    clf.partial_fit(X, y)
    before = _snapshot(clf)
    params = clf.get_params()
    proba = clf.predict_proba(X)
    update = clf.partial_fit if method == "partial_fit" else clf.fit
    with pytest.raises(ValueError, match="diverged"):
        update(X * 1e30, y)  # finite in float32, but the loss overflows
    _assert_same(_snapshot(clf), before)
    assert clf.get_params() == params
    assert_array_equal(clf.predict_proba(X), proba)


def test_a_diverging_partial_fit_keeps_the_parameters_the_user_set(three_classes):
    """After a failed partial_fit, the state is restored but parameters
    set by set_params stay as the user set them."""
    X, y = three_classes
    clf = VariationalMLPClassifier(**FAST).fit(X, y)
    before = _snapshot(clf)
    proba = clf.predict_proba(X)
    clf.set_params(lr=1e6)
    with pytest.raises(ValueError, match="diverged"):
        clf.partial_fit(X * 1e30, y)
    after = _snapshot(clf)
    # The optimiser's learning rate may follow the new lr; everything else is
    # restored bit for bit.
    for state in (before, after):
        for group in state["optimizer"]["param_groups"]:
            group.pop("lr")
    _assert_same(after, before)
    assert clf.get_params()["lr"] == 1e6
    assert_array_equal(clf.predict_proba(X), proba)


def test_divergence_warning_restores_the_optimizer_state_too(three_classes):
    X, y = three_classes
    clf = VariationalMLPClassifier(**FAST, on_divergence="warn").fit(X, y)
    clf.set_params(lr=1e30)
    with pytest.warns(RuntimeWarning, match="diverged"):
        clf.partial_fit(X * 1e30, y)
    for state in clf.net_.optimizer_.state_dict()["state"].values():
        for value in state.values():
            assert torch.isfinite(torch.as_tensor(value)).all()


def test_divergence_warning_in_the_first_epoch_with_early_stopping(three_classes):
    X, y = three_classes
    clf = VariationalMLPClassifier(
        **FAST, lr=1e30, early_stopping=True, on_divergence="warn"
    )
    with pytest.warns(RuntimeWarning, match="diverged"):
        clf.fit(X * 1e30, y)
    assert all("train_loss" in row for row in clf.net_.history)


def test_partial_fit_rejects_labels_missing_from_classes(three_classes):
    """A label of y that is not in ``classes`` is an error naming it."""
    X, y = three_classes
    with pytest.raises(ValueError, match=r"\b1\b"):
        VariationalMLPClassifier(**FAST).partial_fit(X, y, classes=[0, 2])
    with pytest.raises(ValueError, match=r"\b2\b"):
        VariationalMLPClassifier(**FAST).partial_fit(X, y, classes=[0, 1])


def test_partial_fit_rejects_other_classes_on_a_later_call(three_classes):
    """``classes`` of a later call must equal those of the first."""
    X, y = three_classes
    clf = VariationalMLPClassifier(**FAST).partial_fit(X, y, classes=[0, 1, 2])
    clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, y, classes=[0, 1, 2, 3])


@pytest.mark.parametrize("method", ["partial_fit", "warm_start"])
@pytest.mark.parametrize("cls", CLASSES, ids=CLASS_IDS)
def test_continued_training_uses_a_new_learning_rate(three_classes, cls, method):
    """lr set after the first fit is the optimiser's learning rate."""
    X, y = three_classes
    clf = cls(**FAST, warm_start=method == "warm_start")
    update = clf.partial_fit if method == "partial_fit" else clf.fit
    update(X, y)
    clf.set_params(lr=0.123)
    update(X, y)
    assert clf.net_.optimizer_.param_groups[0]["lr"] == 0.123


def test_partial_fit_uses_a_new_optimizer(three_classes):
    """optimizer set after the first call is used by the next one."""
    X, y = three_classes
    clf = VariationalMLPClassifier(**FAST).partial_fit(X, y)
    clf.set_params(optimizer="sgd").partial_fit(X, y)
    assert isinstance(clf.net_.optimizer_, torch.optim.SGD)


def test_partial_fit_uses_a_new_prior_variance(three_classes):
    """prior_variance set after the first call is the prior of the next."""
    X, y = three_classes
    clf = VariationalMLPClassifier(**FAST).partial_fit(X, y)
    clf.set_params(prior_variance=0.5).partial_fit(X, y)
    for layer in clf.net_.module_.layers:
        assert layer.prior_variance == 0.5


def test_partial_fit_uses_a_new_batch_size(three_classes):
    """batch_size set after the first call sizes the next epoch."""
    X, y = three_classes
    clf = VariationalMLPClassifier(**FAST).partial_fit(X, y)
    clf.set_params(batch_size=7).partial_fit(X, y)
    assert len(clf.net_.history[-1]["batches"]) == math.ceil(len(X) / 7)


def test_partial_fit_ignores_early_stopping(three_classes):
    X, y = three_classes
    clf = VariationalMLPClassifier(**FAST, early_stopping=True)
    clf.partial_fit(X, y).partial_fit(X, y)
    assert len(clf.net_.history) == 2


def test_continuing_fits_train_with_the_masks_of_the_current_parameters(
    three_classes,
):
    X, y = three_classes
    pruned = VariationalMLPClassifier(**FAST).fit(X, y)
    by_parameter = copy.deepcopy(pruned)
    pruned.prune(0.8).partial_fit(X, y)
    by_parameter.set_params(prune_fraction=0.8).partial_fit(X, y)
    for a, b in zip(
        pruned.net_.module_.parameters(), by_parameter.net_.module_.parameters()
    ):
        assert torch.equal(a, b)


def test_partial_fit_refuses_a_new_architecture(three_classes):
    """A changed hidden_layer_sizes cannot continue the fitted network."""
    X, y = three_classes
    clf = VariationalMLPClassifier(**FAST).partial_fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        clf.set_params(hidden_layer_sizes=(5,)).partial_fit(X, y)


def test_an_int_hidden_layer_size_is_the_same_architecture_as_a_tuple(
    three_classes,
):
    X, y = three_classes
    clf = VariationalMLPClassifier(**{**FAST, "hidden_layer_sizes": 8}).fit(X, y)
    clf.set_params(hidden_layer_sizes=(8,)).partial_fit(X, y)
