"""What the variational estimators share: fitting, pruning, evidence.

Each kind of state has one owner here. The parameters live on the estimator
and reach the net in :meth:`_new_net` only. A fit never changes the net it
continues from: it trains a new one loaded from it and commits it in
:meth:`_commit`, so a failed call leaves the model as it was (see
:func:`~skvarhyper._state.transaction`). Masks are a cache of the pruning
parameters, resynchronised in :meth:`_sync_masks` only.
"""

import copy
import os
from abc import abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data
from skorch.dataset import Dataset

from ._architecture import ArchitectureMixin
from ._mlp_attributes import MLPAttributesMixin
from ._net_config import OPTIMIZERS, net_parameters
from ._persistence import PersistenceMixin
from ._posterior import PosteriorMixin
from ._state import FitInterrupted, fit_fingerprint, fit_parameters, transaction
from ._training import drop_unfinished_epoch, make_generator
from ._validation import (
    check_device,
    check_float32_finite,
    check_hidden_layer_sizes,
)
from ._weights import mean_one, repeated_rows, row_weights
from .nn import ACTIVATIONS
from .nn.functional import PRIORS
from .nn.pruning import PRUNING_SCORES

_SEED_BOUND = np.iinfo(np.int32).max


class BaseVariationalEstimator(
    ArchitectureMixin,
    MLPAttributesMixin,
    PersistenceMixin,
    PosteriorMixin,
    BaseEstimator,
):
    """Base of the classifiers and regressors; not meant to be used directly.

    The task (:class:`~skvarhyper._classifier.BaseVariationalClassifier`,
    :class:`~skvarhyper._regressor.BaseVariationalRegressor`) says how
    targets are encoded (:meth:`_fit_targets`), how many outputs the network
    has (:meth:`_n_outputs`) and which skorch nets train it; the model says
    which net and module to build (:meth:`_net_spec`) and which variational
    network predictions use (:meth:`_selected_module`).
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "complexity": [Interval(Real, 0, None, closed="left")],
        "complexity_warmup": [
            Interval(Integral, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "prior": [StrOptions(set(PRIORS))],
        "prior_mean": [Interval(Real, None, None, closed="neither")],
        "prior_variance": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "n_mc_samples": [Interval(Integral, 0, None, closed="left")],
        "predictive": [StrOptions({"auto", "moments", "mean"})],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "prune_fraction": [Interval(Real, 0, 1, closed="both")],
        "prune_threshold": [Interval(Real, None, None, closed="neither"), None],
        "prune_score": [StrOptions(set(PRUNING_SCORES))],
        "prune_scope": [StrOptions({"global", "layer"})],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "callbacks": [list, None],
        "on_divergence": [StrOptions({"raise", "warn"})],
        "checkpoint": [None, str, os.PathLike],
    }

    # Parameters that do not change what a fit learns: they select, prune,
    # display or store a fitted model. Fingerprints of fits leave them out.
    _not_fit_params = (
        "prune_fraction",
        "prune_threshold",
        "prune_score",
        "prune_scope",
        "n_mc_samples",
        "predictive",
        "warm_start",
        "verbose",
        "callbacks",
        "checkpoint",
    )
    # --- what a subclass provides -------------------------------------------

    # Keyword arguments of ``validate_data`` for ``y``, as the task needs.
    _y_validation: dict = {}

    @abstractmethod
    def _net_spec(self, n_features, n_outputs):
        """The skorch net class, the module class, and the keyword arguments of
        the module and of the net."""

    @abstractmethod
    def _fit_targets(self, y, classes=None, *, first, weights=None):
        """``y`` encoded as the net trains on it; on the first fit the task
        learns what encoding needs (the classes, the targets' scale, under
        the rows' ``weights``)."""

    @abstractmethod
    def _n_outputs(self):
        """Units of the network's output layer."""

    def _remember_training_rows(self, X, weights, *, incremental):
        """Keep what predictions need to know of the training inputs ``X``
        (a float32 tensor) of weights ``weights``, adding to what earlier
        calls kept when ``incremental``: nothing, unless the task says
        otherwise."""

    def _stratify(self, targets):
        """What the validation split of early stopping is stratified by."""
        return None

    def _check_validation_split(self, targets):
        """Raise unless early stopping's validation split is possible."""

    @abstractmethod
    def _selected_module(self):
        """The :class:`~skvarhyper.nn.VariationalMLP` that predictions use now."""

    def _mask_key(self):
        return (
            self.prune_fraction,
            self.prune_threshold,
            self.prune_score,
            self.prune_scope,
        )

    def _validate_hyperparameters(self):
        self._validate_params()
        check_hidden_layer_sizes(self.hidden_layer_sizes)
        check_device(self.device)

    # --- fitting --------------------------------------------------------------

    def fit(self, X, y, sample_weight=None):
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
            the rows' negative log-likelihood. Either way the KL term is scaled by the
            total weight.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        with transaction(self):
            return self._fit(X, y, incremental=False, sample_weight=sample_weight)

    def _fit(self, X, y, *, incremental, classes=None, sample_weight=None):
        continuing = hasattr(self, "net_") and (incremental or self.warm_start)
        self._validate_hyperparameters()
        if continuing:
            self._check_architecture()
        X, y = self._validate_X(X, y, reset=not continuing)
        class_weight = getattr(self, "class_weight", None)
        weights = row_weights(sample_weight, class_weight, y, X)
        codes = self._fit_targets(y, classes, first=not continuing, weights=weights)
        if not continuing:
            self._rng = check_random_state(self.random_state)
        early_stopping = self.early_stopping and not incremental
        X, codes, weights, valid = self._split_validation(
            X, codes, weights, early_stopping
        )
        seed = self._rng.randint(_SEED_BOUND)
        fingerprint = None
        if self.checkpoint is not None and not continuing and not incremental:
            fingerprint = fit_fingerprint(self, X, codes, weights)
        net = self._new_net(X.shape[1], len(X), valid, seed, fingerprint, weights)
        epochs = 1 if incremental else self.max_epochs
        mask_key = self._mask_key()
        if continuing:
            self._continue_from(net, self.net_, keep_optimizer=incremental)
            if self._mask_key_ != mask_key:
                self._write_masks(net.module_)
        elif fingerprint is not None:
            epochs = dict(net.callbacks_)["checkpoint"].resume(net, epochs)
        if epochs > 0:
            net.partial_fit(X, torch.from_numpy(codes), epochs=epochs)
        drop_unfinished_epoch(net.history)
        self._remember_training_rows(X, weights, incremental=incremental)
        self._commit(net, first=not continuing, mask_key=mask_key)
        if getattr(net, "interrupted_", False):
            raise FitInterrupted
        return self

    def _split_validation(self, X, codes, weights, early_stopping):
        """Training rows, encoded targets and weights, and the (unweighted)
        validation set when ``early_stopping``."""
        if not early_stopping:
            return X, codes, weights, None
        self._check_validation_split(codes)
        arrays = (X, codes) if weights is None else (X, codes, weights)
        X, X_valid, codes, codes_valid, *weights = train_test_split(
            *arrays,
            test_size=self.validation_fraction,
            stratify=self._stratify(codes),
            random_state=self._rng,
        )
        weights = weights[0] if weights else None
        if weights is not None and not weights.sum() > 0:
            raise ValueError(
                "every sample with a positive sample_weight went to the "
                "validation split of early_stopping; give more samples weight, "
                "lower validation_fraction or set early_stopping=False."
            )
        return X, codes, weights, Dataset(X_valid, torch.from_numpy(codes_valid))

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
            n_features, self._n_outputs()
        )
        device = check_device(self.device)
        description = fit_parameters(self) if fingerprint else None
        net = net_class(
            module,
            **{f"module__{name}": value for name, value in module_kwargs.items()},
            **net_kwargs,
            **net_parameters(
                self,
                device,
                n_rows,
                n_train,
                valid_dataset,
                fingerprint,
                description,
                self._training_complexity(n_train),
            ),
            generator=make_generator(seed, device),
            train_weights=mean_one(weights),
            train_rows=rows,
        )
        return net.initialize()

    def _training_complexity(self, n_train):
        """The ``λ`` a fit on ``n_train`` samples trains at."""
        return float(self.complexity)

    @staticmethod
    def _continue_from(net, previous, *, keep_optimizer):
        """Load ``previous``'s network, masks and history into ``net``, and its
        optimiser state when asked, keeping ``net``'s hyperparameters."""
        net.module_.load_state_dict(previous.module_.state_dict())
        net.criterion_.load_state_dict(previous.criterion_.state_dict())
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

    def _commit(self, net, *, first, mask_key=None):
        """Make ``net`` the fitted network; derived state follows. ``mask_key``
        names the pruning parameters that ``net``'s masks were made for."""
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
        self._exported_ = {}
        if first:
            self.n_weights_ = sum(mask.numel() for mask in net.module_.weight_masks)
            self._predict_seed_ = int(self._rng.randint(_SEED_BOUND))
            self._architecture_ = self._architecture()
            mask_key = None
        self._mask_key_ = mask_key
        self._sync_masks()

    # --- data -----------------------------------------------------------------

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

    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_exported_", None)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.non_deterministic = False
        return tags
