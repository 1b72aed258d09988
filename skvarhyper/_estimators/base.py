"""The base of every variational estimator: one variational MLP, fitted,
pruned and read.

``VariationalMLPClassifier.fit`` runs, in this module unless said otherwise::

    fit -> transaction (_utils/state.py) -> _fit
      -> _check_params -> _validate_X -> _sample_weights
      -> _encode_targets (the task: classifier.py)
      -> _split_validation
      -> _new_net (-> net_parameters, _training/config.py)
         [continuing: _continue_from; checkpointed: resume, _training/callbacks.py]
      -> net.partial_fit (skorch's loop; the step in _training/nets.py)
      -> _reference_rows -> _commit (-> _apply_selection)

Each kind of state has one owner. The parameters live on the estimator and
reach the net in :meth:`BaseVariationalEstimator._new_net` only. A fit never
changes the net it continues from: it trains a new one loaded from it, and
:meth:`~BaseVariationalEstimator._commit` makes it the model, so a failed call
leaves the model as it was (see :func:`~skvarhyper._utils.state.transaction`).
The learned attributes are set in ``_commit``, but for ``n_features_in_`` and
``feature_names_in_`` (scikit-learn's ``validate_data``) and what encoding
``y`` learns (``classes_``, the targets' scale), which the task sets in
``_encode_targets``. The pruning masks (and a
hypernetwork's selected ``λ``) follow the parameters through
:meth:`~BaseVariationalEstimator._apply_selection`, called by every method
that changes them (``fit``, ``prune``, ``set_params``, ``set_complexity``);
reading a fitted model never writes to it. Derived caches (the networks a
hypernetwork generates, a regressor's noise) are dicts named ``_cached_*``,
declared by their owner in ``_empty_caches``, emptied in
``_apply_selection`` only, filled as predictions need them, and never
pickled.

A single network is this base's own model; a hypernetwork
(:mod:`.hypernetwork`) overrides the network hooks (``_net_spec``,
``_selected_module``, ``_selected_encoding``, ``complexity_``), adds
``complexity`` to ``_selection_params`` and a cache to ``_empty_caches``.
"""

import copy
import os
from abc import ABC, abstractmethod
from contextlib import contextmanager
from itertools import pairwise
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)
from skorch.dataset import Dataset

from .._training.config import (
    LR_SCHEDULES,
    OPTIMIZERS,
    check_device,
    check_hidden_layer_sizes,
    net_parameters,
    resolve_predictive,
)
from .._training.nets import VariationalNet, make_generator
from .._utils.state import FitInterrupted, fit_fingerprint, transaction
from ..nn import ACTIVATIONS, VariationalMLP
from ..nn.functional import INIT_LOG_STD, PRIORS
from ..nn.log_uniform import INIT_LOG_STD as SPARSE_INIT_LOG_STD
from ..nn.log_uniform import log_alpha
from ..nn.pruning import (
    PRUNING_SCOPES,
    PRUNING_SCORES,
    live_units,
    pruning_masks,
    snr_scores,
)
from .persistence import load_estimator, save_estimator

_SEED_BOUND = np.iinfo(np.int32).max
FLOAT32_MAX = float(np.finfo(np.float32).max)
# Rows per batch of prediction: memory for one batch, not for a copy of X.
PREDICT_BATCH_SIZE = 8192


# --- data -------------------------------------------------------------------------


def check_float32_finite(X, name="X"):
    """Raise unless the float32 values of ``X`` (as the network sees them) are
    finite: float64 input beyond float32's range would become infinite."""
    finite = torch.isfinite(X).all() if torch.is_tensor(X) else np.isfinite(X).all()
    if not finite:
        raise ValueError(
            f"{name} contains values beyond float32's range (|x| > {FLOAT32_MAX:.3g})"
            ", which the network computes in; rescale the input, e.g. with "
            "StandardScaler."
        )
    return X


def row_weights(sample_weight, class_weight, y, X):
    """The product of the validated ``sample_weight`` and the weights of
    ``class_weight`` for labels ``y``, as float64; None when every weight is 1
    (so an unweighted fit stays bit-identical)."""
    if sample_weight is None and class_weight is None:
        return None
    weights = _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    )
    if class_weight is not None:
        weights = weights * compute_sample_weight(class_weight, y)
    if not weights.sum() > 0:
        raise ValueError(
            "sample_weight and class_weight leave no weight on the training "
            "data: at least one sample needs a positive weight."
        )
    return None if np.all(weights == 1.0) else weights


def repeated_rows(weights):
    """For integer ``weights``, the index of every row repeated as often as its
    weight says (rows of weight 0 left out), as a tensor; None otherwise."""
    if weights is None or not np.all(weights == np.round(weights)):
        return None
    return torch.from_numpy(
        np.repeat(np.arange(len(weights)), weights.astype(np.int64))
    )


def _mean_one(weights):
    """``weights`` rescaled to mean 1 as a float32 tensor, or None."""
    if weights is None:
        return None
    return torch.from_numpy(
        (weights * (len(weights) / weights.sum())).astype(np.float32)
    )


def _numpy(tensor):
    return tensor.detach().cpu().numpy().astype(np.float64)


UNCERTAINTY_DRAWS = 100
"""Posterior draws of :meth:`predict_uncertainty` when neither it nor the
estimator sets ``n_mc_samples``."""

