import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.datasets import make_classification

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
    ],
)
def test_displays_refuse_mismatched_arrays(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)
