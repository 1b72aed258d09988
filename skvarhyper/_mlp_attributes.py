"""The fitted attributes of scikit-learn's MLPs, read from the posterior.

Properties rather than stored copies, so that they follow pruning and, on a
hypernetwork, the selected complexity.
"""

import numpy as np

from ._export import to_mlp_classifier, to_mlp_regressor
from .nn.pruning import snr_scores


def _numpy(tensor):
    return tensor.detach().cpu().numpy().astype(np.float64)


class MLPAttributesMixin:
    """``coefs_``, ``loss_curve_``, ``feature_importances_`` and the other
    attributes that ``MLPClassifier`` and ``MLPRegressor`` share.

    Needs ``_check_fitted()``, ``_selected_module()``, ``net_`` and
    ``early_stopping``.
    """

    # The history's per-epoch validation score (see ``validation_scores_``).
    _validation_score_key = "valid_accuracy"

    def _layers(self):
        self._check_fitted()
        return self._selected_module().layers

    @property
    def coefs_(self):
        """Posterior means of the weights, pruned ones zero: a list with the
        ``(n_in, n_out)`` matrix of each layer, as ``MLPClassifier.coefs_``."""
        return [
            _numpy(layer.weight_mean * layer.weight_mask).T for layer in self._layers()
        ]

    @property
    def intercepts_(self):
        """Posterior means of the biases, a vector per layer."""
        return [_numpy(layer.bias_mean) for layer in self._layers()]

    @property
    def n_layers_(self):
        """Number of layers, input and output included."""
        return len(self._layers()) + 1

    def _history(self, key):
        self._check_fitted()
        return [float(value) for value in self.net_.history[:, key]]

    @property
    def n_iter_(self):
        """Number of epochs trained, over all calls of ``fit``/``partial_fit``
        since the model was created afresh."""
        self._check_fitted()
        return len(self.net_.history)

    @property
    def loss_curve_(self):
        """The training loss of every epoch (negative generalised evidence per
        sample, ``net_.history[:, "train_loss"]``)."""
        return self._history("train_loss")

    @property
    def best_loss_(self):
        """The smallest training loss, or None with ``early_stopping``, as in
        ``MLPClassifier``."""
        return None if self.early_stopping else min(self.loss_curve_)

    @property
    def validation_scores_(self):
        """The score on the validation split at every epoch that had one, or
        None without ``early_stopping`` or such epochs: a classifier's
        accuracy, a regressor's R² (relative to the variance of the training
        targets), both of the posterior means, and for a hypernetwork
        averaged over evenly spaced complexities."""
        self._check_fitted()
        key = self._validation_score_key
        scores = [float(epoch[key]) for epoch in self.net_.history if key in epoch]
        return scores if self.early_stopping and scores else None

    @property
    def best_validation_score_(self):
        """The best of ``validation_scores_``, or None without ``early_stopping``."""
        scores = self.validation_scores_
        return None if scores is None else max(scores)

    @property
    def feature_importances_(self):
        """Relevance of each input: the signal-to-noise mass ``sum |m| / s`` of
        its unpruned outgoing weights in the first layer, normalised to sum to
        one. An input whose weights are all pruned gets 0. Lets
        ``SelectFromModel`` choose inputs from the posterior."""
        first = self._layers()[0]
        snr = snr_scores(first.weight_mean, first.weight_log_std)
        mass = _numpy((snr * first.weight_mask).sum(0))
        total = mass.sum()
        return mass / total if total > 0 else np.full_like(mass, 1.0 / len(mass))


class ClassifierAttributesMixin:
    """What only a fitted ``MLPClassifier`` has: its output layer's
    attributes, ``to_sklearn`` and ``predict_log_proba``."""

    @property
    def n_outputs_(self):
        """Number of output units: one logit per class (two for binary
        problems, where ``MLPClassifier`` has one logistic unit)."""
        return self._layers()[-1].out_features

    @property
    def out_activation_(self):
        """The output activation, ``"softmax"`` for every problem."""
        self._check_fitted()
        return "softmax"

    def to_sklearn(self, *, compress=False):
        """The posterior-mean network as a fitted ``MLPClassifier``.

        Its ``predict_proba`` equals this model's with ``predictive="mean"``
        (to float32 rounding), pruning included; it needs neither PyTorch nor
        this package and converts to ONNX with ``skl2onnx``. A binary model's
        two logits become ``MLPClassifier``'s single logistic unit.

        Parameters
        ----------
        compress : bool, default=False
            Drop the hidden units that pruning left without outgoing weights,
            fold those without incoming weights into the next layer's biases,
            and store weight matrices of density below 0.5 as CSR, which
            ``MLPClassifier`` multiplies sparsely. Predictions are unchanged;
            ONNX converters need ``compress=False``, and so does sparse input
            (``MLPClassifier`` cannot add its biases to a sparse product).

        Returns
        -------
        mlp : sklearn.neural_network.MLPClassifier
            A fitted classifier.
        """
        return to_mlp_classifier(self, compress)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities of the classes in the order of ``classes_``.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))


