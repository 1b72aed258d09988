"""What the hypernetwork estimators share, classifier or regressor: the
hypernetwork's parameters, its net, and fits cached by ``memory``."""

from numbers import Integral

from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_memory

from ._base import BaseVariationalEstimator
from ._hyper_selection import ComplexitySelectionMixin
from ._state import FitInterrupted, fit_parameters
from ._validation import check_complexity_range, check_hidden_layer_sizes
from .nn import HyperVariationalMLP

HYPER_CONSTRAINTS = {
    "hypernet": [StrOptions({"linear", "lowrank"})],
    "complexity_range": [tuple, list],
    "complexity_sampling": [StrOptions({"loguniform", "uniform"})],
    "n_complexity_samples": [Interval(Integral, 1, None, closed="left")],
    "draw_batching": [StrOptions({"split", "repeat"})],
    "rank": [Interval(Integral, 1, None, closed="left")],
    "hypernet_hidden": [Interval(Integral, 1, None, closed="left")],
    "shrinkage": ["boolean"],
    "memory": [None, str, HasMethods(["cache"])],
}
_UNHASHED = ("callbacks", "checkpoint", "verbose")


def _is_learned(name, params):
    """Whether attribute ``name`` is learned state (``classes_``, ``net_``,
    ``_rng``...), as opposed to a parameter or scikit-learn's bookkeeping."""
    return name not in params and (name.endswith("_") or name == "_rng")


def _fit_hypernetwork(estimator_class, params, X, y, sample_weight, unhashed):
    """Fit a hypernetwork; the unit that ``memory`` caches, keyed by the
    class, ``params`` (the callbacks by their signature) and the data
    (``unhashed``: the callback objects, checkpoint and verbosity, used but
    not part of the key). An interrupted fit is not cached; the interrupt
    carries the model trained so far."""
    estimator = estimator_class(**{**params, **unhashed})
    try:
        return estimator.fit(X, y, sample_weight)
    except FitInterrupted as interrupt:
        interrupt.estimator = estimator
        raise


class HypernetworkMixin(ComplexitySelectionMixin):
    """A :class:`~skvarhyper.nn.HyperVariationalMLP` trained over
    ``complexity_range``, predicting with the model of ``complexity``.

    The estimator class says which single-network estimator its models
    export to (``_single_model``).
    """

    _not_fit_params = (
        *BaseVariationalEstimator._not_fit_params,
        "complexity",
        "memory",
    )
    _architecture_params = (
        "hidden_layer_sizes",
        "hypernet",
        "complexity_range",
        "complexity_sampling",
        "rank",
        "hypernet_hidden",
        "shrinkage",
    )

    def _validate_hyperparameters(self):
        super()._validate_hyperparameters()
        check_complexity_range(self.complexity_range, self.complexity_sampling)
        self._check_complexity(self.complexity)

    def _net_spec(self, n_features, n_outputs):
        sizes = check_hidden_layer_sizes(self.hidden_layer_sizes)
        module_kwargs = {
            "layer_sizes": (n_features, *sizes, n_outputs),
            "activation": self.activation,
            "hypernet": self.hypernet,
            "complexity_range": check_complexity_range(
                self.complexity_range, self.complexity_sampling
            ),
            "complexity_sampling": self.complexity_sampling,
            "rank": self.rank,
            "hidden": self.hypernet_hidden,
            "shrinkage": bool(self.shrinkage),
            "prior": self.prior,
            "prior_mean": float(self.prior_mean),
            "prior_variance": float(self.prior_variance),
        }
        net_kwargs = {
            "n_complexity_samples": self.n_complexity_samples,
            "draw_batching": self.draw_batching,
            **self._criterion_params(n_outputs, hypernetwork=True),
        }
        return self._nets[1], HyperVariationalMLP, module_kwargs, net_kwargs

    def fit(self, X, y, sample_weight=None):
        """Fit the hypernetwork over ``complexity_range``.

        With ``memory`` set, a hypernetwork already fitted on the same data
        with the same fit parameters is loaded from the cache instead.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (a classifier) or target values (a regressor).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample, as in
            :meth:`VariationalMLPClassifier.fit`: integer weights repeat rows,
            others weigh the likelihood.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if self.memory is None or (self.warm_start and hasattr(self, "net_")):
            return super().fit(X, y, sample_weight)
        self._validate_hyperparameters()
        memory = check_memory(self.memory)
        unhashed = {name: getattr(self, name) for name in _UNHASHED}
        fit = memory.cache(_fit_hypernetwork, ignore=["unhashed"])
        try:
            fitted = fit(
                type(self), fit_parameters(self), X, y, sample_weight, unhashed
            )
        except FitInterrupted as interrupt:
            self._adopt(interrupt.estimator)
            raise
        return self._adopt(fitted)

    def _adopt(self, fitted):
        """Take the learned state of ``fitted``, dropping our own first."""
        own = set(self.get_params(deep=False))
        for name in [name for name in vars(self) if _is_learned(name, own)]:
            delattr(self, name)
        for name, value in vars(fitted).items():
            if _is_learned(name, own):
                setattr(self, name, value)
        self._mask_key_ = None
        self._sync_masks()
        return self
