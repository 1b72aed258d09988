"""skorch training loop of the variational classifiers (no sklearn validation here)."""

import copy
import math
import warnings

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, PassthroughScoring
from skorch.dataset import unpack_data
from skorch.utils import to_tensor


class TensorBatchIterator:
    """Mini-batches sliced from the tensors of a skorch ``Dataset``.

    Replaces the ``DataLoader``'s per-sample ``__getitem__`` and collate step:
    a batch is one indexing operation on tensors converted once per fit.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset
        Holds ``X`` and ``y`` as tensors of equal length.
    batch_size : int
        Rows per batch; the last batch may be smaller.
    shuffle : bool
        Draw a new random permutation (from torch's generator) every epoch.
    """

    def __init__(self, dataset, batch_size=128, shuffle=False):
        self.X = dataset.X
        self.y = dataset.y
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self):
        return math.ceil(len(self.X) / self.batch_size)

    def __iter__(self):
        n_samples = len(self.X)
        if not self.shuffle:
            for start in range(0, n_samples, self.batch_size):
                stop = start + self.batch_size
                yield self.X[start:stop], self.y[start:stop]
            return
        order = torch.randperm(n_samples)
        for start in range(0, n_samples, self.batch_size):
            index = order[start : start + self.batch_size]
            yield self.X[index], self.y[index]


class VariationalNet(NeuralNet):
    """skorch net that minimises the negative generalised evidence per sample.

    The loss of a mini-batch is ``mean(NLL) + complexity * KL / n_train``, an
    unbiased estimate of ``-ELBO_complexity / n_train``. The module must return
    logits and provide ``kl()``. Besides ``train_loss``/``valid_loss`` the
    history records per epoch ``*_nll`` (mean negative log-likelihood per
    sample), ``*_kl`` (KL divergence of the posterior from the prior) and
    ``*_elbo`` (the generalised evidence lower bound of the training set).

    Parameters
    ----------
    module : torch module class or instance
        See :class:`skorch.NeuralNet`.
    complexity : float, default=1.0
        Weight ``λ`` of the KL term.
    n_train : int, default=1
        Size of the training set, which scales the KL term per sample.
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(
        self,
        module,
        *args,
        complexity=1.0,
        n_train=1,
        criterion=torch.nn.CrossEntropyLoss,
        iterator_train=TensorBatchIterator,
        iterator_valid=TensorBatchIterator,
        train_split=None,
        **kwargs,
    ):
        kwargs.setdefault("iterator_train__shuffle", True)
        super().__init__(
            module,
            *args,
            criterion=criterion,
            iterator_train=iterator_train,
            iterator_valid=iterator_valid,
            train_split=train_split,
            **kwargs,
        )
        self.complexity = complexity
        self.n_train = n_train

    @property
    def _default_callbacks(self):
        evidence_scores = [
            (f"{prefix}_{term}", PassthroughScoring(name=f"{prefix}_{term}", **opts))
            for prefix, on_train in (("train", True), ("valid", False))
            for term, opts in (
                ("nll", {"lower_is_better": None, "on_train": on_train}),
                ("kl", {"lower_is_better": None, "on_train": on_train}),
                ("elbo", {"lower_is_better": False, "on_train": on_train}),
            )
        ]
        *base, print_log = super()._default_callbacks
        return [*base, *evidence_scores, print_log]

    def get_loss(self, y_pred, y_true, X=None, training=False):
        nll = super().get_loss(y_pred, y_true, X=X, training=training)
        kl = self.module_.kl()
        loss = nll + self.complexity * kl / self.n_train
        self.record_evidence(
            "train" if training else "valid", nll, kl, -loss * self.n_train
        )
        return loss

    def record_evidence(self, prefix, nll, kl, elbo):
        """Write one batch's evidence terms into the history."""
        self.history.record_batch(f"{prefix}_nll", nll.item())
        self.history.record_batch(f"{prefix}_kl", kl.item())
        self.history.record_batch(f"{prefix}_elbo", elbo.item())


