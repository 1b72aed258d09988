"""The skorch net's configuration from an estimator's parameters: the one
place where estimator parameters become net parameters."""

import math
from numbers import Integral

import torch
from sklearn.utils import Bunch
from skorch.callbacks import EarlyStopping, ProgressBar
from skorch.helper import predefined_split

from .._utils.state import fit_parameters
from .callbacks import CosineSchedule, DivergenceGuard, FitCheckpoint, Smoothed
from .nets import supports_fused

OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}


def check_device(device) -> torch.device:
    """Return ``device`` as a ``torch.device``, or raise if it is unusable here."""
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a torch device; use 'cpu', 'cuda', "
            "'cuda:N' or 'mps'."
        ) from exc
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={str(device)!r} was requested but CUDA is not available "
                "on this machine; use device='cpu'."
            )
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={str(device)!r} does not exist: this machine has "
                f"{torch.cuda.device_count()} CUDA device(s)."
            )
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            "device='mps' was requested but MPS is not available; use device='cpu'."
        )
    elif device.type not in {"cpu", "cuda", "mps"}:
        raise ValueError(
            f"device={str(device)!r} is not supported; use 'cpu', 'cuda' or 'mps'."
        )
    return device


def check_hidden_layer_sizes(hidden_layer_sizes) -> tuple[int, ...]:
    """Return the hidden sizes as a tuple of positive ints, or raise."""
    sizes = (
        (hidden_layer_sizes,)
        if isinstance(hidden_layer_sizes, Integral)
        else tuple(hidden_layer_sizes)
    )
    if not sizes or not all(
        isinstance(size, Integral) and not isinstance(size, bool) and size >= 1
        for size in sizes
    ):
        raise ValueError(
            "hidden_layer_sizes must be a non-empty sequence of positive integers, "
            f"got {hidden_layer_sizes!r}."
        )
    return tuple(int(size) for size in sizes)


LR_SCHEDULES = ("auto", "constant", "cosine")

SPARSE_TRAINING = {"lr": 1e-2, "batch_size": 128, "lr_schedule": "cosine"}
"""What ``"auto"`` means under the log-uniform prior: sparse variational
dropout's training (a higher rate, decayed to zero, and smaller batches:
more steps for the dropout rates to settle)."""

SPARSE_STEPS = 8000
"""Optimiser steps that ``max_epochs="auto"`` gives the log-uniform prior ..."""

SPARSE_EPOCHS = (200, 800)
"""... in at least 200 epochs and at most 800."""

SPARSE_WARMUP_STEPS = 200
"""Optimiser steps of the log-uniform prior's KL warm-up under
``complexity_warmup="auto"``."""


def resolved_parameter(estimator, name):
    """The estimator's ``lr``, ``batch_size`` or ``lr_schedule``, ``"auto"``
    resolved for its prior."""
    value = getattr(estimator, name)
    if value != "auto":
        return value
    if estimator.prior == "log-uniform":
        return SPARSE_TRAINING[name]
    return {**estimator._gaussian_training, "lr_schedule": "constant"}[name]


def learning_rate(estimator):
    """``lr``, with ``"auto"`` resolved for the prior."""
    return float(resolved_parameter(estimator, "lr"))


def training_schedule(estimator, n_rows):
    """The learning rate, batch size, epochs, learning-rate schedule and KL
    warm-up (in epochs) of a fit on ``n_rows`` rows, ``"auto"`` resolved for
    the prior: the estimator's own defaults (``_gaussian_training``) and no
    warm-up for the Gaussian prior; for the log-uniform one
    :data:`SPARSE_TRAINING`, the epochs that make :data:`SPARSE_STEPS` steps
    within :data:`SPARSE_EPOCHS`, and a warm-up of
    :data:`SPARSE_WARMUP_STEPS` steps, without which the KL term of a large
    network on a small table prunes every weight in its first epochs (wine:
    39 % accuracy on two seeds of three), and with which longer it keeps
    weights the pruning then has to cut (digits, 98 % removed: 95.1 % after
    a quarter of the epochs)."""
    sparse = estimator.prior == "log-uniform"
    batch_size = max(1, min(resolved_parameter(estimator, "batch_size"), int(n_rows)))
    steps_per_epoch = math.ceil(n_rows / batch_size)
    if estimator.max_epochs != "auto":
        max_epochs = int(estimator.max_epochs)
    elif sparse:
        max_epochs = min(
            max(math.ceil(SPARSE_STEPS / steps_per_epoch), SPARSE_EPOCHS[0]),
            SPARSE_EPOCHS[1],
        )
    else:
        max_epochs = estimator._gaussian_training["max_epochs"]
    if estimator.complexity_warmup != "auto":
        warmup = int(estimator.complexity_warmup)
    elif sparse:
        warmup = min(math.ceil(SPARSE_WARMUP_STEPS / steps_per_epoch), max_epochs)
    else:
        warmup = 0
    return Bunch(
        lr=learning_rate(estimator),
        batch_size=batch_size,
        max_epochs=max_epochs,
        lr_schedule=resolved_parameter(estimator, "lr_schedule"),
        complexity_warmup=warmup,
    )


