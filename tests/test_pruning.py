import numpy as np
import pytest
import torch

from skvarhyper import VariationalMLPClassifier
from skvarhyper.nn.pruning import (
    live_units,
    masks_from_scores,
    pruning_masks,
    snr_scores,
)

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


def _unit_scores():
    torch.manual_seed(0)
    return [torch.rand(6, 8), torch.rand(5, 6), torch.rand(3, 5)]


@pytest.mark.parametrize("fraction", [0.0, 0.2, 0.5, 0.9, 1.0])
def test_unit_scope_removes_whole_units_until_the_fraction(fraction):
    scores = _unit_scores()
    masks = masks_from_scores(scores, fraction, scope="unit")
    n_weights = sum(s.numel() for s in scores)
    removed = n_weights - sum(int(m.sum()) for m in masks)
    assert removed >= round(fraction * n_weights)
    # No unit more than needed: removing the last one fell short.
    assert removed - 8 * 6 < round(fraction * n_weights) or fraction == 0
    alive = live_units(masks)
    for layer, mask in enumerate(masks):
        # Every kept weight joins two kept units: dense blocks, no holes.
        expected = torch.outer(masks[layer].any(1), masks[layer].any(0))
        assert torch.equal(mask.bool(), expected)
    if 0 < fraction < 1:
        assert all(mask.sum() > 0 for mask in masks)
        assert alive[-1].all()  # outputs are never removed


def test_unit_scope_removes_the_weakest_unit_first():
    scores = [torch.ones(4, 5), torch.ones(2, 4)]
    scores[0][:, 3] = 0.01  # input 3 reads weakly
    scores[0][1] = 0.5  # hidden unit 1 has weaker weights than the rest
    scores[1][:, 1] = 0.5
    first, _ = masks_from_scores(scores, 0.1, scope="unit")
    assert first[:, 3].sum() == 0 and first.sum() == 16
    first, second = masks_from_scores(scores, 0.3, scope="unit")
    assert first[1].sum() == 0 and second[:, 1].sum() == 0


def test_unit_masks_shrink_monotonically():
    scores = _unit_scores()
    previous = None
    for fraction in torch.linspace(0, 1, 21).tolist():
        masks = masks_from_scores(scores, fraction, scope="unit")
        kept = torch.cat([m.flatten() for m in masks])
        if previous is not None:
            assert torch.all(kept <= previous)
        previous = kept


def test_live_units_follow_paths_from_inputs_to_outputs():
    first = torch.ones(3, 4)
    first[:, 2] = 0  # input 2 is read by no unit
    first[0] = 0  # hidden unit 0 reads nothing: a constant
    second = torch.ones(2, 3)
    second[:, 1] = 0  # hidden unit 1 feeds nothing
    inputs, hidden, outputs = live_units([first, second])
    assert inputs.tolist() == [True, True, False, True]
    assert hidden.tolist() == [False, False, True]
    assert outputs.tolist() == [True, True]
    second[:, 2] = 0  # now no path is left
    inputs, hidden, outputs = live_units([first, second])
    assert not inputs.any() and not hidden.any() and not outputs.any()


def test_unit_pruning_reports_the_structure_left(digits_like):
    from sklearn.feature_selection import SelectFromModel

    model = _fit(VariationalMLPClassifier, digits_like).prune(0.6, scope="unit")
    assert model.prune_scope == "unit" and model.sparsity_ >= 0.6
    support = model.get_support()
    assert support.dtype == bool and 0 < support.sum() < 8
    assert model.get_support(indices=True).tolist() == np.flatnonzero(support).tolist()
    assert 0 < model.n_units_[0] < 16
    n_in, n_hidden = support.sum(), model.n_units_[0]
    kept = sum(int(mask.sum()) for mask in model.net_.module_.weight_masks)
    assert kept == n_in * n_hidden + n_hidden * 3
    importances = model.feature_importances_
    assert np.all(importances[~support] == 0) and np.all(importances[support] > 0)
    selector = SelectFromModel(model, prefit=True, threshold=1e-12)
    np.testing.assert_array_equal(selector.get_support(), support)
    assert model.prune(0.0).n_units_ == (16,) and model.get_support().all()


def test_a_network_that_reads_nothing_gives_every_input_zero(three_classes):
    model = VariationalMLPClassifier(**TINY).fit(*three_classes).prune(1.0)
    assert not model.get_support().any() and model.n_units_ == (0,)
    assert np.all(model.feature_importances_ == 0)


def test_an_explicit_warmup_is_kept_as_given(three_classes):
    model = VariationalMLPClassifier(**TINY, complexity_warmup=100)
    assert model.fit(*three_classes).net_.complexity_warmup == 100


def test_inputs_feeding_only_dead_units_are_not_supported(three_classes):
    model = VariationalMLPClassifier(**TINY).fit(*three_classes)
    with torch.no_grad():
        first, second = model.net_.module_.weight_masks
        first[:, 0] = 0
        first[:4, 1] = 1
        first[4:, 1] = 0
        second[:, :4] = 0  # hidden units 0-3 feed nothing: input 1 is unused
    assert model.get_support().tolist() == [False, False, True, True, True]
    assert model.n_units_ == (4,)
    assert model.feature_importances_[1] == 0


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
        # The curve re-prunes the fitted (fine-tuned) posterior.
        reference = _fit(VariationalMLPClassifier, digits_like, prune_fraction=0.3)
        assert score == reference.prune(fraction).score(X, y)
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