class HyperVariationalNet(VariationalNet):
    """skorch net that trains a hypernetwork over a range of complexities.

    Every training step draws ``n_complexity_samples`` values ``t`` in
    ``[0, 1]``, one uniformly in each of as many equal parts (stratified
    sampling), decodes them into complexities ``λ`` with the module's encoder
    (so ``λ`` follows the encoder's scale: log-uniform for a log encoder), and
    minimises the mean over the draws of
    ``(mean(NLL) + λ * KL / n_train) / (1 + λ)``. Dividing each draw's
    negative evidence by ``1 + λ`` keeps draws of large ``λ`` from swamping
    the gradient of the shared generator; it reweights the distribution of
    ``λ`` but leaves the best posterior of every single ``λ`` unchanged. The
    history's ``*_elbo`` is the unweighted mean over draws of ``ELBO_λ``. The
    validation loss uses evenly spaced ``t``, so that it is deterministic.

    Parameters
    ----------
    module : HyperVariationalMLP class or instance
        The hypernetwork; ``module(x, complexity)`` returns logits and KL.
    n_complexity_samples : int, default=5
        Draws of ``λ`` per mini-batch.
    draw_batching : {"split", "repeat"}, default="split"
        ``"split"`` gives each draw its own share of the batch (an unbiased
        estimate of the same objective at about the cost of one pass);
        ``"repeat"`` passes the whole batch through every draw, as the thesis
        did.
    **kwargs
        Passed to :class:`VariationalNet`.
    """

    def __init__(
        self, module, *args, n_complexity_samples=5, draw_batching="split", **kwargs
    ):
        super().__init__(module, *args, **kwargs)
        self.n_complexity_samples = n_complexity_samples
        self.draw_batching = draw_batching

    def draw_loss(self, X, y, complexity, *, split, training):
        """Mean over draws of the per-sample negative generalised evidence."""
        if split:
            n_draws = min(len(complexity), len(X))
            per_draw = len(X) // n_draws
            complexity = complexity[:n_draws]
            X = X[: n_draws * per_draw].view(n_draws, per_draw, -1)
            y = y[: n_draws * per_draw].view(n_draws, per_draw)
        else:
            X = X.expand(len(complexity), *X.shape)
            y = y.expand(len(complexity), *y.shape)
        logits, kl = self.module_(X, complexity)
        nll = torch.nn.functional.cross_entropy(
            logits.flatten(0, 1), y.flatten(), reduction="none"
        ).view(y.shape)
        nll = nll.mean(1)
        negative_elbo = nll + complexity * kl / self.n_train
        loss = (negative_elbo / (1 + complexity)).mean()
        self.record_evidence(
            "train" if training else "valid",
            nll.mean(),
            kl.mean(),
            -negative_elbo.mean() * self.n_train,
        )
        return loss, logits

    def _batch_tensors(self, batch):
        X, y = unpack_data(batch)
        return to_tensor(X, device=self.device), to_tensor(y, device=self.device)

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        X, y = self._batch_tensors(batch)
        n_draws = self.n_complexity_samples
        # Stratified: one draw in each of n_draws equal parts of [0, 1].
        t = (
            torch.arange(n_draws, device=X.device)
            + torch.rand(n_draws, device=X.device)
        ) / n_draws
        complexity = self.module_.encoder.decode(t)
        loss, logits = self.draw_loss(
            X, y, complexity, split=self.draw_batching == "split", training=True
        )
        loss.backward()
        return {"loss": loss, "y_pred": logits}

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        X, y = self._batch_tensors(batch)
        t = torch.linspace(0, 1, self.n_complexity_samples, device=X.device)
        with torch.no_grad():
            loss, logits = self.draw_loss(
                X, y, self.module_.encoder.decode(t), split=False, training=False
            )
        return {"loss": loss, "y_pred": logits}


class DivergenceGuard(Callback):
    """Stops training when a batch's loss is not finite.

    Parameters
    ----------
    action : {"raise", "warn"}, default="raise"
        ``"raise"`` stops with a ``ValueError`` that names the likely causes;
        ``"warn"`` restores the parameters of the last epoch that ended finite,
        warns, and stops training as if interrupted.
    """

    def __init__(self, action="raise"):
        self.action = action

    def initialize(self):
        self.last_finite_ = None
        return self

    def _snapshot(self, net):
        if self.action == "warn":
            self.last_finite_ = copy.deepcopy(net.module_.state_dict())

    def on_train_begin(self, net, **kwargs):
        self._snapshot(net)

    def on_epoch_end(self, net, **kwargs):
        self._snapshot(net)

    def on_batch_end(self, net, batch=None, training=False, loss=None, **kwargs):
        if loss is None or math.isfinite(loss.item()):
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
            net.module_.load_state_dict(self.last_finite_)
        warnings.warn(
            f"{message} Restored the parameters of the last finite epoch and "
            "stopped training.",
            RuntimeWarning,
            stacklevel=2,
        )
        raise KeyboardInterrupt