def resolve_predictive(predictive, prior):
    """``predictive`` with ``"auto"`` resolved for ``prior``: the moments of
    the Gaussian prior's posterior, the means of the log-uniform prior's,
    whose surviving weights are noisy enough that the moments'
    approximation costs accuracy (digits, 98 % pruned: 94.6 % against
    96.7 % for the means and 96.5 % for 100 posterior draws)."""
    if predictive != "auto":
        return predictive
    return "mean" if prior == "log-uniform" else "moments"


def _stopping(estimator, early_stopping):
    """Stop on the held-out predictive's negative log-likelihood (early
    stopping, restoring the best epoch) or on the smoothed training loss the
    estimator converges on (``_convergence_monitor``), as ``MLPClassifier``
    does on its exact losses."""
    monitor = f"{estimator._convergence_monitor}_smoothed"
    return EarlyStopping(
        monitor="valid_loss" if early_stopping else monitor,
        patience=estimator.n_iter_no_change,
        threshold=estimator.tol or 0.0,
        threshold_mode="abs",
        load_best=early_stopping,
    )


def _callbacks(estimator, schedule, early_stopping, fingerprint, description):
    callbacks = [
        *(estimator.callbacks or []),
        ("divergence_guard", DivergenceGuard(estimator.on_divergence)),
    ]
    if schedule.lr_schedule == "cosine":
        callbacks.append(("lr_schedule", CosineSchedule(schedule.max_epochs)))
    # A decaying learning rate sets the length of training itself.
    converging = estimator.tol is not None and schedule.lr_schedule != "cosine"
    if early_stopping or converging:
        if not early_stopping:
            smoothed = Smoothed(estimator._convergence_monitor)
            callbacks.append(("smoothed_training_loss", smoothed))
        callbacks.append(("early_stopping", _stopping(estimator, early_stopping)))
    if estimator.verbose >= 2:
        callbacks.append(("progress_bar", ProgressBar()))
    if fingerprint is not None:
        # Last, so that it saves what early stopping restored at the end.
        checkpoint = FitCheckpoint(estimator.checkpoint, fingerprint, description)
        callbacks.append(("checkpoint", checkpoint))
    return callbacks


def net_parameters(
    estimator,
    device,
    n_rows,
    n_train,
    valid_dataset,
    fingerprint,
):
    """Keyword arguments of the skorch net that every estimator shares, on the
    checked ``device``, training on ``n_rows`` rows of total weight
    ``n_train`` (the scale of the KL term).

    Early stopping applies when there is a ``valid_dataset``.
    ``fingerprint`` names the checkpoint directory of this fit (described by
    the estimator's fit parameters); None for no checkpoint.
    """
    description = fit_parameters(estimator) if fingerprint else None
    device = str(device)
    optimizer = OPTIMIZERS[estimator.optimizer]
    schedule = training_schedule(estimator, n_rows)
    params = {
        "complexity_warmup": schedule.complexity_warmup,
        "predictive": resolve_predictive(estimator.predictive, estimator.prior),
        "n_train": n_train,
        "optimizer": optimizer,
        "lr": schedule.lr,
        "max_epochs": schedule.max_epochs,
        "batch_size": schedule.batch_size,
        "train_split": None
        if valid_dataset is None
        else predefined_split(valid_dataset),
        "callbacks": _callbacks(
            estimator, schedule, valid_dataset is not None, fingerprint, description
        ),
        "verbose": int(estimator.verbose),
        "device": device,
    }
    if estimator.optimizer == "sgd":
        params["optimizer__momentum"] = estimator.momentum
    if supports_fused(optimizer, device):
        params["optimizer__fused"] = True
    return params
