"""Classification: the task part of the classifiers, and the public
single-network and hypernetwork classifiers."""

import math
from functools import partial
from numbers import Integral

import numpy as np
import torch
from scipy.special import entr
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets

from .._utils.state import transaction
from ..nn.likelihood import CategoricalLikelihood
from ..nn.moments import probit_softmax
from .base import BaseVariationalEstimator, row_weights, validate_uncertainty_params
from .export import to_mlp_classifier
from .hypernetwork import BaseHypernetwork


class BaseVariationalClassifier(ClassifierMixin, BaseVariationalEstimator):
    """Base of the classifiers; not meant to be used directly.

    Learns ``classes_`` and trains on their codes under a categorical
    likelihood; predicts class probabilities integrated over the posterior.
    Every label is checked against ``classes_``: a label outside them raises a
    ``ValueError`` that names it, never a wrong code.
    """

    _parameter_constraints: dict = {
        **BaseVariationalEstimator._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }

    # --- targets --------------------------------------------------------------

    def _encode_targets(self, y, *, first, classes=None, weights=None):
        """Codes of ``y``; on the first fit also learn ``classes_`` (from
        ``classes``, ``partial_fit``'s every label that will ever appear, or
        from ``y``). After the first call ``classes`` must be None or the
        same classes. The rows' ``weights`` do not change the codes."""
        check_classification_targets(y)
        if first:
            labels = np.asarray(y if classes is None else classes)
            if labels.ndim != 1:
                raise ValueError(
                    f"classes must be a 1-D array of labels, got shape {labels.shape}."
                )
            encoder = LabelEncoder().fit(labels)
            if len(encoder.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in "
                    f"y; got 1 class ({encoder.classes_[0]!r})."
                )
            self.classes_ = encoder.classes_
        elif classes is not None:
            given = np.unique(np.asarray(classes))
            if not np.array_equal(given, self.classes_):
                raise ValueError(
                    f"classes={given.tolist()} differs from the classes of the first "
                    f"call to partial_fit ({self.classes_.tolist()}); the classes are "
                    "fixed once the model is fitted. Fit a new model for other classes."
                )
        y = np.asarray(y)
        try:
            codes = np.searchsorted(self.classes_, y)
        except TypeError as exc:
            raise ValueError(
                "y holds labels of another type than the classes of the model, "
                f"{self.classes_.tolist()}."
            ) from exc
        known = codes < len(self.classes_)
        known[known] = self.classes_[codes[known]] == y[known]
        if not known.all():
            unknown = np.unique(y[~known]).tolist()
            raise ValueError(
                f"y contains labels {unknown} that the model was not fitted on: "
                f"its classes are {self.classes_.tolist()} (partial_fit's classes "
                "must list every label on the first call)."
            )
        return codes.astype(np.int64)

    def _n_outputs(self):
        return len(self.classes_)

    def _sample_weights(self, y, X, sample_weight):
        return row_weights(sample_weight, self.class_weight, y, X)

    def _check_validation_split(self, targets):
        """Raise unless a split stratified by class, with
        ``validation_fraction`` held out, is possible; stratify by class."""
        n_samples = len(targets)
        counts = np.bincount(targets)
        counts = counts[counts > 0]
        n_valid = math.ceil(self.validation_fraction * n_samples)
        if counts.min() < 2 or min(n_valid, n_samples - n_valid) < len(counts):
            raise ValueError(
                f"early_stopping=True holds out validation_fraction="
                f"{self.validation_fraction} of the {n_samples} training samples, "
                "stratified by class; that needs at least 2 samples of every class "
                f"and at least {len(counts)} (one per class) on each side, but the "
                f"smallest class has {counts.min()} and {n_valid} would be held "
                "out. Use more data, another validation_fraction, or "
                "early_stopping=False."
            )
        return targets

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

    # --- the likelihood and predictions ----------------------------------------------

    def _criterion_params(self, hypernetwork):
        """The categorical likelihood of the logits; the net's own
        predictions (``net_.predict_proba``, for callbacks) are the mean
        network's class probabilities."""
        return {
            "criterion": CategoricalLikelihood,
            "predict_nonlinearity": partial(torch.softmax, dim=-1),
        }

    def _log_likelihood(self, outputs, targets):
        """Summed log-probability of the class codes ``targets``."""
        return -float(self._likelihood()(outputs, targets).sum())

    def _predictive_rows(self, how, outputs):
        """Class probabilities of a batch: the probit approximation of the
        moments, the softmax of the mean network, or the (unnormalised) sum
        of the draws' softmax; for ``"uncertainty"``, that sum in float64 and
        beside it the sum of the draws' entropies."""
        if how == "moments":
            return probit_softmax(*outputs)
        if how == "mean":
            return torch.softmax(outputs, dim=-1)
        if how == "sample":
            return sum(torch.softmax(draw, dim=-1) for draw in outputs)
        # "uncertainty": the draws' summed probabilities and summed entropies
        probabilities = [torch.softmax(draw.double(), dim=-1) for draw in outputs]
        entropies = [torch.special.entr(p).sum(-1, keepdim=True) for p in probabilities]
        return torch.cat([sum(probabilities), sum(entropies)], dim=1)

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
        proba = self._predict_rows(X)
        # float32 softmax sums are off by ~1e-7; exact sums matter to metrics.
        proba /= proba.sum(axis=1, keepdims=True)
        return proba

    @validate_uncertainty_params
    def predict_uncertainty(self, X, *, n_mc_samples=None):
        """How uncertain each prediction is, and why, in nats.

        Over posterior draws of the weights ``w``, with ``p`` the predictive
        class probabilities (their average):

        * ``total``: the entropy of the predictive, ``H[p]``;
        * ``aleatoric``: the expected entropy of one network's prediction,
          ``E_w H[p(y | x, w)]``: uncertainty every plausible network shares
          (overlapping classes, noisy labels);
        * ``epistemic``: their difference, the mutual information between the
          prediction and the weights: how much the plausible networks
          disagree, which more data would resolve.

        The draws are reproducible for a fixed ``random_state`` and the same
        from any thread, as :meth:`predict_proba`'s; a hypernetwork draws
        from its model at the selected ``λ``, a pruned model from its
        unpruned weights. Mean-field posteriors are known to be overconfident
        away from the data: ``epistemic`` ranks rows, it is not a
        calibrated probability of being out of distribution.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.
        n_mc_samples : int, default=None
            Posterior draws; None uses the estimator's ``n_mc_samples``, or
            100 when that is 0.

        Returns
        -------
        uncertainty : sklearn.utils.Bunch
            ``total``, ``aleatoric`` and ``epistemic``, arrays of shape
            ``(n_samples,)``; ``total = aleatoric + epistemic``.
        """
        self._check_fitted()
        n_draws = self._uncertainty_draws(n_mc_samples)
        X, _ = self._validate_arrays(X)
        rows = self._predict_rows(X, how="uncertainty", n_samples=n_draws)
        proba = rows[:, :-1] / rows[:, :-1].sum(axis=1, keepdims=True)
        total = entr(proba).sum(axis=1)
        aleatoric = np.minimum(rows[:, -1] / n_draws, total)
        return Bunch(total=total, aleatoric=aleatoric, epistemic=total - aleatoric)

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
        mlp : sklearn.neural_network.MLPClassifier or sklearn.pipeline.Pipeline
            A fitted classifier; a ``Pipeline`` ending in one when compression
            drops inputs.
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


