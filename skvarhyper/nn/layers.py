"""The variational linear layer."""

import math

import torch
from torch import Tensor, nn

from .functional import INIT_LOG_STD, posterior_kl, variational_linear
from .fused import sampled_linear_with_kl


@torch.no_grad()
def reset_posterior_(
    weight_mean: Tensor,
    weight_log_std: Tensor,
    bias_mean: Tensor,
    bias_log_std: Tensor,
    init_log_std: float = INIT_LOG_STD,
    generator: torch.Generator | None = None,
) -> None:
    """Initialise one layer's posterior in place: means as PyTorch's ``nn.Linear``
    (uniform in ``±1/sqrt(in_features)``, drawn from ``generator``), log-stds
    constant."""
    bound = 1.0 / math.sqrt(weight_mean.shape[-1])
    nn.init.uniform_(weight_mean, -bound, bound, generator=generator)
    nn.init.uniform_(bias_mean, -bound, bound, generator=generator)
    nn.init.constant_(weight_log_std, init_log_std)
    nn.init.constant_(bias_log_std, init_log_std)


class VariationalLinear(nn.Module):
    """Linear layer with a factorised Gaussian posterior over weights and biases.

    Holds a mean and a log-std per weight and bias and a pruning mask over the
    weights. In training mode the output is sampled by the local
    reparameterisation trick; in evaluation mode it is the posterior mean.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of the input and output.
    prior : {"gaussian", "log-uniform"}
        ``"gaussian"``: the prior ``N(prior_mean, prior_variance)`` of every
        weight and bias. ``"log-uniform"``: the sparsity-inducing prior of
        sparse variational dropout on the weights, a flat one on the biases
        (see :mod:`skvarhyper.nn.log_uniform`).
    prior_mean, prior_variance : float
        The Gaussian prior's mean and variance; unused by the log-uniform one.
    init_log_std : float
        Initial posterior log-std.
    generator : torch.Generator, optional
        Source of the initial means; torch's global generator when None.
    device, dtype : optional
        Where and how the parameters are created, as for ``nn.Linear``; on the
        ``"meta"`` device nothing is initialised.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
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
        factory = {"device": device, "dtype": dtype}
        self.in_features = in_features
        self.out_features = out_features
        self.prior = prior
        self.prior_mean = prior_mean
        self.prior_variance = prior_variance
        self.init_log_std = init_log_std
        shape = (out_features, in_features)
        self.weight_mean = nn.Parameter(torch.empty(shape, **factory))
        self.weight_log_std = nn.Parameter(torch.empty(shape, **factory))
        self.bias_mean = nn.Parameter(torch.empty(out_features, **factory))
        self.bias_log_std = nn.Parameter(torch.empty(out_features, **factory))
        self.register_buffer("weight_mask", torch.ones(shape, **factory))
        if self.weight_mean.device.type != "meta":
            self.reset_parameters(generator)

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Means as PyTorch's ``nn.Linear``, log-stds constant, nothing pruned."""
        reset_posterior_(
            self.weight_mean,
            self.weight_log_std,
            self.bias_mean,
            self.bias_log_std,
            self.init_log_std,
            generator,
        )
        with torch.no_grad():
            self.weight_mask.fill_(1.0)

    def forward(
        self,
        x: Tensor,
        sample: bool | None = None,
        generator: torch.Generator | None = None,
    ) -> Tensor:
        return variational_linear(
            x,
            self.weight_mean,
            self.weight_log_std,
            self.bias_mean,
            self.bias_log_std,
            weight_mask=self.weight_mask,
            sample=self.training if sample is None else sample,
            generator=generator,
        )

    def sample_with_kl(
        self,
        x: Tensor,
        generator: torch.Generator | None = None,
        kl_weight: float = 1.0,
    ) -> tuple[Tensor, Tensor]:
        """Sampled output and the value of :meth:`kl` in one pass, as a training
        step needs; the output's gradient includes ``kl_weight`` times the KL's
        (see :func:`~skvarhyper.nn.fused.sampled_linear_with_kl`)."""
        return sampled_linear_with_kl(
            x,
            self.weight_mean,
            self.weight_log_std,
            self.bias_mean,
            self.bias_log_std,
            weight_mask=self.weight_mask,
            **self._prior_arguments(),
            kl_weight=kl_weight,
            generator=generator,
        )

    def kl(self) -> Tensor:
        """KL divergence of the posterior from the prior; pruned weights excluded."""
        return posterior_kl(
            self.weight_mean,
            self.weight_log_std,
            self.bias_mean,
            self.bias_log_std,
            weight_mask=self.weight_mask,
            **self._prior_arguments(),
        )

    def _prior_arguments(self) -> dict:
        return {
            "prior": self.prior,
            "prior_mean": self.prior_mean,
            "prior_variance": self.prior_variance,
        }

    def extra_repr(self) -> str:
        prior = (
            self.prior
            if self.prior == "log-uniform"
            else f"N({self.prior_mean}, {self.prior_variance})"
        )
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"prior={prior}"
        )
