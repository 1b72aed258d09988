import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import balanced_accuracy_score, log_loss, make_scorer

from skvarhyper import (
    ComplexityPathDisplay,
    HyperVariationalClassifier,
    PruningCurveDisplay,
    VariationalMLPClassifier,
)

FRACTIONS = [0.0, 0.5, 0.9]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=150, n_features=6, n_informative=4, n_classes=3, random_state=0
    )


@pytest.fixture(scope="module")
def hyper(data):
    return HyperVariationalClassifier((8,), max_epochs=10, random_state=0).fit(*data)


@pytest.fixture(scope="module")
def clf(data):
    return VariationalMLPClassifier((8,), max_epochs=10, random_state=0).fit(*data)


def test_pruning_curve_display_from_arrays_with_runs_draws_bands():
    scores = np.random.RandomState(0).uniform(0.5, 1, size=(3, 2, 3))
    display = PruningCurveDisplay(
        fractions=FRACTIONS, scores=scores, complexities=[0.1, 1.0]
    ).plot()
    assert len(display.lines_) == 2
    assert len(display.ax_.collections) == 2  # one std band per λ
    np.testing.assert_allclose(display.lines_[0].get_ydata(), 100 * scores.mean(0)[0])
    np.testing.assert_allclose(display.lines_[0].get_xdata(), [0, 50, 90])
    assert display.ax_.get_xlabel() == "Weights removed (%)"
    assert display.ax_.get_ylabel() == "Accuracy (%)"
    assert [t.get_text() for t in display.ax_.get_legend().get_texts()] == [
        "λ = 0.1",
        "λ = 1",
    ]
    assert display.figure_ is display.ax_.figure


def test_pruning_curve_display_from_estimator_on_given_axes(data):
    clf = VariationalMLPClassifier((8,), max_epochs=10, random_state=0).fit(*data)
    _, ax = plt.subplots()
    display = PruningCurveDisplay.from_estimator(
        clf, *data, fractions=FRACTIONS, ax=ax, name="mine"
    )
    assert display.ax_ is ax
    assert len(display.lines_) == 1 and not display.ax_.collections
    assert display.ax_.get_title() == "mine"


def test_pruning_curve_display_keeps_scores_outside_unit_interval(data, hyper):
    display = PruningCurveDisplay.from_estimator(
        hyper, *data, fractions=FRACTIONS, scoring="neg_log_loss"
    )
    assert display.ax_.get_ylabel() == "neg_log_loss"
    assert np.all(display.lines_[0].get_ydata() < 0)


def test_complexity_path_display_from_estimator_has_both_panels(data, hyper):
    display = ComplexityPathDisplay.from_estimator(
        hyper, *data, complexities=[0.01, 1.0, 100.0], fractions=FRACTIONS
    )
    assert display.ax_.get_xscale() == "log"
    assert display.mesh_.get_array().size == 3 * 3
    assert len(display.best_line_.get_xdata()) == 3
    assert display.evidence_ax_ is not None
    labels = [line.get_label() for line in display.evidence_ax_.get_lines()]
    assert len(labels) == 3
    assert display.figure_.axes[0] is display.ax_


def test_complexity_path_display_marks_the_best_complexity_per_fraction():
    display = ComplexityPathDisplay(
        complexities=[0.01, 1.0, 100.0],
        fractions=[0.0, 0.9],
        scores=[[0.97, 0.80], [0.96, 0.93], [0.50, 0.50]],
    ).plot()
    assert display.best_line_.get_xdata().tolist() == [0.01, 1.0]
    assert display.evidence_ax_ is None
    assert len(display.figure_.axes) == 2  # heat map and colour bar


def test_every_pruned_fraction_gets_a_row_of_the_same_height():
    display = ComplexityPathDisplay(
        complexities=[0.01, 1.0],
        fractions=[0.0, 0.5, 0.95, 0.98],
        scores=np.full((2, 4), 0.9),
    ).plot(vmin=50, vmax=100)
    labels = [tick.get_text() for tick in display.ax_.get_yticklabels()]
    assert labels == ["0", "50", "95", "98"]
    assert display.best_line_.get_ydata().tolist() == [0, 1, 2, 3]
    assert (display.mesh_.norm.vmin, display.mesh_.norm.vmax) == (50, 100)


