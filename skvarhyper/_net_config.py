"""The skorch net's configuration from an estimator's parameters: the one
place where estimator parameters become net parameters."""

import torch
from skorch.callbacks import EarlyStopping, ProgressBar
from skorch.helper import predefined_split

from ._callbacks import DivergenceGuard, FitCheckpoint, SmoothedTrainLoss
from ._training import supports_fused

OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}


def warmup_epochs(estimator):
    """Epochs of KL annealing: ``complexity_warmup``, whose ``"auto"`` is a
    quarter of ``max_epochs`` for the log-uniform prior, which without it can
    prune a whole small network in its first epochs, and none otherwise."""
    if estimator.complexity_warmup != "auto":
        return int(estimator.complexity_warmup)
    return estimator.max_epochs // 4 if estimator.prior == "log-uniform" else 0


def _stopping(estimator, early_stopping):
    """Stop on the held-out loss (early stopping, restoring the best epoch) or
    on the smoothed training loss (convergence), as ``MLPClassifier`` does on
    its exact losses."""
    return EarlyStopping(
        monitor="valid_loss" if early_stopping else "train_loss_smoothed",
        patience=estimator.n_iter_no_change,
        threshold=estimator.tol or 0.0,
        threshold_mode="abs",
        load_best=early_stopping,
    )


def _callbacks(estimator, early_stopping, fingerprint, description):
    callbacks = [
        *(estimator.callbacks or []),
        ("divergence_guard", DivergenceGuard(estimator.on_divergence)),
    ]
    if early_stopping or estimator.tol is not None:
        if not early_stopping:
            callbacks.append(("smoothed_train_loss", SmoothedTrainLoss()))
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
    description,
    complexity,
):
    """Keyword arguments of the skorch net that every estimator shares, on the
    checked ``device``, training at ``complexity`` on ``n_rows`` rows of total
    weight ``n_train`` (the scale of the KL term).

    Early stopping applies when there is a ``valid_dataset``.
    ``fingerprint`` (with its ``description``) names the checkpoint directory
    of this fit; None for no checkpoint.
    """
    device = str(device)
    optimizer = OPTIMIZERS[estimator.optimizer]
    params = {
        "complexity": complexity,
        "complexity_warmup": warmup_epochs(estimator),
        "n_train": n_train,
        "optimizer": optimizer,
        "lr": estimator.lr,
        "max_epochs": estimator.max_epochs,
        "batch_size": max(1, min(estimator.batch_size, int(n_rows))),
        "train_split": None
        if valid_dataset is None
        else predefined_split(valid_dataset),
        "callbacks": _callbacks(
            estimator, valid_dataset is not None, fingerprint, description
        ),
        "verbose": int(estimator.verbose),
        "device": device,
    }
    if estimator.optimizer == "sgd":
        params["optimizer__momentum"] = estimator.momentum
    if supports_fused(optimizer, device):
        params["optimizer__fused"] = True
    return params
