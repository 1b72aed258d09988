"""What the variational classifiers share: validation, labels, fitting, pruning."""

import functools
import os
import warnings
from abc import abstractmethod
from contextlib import contextmanager
from numbers import Integral, Real
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.callbacks import Checkpoint, EarlyStopping, ProgressBar
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from ._training import DivergenceGuard
from ._validation import check_device, check_hidden_layer_sizes
from .nn import ACTIVATIONS
from .nn.pruning import PRUNING_SCORES, pruning_masks

OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}
PREDICT_BATCH_SIZE = 8192


@functools.cache
def supports_fused(optimizer, device) -> bool:
    """Whether this PyTorch has a fused (single-kernel) ``optimizer`` on ``device``."""
    try:
        optimizer([torch.zeros(1, device=device, requires_grad=True)], fused=True)
    except (RuntimeError, TypeError, ValueError):
        return False
    return True


@contextmanager
def _unchanged_on_error(estimator):
    """Restore the estimator's attributes if the block raises."""
    state = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(state)
        raise


class BaseVariationalClassifier(ClassifierMixin, BaseEstimator):
    """Base of the classifiers; not meant to be used directly.

    Subclasses provide the torch module and the skorch net class, and say how
    to obtain the variational network currently selected (the hypernetwork
    generates it for ``complexity``).
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "complexity": [Interval(Real, 0, None, closed="left")],
        "prior_mean": [Interval(Real, None, None, closed="neither")],
        "prior_variance": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "n_mc_samples": [Interval(Integral, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "prune_fraction": [Interval(Real, 0, 1, closed="both")],
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

    # --- what a subclass provides -------------------------------------------

    @abstractmethod
    def _build_net(self, n_features, n_classes, n_train, valid_dataset):
        """Return an uninitialised skorch net for the current parameters."""

    @abstractmethod
    def _selected_module(self):
        """The :class:`~skvarhyper.nn.VariationalMLP` that predictions use now."""

    def _mask_key(self):
        return (self.prune_fraction, self.prune_score, self.prune_scope)

    # --- fitting --------------------------------------------------------------

    def fit(self, X, y):
        """Fit the model to data.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training data; sparse input is densified.
        y : array-like of shape (n_samples,)
            Class labels, numbers or strings.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        continuing = self.warm_start and hasattr(self, "net_")
        with _unchanged_on_error(self):
            return self._fit(X, y, continuing=continuing, epochs=None)

    def partial_fit(self, X, y, classes=None):
        """Train for one epoch over the given data, continuing from the last state.

        The first call initialises the model; later calls keep the network, its
        optimiser state and its pruning masks, so pruned weights stay at zero.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All labels that will ever appear; only used on the first call,
            where it defaults to the labels of ``y``.

        Returns
        -------
        self : object
            The updated estimator.
        """
        continuing = hasattr(self, "net_")
        with _unchanged_on_error(self):
            return self._fit(
                X, y, continuing=continuing, epochs=1, classes=classes, reuse=True
            )

    def _validate_hyperparameters(self):
        self._validate_params()
        check_hidden_layer_sizes(self.hidden_layer_sizes)
        check_device(self.device)

    def _fit(self, X, y, *, continuing, epochs, classes=None, reuse=False):
        self._validate_hyperparameters()
        X, y = self._validate_X(X, y, reset=not continuing)
        check_classification_targets(y)
        if continuing:
            unseen = np.setdiff1d(y, self.classes_)
            if unseen.size:
                raise ValueError(
                    f"y contains labels not seen when the model was first fitted: "
                    f"{unseen.tolist()}; known classes are {self.classes_.tolist()}."
                )
        else:
            self._fit_labels(y if classes is None else classes)
            self._rng = check_random_state(self.random_state)
        y = torch.from_numpy(np.searchsorted(self.classes_, y).astype(np.int64))

        valid_dataset = None
        if self.early_stopping:
            X, X_valid, y, y_valid = train_test_split(
                X,
                y,
                test_size=self.validation_fraction,
                stratify=y,
                random_state=self._rng,
            )
            valid_dataset = Dataset(X_valid, y_valid)

        seed = int(self._rng.randint(np.iinfo(np.int32).max))
        with self._seeded(seed, check_device(self.device)):
            if reuse and continuing:
                self.net_.complexity = self.complexity
                self.net_.n_train = len(X)
                self.net_.partial_fit(X, y, epochs=epochs)
            else:
                net = self._build_net(
                    X.shape[1], len(self.classes_), len(X), valid_dataset
                )
                net.initialize()
                if continuing:
                    self._load_module_state(net)
                elif epochs is None:
                    epochs = self.max_epochs - self._resume_from_checkpoint(net)
                if epochs is None or epochs > 0:
                    net.partial_fit(X, y, epochs=epochs)
                self.net_ = net
        if not continuing:
            self.n_weights_ = sum(mask.numel() for mask in self._module_masks())
            self._mask_key_ = None
            self._predict_seed_ = int(self._rng.randint(np.iinfo(np.int32).max))
        self._sync_masks()
        return self

    def _resume_from_checkpoint(self, net):
        """Load the checkpoint of an interrupted fit; return its epoch count."""
        if self.checkpoint is None:
            return 0
        checkpoint = dict(net.callbacks_)["checkpoint"]
        if not Path(checkpoint.dirname, checkpoint.f_params).exists():
            return 0
        try:
            net.load_params(checkpoint=checkpoint)
        except RuntimeError as exc:
            raise ValueError(
                f"checkpoint={str(self.checkpoint)!r} holds a model of another "
                "architecture or data; use an empty directory for a new fit."
            ) from exc
        return len(net.history)

    def _fit_labels(self, y):
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in y; "
                f"got 1 class ({encoder.classes_[0]!r})."
            )
        self.classes_ = encoder.classes_

    def _load_module_state(self, net):
        try:
            net.module_.load_state_dict(self.net_.module_.state_dict())
        except RuntimeError as exc:
            raise ValueError(
                "warm_start needs the architecture of the fitted model; "
                "hidden_layer_sizes (or another shape parameter) changed since "
                "the first fit. Set warm_start=False to fit a new model."
            ) from exc

    def _net_params(self, n_train, valid_dataset):
        """Keyword arguments of the skorch net that both classifiers share."""
        callbacks = [
            *(self.callbacks or []),
            ("divergence_guard", DivergenceGuard(self.on_divergence)),
        ]
        if self.checkpoint is not None:
            callbacks.append(
                (
                    "checkpoint",
                    Checkpoint(
                        monitor=None,
                        dirname=str(self.checkpoint),
                        f_criterion=None,
                        f_pickle=None,
                    ),
                )
            )
        if self.early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(patience=self.n_iter_no_change, load_best=True),
                )
            )
        if self.verbose >= 2:
            callbacks.append(("progress_bar", ProgressBar()))
        params = {
            "complexity": self.complexity,
            "n_train": n_train,
            "optimizer": OPTIMIZERS[self.optimizer],
            "lr": self.lr,
            "max_epochs": self.max_epochs,
            "batch_size": min(self.batch_size, n_train),
            "train_split": None
            if valid_dataset is None
            else predefined_split(valid_dataset),
            "callbacks": callbacks,
            "verbose": int(self.verbose),
            "device": str(check_device(self.device)),
        }
        if self.optimizer == "sgd":
            params["optimizer__momentum"] = self.momentum
        if supports_fused(params["optimizer"], params["device"]):
            params["optimizer__fused"] = True
        return params

    @staticmethod
    @contextmanager
    def _seeded(seed, device):
        device = torch.device(device)
        devices = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            yield

    def _validate_X(self, X, y="no_validation", *, reset):
        """Training data as one float32 tensor (the only copy of ``X`` in fit)."""
        X, y = self._validate_arrays(X, y, reset=reset, dtype=np.float32)
        X = torch.from_numpy(X.toarray() if sp.issparse(X) else X)
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
        return validate_data(self, X, y, **kwargs)

    def _batches(self, X):
        """Float32 tensors of ``PREDICT_BATCH_SIZE`` rows of ``X`` on the device,
        so that evaluation needs memory for one batch, not for a copy of ``X``."""
        for start in range(0, X.shape[0], PREDICT_BATCH_SIZE):
            chunk = X[start : start + PREDICT_BATCH_SIZE]
            chunk = chunk.toarray() if sp.issparse(chunk) else chunk
            chunk = np.ascontiguousarray(chunk, dtype=np.float32)
            yield torch.from_numpy(chunk).to(self.net_.device)

    # --- prediction -----------------------------------------------------------

    def _sync_masks(self):
        """Make the pruning masks match the current parameters."""
        key = self._mask_key()
        if self._mask_key_ == key:
            return
        masks = self._module_masks()
        if self.prune_fraction == 0:
            new_masks = [torch.ones_like(mask) for mask in masks]
        else:
            new_masks = pruning_masks(
                self._selected_module().weight_posteriors(),
                self.prune_fraction,
                score=self.prune_score,
                scope=self.prune_scope,
            )
        with torch.no_grad():
            for mask, new_mask in zip(masks, new_masks):
                mask.copy_(new_mask)
        self._mask_key_ = key

    def _module_masks(self):
        return self.net_.module_.weight_masks

    @contextmanager
    def _inference(self):
        """The selected network with current masks, in evaluation mode, without
        autograd, and with posterior draws reproducible per fitted model."""
        self._sync_masks()
        module = self._selected_module().eval()
        seed, device = self._predict_seed_, self.net_.device
        with torch.inference_mode(), self._seeded(seed, device):
            yield module

    def _predict_batches(self, X, n_samples):
        """Class probabilities for validated ``X``, in batches."""
        proba = np.empty((X.shape[0], len(self.classes_)))
        start = 0
        with self._inference() as module:
            for batch in self._batches(X):
                if n_samples == 0:
                    batch_proba = torch.softmax(module(batch, sample=False), dim=-1)
                else:
                    batch_proba = sum(
                        torch.softmax(module(batch, sample=True), dim=-1)
                        for _ in range(n_samples)
                    )
                proba[start : start + len(batch)] = batch_proba.cpu().numpy()
                start += len(batch)
        # float32 softmax sums are off by ~1e-7; exact sums matter to metrics.
        proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict_proba(self, X):
        """Class probabilities under the posterior.

        With ``n_mc_samples=0`` the network's weights are the posterior means
        of the unpruned weights; otherwise probabilities are averaged over
        ``n_mc_samples`` draws from the posterior (reproducible for a fixed
        ``random_state``).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities of the classes in the order of ``classes_``.
        """
        check_is_fitted(self)
        X, _ = self._validate_arrays(X)
        self._validate_params()
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

    # --- pruning and evidence -------------------------------------------------

    @validate_params(
        {
            "fraction": [Interval(Real, 0, 1, closed="both")],
            "score": [StrOptions(set(PRUNING_SCORES)), None],
            "scope": [StrOptions({"global", "layer"}), None],
        },
        prefer_skip_nested_validation=True,
    )
    def prune(self, fraction, *, score=None, scope=None):
        """Prune a fraction of the weights by a mask; the means are kept.

        The weights are ranked over the whole network (or per layer) and the
        lowest ``fraction`` of them are zeroed in every later prediction. The
        posterior itself is left intact, so ``prune(0.9)`` then ``prune(0.5)``
        gives the 0.5 model and ``prune(0.0)`` the unpruned one. Sets
        ``prune_fraction`` (and ``prune_score``/``prune_scope`` when given).

        Parameters
        ----------
        fraction : float
            Fraction of weights to remove, in ``[0, 1]``.
        score : {"snr", "magnitude"}, default=None
            Ranking criterion; None keeps ``prune_score``.
        scope : {"global", "layer"}, default=None
            Ranking scope; None keeps ``prune_scope``.

        Returns
        -------
        self : object
            The pruned estimator.
        """
        check_is_fitted(self)
        self.prune_fraction = fraction
        if score is not None:
            self.prune_score = score
        if scope is not None:
            self.prune_scope = scope
        self._sync_masks()
        return self

    @property
    def sparsity_(self):
        """Fraction of the weights pruned now."""
        check_is_fitted(self)
        self._sync_masks()
        kept = sum(float(mask.sum()) for mask in self._module_masks())
        return 1.0 - kept / self.n_weights_

    def evidence(self, X, y, *, n_samples=20):
        """Terms of the generalised evidence lower bound on ``(X, y)``.

        ``ELBO = E_q[log p(y | X, w)] - complexity * KL(q || p)``, with the
        expectation estimated from ``n_samples`` draws of the local
        reparameterisation (the posterior mean when 0).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        y : array-like of shape (n_samples,)
            Labels from ``classes_``.
        n_samples : int, default=20
            Monte-Carlo draws for the expected log-likelihood.

        Returns
        -------
        evidence : dict
            ``log_likelihood`` (summed over the samples), ``kl`` and ``elbo``.
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 0:
            raise ValueError(f"n_samples must be an integer >= 0, got {n_samples!r}.")
        X, y = self._validate_arrays(X, y)
        check_classification_targets(y)
        unseen = np.setdiff1d(y, self.classes_)
        if unseen.size:
            raise ValueError(
                f"y contains labels the model was not fitted on: {unseen.tolist()}."
            )
        codes = torch.from_numpy(np.searchsorted(self.classes_, y))
        draws = max(n_samples, 1)
        total = 0.0
        with self._inference() as module:
            for batch, batch_codes in zip(
                self._batches(X), codes.split(PREDICT_BATCH_SIZE)
            ):
                for _ in range(draws):
                    logits = module(batch, sample=n_samples > 0).cpu()
                    log_proba = torch.log_softmax(logits.double(), dim=-1)
                    total += float(log_proba.gather(1, batch_codes[:, None]).sum())
            kl = float(module.kl())
        log_likelihood = total / draws
        return {
            "log_likelihood": log_likelihood,
            "kl": kl,
            "elbo": log_likelihood - self.complexity * kl,
        }

    # --- persistence ----------------------------------------------------------

    def save(self, path):
        """Save the fitted model into the directory ``path``.

        The network goes through skorch's ``save_params`` (``params.pt``,
        ``history.json``); the estimator's parameters and learned attributes
        (``classes_`` and the rest) go into ``estimator.joblib``.

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
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.net_.save_params(
            f_params=path / "params.pt", f_history=path / "history.json"
        )
        state = {k: v for k, v in vars(self).items() if k != "net_"}
        joblib.dump(
            {"class": type(self), "state": state, "n_train": self.net_.n_train},
            path / "estimator.joblib",
        )
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
        path = Path(path)
        saved = joblib.load(path / "estimator.joblib")
        if not issubclass(saved["class"], cls):
            raise TypeError(
                f"{path} holds a {saved['class'].__name__}, not a {cls.__name__}."
            )
        estimator = saved["class"].__new__(saved["class"])
        estimator.__dict__.update(saved["state"])
        if device is not None:
            estimator.device = device
        try:
            check_device(estimator.device)
        except ValueError:
            warnings.warn(
                f"the model was saved on device={estimator.device!r}, which is not "
                "available here; loading it on the CPU.",
                UserWarning,
                stacklevel=2,
            )
            estimator.device = "cpu"
        net = estimator._build_net(
            estimator.n_features_in_,
            len(estimator.classes_),
            saved["n_train"],
            None,
        )
        net.initialize()
        net.load_params(f_params=path / "params.pt", f_history=path / "history.json")
        estimator.net_ = net
        return estimator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.non_deterministic = False
        return tags
