"""Saving a fitted estimator into a directory and loading it back."""

import warnings
from pathlib import Path

import joblib

from .._training.config import check_device

ESTIMATOR_FILE = "estimator.joblib"
NET_FILES = {
    "f_params": "params.pt",
    "f_optimizer": "optimizer.pt",
    "f_criterion": "criterion.pt",
    "f_history": "history.json",
}


def save_estimator(estimator, path):
    """Write the net through skorch (parameters, optimiser state, history) and
    the estimator's parameters and learned attributes through joblib."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"path={str(path)!r} is a file; save needs a directory.")
    path.mkdir(parents=True, exist_ok=True)
    net = estimator.net_
    net.save_params(**{key: path / name for key, name in NET_FILES.items()})
    state = {
        name: value
        for name, value in estimator.__getstate__().items()
        if name != "net_"
    }
    joblib.dump(
        {"class": type(estimator), "state": state, "n_train": net.n_train},
        path / ESTIMATOR_FILE,
    )


def _device_here(estimator, device):
    """The device to load on: ``device``, else the saved one when it exists."""
    if device is not None:
        return device
    try:
        check_device(estimator.device)
    except ValueError:
        warnings.warn(
            f"the model was saved on device={estimator.device!r}, which is not "
            "available here; loading it on the CPU.",
            UserWarning,
            stacklevel=3,
        )
        return "cpu"
    return estimator.device


def load_estimator(cls, path, device=None):
    """The fitted estimator written by :func:`save_estimator` into ``path``."""
    path = Path(path)
    if not (path / ESTIMATOR_FILE).is_file():
        raise ValueError(
            f"{str(path)!r} holds no saved model (no {ESTIMATOR_FILE}); give the "
            "directory written by save()."
        )
    saved = joblib.load(path / ESTIMATOR_FILE)
    if not issubclass(saved["class"], cls):
        raise TypeError(
            f"{path} holds a {saved['class'].__name__}, not a {cls.__name__}."
        )
    estimator = saved["class"].__new__(saved["class"])
    estimator.__setstate__(saved["state"])
    estimator.device = _device_here(estimator, device)
    with estimator._fitted_architecture():
        net = estimator._new_net(
            estimator.n_features_in_, saved["n_train"], valid_dataset=None, seed=0
        )
    files = {key: path / name for key, name in NET_FILES.items()}
    # Saved without: the optimiser's state (optional), a classifier's
    # likelihood (no parameters; models saved before it was written).
    for optional in ("f_optimizer", "f_criterion"):
        if not files[optional].exists():
            del files[optional]
    net.load_params(**files)
    net.generator = None
    estimator.net_ = net
    return estimator
