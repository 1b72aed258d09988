"""Per-row weights of a fit from ``sample_weight`` and ``class_weight``."""

import numpy as np
import torch
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import _check_sample_weight


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


def mean_one(weights):
    """``weights`` rescaled to mean 1 as a float32 tensor, or None."""
    if weights is None:
        return None
    return torch.from_numpy(
        (weights * (len(weights) / weights.sum())).astype(np.float32)
    )


def repeated_rows(weights):
    """For integer ``weights``, the index of every row repeated as often as its
    weight says (rows of weight 0 left out), as a tensor; None otherwise."""
    if weights is None or not np.all(weights == np.round(weights)):
        return None
    return torch.from_numpy(
        np.repeat(np.arange(len(weights)), weights.astype(np.int64))
    )
