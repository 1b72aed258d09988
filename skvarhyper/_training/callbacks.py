"""skorch callbacks of the training loop: the learning-rate schedule, the
divergence guard and the checkpoint of one fit."""

import copy
import json
import math
import warnings
from pathlib import Path

import numpy as np
from skorch.callbacks import Callback, Checkpoint

FINGERPRINT_FILE = "fit.json"
FINISHED_FILE = "finished"


class CosineSchedule(Callback):
    """Decays every parameter group's learning rate from its initial value
    towards zero along a half cosine, epoch by epoch: in epoch ``k`` of the
    schedule it is ``lr * (1 + cos(pi * k / epochs)) / 2``, as PyTorch's
    ``CosineAnnealingLR`` stepped once per epoch.

    The position in the schedule is the number of epochs in the net's
    history since ``start``, so a fit resumed from its checkpoint (history
    and optimiser restored) continues where it stopped.

    Parameters
    ----------
    epochs : int
        Length of the schedule.
    start : int, default=0
        Length of the net's history when the schedule began.
    """

    def __init__(self, epochs, start=0):
        self.epochs = epochs
        self.start = start

    def on_train_begin(self, net, **kwargs):
        resumed = len(net.history) > self.start  # the optimiser holds its rates
        for group in net.optimizer_.param_groups:
            if not resumed or "initial_lr" not in group:
                group["initial_lr"] = group["lr"]

    def on_epoch_begin(self, net, **kwargs):
        position = min(len(net.history) - 1 - self.start, self.epochs)
        factor = 0.5 * (1.0 + math.cos(math.pi * position / self.epochs))
        for group in net.optimizer_.param_groups:
            group["lr"] = group["initial_lr"] * factor


class DivergenceGuard(Callback):
    """Stops training when a batch's loss is not finite.

    Parameters
    ----------
    action : {"raise", "warn"}, default="raise"
        ``"raise"`` stops with a ``ValueError`` that names the likely causes;
        ``"warn"`` restores the parameters and the optimiser state of the last
        epoch that ended finite, warns, and stops training.
    """

    def __init__(self, action="raise"):
        self.action = action

    def initialize(self):
        self.last_finite_ = None
        return self

    def _snapshot(self, net):
        if self.action == "warn":
            self.last_finite_ = copy.deepcopy(
                (net.module_.state_dict(), net.optimizer_.state_dict())
            )

    def on_train_begin(self, net, **kwargs):
        self._snapshot(net)

    def on_epoch_end(self, net, **kwargs):
        self._snapshot(net)

    def on_train_end(self, net, **kwargs):
        self.last_finite_ = None

    def on_batch_end(self, net, batch=None, training=False, loss=None, **kwargs):
        if not training or loss is None or math.isfinite(loss.item()):
            return
        epoch = len(net.history)
        message = (
            f"training diverged: the loss became {loss.item()} in epoch {epoch}. "
            "The learning rate (lr) may be too large, or the input unscaled "
            "(standardise X, e.g. with StandardScaler)."
        )
        if self.action == "raise":
            raise ValueError(message)
        if self.last_finite_ is not None:
            module_state, optimizer_state = self.last_finite_
            net.module_.load_state_dict(module_state)
            net.optimizer_.load_state_dict(optimizer_state)
        warnings.warn(
            f"{message} Restored the parameters of the last finite epoch and "
            "stopped training.",
            RuntimeWarning,
            stacklevel=2,
        )
        raise KeyboardInterrupt


