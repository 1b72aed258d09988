"""Regression: the task part of the regressors (standardised targets, the
Gaussian likelihood with a learned noise, the predictive distribution), and
the public single-network and hypernetwork regressors."""

from numbers import Integral

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval

from .._training.config import learning_rate
from .._utils.state import transaction
from ..nn.likelihood import GaussianLikelihood
from .base import BaseVariationalEstimator, repeated_rows, validate_uncertainty_params
from .export import to_mlp_regressor
from .hypernetwork import BaseHypernetwork

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


class BaseVariationalRegressor(RegressorMixin, BaseVariationalEstimator):
    """Base of the regressors; not meant to be used directly.

    Learns the targets' shape, mean and scale on the first fit and
    standardises ``y`` with them, so that the network, its prior and the
    learning rate see targets of unit scale whatever the units of ``y``; the
    likelihood is Gaussian with a learned noise per output.
    """

    _y_validation = {"multi_output": True, "y_numeric": True}

    # --- targets --------------------------------------------------------------

    def _encode_targets(self, y, *, first, classes=None, weights=None):
        """``y`` standardised, one column per output; on the first fit also
        learn the targets' shape, mean and scale (under the rows'
        ``weights``)."""
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
        """Raise unless both sides of the (unstratified) split have a row."""
        n_valid = int(np.ceil(self.validation_fraction * len(targets)))
        if min(n_valid, len(targets) - n_valid) < 1:
            raise ValueError(
                f"early_stopping=True holds out validation_fraction="
                f"{self.validation_fraction} of the {len(targets)} training "
                "samples, which leaves one side empty. Use more data, another "
                "validation_fraction, or early_stopping=False."
            )
        return None

    def _reference_rows(self, X, weights, previous):
        """Up to ``N_REFERENCE_ROWS`` training rows, evenly spaced, to measure
        the posterior's output spread on: the repeated rows of integer
        weights, the rows of positive weight otherwise, after those an
        earlier ``partial_fit`` kept (``previous``)."""
        rows = repeated_rows(weights)
        if rows is not None:
            X = X[rows]
        elif weights is not None:
            X = X[torch.from_numpy(weights > 0)]
        X = X.numpy()
        if previous is not None:
            X = np.concatenate([previous, X])
        keep = np.linspace(0, len(X) - 1, min(len(X), N_REFERENCE_ROWS))
        return X[np.unique(keep.astype(np.int64))]

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

    # --- the likelihood of the selected model -----------------------------------

    def _criterion_params(self, hypernetwork):
        """The Gaussian likelihood, its outputs, for a hypernetwork the degree
        of its noise in the encoded ``λ``, and the noise's learning rate."""
        return {
            "criterion": GaussianLikelihood,
            "criterion__n_outputs": self.n_outputs_,
            "criterion__degree": NOISE_DEGREE if hypernetwork else 0,
            "optimizer__param_groups": [
                ("log_std_coef", {"lr": NOISE_LR_FACTOR * learning_rate(self)})
            ],
        }

    def _log_likelihood(self, outputs, targets):
        """Summed log-density of standardised ``targets``, in the units of
        ``y``."""
        likelihood = self._likelihood()
        device = likelihood.log_std_coef.device  # outputs come on the CPU
        nll = likelihood(outputs.to(device), targets.to(device, torch.float64)).sum()
        return -float(nll) - len(targets) * float(np.log(self._target_scale_).sum())

    def _empty_caches(self):
        return {**super()._empty_caches(), "_cached_noise_variances": {}}

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
        posterior), floored at ``NOISE_FLOOR σ²``. Cached per selected model
        (``_cached_noise_variances``) until the network or its masks change."""
        cache = self._cached_noise_variances
        key = self._selection()
        if key not in cache:
            learned = self._learned_noise_variance()
            rows = self._reference_rows_
            if rows is None:
                cache[key] = learned
            else:
                moments = self._predict_rows(rows, how="moments")
                spread = moments[:, self.n_outputs_ :].mean(0)
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

    def _predictive_rows(self, how, outputs):
        """Mean and variance of the network's outputs for a batch, side by
        side (standardised units): the propagated moments, the mean
        network's outputs (no variance), or the draws' mean and variance."""
        if how == "moments":
            mean, variance = outputs
        elif how == "mean":
            mean, variance = outputs, torch.zeros_like(outputs)
        else:
            draws = torch.stack(outputs).double()
            mean, variance = draws.mean(0), draws.var(0, correction=0)
        return torch.cat([mean.double(), variance.double()], dim=1)

    @validate_uncertainty_params
    def predict_uncertainty(self, X, *, n_mc_samples=None):
        """How uncertain each prediction is, and why, as standard deviations
        in the units of ``y``.

        * ``aleatoric``: the noise ``σ`` of the likelihood (the part of
          :meth:`predict`'s variance that is not the posterior's; the same
          for every row): what no amount of data would remove;
        * ``epistemic``: the posterior's spread of the network's output at
          the row, which grows away from the training data;
        * ``total``: the predictive standard deviation,
          ``total**2 = aleatoric**2 + epistemic**2`` (equal to
          ``predict(X, return_std=True)[1]`` unless ``predictive="mean"``).

        The spread comes from one pass that propagates the posterior's
        moments, or from posterior draws when ``n_mc_samples`` (this
        method's, else the estimator's) is set, reproducibly for a fixed
        ``random_state``; a hypernetwork uses its model at the selected
        ``λ``. Mean-field posteriors are known to be overconfident away from
        the data: ``epistemic`` ranks rows, it is not a calibrated interval.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.
        n_mc_samples : int, default=None
            Posterior draws; None uses the estimator's ``n_mc_samples``, and
            the moments when that is 0.

        Returns
        -------
        uncertainty : sklearn.utils.Bunch
            ``total``, ``aleatoric`` and ``epistemic``, each shaped as
            :meth:`predict`'s output.
        """
        self._check_fitted()
        sampled = n_mc_samples is not None or self.n_mc_samples > 0
        n_draws = self._uncertainty_draws(n_mc_samples) if sampled else None
        X, _ = self._validate_arrays(X)
        how = "sample" if sampled else "moments"
        moments = self._predict_rows(X, how=how, n_samples=n_draws)
        _, variance = np.split(moments, 2, axis=1)
        epistemic = np.sqrt(variance) * self._target_scale_
        aleatoric = np.broadcast_to(
            np.sqrt(self._noise_variance()) * self._target_scale_, epistemic.shape
        ).copy()
        total = np.sqrt(aleatoric**2 + epistemic**2)
        if self._target_ndim_ == 1:
            total, aleatoric, epistemic = total[:, 0], aleatoric[:, 0], epistemic[:, 0]
        return Bunch(total=total, aleatoric=aleatoric, epistemic=epistemic)

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
        moments = self._predict_rows(X)
        mean, variance = np.split(moments, 2, axis=1)
        mean = mean * self._target_scale_ + self._target_mean_
        if self._target_ndim_ == 1:
            mean = mean[:, 0]
        if not return_std:
            return mean
        sampled = self.n_mc_samples > 0 or self._predictive() == "moments"
        noise = self._noise_variance() if sampled else self._learned_noise_variance()
        std = np.sqrt(variance + noise) * self._target_scale_
        return mean, std[:, 0] if self._target_ndim_ == 1 else std

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
            Keep only what the pruned network uses: hidden units on a path
            from an input to an output (``n_units_``; units that read no
            input become constants in the next layer's biases) and the inputs
            it reads (:meth:`get_support`), as dense matrices of that smaller
            shape. Unread inputs are dropped by a feature selector
            (``SelectKBest`` keeping the inputs with weights) in front of the
            network, in a ``Pipeline`` that takes the same ``X``, where that
            is faster: when the first hidden layer is wide enough that the
            weights saved outweigh the copy of the columns kept (else the
            unread inputs get zero weights). Predictions are
            unchanged. Small and fast when whole units are pruned
            (``prune_scope="unit"``, or the log-uniform prior); converts to
            ONNX as well.

        Returns
        -------
        mlp : sklearn.neural_network.MLPRegressor or sklearn.pipeline.Pipeline
            A fitted regressor; a ``Pipeline`` ending in one when compression
            drops inputs.
        """
        return to_mlp_regressor(self, compress)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class VariationalMLPRegressor(BaseVariationalRegressor):
    """Multilayer perceptron regressor with a Gaussian posterior over its weights.

    Trained by variational inference on the generalised evidence
    ``E_q[log p(y | X, w)] - complexity * KL(q(w) || p(w))`` with a mean-field
    Gaussian posterior ``q``, the prior ``N(prior_mean, prior_variance)`` and
    a Gaussian likelihood ``y ~ N(f(X, w), σ²)`` whose noise ``σ`` (one per
    output) is learned with the weights. The targets are standardised
    internally, so the prior and the learning rate need no rescaling for the
    units of ``y``. :meth:`predict` returns the predictive mean and, with
    ``return_std=True``, its standard deviation, which adds the posterior's
    spread over the network's output to the noise.
    ``complexity=1`` is the ordinary evidence lower bound; larger values pull
    the posterior towards the prior and make the model simpler, and 0 ignores
    the prior. The trained model can be pruned by the signal-to-noise ratio
    of its weights.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden layer.
    activation : {"relu", "tanh", "logistic", "identity", "softmax"}, \
            default="relu"
        Activation of the hidden layers. ``"softmax"`` normalises over the
        hidden units, as in the thesis' model.
    complexity : float or "auto", default="auto"
        Weight ``λ >= 0`` of the KL term of the evidence. ``"auto"`` scales it
        with the data: ``λ = min(1, n_samples / n_weights)``, the ordinary
        evidence once there are more training samples than weights, and a
        proportionally weaker pull towards the prior for a network larger than
        its data (where ``λ = 1`` underfits). With ``prior="log-uniform"``,
        whose scale-free prior has no such trade-off, ``"auto"`` is 1 (sparse
        variational dropout's evidence). The value used is ``complexity_``.
    prior : {"gaussian", "log-uniform"}, default="gaussian"
        Prior of the weights. ``"gaussian"``: ``N(prior_mean, prior_variance)``
        on every weight and bias. ``"log-uniform"``: the sparsity-inducing
        prior of sparse variational dropout (Molchanov, Ashukha & Vetrov,
        2017) on the weights and a flat one on the biases; it drives the
        dropout rate ``α = s**2 / m**2`` of most weights up, so that they can
        be pruned (``prune(threshold=3)``, or a fraction) with little loss of
        accuracy. ``prior_mean`` and ``prior_variance`` are then unused.
    complexity_warmup : int or "auto", default="auto"
        Epochs over which the KL term's weight rises linearly to
        ``complexity`` at the start of training (KL annealing, as sparse
        variational dropout is trained). ``"auto"`` is the epochs of 200
        optimiser steps (at most ``max_epochs``) for ``prior="log-uniform"``,
        which without it can prune every weight of a small network in its
        first epochs (wine: 39 % accuracy on two splits of three), and 0 for
        the Gaussian prior.
    prior_mean : float, default=0.0
        Mean of the Gaussian prior of every weight and bias.
    prior_variance : float, default=0.03
        Variance of the Gaussian prior; must be positive. With standardised
        inputs and targets a tighter prior than the classifiers' 0.1 (whose
        outputs are logits) suits the mostly near-linear relations of real
        tables; 0.03 is the compromise with nonlinear ones (5-fold R² on
        Friedman's function #1, 500 rows: 0.951, 0.975 and 0.981 for 0.01,
        0.03 and 0.1).
    optimizer : {"adam", "sgd"}, default="adam"
        Optimiser of the variational parameters.
    lr : float or "auto", default="auto"
        Learning rate; ``"auto"`` is ``1e-2`` for the Gaussian prior and
        ``1e-2`` for the log-uniform prior.
    lr_schedule : {"auto", "constant", "cosine"}, default="auto"
        How the learning rate changes over the epochs of a fit: kept, or
        decayed to zero along a half cosine (then ``tol`` does not stop
        training; a ``warm_start`` fit restarts the decay; ``partial_fit``
        trains at ``lr``). ``"auto"``
        decays it for the log-uniform prior and keeps it for the Gaussian
        prior.
    momentum : float, default=0.9
        Momentum of ``optimizer="sgd"``; ignored by Adam.
    batch_size : int or "auto", default="auto"
        Mini-batch size; clipped to the number of training samples.
        ``"auto"`` is 1024 for the Gaussian prior and 128 for the
        log-uniform prior. Large
        batches at ``lr=1e-2`` make a step's fixed cost count less: on six
        real tables this fitted in about half the time of ``batch_size=200``
        at ``lr=3e-3``, as accurately.
    max_epochs : int or "auto", default="auto"
        Passes over the training data. ``"auto"`` is 200 for the Gaussian
        prior; for the log-uniform prior, the epochs that make 8,000
        optimiser steps, at least 200 and at most 800.
    n_mc_samples : int, default=0
        Posterior draws averaged by :meth:`predict`; 0 integrates over the
        posterior without sampling, as ``predictive`` says.
    predictive : {"auto", "moments", "mean"}, default="auto"
        How :meth:`predict` integrates over the posterior when
        ``n_mc_samples=0``: ``"moments"`` propagates the means and variances
        of the pre-activations through the network (one pass, about 3 times
        the cost of ``"mean"``), which gives the output's mean and its
        variance under the posterior; ``"mean"`` predicts with the posterior
        means, and its predictive standard deviation is the noise's alone.
        ``"auto"`` is ``"moments"`` for the Gaussian prior and ``"mean"`` for
        the log-uniform one, whose surviving weights are too noisy for the
        moments' approximation (and whose authors predict with the means).
    tol : float or None, default=1e-4
        Convergence tolerance, as in ``MLPRegressor``: when the fit to the
        training data (the validation loss with ``early_stopping``) has not
        improved by at least ``tol`` for ``n_iter_no_change`` consecutive
        epochs, training stops. The fit to the data is the mean negative
        log-likelihood of the sampled outputs, a stochastic estimate, so its
        moving average (``train_nll_smoothed`` in the history, a memory of
        about 10 epochs) is what must improve; not the whole loss, whose KL
        term keeps falling long after prediction has stopped improving (on
        ``bench_regression.py`` the fit takes 0.99 times ``MLPRegressor``'s
        time, 2.2 times on the whole loss, at about the same NLPD). The
        log-uniform prior, a model pruned as trained (``finetune_epochs=0``)
        and a ``complexity`` above 1 converge on the whole loss
        (``train_loss_smoothed``): its KL term prunes, settles the
        signal-to-noise ranking, or pulls the means in while the fit to the
        data worsens. None always trains ``max_epochs`` epochs, which leaves
        the posterior's signal-to-noise ranking more settled for heavy
        pruning (on digits at ``lr=1e-2``, 80 % SNR pruning cost 0.4 points
        after 200 epochs and 1.3 after stopping at 1e-4).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data, or use the
        ``X_val, y_val`` given to ``fit``, and stop when their negative log
        predictive density (``valid_loss``: a Gaussian of the predictive mean
        with the learned noise plus the posterior's spread; no KL term) has
        not improved (by ``tol``, when set) for ``n_iter_no_change`` epochs,
        restoring the best parameters.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement before training stops.
    prune_fraction : float, default=0.0
        Fraction of weights pruned after ``fit``; see :meth:`prune`.
    prune_threshold : float or None, default=None
        When set, every weight whose ``log α = log(s**2 / m**2)`` is above it
        is pruned (3 in sparse variational dropout), however many that is,
        and ``prune_fraction`` is ignored; see :meth:`prune`.
    prune_score : {"snr", "magnitude"}, default="snr"
        Criterion that ranks the weights: the signal-to-noise ratio ``|m|/s``
        (the thesis' relative density) or the magnitude ``|m|``.
    prune_scope : {"global", "layer", "unit"}, default="global"
        Rank all weights together, prune each matrix by the same fraction, or
        remove whole inputs and hidden units (the same share of every
        layer's, ranked by the root mean square of their weights' scores)
        until at least the fraction of the weights is gone: the survivors
        form smaller dense matrices, which ``to_sklearn(compress=True)``
        exports small and fast. Fit with ``prune_fraction`` to fine-tune
        what survives.
    finetune_epochs : int, default=30
        Epochs (at most ``max_epochs``) that train the surviving weights
        after a fit that prunes (``prune_fraction > 0`` or
        ``prune_threshold`` set): the model is trained, pruned as the pruning
        parameters say, then trained on with its mask (a fresh optimiser;
        ``tol``, ``n_iter_no_change`` and ``early_stopping`` apply anew), so
        that ``n_iter_`` counts both phases. Pruning 90 % of the weights on
        diabetes (three 70/30 splits) lowers R² from 0.445 to 0.424 as
        trained and to 0.444 fine-tuned. 0 prunes the trained
        model as it is. Pruning a fitted model anew (:meth:`prune`,
        ``set_params``) ranks the fine-tuned posterior without training,
        whose pruned weights did not train with the rest (``prune(0.0)`` is
        not the model an unpruned fit gives); the fitted pruning parameters
        bring back the fitted mask. ``loss_curve_`` and the validation scores
        span both phases (the loss drops at pruning, with the pruned weights'
        KL term).
    warm_start : bool, default=False
        When True, ``fit`` continues from the fitted model (its pruning mask
        included) instead of starting anew.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, batch order, posterior noise and the validation
        split; an int gives bit-identical fits on the CPU on the same number
        of threads (``torch.get_num_threads()``); on another number the sums
        round differently (``predict`` differs by float32 rounding).
    device : str or torch.device, default="cpu"
        Where the network is trained, e.g. ``"cuda"``.
    verbose : int, default=0
        0 is silent, 1 prints a table per epoch, 2 also shows a progress bar.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Extra callbacks of the skorch training loop.
    on_divergence : {"raise", "warn"}, default="raise"
        What a non-finite loss does: ``"raise"`` stops with a ``ValueError``
        naming the likely cause; ``"warn"`` restores the parameters of the
        last finite epoch, warns and stops.
    checkpoint : str or path-like, default=None
        Directory where every epoch of a ``fit`` is saved (skorch's
        ``Checkpoint``), in a sub-directory named by a fingerprint of the fit:
        a hash of the parameters that change the fit (all but the pruning
        parameters, ``n_mc_samples``, ``warm_start``, ``verbose`` and
        ``checkpoint``; callbacks by their classes and parameters) and of the
        training data. A later
        ``fit`` of the same model on the same data resumes from it; any other
        fit starts afresh in its own sub-directory, so a grid search can share
        one directory. Continuing fits (``partial_fit``, ``warm_start``) are
        not checkpointed.

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    noise_std_ : ndarray of shape (n_outputs,)
        The noise of each output (for a hypernetwork, of the model of
        ``complexity``), in the units of ``y``: the learned ``σ`` net of the
        posterior's output spread on the training rows, which the predictive
        standard deviation adds back row by row (see :meth:`predict`).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when ``X`` had string column names.
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the torch module and
        ``net_.history`` holds per-epoch ``train_loss``, ``train_nll``,
        ``train_kl`` and ``train_elbo``.
    complexity_ : float
        The complexity ``λ`` the model was trained at (``complexity``, or its
        value for ``"auto"``).
    n_weights_ : int
        Number of prunable weights (biases excluded).
    sparsity_ : float
        Fraction of the weights pruned now.

    See Also
    --------
    HyperVariationalRegressor : One model for every complexity at once.
    sklearn.neural_network.MLPRegressor : The deterministic counterpart.
    sklearn.linear_model.BayesianRidge : A Bayesian linear model.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skvarhyper import VariationalMLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = VariationalMLPRegressor(
    ...     hidden_layer_sizes=(20,), max_epochs=50, random_state=0
    ... ).fit(X, y)
    >>> mean, std = reg.predict(X[:2], return_std=True)
    >>> mean.shape, std.shape
    ((2,), (2,))
    >>> reg.prune(0.5).sparsity_
    0.5
    """

    _parameter_constraints: dict = {
        **BaseVariationalRegressor._parameter_constraints,
        "finetune_epochs": [Interval(Integral, 0, None, closed="left")],
    }

    _gaussian_training = {"lr": 1e-2, "batch_size": 1024, "max_epochs": 200}

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        complexity="auto",
        prior="gaussian",
        complexity_warmup="auto",
        prior_mean=0.0,
        prior_variance=0.03,
        optimizer="adam",
        lr="auto",
        lr_schedule="auto",
        momentum=0.9,
        batch_size="auto",
        max_epochs="auto",
        n_mc_samples=0,
        predictive="auto",
        tol=1e-4,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        prune_fraction=0.0,
        prune_threshold=None,
        prune_score="snr",
        prune_scope="global",
        finetune_epochs=30,
        warm_start=False,
        random_state=None,
        device="cpu",
        verbose=0,
        callbacks=None,
        on_divergence="raise",
        checkpoint=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.complexity = complexity
        self.prior = prior
        self.complexity_warmup = complexity_warmup
        self.prior_mean = prior_mean
        self.prior_variance = prior_variance
        self.optimizer = optimizer
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.n_mc_samples = n_mc_samples
        self.predictive = predictive
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.prune_fraction = prune_fraction
        self.prune_threshold = prune_threshold
        self.prune_score = prune_score
        self.prune_scope = prune_scope
        self.finetune_epochs = finetune_epochs
        self.warm_start = warm_start
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.callbacks = callbacks
        self.on_divergence = on_divergence
        self.checkpoint = checkpoint