# --- a fit that prunes fine-tunes the surviving weights --------------------------


def test_a_fit_that_prunes_recovers_the_accuracy_by_fine_tuning():
    """Digits at λ = 0.1 with 90 % of the weights pruned: about 85 % accurate
    as trained, about 97 % once the survivors are fine-tuned."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    params = {"complexity": 0.1, "prune_fraction": 0.9, "random_state": 0}
    tuned = VariationalMLPClassifier(**params).fit(X_train, y_train)
    as_trained = VariationalMLPClassifier(**params, finetune_epochs=0)
    as_trained.fit(X_train, y_train)
    assert tuned.sparsity_ == as_trained.sparsity_ == 0.9
    assert tuned.score(X_test, y_test) > as_trained.score(X_test, y_test) + 0.05


def test_fine_tuning_trains_the_survivors_only(three_classes):
    """The fine-tuned fit starts from the fit that prunes as trained: the
    same mask, the pruned weights' posterior untouched, the survivors'
    trained on; ``n_iter_`` counts both phases."""
    X, y = three_classes
    params = {**TINY, "max_epochs": 5, "tol": None, "prune_fraction": 0.5}
    tuned = VariationalMLPClassifier(**params, finetune_epochs=4).fit(X, y)
    as_trained = VariationalMLPClassifier(**params, finetune_epochs=0).fit(X, y)
    assert (tuned.n_iter_, as_trained.n_iter_) == (9, 5)
    for layer, reference in zip(
        tuned.net_.module_.layers, as_trained.net_.module_.layers
    ):
        mask = layer.weight_mask.bool()
        assert torch.equal(layer.weight_mask, reference.weight_mask)
        for name in ("weight_mean", "weight_log_std"):
            trained, before = getattr(layer, name), getattr(reference, name)
            assert torch.equal(trained[~mask], before[~mask])
            assert not torch.equal(trained[mask], before[mask])


def test_finetune_epochs_zero_prunes_the_trained_model(three_classes):
    X, y = three_classes
    params = {**TINY, "tol": None}
    pruned = VariationalMLPClassifier(
        **params, prune_fraction=0.5, finetune_epochs=0
    ).fit(X, y)
    later = VariationalMLPClassifier(**params).fit(X, y).prune(0.5)
    np.testing.assert_array_equal(pruned.predict_proba(X), later.predict_proba(X))


def test_a_fit_resumed_from_its_checkpoint_fine_tunes_alike(three_classes, tmp_path):
    """The checkpoint holds the training before pruning; a finished fit
    resumed from it fine-tunes as the first did, and as a fit without a
    checkpoint."""
    X, y = three_classes
    params = {**TINY, "prune_fraction": 0.5, "finetune_epochs": 3}
    first = VariationalMLPClassifier(**params, checkpoint=tmp_path).fit(X, y)
    resumed = VariationalMLPClassifier(**params, checkpoint=tmp_path).fit(X, y)
    plain = VariationalMLPClassifier(**params).fit(X, y)
    expected = first.predict_proba(X)
    np.testing.assert_array_equal(resumed.predict_proba(X), expected)
    np.testing.assert_array_equal(plain.predict_proba(X), expected)
    assert resumed.n_iter_ == first.n_iter_ == TINY["max_epochs"] + 3


def test_the_fitted_pruning_parameters_bring_back_the_fine_tuned_mask(digits_like):
    """Pruned to another fraction and back, a fine-tuned model is the fitted
    one again, not a re-ranking of its fine-tuned posterior."""
    X, _ = digits_like
    clf = _fit(VariationalMLPClassifier, digits_like, prune_fraction=0.6)
    masks = [mask.clone() for mask in clf.net_.module_.weight_masks]
    proba = clf.predict_proba(X)
    clf.prune(0.3).prune(0.6)
    for mask, fitted in zip(clf.net_.module_.weight_masks, masks):
        assert torch.equal(mask, fitted)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    clf.set_params(prune_scope="layer").set_params(prune_scope="global")
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


def test_a_threshold_fit_keeps_its_mask_when_unrelated_parameters_change(digits_like):
    """``prune_score`` does not enter a threshold's mask: setting it must not
    re-apply the threshold to the fine-tuned posterior."""
    X, y = digits_like
    clf = VariationalMLPClassifier(
        (16,), prior="log-uniform", prune_threshold=3.0, max_epochs=20,
        finetune_epochs=10, random_state=0,
    ).fit(X, y)  # fmt: skip
    sparsity, proba = clf.sparsity_, clf.predict_proba(X)
    clf.set_params(prune_score="magnitude")
    assert clf.sparsity_ == sparsity
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


def test_fine_tuning_trains_at_most_max_epochs(three_classes):
    X, y = three_classes
    params = {**TINY, "tol": None, "prune_fraction": 0.5}
    clf = VariationalMLPClassifier(**params, finetune_epochs=30).fit(X, y)
    assert clf.n_iter_ == 2 * TINY["max_epochs"]
