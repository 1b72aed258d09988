"""The likelihoods of the networks' outputs: categorical for classification,
Gaussian with a learned noise for regression.

Both give the negative log-likelihood of every row (``forward``), its batch
mean (``mean_nll``), that of the posterior predictive (``predictive_nll``,
what early stopping watches), the score a validation batch records
(``score``) and the most probable target (``mode``), so that a training loop
and the evidence of a fitted model use one likelihood per task.
"""

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .moments import probit_logits

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class CategoricalLikelihood(nn.Module):
    """``y ~ Categorical(softmax(f(x)))``: the likelihood of a classifier's
    logits, with no parameters of its own."""

    #: Name of :meth:`score` in a training history (``valid_accuracy``).
    score_name = "accuracy"
    #: Whether the likelihood of a hypernetwork's model depends on its ``λ``.
    depends_on_complexity = False

    def forward(
        self, logits: Tensor, target: Tensor, t: Tensor | None = None
    ) -> Tensor:
        """Negative log-probability of the class codes ``target`` ``(...)``
        under ``logits`` ``(..., n_classes)``, per row; ``t`` is ignored."""
        return F.cross_entropy(
            logits.flatten(0, -2), target.flatten(), reduction="none"
        ).view(target.shape)

    def mean_nll(self, logits: Tensor, target: Tensor) -> Tensor:
        """The mean of :meth:`forward` over a batch, as ``cross_entropy``
        reduces it (which rounds differently from ``forward(...).mean()``)."""
        return F.cross_entropy(logits, target)

    def predictive_nll(
        self,
        mean: Tensor,
        variance: Tensor | None,
        target: Tensor,
        t: Tensor | None = None,
    ) -> Tensor:
        """Negative log-probability of every row's class code under the
        predictive: the probit approximation of logits with ``mean`` and
        ``variance`` (the posterior's propagated moments), or the softmax of
        ``mean`` when ``variance`` is None (the posterior-mean network);
        ``t`` is ignored."""
        target = target.expand(mean.shape[:-1])
        if variance is None:
            return self(mean, target)
        return self(probit_logits(mean, variance), target)

    def score(self, logits: Tensor, target: Tensor) -> float:
        """Accuracy of the most probable classes."""
        return (self.mode(logits) == target).double().mean().item()

    def mode(self, logits: Tensor) -> Tensor:
        """The most probable class code of every row."""
        return logits.argmax(-1)

    @torch.no_grad()
    def at(self, t: float) -> "CategoricalLikelihood":
        """The likelihood of one ``t``: this one, which does not depend on it."""
        return self


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

    #: Name of :meth:`score` in a training history (``valid_r2``).
    score_name = "r2"

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

    @property
    def depends_on_complexity(self) -> bool:
        """Whether the noise of a hypernetwork's model depends on its ``λ``."""
        return self.degree > 0

    def mean_nll(self, mean: Tensor, target: Tensor) -> Tensor:
        """The mean of :meth:`forward` over a batch (the constant noise)."""
        return self(mean, target).mean()

    def predictive_nll(
        self,
        mean: Tensor,
        variance: Tensor | None,
        target: Tensor,
        t: Tensor | None = None,
    ) -> Tensor:
        """Negative log-density of every row under the predictive: a Gaussian
        of the network's output ``mean`` whose variance is the noise's plus
        ``variance``, the posterior's spread of the output (none when None),
        summed over the outputs. Shapes and ``t`` as in :meth:`forward`."""
        total = torch.exp(2.0 * self.log_std(t))
        if t is not None:
            total = total[:, None, :]
        if variance is not None:
            total = total + variance
        z2 = (target - mean).square() / total
        return (0.5 * (z2 + torch.log(total)) + _HALF_LOG_2PI).sum(-1)

    def score(self, mean: Tensor, target: Tensor) -> float:
        """One minus the mean squared error: R² for targets of unit variance."""
        return 1.0 - (mean - target).double().square().mean().item()

    def mode(self, mean: Tensor) -> Tensor:
        """The most probable target: the mean."""
        return mean

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
