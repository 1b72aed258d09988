"""The variational multilayer perceptron."""

from collections.abc import Sequence
from itertools import pairwise

from torch import Tensor, nn

from .functional import ACTIVATIONS, INIT_LOG_STD
from .layers import VariationalLinear


class VariationalMLP(nn.Module):
    """Multilayer perceptron of :class:`VariationalLinear` layers.

    Parameters
    ----------
    layer_sizes : sequence of int
        Input size, hidden sizes and output size, e.g. ``(64, 100, 10)``.
    activation : {"relu", "tanh", "logistic", "identity", "softmax"}
        Applied after every hidden layer; the output layer returns logits.
    prior_mean, prior_variance : float
        The Gaussian prior of every parameter.
    init_log_std : float
        Initial posterior log-std.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str = "relu",
        *,
        prior_mean: float = 0.0,
        prior_variance: float = 0.1,
        init_log_std: float = INIT_LOG_STD,
    ):
        super().__init__()
        self.activation = activation
        self._activation = ACTIVATIONS[activation]
        self.layers = nn.ModuleList(
            VariationalLinear(
                n_in,
                n_out,
                prior_mean=prior_mean,
                prior_variance=prior_variance,
                init_log_std=init_log_std,
            )
            for n_in, n_out in pairwise(layer_sizes)
        )

    def forward(self, x: Tensor, sample: bool | None = None) -> Tensor:
        """Logits; sampled in training mode (or ``sample=True``), else the mean."""
        *hidden, last = self.layers
        for layer in hidden:
            x = self._activation(layer(x, sample))
        return last(x, sample)

    def kl(self) -> Tensor:
        """KL divergence of the whole posterior from the prior."""
        return sum(layer.kl() for layer in self.layers)

    def weight_posteriors(self) -> list[tuple[Tensor, Tensor]]:
        """``(mean, log_std)`` of every weight matrix, detached (biases excluded)."""
        return [
            (layer.weight_mean.detach(), layer.weight_log_std.detach())
            for layer in self.layers
        ]

    @property
    def weight_masks(self) -> list[Tensor]:
        """The pruning mask buffer of every weight matrix (1 kept, 0 pruned)."""
        return [layer.weight_mask for layer in self.layers]
