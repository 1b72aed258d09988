"""skorch training loop of the variational classifiers (no sklearn validation here)."""

import math

import torch
from skorch import NeuralNet
from skorch.callbacks import PassthroughScoring


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
        self.record_evidence("train" if training else "valid", nll, kl, loss)
        return loss

    def record_evidence(self, prefix, nll, kl, loss):
        """Write one batch's evidence terms into the history."""
        self.history.record_batch(f"{prefix}_nll", nll.item())
        self.history.record_batch(f"{prefix}_kl", kl.item())
        self.history.record_batch(f"{prefix}_elbo", -loss.item() * self.n_train)