def test_a_long_pruning_curve_title_is_wrapped():
    name = "digits: deterministic MLP, L2 = λ, magnitude pruning, a long name"
    display = PruningCurveDisplay(
        fractions=[0, 0.5], scores=[[0.9, 0.8]], estimator_name=name
    ).plot()
    assert "\n" in display.ax_.get_title()


@pytest.mark.parametrize(
    ("cls", "kwargs", "match"),
    [
        (PruningCurveDisplay, {"fractions": [0, 0.5], "scores": [[1, 2, 3]]}, "shape"),
        (
            PruningCurveDisplay,
            {"fractions": [0, 0.5], "scores": [[1, 2]], "complexities": [1, 2]},
            "complexities",
        ),
        (
            ComplexityPathDisplay,
            {"complexities": [1, 2], "fractions": [0], "scores": [[1, 2]]},
            "shape",
        ),
        (
            ComplexityPathDisplay,
            {"complexities": [1, 2], "fractions": [0], "scores": [[1], [2]], "kl": [1]},
            "kl",
        ),
        (
            ComplexityPathDisplay,
            {"complexities": [-1, 2], "fractions": [0], "scores": [[1], [2]]},
            "non-negative",
        ),
        (
            ComplexityPathDisplay,
            {"complexities": [2, 1], "fractions": [0], "scores": [[1], [2]]},
            "increasing",
        ),
    ],
)
def test_displays_refuse_mismatched_arrays(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


def _cell_widths(ax, edges):
    """Widths of the heat map's cells on screen, in the axis' own scale."""
    return np.diff(ax.xaxis.get_transform().transform(edges))


def test_complexity_path_display_draws_the_zero_complexity():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        display = ComplexityPathDisplay(
            complexities=[0.0, 0.01, 1.0, 100.0],
            fractions=[0.0, 0.9],
            scores=[[0.98, 0.50], [0.97, 0.80], [0.96, 0.93], [0.50, 0.50]],
            kl=[900.0, 500.0, 100.0, 1.0],
        ).plot()
    edges = display.mesh_.get_coordinates()[0, :, 0]
    assert np.all(np.isfinite(edges)) and np.all(np.diff(edges) > 0)
    assert edges[0] <= 0 < edges[1]  # the cell of λ = 0 holds 0
    widths = _cell_widths(display.ax_, edges)
    assert widths.min() > 0.25 * widths.max()  # and is about as wide as the rest
    assert display.best_line_.get_xdata().tolist() == [0.0, 1.0]
    assert display.evidence_ax_.get_lines()[0].get_xdata()[0] == 0.0
    assert display.ax_.get_xscale() == display.evidence_ax_.get_xscale()
    assert "λ" in display.ax_.get_xlabel()


def test_complexity_path_display_of_zero_complexity_alone():
    display = ComplexityPathDisplay(
        complexities=[0.0], fractions=[0.0, 0.5], scores=[[0.9, 0.8]]
    ).plot()
    edges = display.mesh_.get_coordinates()[0, :, 0]
    assert edges[0] < 0 < edges[1]


def test_pruning_curve_display_labels_the_zero_complexity():
    display = PruningCurveDisplay(
        fractions=FRACTIONS, scores=np.full((2, 3), 0.9), complexities=[0.0, 1.0]
    ).plot()
    labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert labels == ["λ = 0", "λ = 1"]


def my_accuracy(estimator, X, y):
    return estimator.score(X, y)


@pytest.mark.parametrize(
    ("scoring", "label"),
    [
        (make_scorer(balanced_accuracy_score), "balanced_accuracy_score (%)"),
        (
            make_scorer(
                log_loss, greater_is_better=False, response_method="predict_proba"
            ),
            "neg_log_loss",
        ),
        (my_accuracy, "my_accuracy (%)"),
        (lambda estimator, X, y: estimator.score(X, y), "score (%)"),
    ],
)
def test_callable_scoring_is_labelled_by_its_name(data, clf, scoring, label):
    display = PruningCurveDisplay.from_estimator(
        clf, *data, fractions=FRACTIONS, scoring=scoring
    )
    assert display.ax_.get_ylabel() == label


def test_complexity_path_display_labels_a_callable_scoring(data, hyper):
    display = ComplexityPathDisplay.from_estimator(
        hyper,
        *data,
        complexities=[0.01, 1.0],
        fractions=FRACTIONS,
        scoring=make_scorer(balanced_accuracy_score),
        evidence=False,
    )
    assert display.mesh_.colorbar.ax.get_ylabel() == "balanced_accuracy_score (%)"