class VariationalMLPClassifier(BaseVariationalClassifier):
    """Multilayer perceptron with a Gaussian posterior over its weights.

    Trained by variational inference on the generalised evidence
    ``E_q[log p(y | X, w)] - complexity * KL(q(w) || p(w))`` with a mean-field
    Gaussian posterior ``q`` and the prior ``N(prior_mean, prior_variance)``.
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
        its data (where ``λ = 1`` underfits: on iris, 0.33 log loss against
        0.12). With ``prior="log-uniform"``, whose scale-free prior has no
        such trade-off, ``"auto"`` is 1 (sparse variational dropout's
        evidence). The value used is ``complexity_``.
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
    prior_variance : float, default=0.5
        Variance of the Gaussian prior; must be positive. Measured on
        ``bench_tabular.py``'s ten tables: 0.5 has the lowest mean log loss
        (0.286; 0.03: 0.319, 0.1: 0.294, 0.3: 0.287, 1: 0.287, 2: 0.288) and
        a lower log loss than ``MLPClassifier`` on 8 of 10 (0.1: 6); larger
        variances train longer and lose anes96 and breast cancer.
    optimizer : {"adam", "sgd"}, default="adam"
        Optimiser of the variational parameters.
    lr : float or "auto", default="auto"
        Learning rate. ``"auto"`` is ``4e-3`` for the Gaussian prior and
        ``1e-2`` for the log-uniform prior (sparse variational dropout's
        training; see ``lr_schedule``).
    lr_schedule : {"auto", "constant", "cosine"}, default="auto"
        How the learning rate changes over the epochs of a fit: kept, or
        decayed to zero along a half cosine (then ``tol`` does not stop
        training; the fine-tuning after pruning and a ``warm_start`` fit
        restart the decay; ``partial_fit`` trains at ``lr``). ``"auto"``
        decays it for the log-uniform prior, whose dropout rates settle as the
        rate falls, and keeps it for the Gaussian prior.
    momentum : float, default=0.9
        Momentum of ``optimizer="sgd"``; ignored by Adam.
    batch_size : int or "auto", default="auto"
        Mini-batch size; clipped to the number of training samples.
        ``"auto"`` is 256 for the Gaussian prior, measured with ``lr=4e-3``
        on ``bench_tabular.py``'s ten tables against ``batch_size=200,
        lr=3e-3``: a median fit time of 1.30 times ``MLPClassifier``'s
        against 1.57 in the same run, the same number of tables with a lower
        log loss (8) and Brier score (7) than ``MLPClassifier``, a mean log
        loss of 0.2872 against 0.2860 (512 rows at ``lr=5e-3``: 1.13 times,
        0.2883, Brier on 6); and 128 for the log-uniform prior.
    max_epochs : int or "auto", default="auto"
        Passes over the training data. ``"auto"`` is 200 for the Gaussian
        prior; for the log-uniform prior, the epochs that make 8,000
        optimiser steps, at least 200 and at most 800.
    n_mc_samples : int, default=0
        Posterior draws averaged by :meth:`predict_proba`; 0 integrates over
        the posterior without sampling, as ``predictive`` says.
    predictive : {"auto", "moments", "mean"}, default="auto"
        How :meth:`predict_proba` integrates over the posterior when
        ``n_mc_samples=0``: ``"moments"`` propagates the means and variances
        of the pre-activations through the network and takes the probit
        approximation of the softmax (one pass, about 3 times the cost of
        ``"mean"``); ``"mean"`` predicts with the posterior means. On ten
        real tables, moments gave a lower log loss than the mean on 7.
        ``"auto"`` is ``"moments"`` for the Gaussian prior and ``"mean"`` for
        the log-uniform one, whose surviving weights are too noisy for the
        moments' approximation (and whose authors predict with the means).
    tol : float or None, default=1e-4
        Convergence tolerance, as in ``MLPClassifier``: when the fit to the
        training data (the validation loss with ``early_stopping``) has not
        improved by at least ``tol`` for ``n_iter_no_change`` consecutive
        epochs, training stops. The fit to the data is the mean negative
        log-likelihood of the sampled outputs, a stochastic estimate, so its
        moving average (``train_nll_smoothed`` in the history, a memory of
        about 10 epochs) is what must improve; not the whole loss, whose KL
        term keeps falling long after prediction has stopped improving (on
        ``bench_tabular.py``'s tables 26-195 epochs instead of 88-300, at
        about the same test log loss). The log-uniform prior, a model pruned
        as trained (``finetune_epochs=0``) and a ``complexity`` above 1
        converge on the whole loss (``train_loss_smoothed``): its KL
        term prunes, settles the signal-to-noise ranking, or pulls the means
        in while the fit to the data worsens. None always trains ``max_epochs``
        epochs, which leaves the posterior's signal-to-noise ranking more
        settled for heavy pruning (on digits at ``lr=1e-2``, 80 % SNR pruning
        cost 0.4 points after 200 epochs and 1.3 after stopping at 1e-4).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified), or
        use the ``X_val, y_val`` given to ``fit``, and stop when their log loss
        under the predictive (``valid_loss``; no KL term, which does not
        depend on them) has not improved (by ``tol``, when set) for
        ``n_iter_no_change`` epochs, restoring the best parameters.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement before training stops.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the likelihood, ``{label: weight}``, or
        ``"balanced"`` for weights inversely proportional to the class
        frequencies of the data given to ``fit``; multiplied with
        ``sample_weight``.
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
        that ``n_iter_`` counts both phases. Pruning 90 % of the weights of a model at
        ``complexity=0.1`` on 5,000 MNIST digits costs 3.3 points of accuracy
        as trained and none fine-tuned (``bench_pruning.py``). 0 prunes the trained
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
        round differently (``predict_proba`` differs by float32 rounding, up
        to 6e-6 measured).
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
    classes_ : ndarray of shape (n_classes,)
        Class labels.
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
    HyperVariationalClassifier : One model for every complexity at once.
    sklearn.neural_network.MLPClassifier : The deterministic counterpart.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skvarhyper import VariationalMLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = VariationalMLPClassifier(
    ...     hidden_layer_sizes=(20,), lr=1e-2, max_epochs=50, random_state=0
    ... ).fit(X, y)
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    >>> clf.prune(0.5).sparsity_
    0.5
    """

    _parameter_constraints: dict = {
        **BaseVariationalClassifier._parameter_constraints,
        "finetune_epochs": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        complexity="auto",
        prior="gaussian",
        complexity_warmup="auto",
        prior_mean=0.0,
        prior_variance=0.5,
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
        class_weight=None,
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
        self.class_weight = class_weight
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


class HyperVariationalClassifier(BaseHypernetwork, BaseVariationalClassifier):
    """A hypernetwork that learns the variational MLP of every complexity at once.

    Instead of one posterior per complexity ``λ``, a generator ``G`` maps ``λ``
    to all variational parameters of the network and is trained on
    ``E_{λ ~ U(Λ)}[ELBO_λ(q_{G(λ)})]``, drawing ``n_complexity_samples`` values
    of ``λ`` per mini-batch. After one fit, :meth:`set_complexity` selects the
    model of any ``λ`` without refitting; :meth:`prune` and :meth:`evidence`
    act on the selected model, and :meth:`to_variational` exports it as a
    :class:`VariationalMLPClassifier` for fine-tuning.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden layer of the generated network.
    activation : {"relu", "tanh", "logistic", "identity", "softmax"}, \
            default="relu"
        Activation of the hidden layers.
    complexity : float, default=1.0
        The ``λ`` used by ``predict``, ``predict_proba``, ``score``,
        ``evidence`` and ``prune``; it does not change the fit.
    hypernet : {"linear", "lowrank"}, default="lowrank"
        The generator: ``"linear"`` makes every parameter ``A + t B``;
        ``"lowrank"`` makes every weight-mean matrix
        ``A + t B + (f(t) U₁)(f(t) U₂)ᵀ`` and every log-std matrix
        ``L + a(t) 1ᵀ + 1 b(t)ᵀ`` (a shift per unit and per input), with a
        small ReLU network ``f``, where ``t`` encodes ``λ``. The low-rank
        form trains without forming any network's matrices: on a 784-100-10
        network its epoch cost 1.7-2.6 times a single network's, the linear
        one's 3.0-3.9 times (``bench_training.py``).
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
    prior_variance : float, default=0.1
        Variance of the Gaussian prior.
    optimizer : {"adam", "sgd"}, default="adam"
        Optimiser of the hypernetwork's parameters.
    lr : float or "auto", default="auto"
        Learning rate; ``"auto"`` is ``1e-2`` under either prior. Higher
        than the single model's ``4e-3``: every draw of ``λ`` trains on its
        share of a batch only, and at ``3e-3`` a hypernetwork underfits small
        tables
        (wine, held-out log loss at the single model's ``λ`` 0.38 against
        0.09; digits gains 0.2-0.8 points at ``3e-3``).
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
        ``"auto"`` is 128 under either prior.
    max_epochs : int or "auto", default="auto"
        Passes over the training data. ``"auto"`` is 200 for the Gaussian
        prior; for the log-uniform prior, the epochs that make 8,000
        optimiser steps, at least 200 and at most 800.
    n_mc_samples : int, default=0
        Posterior draws averaged by :meth:`predict_proba`; 0 integrates over
        the posterior without sampling, as ``predictive`` says.
    predictive : {"auto", "moments", "mean"}, default="auto"
        How :meth:`predict_proba` integrates over the posterior when
        ``n_mc_samples=0``: ``"moments"`` propagates the means and variances
        of the pre-activations through the network and takes the probit
        approximation of the softmax (one pass, about 3 times the cost of
        ``"mean"``); ``"mean"`` predicts with the posterior means.
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
        Hold out ``validation_fraction`` of the training data (stratified), or
        use the ``X_val, y_val`` given to ``fit``, and stop when their best
        log loss over ten ``λ`` spread over ``complexity_range`` (the models'
        predictive, no KL term) has not improved (by ``tol``, when set) for
        ``n_iter_no_change`` epochs, restoring the best parameters.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement before training stops.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the likelihood, ``{label: weight}``, or
        ``"balanced"`` for weights inversely proportional to the class
        frequencies of the data given to ``fit``; multiplied with
        ``sample_weight``.
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
        threads (on another, ``predict_proba`` differs by float32 rounding,
        up to 6e-6 measured).
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
    classes_ : ndarray of shape (n_classes,)
        Class labels.
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
    VariationalMLPClassifier : One network for one complexity.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skvarhyper import HyperVariationalClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = HyperVariationalClassifier(
    ...     hidden_layer_sizes=(20,), max_epochs=30, random_state=0
    ... ).fit(X, y)
    >>> clf.set_complexity(0.1).predict(X[:3])
    array([0, 0, 0])
    >>> clf.to_variational().complexity
    0.1
    """

    _parameter_constraints: dict = {
        **BaseVariationalClassifier._parameter_constraints,
        **BaseHypernetwork._parameter_constraints,
    }
    _single_model = VariationalMLPClassifier

    _gaussian_training = {"lr": 1e-2, "batch_size": 128, "max_epochs": 200}

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        complexity=1.0,
        hypernet="lowrank",
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
        prior_variance=0.1,
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
        class_weight=None,
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
        self.class_weight = class_weight
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
