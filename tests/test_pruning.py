import numpy as np
import pytest
import torch

from skvarhyper import VariationalMLPClassifier
from skvarhyper.nn.pruning import masks_from_scores, pruning_masks, snr_scores

TINY = {"hidden_layer_sizes": (8,), "max_epochs": 3, "random_state": 0}


def _posteriors():
    torch.manual_seed(0)
    return [
        (torch.randn(5, 4), torch.randn(5, 4)),
        (torch.randn(3, 5), torch.randn(3, 5)),
    ]


@pytest.mark.parametrize("fraction", [0.0, 0.1, 1 / 3, 0.5, 0.8, 1.0])
def test_global_masks_keep_exactly_the_rounded_count(fraction):
    masks = pruning_masks(_posteriors(), fraction)
    assert sum(int(m.sum()) for m in masks) == round((1 - fraction) * 35)


def test_global_masks_keep_the_highest_scores():
    posteriors = _posteriors()
    masks = pruning_masks(posteriors, 0.6)
    scores = torch.cat([snr_scores(m, s).flatten() for m, s in posteriors])
    kept = torch.cat([m.flatten() for m in masks]).bool()
    assert scores[kept].min() >= scores[~kept].max()


def test_layer_scope_prunes_each_matrix_by_the_fraction():
    masks = pruning_masks(_posteriors(), 0.4, scope="layer")
    assert [int(m.sum()) for m in masks] == [12, 9]


def test_magnitude_ignores_the_variance():
    mean = torch.tensor([[1.0, 2.0, 3.0]])
    log_std = torch.tensor([[-5.0, 0.0, 5.0]])
    (snr,) = pruning_masks([(mean, log_std)], 2 / 3, score="snr")
    (mag,) = pruning_masks([(mean, log_std)], 2 / 3, score="magnitude")
    assert snr.tolist() == [[1.0, 0.0, 0.0]]
    assert mag.tolist() == [[0.0, 0.0, 1.0]]


def test_masks_shrink_monotonically_with_ties():
    scores = [torch.ones(4, 4), torch.ones(2)]
    previous = None
    for fraction in torch.linspace(0, 1, 11).tolist():
        kept = torch.cat([m.flatten() for m in masks_from_scores(scores, fraction)])
        if previous is not None:
            assert torch.all(kept <= previous)
        previous = kept


@pytest.fixture(scope="module")
def digits_like():
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=200, n_features=8, n_informative=5, n_classes=3, random_state=0
    )


def _fit(cls, data, **params):
    return cls((16,), max_epochs=20, random_state=0, **params).fit(*data)


def test_pruning_curve_of_a_variational_model_matches_manual_pruning(digits_like):
    from skvarhyper import VariationalMLPClassifier, pruning_curve

    X, y = digits_like
    clf = _fit(VariationalMLPClassifier, digits_like, prune_fraction=0.3)
    proba = clf.predict_proba(X)
    curve = pruning_curve(clf, X, y, fractions=[0.0, 0.5, 0.9])
    assert curve.scores.shape == (1, 3)
    assert curve.complexities.tolist() == [clf.complexity_]
    assert curve.n_weights_kept.tolist() == [176, 88, 18]
    for fraction, score in zip(curve.fractions, curve.scores[0]):
        reference = _fit(VariationalMLPClassifier, digits_like).prune(fraction)
        assert score == reference.score(X, y)
    assert clf.prune_fraction == 0.3
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


def test_pruning_curve_of_a_hypernetwork_over_complexities(digits_like, monkeypatch):
    from skvarhyper import HyperVariationalClassifier, pruning_curve

    X, y = digits_like
    hyper = _fit(HyperVariationalClassifier, digits_like)
    state = hyper.get_params()
    generated = []
    export = hyper.net_.module_.export
    monkeypatch.setattr(
        hyper.net_.module_, "export", lambda c: generated.append(c) or export(c)
    )
    curve = pruning_curve(
        hyper, X, y, fractions=[0.0, 0.5, 0.8, 0.9], complexities=[0.01, 1.0, 10.0]
    )
    assert curve.scores.shape == (3, 4)
    assert generated == [0.01, 1.0, 10.0]
    monkeypatch.undo()
    for i, complexity in enumerate(curve.complexities):
        expected = _fit(HyperVariationalClassifier, digits_like)
        expected.set_complexity(complexity).prune(0.8)
        assert curve.scores[i, 2] == expected.score(X, y)
    assert hyper.get_params() == state


def test_pruning_curve_accepts_a_pipeline_and_a_scorer(digits_like):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skvarhyper import VariationalMLPClassifier, pruning_curve

    X, y = digits_like
    pipe = make_pipeline(
        StandardScaler(), VariationalMLPClassifier((16,), max_epochs=20, random_state=0)
    ).fit(X, y)
    curve = pruning_curve(pipe, X, y, fractions=[0.0, 0.5], scoring="neg_log_loss")
    assert np.all(curve.scores < 0)
    assert curve.scores[0, 0] == pytest.approx(
        -__import__("sklearn.metrics").metrics.log_loss(y, pipe.predict_proba(X))
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"fractions": [0.5, 1.2]}, "fractions must lie in"),
        ({"fractions": []}, "non-empty"),
        ({"complexities": [0.1]}, "HyperVariationalClassifier"),
    ],
)
def test_pruning_curve_bad_arguments(digits_like, kwargs, match):
    from skvarhyper import VariationalMLPClassifier, pruning_curve

    clf = _fit(VariationalMLPClassifier, digits_like)
    with pytest.raises(ValueError, match=match):
        pruning_curve(clf, *digits_like, **kwargs)


def test_pruning_curve_needs_a_fitted_variational_model(digits_like):
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import LogisticRegression

    from skvarhyper import VariationalMLPClassifier, pruning_curve

    with pytest.raises(TypeError, match="VariationalMLPClassifier"):
        pruning_curve(LogisticRegression().fit(*digits_like), *digits_like)
    with pytest.raises(NotFittedError):
        pruning_curve(VariationalMLPClassifier(), *digits_like)


def test_prune_validates_the_parameters_first(three_classes):
    X, y = three_classes
    clf = VariationalMLPClassifier(**TINY).fit(X, y)
    clf.set_params(prune_score="bogus")
    with pytest.raises(ValueError, match="prune_score"):
        clf.prune(0.5)


def test_invalid_prune_fraction_set_after_fit_is_refused(three_classes):
    """prune_fraction=1.5 set on a fitted model is an error wherever
    the masks are used."""
    X, y = three_classes
    clf = VariationalMLPClassifier(**TINY).fit(X, y)
    clf.set_params(prune_fraction=1.5)
    with pytest.raises(ValueError, match="prune_fraction"):
        clf.sparsity_  # noqa: B018
    with pytest.raises(ValueError, match="prune_fraction"):
        clf.evidence(X, y)
