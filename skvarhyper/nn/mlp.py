"""The variational multilayer perceptron."""

from collections.abc import Sequence
from itertools import pairwise

import torch
from torch import Tensor, nn

from .functional import ACTIVATIONS, INIT_LOG_STD
from .layers import VariationalLinear
from .moments import network_moments, probit_softmax


class VariationalMLP(nn.Module):
    """Multilayer perceptron of :class:`VariationalLinear` layers.

    Parameters
    ----------
    layer_sizes : sequence of int
        Input size, hidden sizes and output size, e.g. ``(64, 100, 10)``.
    activation : {"relu", "tanh", "logistic", "identity", "softmax"}
        Applied after every hidden layer; the output layer returns logits.
    prior : {"gaussian", "log-uniform"}
        The prior of every layer (see :class:`VariationalLinear`).
    prior_mean, prior_variance : float
        The Gaussian prior of every parameter; unused by the log-uniform one.
    init_log_std : float
        Initial posterior log-std.
    generator : torch.Generator, optional
        Source of the initial means; torch's global generator when None.
    device, dtype : optional
        Where and how the parameters are created; on the ``"meta"`` device
        nothing is initialised (see :meth:`reset_parameters`).
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str = "relu",
        *,
        prior: str = "gaussian",
        prior_mean: float = 0.0,
        prior_variance: float = 0.1,
        init_log_std: float = INIT_LOG_STD,
        generator: torch.Generator | None = None,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.layer_sizes = tuple(layer_sizes)
        self.activation = activation
        self._activation = ACTIVATIONS[activation]
        self.layers = nn.ModuleList(
            VariationalLinear(
                n_in,
                n_out,
                prior=prior,
                prior_mean=prior_mean,
                prior_variance=prior_variance,
                init_log_std=init_log_std,
                generator=generator,
                device=device,
                dtype=dtype,
            )
            for n_in, n_out in pairwise(layer_sizes)
        )

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Initialise every layer afresh (means drawn from ``generator``)."""
        for layer in self.layers:
            layer.reset_parameters(generator)

    def forward(
        self,
        x: Tensor,
        sample: bool | None = None,
        generator: torch.Generator | None = None,
    ) -> Tensor:
        """Logits; sampled in training mode (or ``sample=True``), else the mean.

        Posterior noise comes from ``generator`` (torch's global one when None).
        """
        *hidden, last = self.layers
        for layer in hidden:
            x = self._activation(layer(x, sample, generator))
        return last(x, sample, generator)

    def sample_with_kl(
        self,
        x: Tensor,
        generator: torch.Generator | None = None,
        kl_weight: float = 1.0,
    ) -> tuple[Tensor, Tensor]:
        """Sampled logits and the value of :meth:`kl` in one pass, as a training
        step needs. The KL value carries no gradient; the logits' gradient
        includes ``kl_weight`` times the KL's, so ``loss(logits).backward()``
        minimises ``loss + kl_weight * KL``."""
        *hidden, last = self.layers
        kl = 0.0
        for layer in hidden:
            x, layer_kl = layer.sample_with_kl(x, generator, kl_weight)
            x, kl = self._activation(x), kl + layer_kl
        x, layer_kl = last.sample_with_kl(x, generator, kl_weight)
        return x, kl + layer_kl

    def predictive_moments(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Mean and variance of the outputs under the posterior, in one pass.

        Propagates the means and variances of the pre-activations, each unit
        treated as an independent Gaussian (see :mod:`skvarhyper.nn.moments`);
        about three times the cost of a pass with the posterior means.
        """
        layers = (
            (
                layer.weight_mean,
                layer.weight_log_std,
                layer.bias_mean,
                layer.bias_log_std,
                layer.weight_mask,
            )
            for layer in self.layers
        )
        return network_moments(x, layers, self.activation)

    def predictive_proba(self, x: Tensor) -> Tensor:
        """Class probabilities integrated over the posterior in one pass: the
        probit approximation to the softmax of :meth:`predictive_moments`."""
        return probit_softmax(*self.predictive_moments(x))

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

    @property
    def prior(self) -> str:
        """The prior of every layer: ``"gaussian"`` or ``"log-uniform"``."""
        return self.layers[0].prior
