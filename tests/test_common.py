"""scikit-learn's estimator checks over every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skvarhyper import (
    HyperVariationalClassifier,
    HyperVariationalClassifierCV,
    HyperVariationalRegressor,
    HyperVariationalRegressorCV,
    VariationalMLPClassifier,
    VariationalMLPRegressor,
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
        # The regressors' large default batches take one step per epoch here.
        VariationalMLPRegressor(
            hidden_layer_sizes=(16,), max_epochs=100, random_state=0
        ),
        HyperVariationalRegressor(
            hidden_layer_sizes=(16,), max_epochs=100, random_state=0
        ),
        HyperVariationalRegressorCV(
            hidden_layer_sizes=(16,),
            complexities=[0.01, 0.1],
            cv=2,
            max_epochs=100,
            random_state=0,
        ),
    ]


# scikit-learn lists the same checks as expected failures for its stochastic
# minibatch estimators (SGDClassifier and others).
WEIGHT_REASON = (
    "integer weights repeat rows within each epoch, so the fit equals the fit on "
    "the repeated rows bit for bit when they come in the same order "
    "(test_mlp_compat.py); this check shuffles the weighted rows, which changes "
    "the minibatches and the per-row posterior noise of a stochastic fit"
)


def _expected_failures(estimator):
    return {
        "check_sample_weight_equivalence_on_dense_data": WEIGHT_REASON,
        "check_sample_weight_equivalence_on_sparse_data": WEIGHT_REASON,
    }


@parametrize_with_checks(_estimators(), expected_failed_checks=_expected_failures)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
