"""What the variational classifiers share: labels, class probabilities and
the categorical likelihood."""

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import StrOptions

from ._base import BaseVariationalEstimator
from ._labels import ClassifierTargetsMixin
from ._mlp_attributes import ClassifierAttributesMixin
from ._state import transaction
from ._training import HyperVariationalNet, VariationalNet
from ._validation import check_validation_split


class BaseVariationalClassifier(
    ClassifierTargetsMixin,
    ClassifierAttributesMixin,
    ClassifierMixin,
    BaseVariationalEstimator,
):
    """Base of the classifiers; not meant to be used directly."""

    _parameter_constraints: dict = {
        **BaseVariationalEstimator._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }
    # The skorch nets of a single network and of a hypernetwork.
    _nets = (VariationalNet, HyperVariationalNet)

    def _criterion_params(self, n_outputs, hypernetwork):
        """Keyword arguments of the net's likelihood: none for the softmax."""
        return {}

    def _n_outputs(self):
        return len(self.classes_)

    def _stratify(self, targets):
        return targets

    def _check_validation_split(self, targets):
        check_validation_split(targets, self.validation_fraction)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch over the given data, continuing from the last state.

        The first call initialises the model; later calls keep the network, its
        optimiser state, its history and its pruning masks (pruned weights stay
        at zero), and apply any parameter changed by ``set_params`` since
        (``lr``, ``batch_size``, ``optimizer``, the prior...), except the
        architecture, which raises. Early stopping does not apply. If the call
        fails, the estimator is left exactly as it was.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels, all among ``classes``.
        classes : array-like of shape (n_classes,), default=None
            All labels that will ever appear; on the first call it defaults to
            the labels of ``y``, later calls must pass None or the same.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample, as in :meth:`fit`.

        Returns
        -------
        self : object
            The updated estimator.
        """
        with transaction(self):
            return self._fit(
                X, y, incremental=True, classes=classes, sample_weight=sample_weight
            )

    def _log_likelihood(self, logits, codes):
        """Summed log-probability of the classes ``codes`` under ``logits``."""
        log_proba = torch.log_softmax(logits, dim=-1)
        return float(log_proba.gather(1, codes[:, None]).sum())

    def _predict_batches(self, X, n_samples):
        """Class probabilities for validated ``X``, in batches."""
        proba = np.empty((X.shape[0], len(self.classes_)))
        module, generator = self._selected_module(), self._predict_generator()
        start = 0
        with torch.inference_mode():
            for batch in self._batches(X):
                if n_samples == 0 and self._predictive() == "moments":
                    batch_proba = module.predictive_proba(batch)
                elif n_samples == 0:
                    batch_proba = torch.softmax(module(batch, sample=False), dim=-1)
                else:
                    batch_proba = sum(
                        torch.softmax(module(batch, True, generator), dim=-1)
                        for _ in range(n_samples)
                    )
                proba[start : start + len(batch)] = batch_proba.cpu().numpy()
                start += len(batch)
        if not np.isfinite(proba).all():
            raise ValueError(
                "the model's predicted probabilities are not finite, so no class "
                "can be predicted; its parameters or the input overflow float32."
            )
        # float32 softmax sums are off by ~1e-7; exact sums matter to metrics.
        proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict_proba(self, X):
        """Class probabilities under the posterior.

        With ``n_mc_samples=0`` the probabilities integrate over the posterior
        of the unpruned weights in one pass (``predictive="moments"``) or use
        its means (``predictive="mean"``; ``"auto"`` picks as the parameter's
        description says); otherwise they are averaged over
        ``n_mc_samples`` draws from the posterior (reproducible for a fixed
        ``random_state``, and the same from any thread).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities of the classes in the order of ``classes_``.
        """
        self._check_fitted()
        X, _ = self._validate_arrays(X)
        return self._predict_batches(X, self.n_mc_samples)

    def predict(self, X):
        """Most probable class labels.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