class EpochEvidence(Callback):
    """Per-epoch ``train_{nll,kl,elbo}``, ``valid_nll`` and the validation
    score (``valid_accuracy`` of a classifier, ``valid_r2`` of a regressor):
    the batches' values averaged, weighted by batch size, as skorch's
    ``PassthroughScoring`` averages ``train_loss``, but in one pass over the
    epoch's batches. A hypernetwork's validation batches record every
    validated model's loss and score: their epoch averages are reduced to
    the best model's, which becomes ``valid_loss``."""

    KEYS = {
        "train": ("train_nll", "train_kl", "train_elbo"),
        "valid": (
            "valid_nll",
            "valid_accuracy",
            "valid_r2",
            "valid_nll_by_complexity",
            "valid_score_by_complexity",
        ),
    }

    def on_epoch_end(self, net, **kwargs):
        batches = net.history[-1]["batches"]
        means = {}
        for prefix, keys in self.KEYS.items():
            size = f"{prefix}_batch_size"
            scored = [b for b in batches if any(key in b for key in keys)]
            total = sum(b[size] for b in scored)
            if not total:
                continue
            for key in (key for key in keys if key in scored[0]):
                means[key] = sum(np.asarray(b[key]) * b[size] for b in scored) / total
        if "valid_nll_by_complexity" in means:
            losses = means.pop("valid_nll_by_complexity")
            scores = means.pop("valid_score_by_complexity")
            best = int(np.argmin(losses))
            means["valid_loss"] = means["valid_nll"] = losses[best]
            means[f"valid_{net.criterion_.score_name}"] = scores[best]
            earlier = [e["valid_loss"] for e in net.history[:-1] if "valid_loss" in e]
            means["valid_loss_best"] = bool(
                means["valid_loss"] < min(earlier, default=np.inf)
            )
        for key, value in means.items():
            net.history.record(key, value if isinstance(value, bool) else float(value))


class Smoothed(Callback):
    """Records ``{key}_smoothed``, an exponential moving average of the
    history's ``key`` over epochs: a stochastic training loss's
    epoch-to-epoch noise would otherwise stop a convergence test long before
    the fit settles.

    Parameters
    ----------
    key : str
        What to average: ``"train_nll"`` (the mean negative log-likelihood of
        the sampled outputs, the fit to the data) or ``"train_loss"``.
    decay : float, default=0.9
        Weight of the previous average; ``1 / (1 - decay)`` epochs of memory.
    """

    def __init__(self, key, decay=0.9):
        self.key = key
        self.decay = decay

    def initialize(self):
        self.average_ = None
        return self

    def on_epoch_end(self, net, **kwargs):
        value = net.history[-1, self.key]
        if self.average_ is None:
            self.average_ = value
        else:
            self.average_ = self.decay * self.average_ + (1 - self.decay) * value
        net.history.record(f"{self.key}_smoothed", self.average_)


class FitCheckpoint(Checkpoint):
    """skorch's ``Checkpoint`` of every epoch into the directory of one fit.

    The directory is named by the fit's fingerprint (a hash of the parameters
    that change the fit and of the training data), so a later fit resumes
    only the same model on the same data; any other fit gets a directory of
    its own.

    Parameters
    ----------
    root : str or path-like
        The directory given by the user.
    fingerprint : str
        Hash of the fit.
    description : dict
        What the fingerprint stands for, written to ``fit.json`` for people.
    """

    def __init__(self, root, fingerprint, description=None):
        self.root = root
        self.fingerprint = fingerprint
        self.description = description
        super().__init__(
            monitor=None,
            dirname=str(Path(root) / fingerprint),
            f_pickle=None,
        )

    def on_train_begin(self, net, **kwargs):
        directory = Path(self.dirname)
        directory.mkdir(parents=True, exist_ok=True)
        info = {"fingerprint": self.fingerprint, "fit": self.description}
        (directory / FINGERPRINT_FILE).write_text(json.dumps(info, default=repr))
        Path(directory, FINISHED_FILE).unlink(missing_ok=True)
        super().on_train_begin(net, **kwargs)

    def on_train_end(self, net, **kwargs):
        """Save the model as training left it (early stopping may have
        restored its best epoch) and, unless the user interrupted it, mark the
        fit finished."""
        if getattr(net, "interrupted_", False):
            return
        self.save_model(net)
        Path(self.dirname, FINISHED_FILE).touch()

    def resume(self, net, max_epochs):
        """Load the saved state of this fit into ``net``; return how many of
        ``max_epochs`` epochs are left to train (none for a finished fit)."""
        if not Path(self.dirname, self.f_params).exists():
            return max_epochs
        files = {
            key: Path(self.dirname, getattr(self, key))
            for key in ("f_params", "f_optimizer", "f_criterion", "f_history")
        }
        # A likelihood without parameters (a classifier's) needs no file:
        # checkpoints written before the criterion was saved lack it.
        if not files["f_criterion"].exists():
            del files["f_criterion"]
        try:
            net.load_params(**files)
        except Exception as exc:
            raise ValueError(
                f"the checkpoint of this fit in {self.dirname!r} cannot be read "
                f"({type(exc).__name__}: {exc}); delete that directory to start "
                "afresh."
            ) from exc
        if Path(self.dirname, FINISHED_FILE).exists():
            return 0
        return max_epochs - len(net.history)
