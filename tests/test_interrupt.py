"""A user's Ctrl-C: it reaches the caller, stops a grid search and keeps the
model of the complete epochs; a callback that stops training is no Ctrl-C."""

import itertools

import pytest
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import EarlyStopping

from skvarhyper import HyperVariationalClassifier, VariationalMLPClassifier
from skvarhyper.nn import HyperVariationalMLP, VariationalMLP

FAST = {"hidden_layer_sizes": (8,), "max_epochs": 3, "random_state": 0}
CLASS_IDS = ["variational", "hyper"]


def _interrupt_forward(monkeypatch, module_class, at_call):
    """Make the ``at_call``-th training pass of ``module_class`` raise a Ctrl-C,
    as a user's Ctrl-C would in the middle of a batch (not from a callback)."""
    name = "sample_with_kl" if hasattr(module_class, "sample_with_kl") else "forward"
    original = getattr(module_class, name)
    calls = itertools.count(1)

    def training_pass(self, *args, **kwargs):
        if next(calls) == at_call:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(module_class, name, training_pass)


def test_ctrl_c_stops_a_grid_search(three_classes, monkeypatch):
    """A Ctrl-C during one fit of a grid search stops the search."""
    X, y = three_classes
    _interrupt_forward(monkeypatch, VariationalMLP, at_call=5)
    search = GridSearchCV(
        VariationalMLPClassifier(**FAST, batch_size=20), {"complexity": [0.1, 1]}, cv=2
    )
    with pytest.raises(KeyboardInterrupt):
        search.fit(X, y)


@pytest.mark.parametrize(
    "cls, module_class",
    [
        (VariationalMLPClassifier, VariationalMLP),
        (HyperVariationalClassifier, HyperVariationalMLP),
    ],
    ids=CLASS_IDS,
)
def test_ctrl_c_in_an_epoch_raises_and_keeps_the_complete_epochs(
    three_classes, cls, module_class, monkeypatch
):
    """A Ctrl-C in the middle of epoch 3 reaches the caller, and the
    model of the two complete epochs is usable."""
    X, y = three_classes
    clf = cls(**{**FAST, "max_epochs": 5}, batch_size=40)  # 3 batches per epoch
    _interrupt_forward(monkeypatch, module_class, at_call=8)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    monkeypatch.undo()
    assert clf.predict(X).shape == (len(X),)
    assert len(clf.net_.history) == 2
    assert all("train_loss" in row for row in clf.net_.history)


def test_ctrl_c_at_the_first_batch_raises_and_leaves_no_incomplete_epoch(
    three_classes, monkeypatch
):
    """A Ctrl-C in the very first batch reaches the caller and leaves no
    epoch without its losses in the history."""
    X, y = three_classes
    clf = VariationalMLPClassifier(**FAST)
    _interrupt_forward(monkeypatch, VariationalMLP, at_call=1)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    monkeypatch.undo()
    if hasattr(clf, "net_"):
        assert all("train_loss" in row for row in clf.net_.history)


def test_ctrl_c_with_memory_keeps_the_model(three_classes, monkeypatch, tmp_path):
    X, y = three_classes
    _interrupt_forward(monkeypatch, HyperVariationalMLP, at_call=2)
    clf = HyperVariationalClassifier(**FAST, memory=str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert clf.predict(X).shape == (len(X),)


def test_early_stopping_callback_still_stops_training_quietly(three_classes):
    """skorch's EarlyStopping (which stops by raising KeyboardInterrupt
    from a callback) ends training normally, without an exception."""
    X, y = three_classes
    # threshold=0.9: only a 90% drop of the loss counts as an improvement.
    stop = EarlyStopping(monitor="train_loss", patience=1, threshold=0.9)
    clf = VariationalMLPClassifier(**{**FAST, "max_epochs": 20}, callbacks=[stop])
    clf.fit(X, y)
    assert len(clf.net_.history) == 2
    assert clf.predict(X).shape == (len(X),)
