"""Mini-batches of a training run, sliced from tensors."""

import math

import torch


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
        Draw a new random permutation every epoch.
    generator : torch.Generator, optional
        Source of the permutations; torch's global generator when None.
    weights : torch.Tensor, optional
        A weight per row; ``batch_weights`` holds those of the batch last
        yielded (the batches themselves stay ``(X, y)``, as skorch's
        callbacks expect).
    rows : torch.Tensor, optional
        The rows an epoch goes through, repeats included (integer sample
        weights); every row once when None.
    """

    def __init__(
        self,
        dataset,
        batch_size=128,
        shuffle=False,
        generator=None,
        weights=None,
        rows=None,
    ):
        self.X = dataset.X
        self.y = dataset.y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.weights = weights
        self.rows = rows
        self.batch_weights = None

    def __len__(self):
        n_rows = len(self.X) if self.rows is None else len(self.rows)
        return math.ceil(n_rows / self.batch_size)

    def __iter__(self):
        n_rows = len(self.X) if self.rows is None else len(self.rows)
        if self.shuffle:
            device = None if self.generator is None else self.generator.device
            order = torch.randperm(n_rows, generator=self.generator, device=device)
            order = order.cpu()
        for start in range(0, n_rows, self.batch_size):
            index = (
                order[start : start + self.batch_size]
                if self.shuffle
                else slice(start, start + self.batch_size)
            )
            if self.rows is not None:
                index = self.rows[index]
            if self.weights is not None:
                self.batch_weights = self.weights[index]
            yield self.X[index], None if self.y is None else self.y[index]
