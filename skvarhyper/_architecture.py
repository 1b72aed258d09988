"""The architecture of a fitted network, which continuing fits must keep."""

from contextlib import contextmanager

import numpy as np

from ._validation import check_hidden_layer_sizes


class ArchitectureMixin:
    """Remembers the parameters that shaped the fitted network (recorded as
    ``_architecture_`` at the first fit) and refuses continuing fits that
    change them."""

    # Parameters that shape the network: a continuing fit cannot change them.
    _architecture_params = ("hidden_layer_sizes",)

    @contextmanager
    def _fitted_architecture(self):
        """Within the block, the architecture parameters are those the network
        was fitted with, whatever ``set_params`` changed since."""
        fitted = getattr(self, "_architecture_", None) or {}
        current = {name: getattr(self, name) for name in fitted}
        self.__dict__.update(fitted)
        try:
            yield
        finally:
            self.__dict__.update(current)

    def _architecture(self):
        architecture = {name: getattr(self, name) for name in self._architecture_params}
        architecture["hidden_layer_sizes"] = check_hidden_layer_sizes(
            self.hidden_layer_sizes
        )
        return architecture

    def _check_architecture(self):
        fitted = getattr(self, "_architecture_", None)
        if fitted is None:
            return
        now = self._architecture()
        changed = [
            f"{name} (fitted with {fitted[name]!r}, now {now[name]!r})"
            for name in fitted
            if np.asarray(fitted[name], dtype=object).tolist()
            != np.asarray(now[name], dtype=object).tolist()
        ]
        if changed:
            raise ValueError(
                f"{', '.join(changed)} changed since the model was fitted; "
                "partial_fit and warm_start=True continue the fitted network, "
                "whose architecture is fixed. Fit a new model with "
                "warm_start=False."
            )
