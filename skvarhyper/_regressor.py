"""What the variational regressors share: standardised targets, the Gaussian
predictive distribution and its likelihood."""

import numpy as np
import torch
from sklearn.base import RegressorMixin

from ._base import BaseVariationalEstimator
from ._mlp_attributes import RegressorAttributesMixin
from ._regression_training import (
    HyperVariationalRegressionNet,
    VariationalRegressionNet,
)
from ._state import transaction
from ._weights import repeated_rows

# Degree of a hypernetwork's log-noise in the encoded λ.
NOISE_DEGREE = 2
TOO_LARGE = "y holds values too large for float32 once standardised; rescale y."
# Training rows kept to measure the posterior's output spread on them.
N_REFERENCE_ROWS = 1000
# The noise variance net of that spread is kept at least this share of the
# learned one.
NOISE_FLOOR = 0.05
# The noise's learning rate, in multiples of ``lr``: Adam moves a parameter by
# about ``lr`` per step, and the log-noise has to travel from 0 (the targets'
# own spread) to log(RMSE / std(y)), -2 for R² = 0.98, within the first epochs
# of a small table's few steps.
NOISE_LR_FACTOR = 10


class RegressorScoreMixin(RegressorMixin):
    """scikit-learn's ``RegressorMixin`` with ``score`` documented here."""

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R² of the predictive means on ``(X, y)``.

        One minus the residual sum of squares over the total sum of squares,
        as :func:`sklearn.metrics.r2_score` computes it (averaged uniformly
        over the outputs); 1 is perfect, 0 is the mean's score.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R² of ``self.predict(X)`` against ``y``.
        """
        return super().score(X, y, sample_weight=sample_weight)


def _weighted_moments(columns, weights):
    """Mean and standard deviation of every column under the rows' weights:
    those of the repeated rows for integer weights (so that the fit equals
    the fit on them), weighted averages otherwise."""
    rows = repeated_rows(weights)
    if rows is not None:
        columns, weights = columns[rows.numpy()], None
    with np.errstate(over="ignore", invalid="ignore"):
        if weights is None:
            mean, scale = columns.mean(axis=0), columns.std(axis=0)
        else:
            mean = np.average(columns, axis=0, weights=weights)
            scale = np.sqrt(np.average((columns - mean) ** 2, axis=0, weights=weights))
    if not (np.isfinite(mean).all() and np.isfinite(scale).all()):
        raise ValueError(TOO_LARGE)
    return mean, scale


class RegressorTargetsMixin:
    """Learns the targets' shape, mean and scale on the first fit and
    standardises ``y`` with them, so that the network, its prior and the
    learning rate see targets of unit scale whatever the units of ``y``."""

    _y_validation = {"multi_output": True, "y_numeric": True}

    def _fit_targets(self, y, classes=None, *, first, weights=None):
        y = np.asarray(y, dtype=np.float64)
        columns = y.reshape(len(y), -1)
        if first:
            mean, scale = _weighted_moments(columns, weights)
            self._target_ndim_ = y.ndim
            self.n_outputs_ = columns.shape[1]
            self._target_mean_ = mean
            self._target_scale_ = np.where(scale > 0, scale, 1.0)
        if columns.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {columns.shape[1]} outputs, but {type(self).__name__} was "
                f"fitted on {self.n_outputs_}."
            )
        with np.errstate(over="ignore"):
            z = ((columns - self._target_mean_) / self._target_scale_).astype(
                np.float32
            )
        if not np.isfinite(z).all():
            raise ValueError(TOO_LARGE)
        return z

    def _n_outputs(self):
        return self.n_outputs_

    def _check_validation_split(self, targets):
        n_valid = int(np.ceil(self.validation_fraction * len(targets)))
        if min(n_valid, len(targets) - n_valid) < 1:
            raise ValueError(
                f"early_stopping=True holds out validation_fraction="
                f"{self.validation_fraction} of the {len(targets)} training "
                "samples, which leaves one side empty. Use more data, another "
                "validation_fraction, or early_stopping=False."
            )


class BaseVariationalRegressor(
    RegressorTargetsMixin,
    RegressorAttributesMixin,
    RegressorScoreMixin,
    BaseVariationalEstimator,
):
    """Base of the regressors; not meant to be used directly."""

    _nets = (VariationalRegressionNet, HyperVariationalRegressionNet)

    def _criterion_params(self, n_outputs, hypernetwork):
        """The Gaussian likelihood's outputs, for a hypernetwork the degree of
        its noise in the encoded ``λ``, and the noise's learning rate."""
        return {
            "criterion__n_outputs": n_outputs,
            "criterion__degree": NOISE_DEGREE if hypernetwork else 0,
            "optimizer__param_groups": [
                ("log_std_coef", {"lr": NOISE_LR_FACTOR * self.lr})
            ],
        }

    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch over the given data, continuing from the last state.

        The first call initialises the model and learns the targets' mean and
        scale, which later calls keep; later calls keep the network, its
        noise, optimiser state, history and pruning masks, and apply any
        parameter changed by ``set_params`` since, except the architecture,
        which raises. Early stopping does not apply. If the call fails, the
        estimator is left exactly as it was.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample, as in :meth:`fit`.

        Returns
        -------
        self : object
            The updated estimator.
        """
        with transaction(self):
            return self._fit(X, y, incremental=True, sample_weight=sample_weight)

    def _remember_training_rows(self, X, weights, *, incremental):
        """Keep up to ``N_REFERENCE_ROWS`` training rows, evenly spaced, to
        measure the posterior's output spread on: the repeated rows of
        integer weights, the rows of positive weight otherwise, and for
        ``partial_fit`` those of every call."""
        rows = repeated_rows(weights)
        if rows is not None:
            X = X[rows]
        elif weights is not None:
            X = X[torch.from_numpy(weights > 0)]
        X = X.numpy()
        if incremental and hasattr(self, "_reference_rows_"):
            X = np.concatenate([self._reference_rows_, X])
        keep = np.linspace(0, len(X) - 1, min(len(X), N_REFERENCE_ROWS))
        self._reference_rows_ = X[np.unique(keep.astype(np.int64))]

    # --- the likelihood of the selected model -----------------------------------

    def _likelihood(self, complexity=None):
        """The Gaussian likelihood (the noise) of the model of ``complexity``;
        None for the selected model."""
        t = self._selected_encoding(complexity)
        criterion = self.net_.criterion_
        return criterion if t is None else criterion.at(t)

    def _load_selected_likelihood(self, net, complexity=None):
        net.criterion_.load_state_dict(self._likelihood(complexity).state_dict())

    def _log_likelihood(self, outputs, targets):
        """Summed log-density of standardised ``targets``, in the units of
        ``y``."""
        likelihood = self._likelihood()
        device = likelihood.log_std_coef.device  # outputs come on the CPU
        nll = likelihood(outputs.to(device), targets.to(device, torch.float64)).sum()
        return -float(nll) - len(targets) * float(np.log(self._target_scale_).sum())

    def _learned_noise_variance(self):
        """``σ²`` of the selected model's likelihood, per output
        (standardised units)."""
        log_std = self._likelihood().log_std().detach().cpu().double().numpy()
        return np.exp(2.0 * log_std)

    def _noise_variance(self):
        """The noise variance of the predictive distribution (standardised
        units): the learned ``σ²`` less the posterior's mean output variance
        on the training rows, which the evidence's ``σ²`` already contains
        (its optimum is the training rows' expected squared error under the
        posterior), floored at ``NOISE_FLOOR σ²``. Cached until the network,
        its masks or the selected model change."""
        cache = self.__dict__.setdefault("_exported_", {})
        key = ("noise", float(self.net_.complexity))
        if key not in cache:
            learned = self._learned_noise_variance()
            rows = getattr(self, "_reference_rows_", None)
            if rows is None:
                cache[key] = learned
            else:
                module = self._selected_module()
                with torch.inference_mode():
                    spread = np.concatenate(
                        [
                            module.predictive_moments(batch)[1].double().cpu().numpy()
                            for batch in self._batches(rows)
                        ]
                    ).mean(0)
                cache[key] = np.maximum(learned - spread, NOISE_FLOOR * learned)
        return cache[key]

    @property
    def noise_std_(self):
        """Standard deviation of the noise, per output, in the units of ``y``
        (of the selected model, for a hypernetwork): the learned ``σ`` net of
        the posterior's spread on the training rows, which the predictive
        standard deviation adds back point by point (see :meth:`predict`)."""
        self._check_fitted()
        return np.sqrt(self._noise_variance()) * self._target_scale_

    # --- prediction ---------------------------------------------------------------

    def _predict_moments(self, X, n_samples):
        """Mean and variance of the network's outputs under the posterior
        (standardised units), in batches."""
        n_rows = X.shape[0]
        mean = np.empty((n_rows, self.n_outputs_))
        variance = np.zeros((n_rows, self.n_outputs_))
        module, generator = self._selected_module(), self._predict_generator()
        start = 0
        with torch.inference_mode():
            for batch in self._batches(X):
                rows = slice(start, start + len(batch))
                if n_samples == 0 and self._predictive() == "moments":
                    batch_mean, batch_variance = module.predictive_moments(batch)
                    variance[rows] = batch_variance.cpu().numpy()
                elif n_samples == 0:
                    batch_mean = module(batch, sample=False)
                else:
                    draws = torch.stack(
                        [module(batch, True, generator) for _ in range(n_samples)]
                    ).double()
                    batch_mean = draws.mean(0)
                    variance[rows] = draws.var(0, correction=0).cpu().numpy()
                mean[rows] = batch_mean.cpu().numpy()
                start += len(batch)
        if not (np.isfinite(mean).all() and np.isfinite(variance).all()):
            raise ValueError(
                "the model's predictions are not finite; its parameters or the "
                "input overflow float32."
            )
        return mean, variance

    def predict(self, X, return_std=False):
        """Mean and, optionally, standard deviation of the predictive distribution.

        The predictive variance of ``y`` is the noise's (``noise_std_**2``)
        plus the posterior's spread over the network's output at each row:
        with ``n_mc_samples=0`` the output's mean and variance come from one
        pass that propagates the posterior's moments
        (``predictive="moments"``); otherwise from ``n_mc_samples`` posterior
        draws. With ``predictive="mean"`` the mean is the posterior-mean
        network's and the standard deviation the learned ``σ``, which
        contains the posterior's spread averaged over the training rows. As
        in ``BayesianRidge`` and ``GaussianProcessRegressor``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.
        return_std : bool, default=False
            Also return the standard deviation of the predictive distribution.

        Returns
        -------
        y_mean : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictive means, shaped as the ``y`` given to ``fit``.
        y_std : ndarray of the same shape
            Predictive standard deviations; only with ``return_std=True``.
        """
        self._check_fitted()
        X, _ = self._validate_arrays(X)
        mean, variance = self._predict_moments(X, self.n_mc_samples)
        mean = mean * self._target_scale_ + self._target_mean_
        if self._target_ndim_ == 1:
            mean = mean[:, 0]
        if not return_std:
            return mean
        sampled = self.n_mc_samples > 0 or self._predictive() == "moments"
        noise = self._noise_variance() if sampled else self._learned_noise_variance()
        std = np.sqrt(variance + noise) * self._target_scale_
        return mean, std[:, 0] if self._target_ndim_ == 1 else std

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