class RegressorAttributesMixin:
    """What only a fitted ``MLPRegressor`` has: the last layer in the units of
    ``y`` (the network predicts standardised targets) and ``to_sklearn``.

    Needs ``_target_mean_`` and ``_target_scale_``.
    """

    _validation_score_key = "valid_r2"

    @property
    def coefs_(self):
        """Posterior means of the weights, pruned ones zero, as
        ``MLPRegressor.coefs_``: the last layer's scaled to the units of
        ``y``."""
        coefs = super().coefs_
        coefs[-1] = coefs[-1] * self._target_scale_
        return coefs

    @property
    def intercepts_(self):
        """Posterior means of the biases, the last layer's in the units of
        ``y``."""
        intercepts = super().intercepts_
        intercepts[-1] = intercepts[-1] * self._target_scale_ + self._target_mean_
        return intercepts

    @property
    def out_activation_(self):
        """The output activation, ``"identity"``."""
        self._check_fitted()
        return "identity"

    def to_sklearn(self, *, compress=False):
        """The posterior-mean network as a fitted ``MLPRegressor``.

        Its ``predict`` equals this model's with ``predictive="mean"`` (to
        float32 rounding), pruning included, but for its shape: like every
        ``MLPRegressor`` it returns ``(n_samples,)`` for one output, also
        where this model was fitted on a one-column 2-D ``y``. It needs
        neither PyTorch nor this package and converts to ONNX with
        ``skl2onnx``.

        Parameters
        ----------
        compress : bool, default=False
            Drop the hidden units that pruning left without outgoing weights,
            fold those without incoming weights into the next layer's biases,
            and store weight matrices of density below 0.5 as CSR. Predictions
            are unchanged; ONNX converters need ``compress=False``.

        Returns
        -------
        mlp : sklearn.neural_network.MLPRegressor
            A fitted regressor.
        """
        return to_mlp_regressor(self, compress)


class RefittedAttributesMixin:
    """The refitted model's ``feature_importances_``, ``coefs_``,
    ``intercepts_`` and ``to_sklearn``, for a search estimator with
    ``_fitted_estimator()``."""

    @property
    def feature_importances_(self):
        """The refitted model's input relevances (see
        :attr:`HyperVariationalClassifier.feature_importances_`)."""
        return self._fitted_estimator().feature_importances_

    def to_sklearn(self, *, compress=False):
        """The refitted model as a fitted ``MLPClassifier`` or ``MLPRegressor``.

        Parameters
        ----------
        compress : bool, default=False
            As in :meth:`HyperVariationalClassifier.to_sklearn`.

        Returns
        -------
        mlp : MLPClassifier or MLPRegressor
            A fitted scikit-learn MLP of the same task.
        """
        return self._fitted_estimator().to_sklearn(compress=compress)

    @property
    def coefs_(self):
        """The refitted model's weight means at the selected point."""
        return self._fitted_estimator().coefs_

    @property
    def intercepts_(self):
        """The refitted model's bias means at the selected point."""
        return self._fitted_estimator().intercepts_


class RefittedClassifierMixin:
    """The refitted classifier's predictions."""

    def predict_proba(self, X):
        """Class probabilities of the refitted model at the selected point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities of the classes in the order of ``classes_``.
        """
        return self._fitted_estimator().predict_proba(X)

    def predict(self, X):
        """Labels predicted by the refitted model at the selected point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        return self._fitted_estimator().predict(X)

    def predict_log_proba(self, X):
        """Log-probabilities of the refitted model at the selected point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities of the classes in the order of ``classes_``.
        """
        return self._fitted_estimator().predict_log_proba(X)


class RefittedRegressorMixin:
    """The refitted regressor's predictions."""

    def predict(self, X, return_std=False):
        """Predictions of the refitted model at the selected point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        return_std : bool, default=False
            Also return the predictive standard deviation.

        Returns
        -------
        y_mean : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Means of the predictive distribution.
        y_std : ndarray of the same shape
            Its standard deviations; only with ``return_std=True``.
        """
        return self._fitted_estimator().predict(X, return_std=return_std)
