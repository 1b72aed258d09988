"""Checks of parameters and data that every estimator shares."""

from numbers import Integral

import torch


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
