"""The skorch nets of the variational regressors: a Gaussian likelihood with
a learned noise in place of the classifiers' softmax."""

from skorch.utils import to_tensor

from ._training import HyperVariationalNet, VariationalNet
from .nn.likelihood import GaussianLikelihood


class GaussianLikelihoodMixin:
    """The likelihood of a net whose targets are standardised real values
    ``(n_samples, n_outputs)``: its criterion is a
    :class:`~skvarhyper.nn.GaussianLikelihood`, whose noise is trained with
    the network. Validation batches record ``valid_r2``, one minus the mean
    squared error of the posterior means in standardised units."""

    def __init__(self, module, *args, criterion=GaussianLikelihood, **kwargs):
        super().__init__(module, *args, criterion=criterion, **kwargs)

    def mean_nll(self, y_pred, y_true, X=None, training=False):
        nll = self.row_nll(y_pred, to_tensor(y_true, device=self.device))
        weights = self.batch_weights() if training else None
        return nll.mean() if weights is None else (nll * weights).mean()

    def row_nll(self, outputs, targets, complexity=None):
        t = None if complexity is None else self.module_.encoder.encode(complexity)
        return self.criterion_(outputs, targets, t)

    def record_score(self, outputs, y_true):
        y_true = to_tensor(y_true, device=outputs.device)
        mse = (outputs - y_true).double().square().mean()
        self.history.record_batch("valid_r2", 1.0 - mse.item())

    def predict(self, X):
        """The network's outputs (standardised targets) for ``X``."""
        return self.predict_proba(X)


class VariationalRegressionNet(GaussianLikelihoodMixin, VariationalNet):
    """:class:`~skvarhyper._training.VariationalNet` with a Gaussian likelihood."""


class HyperVariationalRegressionNet(GaussianLikelihoodMixin, HyperVariationalNet):
    """:class:`~skvarhyper._training.HyperVariationalNet` with a Gaussian
    likelihood whose noise depends on ``λ``."""
