"""The variational linear layer."""

import math

import torch
from torch import Tensor, nn

from .functional import INIT_LOG_STD, posterior_kl, variational_linear


class VariationalLinear(nn.Module):
    """Linear layer with a factorised Gaussian posterior over weights and biases.

    Holds a mean and a log-std per weight and bias and a pruning mask over the
    weights. In training mode the output is sampled by the local
    reparameterisation trick; in evaluation mode it is the posterior mean.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of the input and output.
    prior_mean, prior_variance : float
        The Gaussian prior ``N(prior_mean, prior_variance)`` of every parameter.
    init_log_std : float
        Initial posterior log-std.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        prior_mean: float = 0.0,
        prior_variance: float = 0.1,
        init_log_std: float = INIT_LOG_STD,
    ):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.prior_mean = prior_mean
        self.prior_variance = prior_variance
        self.weight_mean = nn.Parameter(torch.empty(out_features, in_features))
        self.weight_log_std = nn.Parameter(torch.empty(out_features, in_features))
        self.bias_mean = nn.Parameter(torch.empty(out_features))
        self.bias_log_std = nn.Parameter(torch.empty(out_features))
        self.register_buffer("weight_mask", torch.ones(out_features, in_features))
        self.reset_parameters(init_log_std)

    def reset_parameters(self, init_log_std: float = INIT_LOG_STD) -> None:
        """Means as PyTorch's ``nn.Linear``; log-stds constant."""
        bound = 1.0 / math.sqrt(self.in_features)
        nn.init.uniform_(self.weight_mean, -bound, bound)
        nn.init.uniform_(self.bias_mean, -bound, bound)
        nn.init.constant_(self.weight_log_std, init_log_std)
        nn.init.constant_(self.bias_log_std, init_log_std)
        self.weight_mask.fill_(1.0)

    def forward(self, x: Tensor, sample: bool | None = None) -> Tensor:
        return variational_linear(
            x,
            self.weight_mean,
            self.weight_log_std,
            self.bias_mean,
            self.bias_log_std,
            weight_mask=self.weight_mask,
            sample=self.training if sample is None else sample,
        )

    def kl(self) -> Tensor:
        """KL divergence of the posterior from the prior; pruned weights excluded."""
        return posterior_kl(
            self.weight_mean,
            self.weight_log_std,
            self.bias_mean,
            self.bias_log_std,
            weight_mask=self.weight_mask,
            prior_mean=self.prior_mean,
            prior_variance=self.prior_variance,
        )

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"prior=N({self.prior_mean}, {self.prior_variance})"
        )
