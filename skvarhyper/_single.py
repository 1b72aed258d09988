"""What the estimators of one variational network share, classifier or
regressor: the network, and the complexity it is trained at."""

from itertools import pairwise
from numbers import Real

from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._validation import check_hidden_layer_sizes
from .nn import VariationalMLP

SINGLE_CONSTRAINTS = {
    "complexity": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
}


class SingleNetworkMixin:
    """One :class:`~skvarhyper.nn.VariationalMLP` trained at ``complexity``,
    whose ``"auto"`` scales ``λ`` with the data."""

    def _training_complexity(self, n_train):
        if self.complexity != "auto":
            return float(self.complexity)
        if self.prior == "log-uniform":
            return 1.0
        sizes = (
            self.n_features_in_,
            *check_hidden_layer_sizes(self.hidden_layer_sizes),
            self._n_outputs(),
        )
        n_weights = sum(n_in * n_out for n_in, n_out in pairwise(sizes))
        return min(1.0, n_train / n_weights)

    @property
    def complexity_(self):
        """The complexity the fitted network was trained at (read from it, so
        that it cannot disagree with the evidence the model reports)."""
        check_is_fitted(self)
        return float(self.net_.complexity)

    def _net_spec(self, n_features, n_outputs):
        module_kwargs = {
            "layer_sizes": (
                n_features,
                *check_hidden_layer_sizes(self.hidden_layer_sizes),
                n_outputs,
            ),
            "activation": self.activation,
            "prior": self.prior,
            "prior_mean": float(self.prior_mean),
            "prior_variance": float(self.prior_variance),
        }
        net_class = self._nets[0]
        net_kwargs = self._criterion_params(n_outputs, hypernetwork=False)
        return net_class, VariationalMLP, module_kwargs, net_kwargs

    def _selected_module(self):
        return self.net_.module_
