"""scikit-learn's estimator checks over every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skvarhyper import (
    HyperVariationalClassifier,
    HyperVariationalClassifierCV,
    VariationalMLPClassifier,
)


def _estimators():
    # Small and quick, but enough epochs for the checks that test learning.
    return [
        VariationalMLPClassifier(
            hidden_layer_sizes=(16,), lr=1e-2, max_epochs=40, random_state=0
        ),
        HyperVariationalClassifier(
            hidden_layer_sizes=(16,), max_epochs=40, random_state=0
        ),
        HyperVariationalClassifierCV(
            hidden_layer_sizes=(16,),
            complexities=[0.01, 0.1],
            cv=2,
            max_epochs=40,
            random_state=0,
        ),
    ]


@parametrize_with_checks(_estimators())
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
