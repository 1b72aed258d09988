"""Early stopping watches held-out prediction: the validation rows' negative
log-likelihood under the posterior predictive, never the KL term, which does
not depend on those rows; and it can use validation rows of the user's."""

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.datasets import load_breast_cancer, make_classification, make_regression
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skvarhyper import (
    HyperVariationalClassifier,
    HyperVariationalRegressor,
    VariationalMLPClassifier,
    VariationalMLPRegressor,
)

FAST = {"hidden_layer_sizes": (16,), "max_epochs": 20, "random_state": 0}


@pytest.fixture(scope="module")
def classes():
    X, y = make_classification(
        n_samples=240, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def targets():
    X, y = make_regression(n_samples=240, n_features=5, noise=10.0, random_state=0)
    y = (y - y.mean()) / y.std()  # standardised: the net's units are the data's
    return train_test_split(X, y, test_size=0.25, random_state=0)


def _best_valid_loss(estimator):
    return min(estimator.net_.history[:, "valid_loss"])


def _held_out_density(reg, X_val, y_val):
    """Mean negative log-density of ``y_val`` (standardised units, the net's)
    under a Gaussian of the predictive mean whose variance is the learned
    noise's plus the posterior's spread of the output (``predict``'s
    predictive also subtracts the spread on the training rows from the
    noise)."""
    mean, std = reg.predict(X_val, return_std=True)
    scale = float(reg._target_scale_[0])
    spread = std**2 - float(reg.noise_std_[0]) ** 2
    variance = spread + float(reg._learned_noise_variance()[0]) * scale**2
    return -norm.logpdf(y_val, mean, np.sqrt(variance)).mean() - np.log(scale)


def test_the_monitored_loss_is_the_held_out_log_loss(classes):
    """The best epoch's valid_loss, restored at the end, is the validation
    rows' log loss under predict_proba: no KL term in it."""
    X, X_val, y, y_val = classes
    clf = VariationalMLPClassifier(**FAST, early_stopping=True).fit(
        X, y, X_val=X_val, y_val=y_val
    )
    held_out = log_loss(y_val, clf.predict_proba(X_val), labels=clf.classes_)
    assert _best_valid_loss(clf) == pytest.approx(held_out, rel=1e-5)
    history = clf.net_.history
    assert history[-1, "valid_nll"] == history[-1, "valid_loss"]
    assert "valid_kl" not in history[-1] and "valid_elbo" not in history[-1]


def test_the_monitored_loss_of_a_regressor_is_the_predictive_density(targets):
    X, X_val, y, y_val = targets
    reg = VariationalMLPRegressor(**FAST, early_stopping=True).fit(
        X, y, X_val=X_val, y_val=y_val
    )
    nlpd = _held_out_density(reg, X_val, y_val)
    assert _best_valid_loss(reg) == pytest.approx(nlpd, rel=1e-4)


def test_a_hypernetwork_watches_the_best_model_of_its_family(classes):
    """valid_loss is the best held-out log loss over ten λ spread over
    complexity_range, and valid_accuracy that model's accuracy."""
    X, X_val, y, y_val = classes
    hyper = HyperVariationalClassifier(**FAST, early_stopping=True).fit(
        X, y, X_val=X_val, y_val=y_val
    )
    grid = np.geomspace(*hyper.complexity_range, 10)
    losses = [
        log_loss(
            y_val, hyper.set_complexity(c).predict_proba(X_val), labels=hyper.classes_
        )
        for c in grid
    ]
    assert _best_valid_loss(hyper) == pytest.approx(min(losses), rel=1e-5)


def test_a_hypernetwork_regressor_watches_its_noise_at_each_complexity(targets):
    X, X_val, y, y_val = targets
    hyper = HyperVariationalRegressor(**FAST, early_stopping=True).fit(
        X, y, X_val=X_val, y_val=y_val
    )
    losses = [
        _held_out_density(hyper.set_complexity(c), X_val, y_val)
        for c in np.geomspace(*hyper.complexity_range, 10)
    ]
    assert _best_valid_loss(hyper) == pytest.approx(min(losses), rel=1e-4)


def test_early_stopping_stops_when_held_out_prediction_stops_improving():
    """Breast cancer, 70/30, (100,): MLPClassifier(early_stopping=True) stops
    after about 20 epochs; watching a loss with the KL term in it, the
    variational model ran 396 of 500."""
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X, _, y, _ = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    clf = VariationalMLPClassifier(
        max_epochs=500, early_stopping=True, random_state=0
    ).fit(X, y)
    assert clf.n_iter_ < 150


def test_validation_rows_of_the_user_replace_the_held_out_fraction(classes):
    X, X_val, y, y_val = classes
    clf = VariationalMLPClassifier(**FAST, early_stopping=True).fit(
        X, y, X_val=X_val, y_val=y_val
    )
    batches = clf.net_.history[-1, "batches"]
    assert sum(b["train_batch_size"] for b in batches if "train_loss" in b) == len(X)
    assert sum(b["valid_batch_size"] for b in batches if "valid_loss" in b) == len(
        X_val
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"X_val": "X"}, "X_val is given but y_val is not"),
        ({"y_val": "y"}, "y_val is given but X_val is not"),
    ],
)
def test_validation_rows_need_both_halves(classes, kwargs, match):
    X, X_val, y, y_val = classes
    given = {k: X_val if v == "X" else y_val for k, v in kwargs.items()}
    clf = VariationalMLPClassifier(**FAST, early_stopping=True)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y, **given)
    assert not hasattr(clf, "net_")


def test_validation_rows_need_early_stopping(classes):
    X, X_val, y, y_val = classes
    with pytest.raises(ValueError, match="early_stopping=True"):
        VariationalMLPClassifier(**FAST).fit(X, y, X_val=X_val, y_val=y_val)


def test_validation_rows_are_checked_like_the_training_rows(classes):
    X, X_val, y, y_val = classes
    clf = VariationalMLPClassifier(**FAST, early_stopping=True)
    with pytest.raises(ValueError, match="features"):
        clf.fit(X, y, X_val=X_val[:, :3], y_val=y_val)
    with pytest.raises(ValueError, match="labels"):
        clf.fit(X, y, X_val=X_val, y_val=np.where(y_val == 0, 7, y_val))


def test_the_held_out_loss_of_a_confidently_wrong_row_is_finite():
    """A validation row predicted wrong with a logit gap of 120: the probit
    predictive's log-probability stays finite (log of a softmax would be
    log 0), so early stopping sees a loss, not a divergence."""
    import torch

    from skvarhyper.nn import CategoricalLikelihood

    mean = torch.tensor([[0.0, 120.0]])
    loss = CategoricalLikelihood().predictive_nll(
        mean, torch.full_like(mean, 1e-3), torch.tensor([0])
    )
    assert torch.isfinite(loss).all() and loss.item() == pytest.approx(120.0, rel=1e-3)


def test_a_hypernetwork_continued_with_early_stopping_after_a_fit_without(classes):
    """warm_start with early_stopping=True continues a history whose epochs
    have no validation loss: the best epoch is chosen among those that do."""
    X, X_val, y, y_val = classes
    hyper = HyperVariationalClassifier(**FAST, warm_start=True).fit(X, y)
    hyper.set_params(early_stopping=True).fit(X, y, X_val=X_val, y_val=y_val)
    history = hyper.net_.history
    assert history[FAST["max_epochs"], "valid_loss_best"] is True
    assert "valid_loss" not in history[FAST["max_epochs"] - 1]
