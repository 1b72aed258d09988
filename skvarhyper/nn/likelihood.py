"""The Gaussian likelihood of a regression network, with a learned noise."""

import math

import torch
from torch import Tensor, nn

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class GaussianLikelihood(nn.Module):
    """``y ~ N(f(x), σ²)`` per output, with a learned noise ``log σ``.

    The noise is homoscedastic: one ``σ`` per output, or, for a hypernetwork,
    a polynomial of degree ``degree`` in the encoding ``t`` of ``λ`` (a model
    pulled harder towards its prior fits the data less closely, so its noise
    grows with ``λ``).

    Parameters
    ----------
    n_outputs : int
        Number of targets.
    degree : int, default=0
        Degree of ``log σ`` in ``t``; 0 for a noise that does not depend on it.
    device, dtype : optional
        Where and how the parameters are created.
    """

    def __init__(self, n_outputs: int = 1, degree: int = 0, device=None, dtype=None):
        super().__init__()
        self.n_outputs, self.degree = int(n_outputs), int(degree)
        self.log_std_coef = nn.Parameter(
            torch.zeros(self.degree + 1, self.n_outputs, device=device, dtype=dtype)
        )

    def log_std(self, t: Tensor | None = None) -> Tensor:
        """``log σ``: shape ``(n_outputs,)`` for ``t`` None (the constant term),
        else ``(*t.shape, n_outputs)``."""
        if t is None or self.degree == 0:
            constant = self.log_std_coef[0]
            return constant if t is None else constant.expand(*t.shape, -1)
        powers = t[..., None] ** torch.arange(self.degree + 1, device=t.device)
        return powers.to(self.log_std_coef.dtype) @ self.log_std_coef

    def forward(self, mean: Tensor, target: Tensor, t: Tensor | None = None) -> Tensor:
        """Negative log-density of every row, summed over the outputs.

        ``mean`` and ``target`` are ``(..., n_outputs)``; with ``t`` of shape
        ``(S,)``, ``mean`` is ``(S, B, n_outputs)`` and row block ``s`` uses
        the noise of ``t[s]``.
        """
        log_std = self.log_std(t)
        if t is not None:
            log_std = log_std[:, None, :]
        z = (target - mean) * torch.exp(-log_std)
        return (0.5 * z * z + log_std + _HALF_LOG_2PI).sum(-1)

    @torch.no_grad()
    def at(self, t: float) -> "GaussianLikelihood":
        """The homoscedastic likelihood of one ``t`` (degree 0)."""
        coef = self.log_std_coef
        fixed = GaussianLikelihood(self.n_outputs, device=coef.device, dtype=coef.dtype)
        t = torch.tensor([float(t)], device=coef.device, dtype=coef.dtype)
        fixed.log_std_coef.copy_(self.log_std(t))
        return fixed

    def extra_repr(self) -> str:
        return f"n_outputs={self.n_outputs}, degree={self.degree}"
