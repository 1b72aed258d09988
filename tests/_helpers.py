"""Helpers shared by test files (``from _helpers import ...``: pytest puts
``tests/`` on ``sys.path``, as it has no ``__init__.py``)."""

import numpy as np
import torch
from numpy.testing import assert_array_equal


def _assert_same(a, b, where="state"):
    """Bit-identical nested dicts/lists of tensors, arrays and scalars."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor), where
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert torch.equal(a, b), where
    elif isinstance(a, np.ndarray):
        assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, z) in enumerate(zip(a, b)):
            _assert_same(x, z, f"{where}[{i}]")
    else:
        assert a == b, where