class HyperVariationalRegressor(BaseHypernetwork, BaseVariationalRegressor):
    """A hypernetwork that learns the variational MLP regressor of every complexity.

    Instead of one posterior per complexity ``λ``, a generator ``G`` maps ``λ``
    to all variational parameters of the network and is trained on
    ``E_{λ ~ U(Λ)}[ELBO_λ(q_{G(λ)})]``, drawing ``n_complexity_samples`` values
    of ``λ`` per mini-batch. After one fit, :meth:`set_complexity` selects the
    model of any ``λ`` without refitting; :meth:`prune` and :meth:`evidence`
    act on the selected model, and :meth:`to_variational` exports it as a
    :class:`VariationalMLPRegressor` for fine-tuning. The likelihood is
    Gaussian, as in :class:`VariationalMLPRegressor`, with a learned noise
    whose logarithm is a quadratic function of the encoded ``λ`` (a model
    pulled harder towards its prior fits less closely), so that every
    ``λ`` has its own predictive standard deviation.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden layer of the generated network.
    activation : {"relu", "tanh", "logistic", "identity", "softmax"}, \
            default="relu"
        Activation of the hidden layers.
    complexity : float, default=1.0
        The ``λ`` used by ``predict``, ``score``,
        ``evidence`` and ``prune``; it does not change the fit.
    hypernet : {"linear", "lowrank"}, default="linear"
        The generator: ``"linear"`` makes every parameter ``A + t B``;
        ``"lowrank"`` makes every weight-mean matrix
        ``A + t B + (f(t) U₁)(f(t) U₂)ᵀ`` and every log-std matrix
        ``L + a(t) 1ᵀ + 1 b(t)ᵀ`` (a shift per unit and per input), with a
        small ReLU network ``f``, where ``t`` encodes ``λ``. The linear one
        by default for regression: on the six tables of
        ``bench_regression.py`` its test NLPD at λ = 1 was lower on 5 (one
        tie) and its fit faster on 5, and the cross-validated model's NLPD
        below the single network's on 5 of 6 (low-rank: 2 of 6).
    complexity_range : (float, float), default=(1e-3, 100.0)
        Interval of ``λ`` the hypernetwork is trained on.
    complexity_sampling : {"loguniform", "uniform"}, default="loguniform"
        Distribution of the training draws of ``λ``, and the scale on which
        ``λ`` is encoded. ``"loguniform"`` needs ``complexity_range[0] > 0``.
    n_complexity_samples : int, default=5
        Draws of ``λ`` per mini-batch.
    draw_batching : {"split", "repeat"}, default="split"
        ``"split"`` gives each draw its own share of the mini-batch, an
        unbiased estimate of the objective at the cost of about one pass;
        ``"repeat"`` passes the whole batch through every draw, as the thesis
        did (``n_complexity_samples`` times the cost).
    rank : int, default=4
        Rank of the low-rank correction (``hypernet="lowrank"``); the thesis
        used 1.
    hypernet_hidden : int, default=50
        Hidden units of ``f`` (``hypernet="lowrank"``).
    shrinkage : bool, default=True
        Divide every generated weight mean by ``1 + λ c``, a learned
        ``c >= 0`` per weight (``"linear"``) or per unit (``"lowrank"``): a
        Gaussian prior's shrinkage path.
    prior : {"gaussian", "log-uniform"}, default="gaussian"
        Prior of the weights. ``"gaussian"``: ``N(prior_mean, prior_variance)``
        on every weight and bias. ``"log-uniform"``: the sparsity-inducing
        prior of sparse variational dropout (Molchanov, Ashukha & Vetrov,
        2017) on the weights and a flat one on the biases; it drives the
        dropout rate ``α = s**2 / m**2`` of most weights up, so that they can
        be pruned (``prune(threshold=3)``, or a fraction) with little loss of
        accuracy. ``prior_mean`` and ``prior_variance`` are then unused.
    complexity_warmup : int or "auto", default="auto"
        Epochs over which the KL term's weight rises linearly to
        ``complexity`` at the start of training (KL annealing, as sparse
        variational dropout is trained). ``"auto"`` is the epochs of 200
        optimiser steps (at most ``max_epochs``) for ``prior="log-uniform"``,
        which without it can prune every weight of a small network in its
        first epochs (wine: 39 % accuracy on two splits of three), and 0 for
        the Gaussian prior.
    prior_mean : float, default=0.0
        Mean of the Gaussian prior.
    prior_variance : float, default=0.03
        Variance of the Gaussian prior; must be positive. With standardised
        inputs and targets a tighter prior than the classifiers' 0.1 (whose
        outputs are logits) suits the mostly near-linear relations of real
        tables; 0.03 is the compromise with nonlinear ones (5-fold R² on
        Friedman's function #1, 500 rows: 0.951, 0.975 and 0.981 for 0.01,
        0.03 and 0.1).
    optimizer : {"adam", "sgd"}, default="adam"
        Optimiser of the hypernetwork's parameters.
    lr : float or "auto", default="auto"
        Learning rate; ``"auto"`` is ``3e-3`` for the Gaussian prior and
        ``1e-2`` for the log-uniform prior.
    lr_schedule : {"auto", "constant", "cosine"}, default="auto"
        How the learning rate changes over the epochs of a fit: kept, or
        decayed to zero along a half cosine (then ``tol`` does not stop
        training; a ``warm_start`` fit restarts the decay; ``partial_fit``
        trains at ``lr``). ``"auto"``
        decays it for the log-uniform prior and keeps it for the Gaussian
        prior.
    momentum : float, default=0.9
        Momentum of ``optimizer="sgd"``.
    batch_size : int or "auto", default="auto"
        Mini-batch size; clipped to the number of training samples.
        ``"auto"`` is 512 for the Gaussian prior and 128 for the
        log-uniform prior.
    max_epochs : int or "auto", default="auto"
        Passes over the training data. ``"auto"`` is 200 for the Gaussian
        prior; for the log-uniform prior, the epochs that make 8,000
        optimiser steps, at least 200 and at most 800.
    n_mc_samples : int, default=0
        Posterior draws averaged by :meth:`predict`; 0 integrates over the
        posterior without sampling, as ``predictive`` says.
    predictive : {"auto", "moments", "mean"}, default="auto"
        How :meth:`predict` integrates over the posterior when
        ``n_mc_samples=0``: ``"moments"`` propagates the means and variances
        of the pre-activations through the network (one pass, about 3 times
        the cost of ``"mean"``); ``"mean"`` predicts with the posterior means,
        and its predictive standard deviation is the noise's alone.
        ``"auto"`` is ``"moments"`` for the Gaussian prior and ``"mean"`` for
        the log-uniform one, whose surviving weights are too noisy for the
        moments' approximation (and whose authors predict with the means).
    tol : float or None, default=1e-4
        Convergence tolerance: when the moving average of the training loss
        (``train_loss_smoothed``, the whole loss averaged over the stratified
        draws of ``λ`` of every batch; the validation loss with
        ``early_stopping``) has not improved by at least ``tol`` for
        ``n_iter_no_change`` consecutive epochs, training stops. The whole
        loss, not only the fit to the data as a single network's: stopped on
        the fit to the data, the models of small ``λ`` stop before they
        overfit and a cross-validation chooses them. None always trains
        ``max_epochs`` epochs.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data, or use the
        ``X_val, y_val`` given to ``fit``, and stop when their best negative
        log predictive density over ten ``λ`` spread over
        ``complexity_range`` (no KL term) has not improved (by ``tol``, when
        set) for ``n_iter_no_change`` epochs, restoring the best parameters.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement before training stops.
    prune_fraction : float, default=0.0
        Fraction of weights of the selected model pruned; see :meth:`prune`.
    prune_threshold : float or None, default=None
        When set, every weight whose ``log α = log(s**2 / m**2)`` is above it
        is pruned (3 in sparse variational dropout), however many that is,
        and ``prune_fraction`` is ignored; see :meth:`prune`.
    prune_score : {"snr", "magnitude"}, default="snr"
        Criterion that ranks the weights.
    prune_scope : {"global", "layer", "unit"}, default="global"
        Rank all weights together, prune each matrix by the same fraction, or
        remove whole inputs and hidden units (the same share of every
        layer's, ranked by the root mean square of their weights' scores)
        until at least the fraction of the weights is gone: the survivors
        form smaller dense matrices, which ``to_sklearn(compress=True)``
        exports small and fast. Fit with ``prune_fraction`` to fine-tune
        what survives.
    memory : None, str or joblib.Memory, default=None
        Caches the fitted hypernetwork, keyed by the training data and every
        parameter that changes the fit (callbacks by class and parameters;
        not ``complexity``, the pruning parameters, ``n_mc_samples`` or
        ``verbose``): a grid search over those fits once per fold.
    warm_start : bool, default=False
        When True, ``fit`` continues from the fitted hypernetwork.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, batches, draws of ``λ`` and posterior noise;
        an int gives bit-identical fits on the CPU on the same number of
        threads (on another, ``predict`` differs by float32 rounding).
    device : str or torch.device, default="cpu"
        Where the network is trained.
    verbose : int, default=0
        0 is silent, 1 prints a table per epoch, 2 also shows a progress bar.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Extra callbacks of the skorch training loop.
    on_divergence : {"raise", "warn"}, default="raise"
        What a non-finite loss does: ``"raise"`` stops with a ``ValueError``
        naming the likely cause; ``"warn"`` restores the parameters of the
        last finite epoch, warns and stops.
    checkpoint : str or path-like, default=None
        Directory where every epoch of a ``fit`` is saved, in a sub-directory
        named by a fingerprint of the fit (its parameters, but for those that
        ``memory`` ignores, and its data): only the same fit resumes from it.

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    noise_std_ : ndarray of shape (n_outputs,)
        The noise of each output (for a hypernetwork, of the model of
        ``complexity``), in the units of ``y``: the learned ``σ`` net of the
        posterior's output spread on the training rows, which the predictive
        standard deviation adds back row by row (see :meth:`predict`).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when ``X`` had string column names.
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the hypernetwork.
    complexity_ : float
        The complexity ``λ`` of the model that predicts (``complexity``).
    n_weights_ : int
        Number of prunable weights of a generated network.
    sparsity_ : float
        Fraction of the weights pruned now.

    See Also
    --------
    VariationalMLPRegressor : One network for one complexity.
    HyperVariationalRegressorCV : The complexity chosen by cross-validation.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skvarhyper import HyperVariationalRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = HyperVariationalRegressor(
    ...     hidden_layer_sizes=(20,), max_epochs=30, random_state=0
    ... ).fit(X, y)
    >>> reg.set_complexity(0.1).predict(X[:3]).shape
    (3,)
    >>> reg.to_variational().complexity
    0.1
    """

    _parameter_constraints: dict = {
        **BaseVariationalRegressor._parameter_constraints,
        **BaseHypernetwork._parameter_constraints,
    }
    _single_model = VariationalMLPRegressor

    _gaussian_training = {"lr": 3e-3, "batch_size": 512, "max_epochs": 200}

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        complexity=1.0,
        hypernet="linear",
        complexity_range=(1e-3, 100.0),
        complexity_sampling="loguniform",
        n_complexity_samples=5,
        draw_batching="split",
        rank=4,
        hypernet_hidden=50,
        shrinkage=True,
        prior="gaussian",
        complexity_warmup="auto",
        prior_mean=0.0,
        prior_variance=0.03,
        optimizer="adam",
        lr="auto",
        lr_schedule="auto",
        momentum=0.9,
        batch_size="auto",
        max_epochs="auto",
        n_mc_samples=0,
        predictive="auto",
        tol=1e-4,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        prune_fraction=0.0,
        prune_threshold=None,
        prune_score="snr",
        prune_scope="global",
        memory=None,
        warm_start=False,
        random_state=None,
        device="cpu",
        verbose=0,
        callbacks=None,
        on_divergence="raise",
        checkpoint=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.complexity = complexity
        self.hypernet = hypernet
        self.complexity_range = complexity_range
        self.complexity_sampling = complexity_sampling
        self.n_complexity_samples = n_complexity_samples
        self.draw_batching = draw_batching
        self.rank = rank
        self.hypernet_hidden = hypernet_hidden
        self.shrinkage = shrinkage
        self.prior = prior
        self.complexity_warmup = complexity_warmup
        self.prior_mean = prior_mean
        self.prior_variance = prior_variance
        self.optimizer = optimizer
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.n_mc_samples = n_mc_samples
        self.predictive = predictive
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.prune_fraction = prune_fraction
        self.prune_threshold = prune_threshold
        self.prune_score = prune_score
        self.prune_scope = prune_scope
        self.memory = memory
        self.warm_start = warm_start
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.callbacks = callbacks
        self.on_divergence = on_divergence
        self.checkpoint = checkpoint