validate_uncertainty_params = validate_params(
    {"n_mc_samples": [Interval(Integral, 1, None, closed="left"), None]},
    prefer_skip_nested_validation=True,
)
"""The validation of :meth:`predict_uncertainty`'s keyword arguments."""


class BaseVariationalEstimator(BaseEstimator, ABC):
    """Base of the classifiers and regressors; not meant to be used directly.

    The task (:class:`~skvarhyper._estimators.classifier.BaseVariationalClassifier`,
    :class:`~skvarhyper._estimators.regressor.BaseVariationalRegressor`)
    implements the abstract methods: how targets are encoded, how many outputs
    the network has, its likelihood, and what a prediction makes of the
    network's outputs. A hypernetwork
    (:class:`~skvarhyper._estimators.hypernetwork.BaseHypernetwork`)
    overrides the network hooks.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "complexity": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "complexity_warmup": [
            Interval(Integral, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "prior": [StrOptions(set(PRIORS))],
        "prior_mean": [Interval(Real, None, None, closed="neither")],
        "prior_variance": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "lr": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "lr_schedule": [StrOptions(set(LR_SCHEDULES))],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "max_epochs": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "n_mc_samples": [Interval(Integral, 0, None, closed="left")],
        "predictive": [StrOptions({"auto", "moments", "mean"})],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "prune_fraction": [Interval(Real, 0, 1, closed="both")],
        "prune_threshold": [Interval(Real, None, None, closed="neither"), None],
        "prune_score": [StrOptions(set(PRUNING_SCORES))],
        "prune_scope": [StrOptions(set(PRUNING_SCOPES))],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "callbacks": [list, None],
        "on_divergence": [StrOptions({"raise", "warn"})],
        "checkpoint": [None, str, os.PathLike],
    }

    # Parameters that do not change what a fit learns: they select, display
    # or store a fitted model. Fingerprints of fits leave them out. (A single
    # network fitted to be pruned fine-tunes what survives: its pruning
    # parameters change the fit; a hypernetwork's do not.)
    _not_fit_params = (
        "n_mc_samples",
        "predictive",
        "warm_start",
        "verbose",
        "callbacks",
        "checkpoint",
    )
    # What ``lr``, ``batch_size`` and ``max_epochs`` of "auto" are under the
    # Gaussian prior (the log-uniform prior's are the same for every estimator).
    _gaussian_training: dict = {"lr": 4e-3, "batch_size": 256, "max_epochs": 200}
    # Parameters that shape the network: a continuing fit cannot change them.
    _architecture_params = ("hidden_layer_sizes",)
    # Parameters that select the model a fitted estimator predicts with.
    _selection_params = (
        "prune_fraction",
        "prune_threshold",
        "prune_score",
        "prune_scope",
    )

    @property
    def _convergence_monitor(self):
        """The training loss whose moving average ``tol`` watches: the fit to
        the data, whose improvement ends when prediction's does (the whole
        loss's KL term keeps falling for hundreds of epochs more); but the
        whole loss under the log-uniform prior, whose KL term is what prunes;
        for a model fitted to be pruned without fine-tuning
        (``finetune_epochs=0``), whose signal-to-noise ranking settles with
        the KL term (digits, λ = 0.1, 80 % pruned: 0.68 points lost on the
        whole loss, 1.24 on the fit to the data); and above
        λ = 1, where the prior pulls the means in for many epochs while the
        fit to the data worsens (digits, λ = 100: stopped on the fit to the
        data, a training ELBO of -233 nats per sample against -11)."""
        pruned = self._mask_rule() is not None
        pruned_as_trained = pruned and not self._finetune_epochs(continuing=False)
        strong_prior = self.complexity != "auto" and self.complexity > 1
        whole = self.prior == "log-uniform" or pruned_as_trained or strong_prior
        return "train_loss" if whole else "train_nll"

    # --- the task -------------------------------------------------------------

    # Keyword arguments of ``validate_data`` for ``y``, as the task needs.
    _y_validation: dict = {}

    @abstractmethod
    def _encode_targets(self, y, *, first, classes=None, weights=None):
        """``y`` encoded as the net trains on it. On the first fit (``first``)
        the task learns and sets what encoding needs (the classes, or the
        targets' scale under the rows' ``weights``); ``classes`` are
        ``partial_fit``'s."""

    @abstractmethod
    def _n_outputs(self):
        """Units of the network's output layer."""

    @abstractmethod
    def _check_validation_split(self, targets):
        """Raise unless early stopping's validation split of ``targets`` is
        possible; return what the split is stratified by (None for none)."""

    @abstractmethod
    def _criterion_params(self, hypernetwork):
        """Keyword arguments of the net for its likelihood (``criterion``)."""

    @abstractmethod
    def _log_likelihood(self, outputs, targets):
        """Summed log-likelihood of encoded ``targets`` given the network's
        ``outputs`` (float64, on the CPU), under the selected model's
        likelihood."""

    @abstractmethod
    def _predictive_rows(self, how, outputs):
        """What a prediction keeps of one batch of the network's outputs: a
        float tensor of one row per input. ``how`` is ``"moments"`` (outputs:
        their mean and variance), ``"mean"`` (the posterior-mean network's
        outputs) or ``"sample"`` (a list of posterior draws)."""

    def _sample_weights(self, y, X, sample_weight):
        """The weight of every training row, or None for equal weights:
        ``sample_weight``, validated (a classifier multiplies its
        ``class_weight``)."""
        return row_weights(sample_weight, None, y, X)

    def _reference_rows(self, X, weights, previous):
        """The training rows that predictions need to keep (``previous``:
        those an earlier ``partial_fit`` kept): none, unless the task says
        otherwise."""
        return None

    # --- the network (a hypernetwork overrides these) --------------------------

    def _net_spec(self, n_features, n_train):
        """The skorch net class, the module class, the module's keyword
        arguments and the net's, for ``n_features`` inputs and ``n_train``
        training samples: one :class:`~skvarhyper.nn.VariationalMLP` trained
        at ``complexity``, whose ``"auto"`` scales ``λ`` with the data."""
        sizes = check_hidden_layer_sizes(self.hidden_layer_sizes)
        layer_sizes = (n_features, *sizes, self._n_outputs())
        complexity = self.complexity
        if complexity == "auto" and self.prior == "log-uniform":
            complexity = 1.0
        elif complexity == "auto":
            n_weights = sum(n_in * n_out for n_in, n_out in pairwise(layer_sizes))
            complexity = min(1.0, n_train / n_weights)
        module_kwargs = {
            "layer_sizes": layer_sizes,
            "activation": self.activation,
            "prior": self.prior,
            "prior_mean": float(self.prior_mean),
            "prior_variance": float(self.prior_variance),
            "init_log_std": SPARSE_INIT_LOG_STD
            if self.prior == "log-uniform"
            else INIT_LOG_STD,
        }
        net_kwargs = {
            "complexity": float(complexity),
            **self._criterion_params(hypernetwork=False),
        }
        return VariationalNet, VariationalMLP, module_kwargs, net_kwargs

    def _selection(self):
        """The parameters that select the model predictions use."""
        return tuple(getattr(self, name) for name in self._selection_params)

    def _selected_module(self):
        """The :class:`~skvarhyper.nn.VariationalMLP` the parameters select,
        with the masks of the selection last applied."""
        return self.net_.module_

    def _selected_encoding(self, complexity=None):
        """The encoded ``λ`` of the model of ``complexity`` (None: the
        selected one), for likelihoods that depend on it; None for a network
        fitted at one complexity."""
        return None

    def _likelihood(self, complexity=None):
        """The likelihood of the model of ``complexity`` (None: the selected
        one): the net's, fixed at the ``λ`` of a hypernetwork's model."""
        t = self._selected_encoding(complexity)
        criterion = self.net_.criterion_
        return criterion if t is None else criterion.at(t)

    @property
    def complexity_(self):
        """The complexity ``λ`` of the model that predicts: the one the
        network was trained at (``complexity``, or its value for ``"auto"``)."""
        check_is_fitted(self)
        return float(self.net_.complexity)

    # --- fitting --------------------------------------------------------------

    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None):
        """Fit the model to data.

        With ``warm_start=True`` a fitted model continues from its weights and
        pruning masks (with a new optimiser, as ``MLPClassifier`` does).
        Ctrl-C stops training, keeps the model trained so far and raises
        ``KeyboardInterrupt``, so that a grid search or a script stops too. If
        the call fails, the estimator is left exactly as it was.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training data; sparse input is densified.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (numbers or strings) for a classifier; target values
            for a regressor, one column per output.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample (multiplied with a
            classifier's ``class_weight``). Integer weights repeat each row
            that often in every epoch (the fit equals the fit on the repeated
            rows, bit for bit; weight 0 drops a row); other weights multiply
            the rows' negative log-likelihood. Either way the KL term is scaled
            by the total weight.
        X_val : array-like or sparse matrix of shape (n_val, n_features), \
                default=None
            Validation rows for ``early_stopping``, used instead of holding out
            ``validation_fraction`` of ``X`` (as in scikit-learn's
            ``HistGradientBoostingClassifier``); needs ``y_val`` and
            ``early_stopping=True``. In a ``Pipeline``, transform it as ``X``
            with ``Pipeline(..., transform_input=["X_val"])`` (with metadata
            routing enabled and ``set_fit_request(X_val=True, y_val=True)``).
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of ``X_val``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        with transaction(self):
            return self._fit(
                X,
                y,
                incremental=False,
                sample_weight=sample_weight,
                validation=(X_val, y_val),
            )

    def _fit(
        self,
        X,
        y,
        *,
        incremental,
        classes=None,
        sample_weight=None,
        validation=(None, None),
    ):
        """Train: from scratch, or continuing the fitted net when
        ``incremental`` (one epoch, ``partial_fit``) or ``warm_start``;
        ``validation``, the user's ``(X_val, y_val)``."""
        continuing = hasattr(self, "net_") and (incremental or self.warm_start)
        self._check_params(continuing=continuing)
        self._check_validation_given(*validation)
        X, y = self._validate_X(X, y, reset=not continuing)
        weights = self._sample_weights(y, X, sample_weight)
        targets = self._encode_targets(
            y, first=not continuing, classes=classes, weights=weights
        )
        # A continuing fit draws on from the fitted model's random state (the
        # transaction restores it if the call fails).
        rng = self._rng if continuing else check_random_state(self.random_state)
        if validation[0] is not None:
            valid = self._validation_set(*validation)
        else:
            early_stopping = self.early_stopping and not incremental
            X, targets, weights, valid = self._split_validation(
                X, targets, weights, early_stopping, rng
            )
        seed = rng.randint(_SEED_BOUND)
        finetune_epochs = self._finetune_epochs(continuing=continuing or incremental)
        # Drawn up front, so that a fit resumed from its checkpoint fine-tunes
        # as the uninterrupted one did.
        finetune_seed = rng.randint(_SEED_BOUND) if finetune_epochs else None
        fingerprint = None
        if self.checkpoint is not None and not continuing and not incremental:
            given = None if validation[0] is None else (valid.X, valid.y)
            fingerprint = fit_fingerprint(self, X, targets, weights, given)
        net = self._new_net(X.shape[1], len(X), valid, seed, fingerprint, weights)
        epochs = 1 if incremental else net.max_epochs
        finetune_epochs = min(finetune_epochs, net.max_epochs)
        if continuing:
            self._continue_from(net, keep_optimizer=incremental)
            self._restart_schedule(net, net.max_epochs)
        elif fingerprint is not None:
            epochs = dict(net.callbacks_)["checkpoint"].resume(net, epochs)
        if epochs > 0:
            net.partial_fit(X, torch.from_numpy(targets), epochs=epochs)
        selection = self._selection() if continuing else None
        finetuned = None
        if finetune_epochs and not getattr(net, "interrupted_", False):
            self._finetune(net, X, targets, finetune_epochs, finetune_seed)
            selection = self._selection()
            masks = [mask.clone() for mask in net.module_.weight_masks]
            finetuned = (self._mask_rule(), masks)
        if not continuing:
            self._finetuned_masks_ = finetuned
        previous = getattr(self, "_reference_rows_", None) if incremental else None
        self._commit(
            net,
            rng,
            first=not continuing,
            selection=selection,
            reference_rows=self._reference_rows(X, weights, previous),
        )
        if getattr(net, "interrupted_", False):  # unset if no epoch was left
            raise FitInterrupted
        return self

    def _finetune_epochs(self, *, continuing):
        """Epochs that train the surviving weights after a fit from scratch
        that prunes (``finetune_epochs``; the fit caps them at its
        ``max_epochs``); none for a fit that continues the fitted network,
        which trains with its masks from the start."""
        if self._mask_rule() is None or continuing:
            return 0
        return self.finetune_epochs

    @staticmethod
    def _restart_schedule(net, epochs):
        """Start the learning-rate schedule, if any, afresh at the net's
        current epoch, over ``epochs`` epochs."""
        if "lr_schedule" in dict(net.callbacks_):
            net.set_params(
                callbacks__lr_schedule__epochs=epochs,
                callbacks__lr_schedule__start=len(net.history),
            )

    def _finetune(self, net, X, targets, epochs, seed):
        """Prune the trained ``net`` as the pruning parameters say, ranked on
        its own posterior, and train the surviving weights for at most
        ``epochs`` epochs with a fresh optimiser and fresh stopping rules,
        its random numbers drawn anew from ``seed``. The checkpoint, which
        holds the training before pruning, stops saving."""
        self._write_masks(net.module_, ranked_on=net.module_)
        if "checkpoint" in dict(net.callbacks_):
            net.set_params(callbacks__checkpoint=None)
        net.initialize_callbacks()  # the moving averages and stopping rules
        self._restart_schedule(net, epochs)
        net.generator.manual_seed(int(seed))
        net.initialize_optimizer()
        net.partial_fit(X, torch.from_numpy(targets), epochs=epochs)

    def _check_params(self, *, continuing=False):
        """Raise unless every parameter is valid (``set_params`` does not
        validate) and, for a fit that continues the fitted network, the
        architecture unchanged."""
        self._validate_params()
        check_hidden_layer_sizes(self.hidden_layer_sizes)
        check_device(self.device)
        fitted = getattr(self, "_architecture_", None)
        if not continuing or fitted is None:
            return
        now = self._architecture()
        changed = [
            f"{name} (fitted with {fitted[name]!r}, now {now[name]!r})"
            for name in fitted
            if np.asarray(fitted[name], dtype=object).tolist()
            != np.asarray(now[name], dtype=object).tolist()
        ]
        if changed:
            raise ValueError(
                f"{', '.join(changed)} changed since the model was fitted; "
                "partial_fit and warm_start=True continue the fitted network, "
                "whose architecture is fixed. Fit a new model with "
                "warm_start=False."
            )

    def _check_validation_given(self, X_val, y_val):
        """Raise unless ``X_val`` and ``y_val`` are both None, or both given
        with ``early_stopping=True``."""
        if X_val is None and y_val is None:
            return
        if X_val is None or y_val is None:
            given, missing = ("X_val", "y_val") if y_val is None else ("y_val", "X_val")
            raise ValueError(f"{given} is given but {missing} is not; pass both.")
        if not self.early_stopping:
            raise ValueError(
                "X_val and y_val are given but early_stopping=False; they are "
                "the validation rows of early stopping: set early_stopping=True."
            )

    def _validation_set(self, X_val, y_val):
        """The user's validation rows, checked like the training data, as a
        dataset of encoded targets."""
        X_val, y_val = self._validate_X(X_val, y_val, reset=False)
        targets = self._encode_targets(y_val, first=False)
        return Dataset(X_val, torch.from_numpy(targets))

    def _split_validation(self, X, targets, weights, early_stopping, rng):
        """Training rows, encoded targets and weights, and the (unweighted)
        validation set (drawn from ``rng``) when ``early_stopping``."""
        if not early_stopping:
            return X, targets, weights, None
        stratify = self._check_validation_split(targets)
        arrays = (X, targets) if weights is None else (X, targets, weights)
        X, X_valid, targets, targets_valid, *weights = train_test_split(
            *arrays,
            test_size=self.validation_fraction,
            stratify=stratify,
            random_state=rng,
        )
        weights = weights[0] if weights else None
        if weights is not None and not weights.sum() > 0:
            raise ValueError(
                "every sample with a positive sample_weight went to the "
                "validation split of early_stopping; give more samples weight, "
                "lower validation_fraction or set early_stopping=False."
            )
        return X, targets, weights, Dataset(X_valid, torch.from_numpy(targets_valid))

    def _new_net(
        self, n_features, n_rows, valid_dataset, seed, fingerprint=None, weights=None
    ):
        """An initialised skorch net for the current parameters, its random
        numbers drawn from a generator seeded with ``seed``, training on
        ``n_rows`` rows with ``weights`` (None for equal ones)."""
        rows = repeated_rows(weights)
        if rows is not None:  # integer weights: an epoch repeats the rows
            n_rows, weights = len(rows), None
        n_train = n_rows if weights is None else float(weights.sum())
        net_class, module, module_kwargs, net_kwargs = self._net_spec(
            n_features, n_train
        )
        device = check_device(self.device)
        net = net_class(
            module,
            **{f"module__{name}": value for name, value in module_kwargs.items()},
            **net_kwargs,
            **net_parameters(self, device, n_rows, n_train, valid_dataset, fingerprint),
            generator=make_generator(seed, device),
            train_weights=_mean_one(weights),
            train_rows=rows,
        )
        return net.initialize()

    def _continue_from(self, net, *, keep_optimizer):
        """Load the fitted net's network, likelihood and history into ``net``,
        with the masks of the current pruning parameters, and its optimiser
        state when asked, keeping ``net``'s hyperparameters."""
        previous = self.net_
        net.module_.load_state_dict(previous.module_.state_dict())
        net.criterion_.load_state_dict(previous.criterion_.state_dict())
        if self._applied_selection_ != self._selection():
            self._write_masks(net.module_, ranked_on=self._selected_module())
        # Shared, not copied: training only appends epochs, which a failed
        # call's transaction removes again.
        net.history = previous.history
        if not keep_optimizer or type(net.optimizer_) is not type(previous.optimizer_):
            return
        settings = [
            {key: value for key, value in group.items() if key != "params"}
            for group in net.optimizer_.param_groups
        ]
        net.optimizer_.load_state_dict(copy.deepcopy(previous.optimizer_.state_dict()))
        for group, setting in zip(net.optimizer_.param_groups, settings):
            group.update(setting)

    def _commit(self, net, rng, *, first, selection=None, reference_rows=None):
        """Make ``net`` the fitted network and set the learned attributes
        that follow from it: ``net_``, the random state ``rng`` of later fits,
        the ``reference_rows`` a task keeps, the pruning state
        (``_applied_selection_``: ``selection``, the pruning parameters that
        ``net``'s masks were made for, None for masks still to be made), and
        on the ``first`` fit ``n_weights_``, the seed of the predictions'
        draws and the fitted architecture."""
        # Training-only state: not kept (nor pickled) with the fitted model.
        net.generator = net.train_weights = net.train_rows = None
        net.__dict__.pop("train_batches_", None)
        parameters = [*net.module_.parameters(), *net.criterion_.parameters()]
        for parameter in parameters:
            if not torch.isfinite(parameter).all():
                raise ValueError(
                    "training diverged: the network's parameters are not finite. "
                    "The learning rate (lr) may be too large, or the input "
                    "unscaled (standardise X, e.g. with StandardScaler)."
                )
        self.net_ = net
        self._rng = rng
        self._reference_rows_ = reference_rows
        if first:
            self.n_weights_ = sum(mask.numel() for mask in net.module_.weight_masks)
            self._predict_seed_ = int(rng.randint(_SEED_BOUND))
            self._architecture_ = self._architecture()
        self._applied_selection_ = selection
        self._apply_selection()

    # --- the architecture of the fitted network ---------------------------------

    def _architecture(self):
        architecture = {name: getattr(self, name) for name in self._architecture_params}
        architecture["hidden_layer_sizes"] = check_hidden_layer_sizes(
            self.hidden_layer_sizes
        )
        return architecture

    @contextmanager
    def _fitted_architecture(self):
        """Within the block, the architecture parameters are those the network
        was fitted with, whatever ``set_params`` changed since."""
        fitted = getattr(self, "_architecture_", None) or {}
        current = {name: getattr(self, name) for name in fitted}
        self.__dict__.update(fitted)
        try:
            yield
        finally:
            self.__dict__.update(current)

    # --- data -------------------------------------------------------------------

    def _validate_X(self, X, y="no_validation", *, reset):
        """Training data as one float32 tensor (the only copy of ``X`` in fit)."""
        X, y = self._validate_arrays(X, y, reset=reset, dtype=np.float32)
        X = torch.from_numpy(X.toarray() if sp.issparse(X) else X)
        check_float32_finite(X)
        return X if y is None else (X, y)

    def _validate_arrays(self, X, y="no_validation", *, reset=False, dtype=None):
        """Validated ``X`` (CSR when sparse) and ``y``; float64 and float32
        input is not copied unless ``dtype`` says so."""
        kwargs = {
            "accept_sparse": "csr",
            "dtype": dtype or [np.float64, np.float32],
            "order": "C",
            "reset": reset,
        }
        if isinstance(y, str) and y == "no_validation":
            return validate_data(self, X, **kwargs), None
        return validate_data(self, X, y, **kwargs, **self._y_validation)

    def _batches(self, X):
        """Float32 tensors of ``PREDICT_BATCH_SIZE`` rows of ``X`` on the device,
        so that evaluation needs memory for one batch, not for a copy of ``X``."""
        for start in range(0, X.shape[0], PREDICT_BATCH_SIZE):
            chunk = X[start : start + PREDICT_BATCH_SIZE]
            chunk = chunk.toarray() if sp.issparse(chunk) else chunk
            with np.errstate(over="ignore"):
                chunk = np.ascontiguousarray(chunk, dtype=np.float32)
            check_float32_finite(chunk)
            yield torch.from_numpy(chunk).to(self.net_.device)

    # --- the selected model: pruning masks ----------------------------------------

    def set_params(self, **params):
        """Set the parameters of this estimator.

        On a fitted model, new pruning parameters (and a hypernetwork's
        ``complexity``) take effect at once, as :meth:`prune` would apply
        them; invalid values are reported when the model is next used.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : object
            The estimator.
        """
        super().set_params(**params)
        if hasattr(self, "net_") and self._applied_selection_ != self._selection():
            try:
                self._validate_params()
                self._apply_selection()
            except ValueError:
                pass  # raised again where the model is next used
        return self

    def _apply_selection(self):
        """Make the fitted network's masks those of the current pruning
        parameters: the one writer of the fitted network's masks (a
        continuing fit gives its new network the masks in
        :meth:`_continue_from`, before training), and the one place where the
        caches derived from the network are emptied."""
        vars(self).update(self._empty_caches())  # of a network just committed
        selection = self._selection()
        if self._applied_selection_ != selection:
            self._write_masks(self.net_.module_, ranked_on=self._selected_module())
            self._applied_selection_ = selection
            # Ranking filled them with networks of the masks before.
            vars(self).update(self._empty_caches())

    def _empty_caches(self):
        """The caches derived from the fitted network, empty, by attribute
        name (``_cached_*``); each part that keeps one adds its own. Set by
        :meth:`_apply_selection`, and on unpickling."""
        return {}

    def _mask_rule(self):
        """What the pruning parameters make the masks from: the threshold, or
        the fraction with its score and scope; None when nothing is pruned."""
        if self.prune_threshold is not None:
            return ("threshold", self.prune_threshold)
        if self.prune_fraction == 0:
            return None
        return ("fraction", self.prune_fraction, self.prune_score, self.prune_scope)

    def _write_masks(self, module, *, ranked_on):
        """Write the masks of the current pruning parameters, ranked on the
        posterior of the network ``ranked_on``, into ``module``'s mask
        buffers; the masks a fit fine-tuned with when the parameters are
        those of that fit again."""
        masks = module.weight_masks
        trained = getattr(self, "_finetuned_masks_", None)
        if trained is not None and trained[0] == self._mask_rule():
            new_masks = trained[1]
        elif self.prune_threshold is not None:
            new_masks = [
                (log_alpha(mean, log_std) <= self.prune_threshold).to(mean.dtype)
                for mean, log_std in ranked_on.weight_posteriors()
            ]
        elif self.prune_fraction == 0:
            new_masks = [torch.ones_like(mask) for mask in masks]
        else:
            new_masks = pruning_masks(
                ranked_on.weight_posteriors(),
                self.prune_fraction,
                score=self.prune_score,
                scope=self.prune_scope,
            )
        with torch.no_grad():
            for mask, new_mask in zip(masks, new_masks):
                mask.copy_(new_mask)

    def _predictive_module(self):
        """The selected network, pruned as the parameters say now. Parameters
        assigned directly since the selection was last applied prune a copy,
        leaving the fitted model as it is."""
        module = self._selected_module()
        if self._applied_selection_ != self._selection():
            module = copy.deepcopy(module)
            self._write_masks(module, ranked_on=module)
        return module

    @validate_params(
        {
            "fraction": [Interval(Real, 0, 1, closed="both"), None],
            "threshold": [Interval(Real, None, None, closed="neither"), None],
            "score": [StrOptions(set(PRUNING_SCORES)), None],
            "scope": [StrOptions(set(PRUNING_SCOPES)), None],
        },
        prefer_skip_nested_validation=True,
    )
    def prune(self, fraction=None, *, threshold=None, score=None, scope=None):
        """Prune weights by a mask; the means are kept.

        Either a ``fraction`` of the weights, ranked over the whole network
        (or per layer), or every weight whose dropout rate
        ``α = s**2 / m**2`` exceeds ``exp(threshold)``, is zeroed in every
        later prediction. The posterior itself is left intact, so
        ``prune(0.9)`` then ``prune(0.5)`` gives the 0.5 model and
        ``prune(0.0)`` the unpruned one. Sets ``prune_fraction`` and
        ``prune_threshold`` (and ``prune_score``/``prune_scope`` when given).

        Parameters
        ----------
        fraction : float, default=None
            Fraction of weights to remove, in ``[0, 1]``.
        threshold : float, default=None
            Remove the weights whose ``log α`` is above it, however many they
            are: 3 is sparse variational dropout's rule (``α > 20``, a
            signal-to-noise ratio below 0.22), suited to
            ``prior="log-uniform"``. Give ``fraction`` or ``threshold``, not
            both.
        score : {"snr", "magnitude"}, default=None
            Ranking criterion of ``fraction``; None keeps ``prune_score``.
            ``"snr"`` ranks as ``α`` does (``α = 1 / SNR**2``).
        scope : {"global", "layer", "unit"}, default=None
            What ``fraction`` removes: the lowest-ranked weights of the whole
            network or of every layer, or whole inputs and hidden units (see
            ``prune_scope``); None keeps ``prune_scope``.

        Returns
        -------
        self : object
            The pruned estimator.
        """
        check_is_fitted(self)
        if (fraction is None) == (threshold is None):
            raise ValueError(
                "prune takes either a fraction of the weights or a log-alpha "
                f"threshold, exactly one of them; got fraction={fraction!r} and "
                f"threshold={threshold!r}."
            )
        before = {name: getattr(self, name) for name in self._selection_params}
        self.prune_fraction = 0.0 if fraction is None else fraction
        self.prune_threshold = threshold
        if score is not None:
            self.prune_score = score
        if scope is not None:
            self.prune_scope = scope
        try:
            self._validate_params()
        except ValueError:
            self.__dict__.update(before)
            raise
        self._apply_selection()
        return self

    @property
    def sparsity_(self):
        """Fraction of the weights pruned now."""
        self._check_fitted()
        masks = self._predictive_module().weight_masks
        kept = sum(float(mask.sum()) for mask in masks)
        return 1.0 - kept / self.n_weights_

    # --- prediction ---------------------------------------------------------------

    def _check_fitted(self):
        """Raise unless fitted and every parameter valid (``set_params`` does
        not validate)."""
        check_is_fitted(self)
        self._validate_params()

    def _predict_generator(self):
        """A generator of its own per call: reproducible posterior draws that
        do not depend on other calls or threads."""
        return make_generator(self._predict_seed_, self.net_.device)

    def _predictive(self):
        """``predictive`` with ``"auto"`` resolved for the fitted prior (not
        one ``set_params`` set since)."""
        return resolve_predictive(self.predictive, self.net_.module_.prior)

    def _predict_rows(self, X, how=None, n_samples=None):
        """The task's summary of the network's outputs under the posterior for
        every row of validated ``X``, in batches: from ``n_mc_samples``
        posterior draws, else as ``predictive`` says (or ``how``; a ``how``
        other than ``"moments"`` and ``"mean"`` summarises ``n_samples``
        draws)."""
        module, generator = self._predictive_module(), self._predict_generator()
        if n_samples is None:
            n_samples = self.n_mc_samples if how is None else 0
        if how is None:
            how = "sample" if n_samples else self._predictive()
        rows = []
        with torch.inference_mode():
            for batch in self._batches(X):
                if how == "moments":
                    outputs = module.predictive_moments(batch)
                elif how == "mean":
                    outputs = module(batch, sample=False)
                else:
                    outputs = [module(batch, True, generator) for _ in range(n_samples)]
                rows.append(self._predictive_rows(how, outputs).cpu().numpy())
        rows = np.concatenate(rows).astype(np.float64, copy=False)
        if not np.isfinite(rows).all():
            raise ValueError(
                "the model's predictions are not finite; its parameters or the "
                "input overflow float32."
            )
        return rows

    def _uncertainty_draws(self, n_mc_samples):
        """The posterior draws :meth:`predict_uncertainty` averages over:
        ``n_mc_samples``, else the estimator's ``n_mc_samples``, else
        ``UNCERTAINTY_DRAWS``."""
        if n_mc_samples is None:
            return self.n_mc_samples or UNCERTAINTY_DRAWS
        return int(n_mc_samples)

    # --- evidence -------------------------------------------------------------------

    def evidence(self, X, y, *, n_mc_samples=20):
        """Terms of the generalised evidence lower bound on ``(X, y)``.

        ``ELBO = E_q[log p(y | X, w)] - λ * KL(q || p)`` at the model's
        complexity ``λ``, with the expectation estimated from ``n_mc_samples``
        draws of the local reparameterisation (the posterior mean when 0).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Labels from ``classes_`` (a classifier) or target values (a
            regressor, whose likelihood is the density of ``y`` in its own
            units, the learned noise included).
        n_mc_samples : int, default=20
            Monte-Carlo draws for the expected log-likelihood.

        Returns
        -------
        evidence : dict
            ``log_likelihood`` (summed over the samples), ``kl`` and ``elbo``.
        """
        self._check_fitted()
        if not isinstance(n_mc_samples, Integral) or n_mc_samples < 0:
            raise ValueError(
                f"n_mc_samples must be an integer >= 0, got {n_mc_samples!r}."
            )
        X, y = self._validate_arrays(X, y)
        targets = torch.from_numpy(self._encode_targets(y, first=False))
        module, generator = self._predictive_module(), self._predict_generator()
        draws, total = max(n_mc_samples, 1), 0.0
        with torch.inference_mode():
            for batch, batch_targets in zip(
                self._batches(X), targets.split(PREDICT_BATCH_SIZE)
            ):
                for _ in range(draws):
                    outputs = module(batch, n_mc_samples > 0, generator).cpu()
                    total += self._log_likelihood(outputs.double(), batch_targets)
            kl = float(module.kl())
        log_likelihood = total / draws
        return {
            "log_likelihood": log_likelihood,
            "kl": kl,
            "elbo": log_likelihood - self.complexity_ * kl,
        }

    # --- the fitted attributes of scikit-learn's MLPs -------------------------------

    def _layers(self):
        self._check_fitted()
        return self._predictive_module().layers

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
        return [float(epoch[key]) for epoch in self.net_.history]

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
        """The smallest training loss, or None with ``early_stopping`` (as in
        ``MLPClassifier``) or before the first epoch (a hypernetwork's
        exported model)."""
        losses = self.loss_curve_
        return None if self.early_stopping or not losses else min(losses)

    @property
    def validation_scores_(self):
        """The score on the validation split at every epoch that had one, or
        None without ``early_stopping`` or such epochs: a classifier's
        accuracy, a regressor's R² (relative to the variance of the training
        targets), both of the predictive's mean outputs, and for a
        hypernetwork that of the model with the best validation loss."""
        self._check_fitted()
        key = f"valid_{self.net_.criterion_.score_name}"
        scores = [float(epoch[key]) for epoch in self.net_.history if key in epoch]
        return scores if self.early_stopping and scores else None

    @property
    def best_validation_score_(self):
        """The best of ``validation_scores_``, or None without ``early_stopping``."""
        scores = self.validation_scores_
        return None if scores is None else max(scores)

    def _live_units(self):
        """Boolean vectors of the units on a path of unpruned weights from
        an input to an output, inputs first (see
        :func:`~skvarhyper.nn.live_units`)."""
        return live_units(self._predictive_module().weight_masks)

    @property
    def n_units_(self):
        """Hidden units per hidden layer that the pruned network still uses:
        those on a path of unpruned weights from an input to an output (a
        unit that reads nothing only adds a constant to the next layer). The
        sizes of ``to_sklearn(compress=True)``'s hidden layers, which keep one
        silenced unit where a layer is left empty."""
        self._check_fitted()
        return tuple(int(live.sum()) for live in self._live_units()[1:-1])

    def get_support(self, indices=False):
        """The inputs the pruned network still reads: those on a path of
        unpruned weights to an output. The others have a
        ``feature_importances_`` of exactly 0, and
        ``to_sklearn(compress=True)`` drops them.

        Parameters
        ----------
        indices : bool, default=False
            Return the positions of the inputs read instead of a mask.

        Returns
        -------
        support : ndarray
            A boolean mask of shape ``(n_features_in_,)``, or the integer
            positions of its true entries.
        """
        self._check_fitted()
        mask = self._live_units()[0].cpu().numpy()
        return np.flatnonzero(mask) if indices else mask

    @property
    def feature_importances_(self):
        """Relevance of each input: the signal-to-noise mass ``sum |m| / s`` of
        its unpruned first-layer weights into units the pruned network still
        uses, normalised to sum to one. An input the pruned network does not
        read (see :meth:`get_support`) gets exactly 0; all do when it reads
        none. Lets ``SelectFromModel`` choose inputs from the posterior."""
        first = self._layers()[0]
        used = self._live_units()[1].to(first.weight_mask.dtype)
        snr = snr_scores(first.weight_mean, first.weight_log_std)
        mass = _numpy((snr * first.weight_mask * used[:, None]).sum(0))
        total = mass.sum()
        return mass / total if total > 0 else mass

    # --- saving ---------------------------------------------------------------------

    def save(self, path):
        """Save the fitted model into the directory ``path``.

        The network goes through skorch's ``save_params`` (``params.pt``,
        ``optimizer.pt``, ``criterion.pt`` with a regressor's noise,
        ``history.json``), so training can continue after
        :meth:`load`; the estimator's parameters and learned attributes go into
        ``estimator.joblib``.

        Parameters
        ----------
        path : str or path-like
            Directory to write; created if needed.

        Returns
        -------
        self : object
            The estimator, unchanged.
        """
        check_is_fitted(self)
        save_estimator(self, path)
        return self

    @classmethod
    def load(cls, path, *, device=None):
        """Load a model written by :meth:`save`.

        Parameters
        ----------
        path : str or path-like
            Directory written by :meth:`save`.
        device : str or torch.device, default=None
            Where to put the network; None keeps the saved ``device`` when it
            is available here and falls back to the CPU with a warning.

        Returns
        -------
        estimator : object
            The fitted estimator.
        """
        return load_estimator(cls, path, device)

    def __getstate__(self):
        state = dict(super().__getstate__())
        for name in self._empty_caches():
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "_applied_selection_" in state:  # fitted
            vars(self).update(self._empty_caches())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.non_deterministic = False
        return tags
