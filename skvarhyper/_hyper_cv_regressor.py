"""HyperVariationalRegressorCV: λ and the pruned fraction of a regressor
chosen by CV."""

import numpy as np
from sklearn.base import BaseEstimator

from ._hyper_regressor import HyperVariationalRegressor
from ._hyper_search import HypernetworkSearchMixin, search_constraints
from ._mlp_attributes import RefittedAttributesMixin, RefittedRegressorMixin
from ._regressor import RegressorScoreMixin


class HyperVariationalRegressorCV(
    HypernetworkSearchMixin,
    RefittedRegressorMixin,
    RefittedAttributesMixin,
    RegressorScoreMixin,
    BaseEstimator,
):
    """Hypernetwork with the complexity and the pruned fraction chosen by CV.

    The :class:`~sklearn.linear_model.RidgeCV` of this package, with
    predictive uncertainty: one :class:`HyperVariationalRegressor` is fitted
    per fold (folds run in
    parallel through joblib) and scored on its held-out part over the whole
    grid ``complexities × prune_fractions``, each ``λ`` generated once. The
    grid point with the best mean score is selected — or, with
    ``selection="one_standard_error"``, the sparsest (then the simplest) one
    whose mean score is within one standard error of the best, glmnet's rule.
    A hypernetwork refitted on all the data then predicts at the selected
    point.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden layer of the generated network.
    complexities : int or array-like of float, default=10
        The grid of ``λ``: that many values spread over ``complexity_range``
        (log-spaced for ``complexity_sampling="loguniform"``), or the values.
    prune_fractions : array-like of float, default=(0.0,)
        The grid of pruned fractions, each in ``[0, 1]``.
    cv : int, cross-validation generator or iterable, default=None
        None is 5-fold, an int ``n`` is ``n``-fold CV **with shuffled folds**
        (seeded by ``random_state``), unlike scikit-learn's CV estimators: on
        a table sorted by a feature or by the target, unshuffled folds each
        miss part of the data, and the selected complexity suffers. A
        splitter or an iterable of splits is used as given (``KFold(5)`` for
        unshuffled folds).
    scoring : str or callable, default=None
        A scikit-learn scorer; None uses R².
    n_jobs : int, default=None
        Folds fitted in parallel; None is 1 unless in a joblib context.
    refit : bool, default=True
        Refit a hypernetwork on all the data and predict with it.
    selection : {"best", "one_standard_error"}, default="best"
        How the grid point is chosen from the mean scores.
    **hypernetwork parameters
        ``activation``, ``hypernet``, ``complexity_range``,
        ``complexity_sampling``, ``n_complexity_samples``, ``draw_batching``,
        ``rank``, ``hypernet_hidden``, ``shrinkage``, ``prior``,
        ``complexity_warmup``, ``prior_mean``, ``prior_variance``,
        ``optimizer``, ``lr``, ``momentum``, ``batch_size``, ``max_epochs``,
        ``n_mc_samples``, ``predictive``, ``tol``,
        ``early_stopping``, ``validation_fraction``, ``n_iter_no_change``,
        ``prune_score``, ``prune_scope``, ``memory``, ``warm_start``,
        ``random_state``, ``device``, ``verbose``,
        ``callbacks``, ``on_divergence``, ``checkpoint``: as in
        :class:`HyperVariationalRegressor`.

    Attributes
    ----------
    complexities_ : ndarray of shape (n_complexities,)
        The grid of ``λ``.
    prune_fractions_ : ndarray of shape (n_fractions,)
        The grid of pruned fractions.
    scores_ : ndarray of shape (n_folds, n_complexities, n_fractions)
        Held-out score of every fold at every grid point.
    complexity_ : float
        The selected ``λ``.
    prune_fraction_ : float
        The selected pruned fraction.
    best_score_ : float
        Mean held-out score at the selected point.
    best_estimator_ : HyperVariationalRegressor
        The refitted hypernetwork, set to ``complexity_`` and
        ``prune_fraction_`` (only with ``refit=True``).
    n_outputs_ : int
        Number of targets.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when ``X`` had string column names.

    See Also
    --------
    HyperVariationalRegressor : The hypernetwork fitted per fold.
    HyperVariationalClassifierCV : Its classifier counterpart.
    pruning_curve : The scores of one model over a grid.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skvarhyper import HyperVariationalRegressorCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = HyperVariationalRegressorCV(
    ...     (20,), complexities=[0.01, 1.0], prune_fractions=[0.0, 0.5], cv=3,
    ...     max_epochs=30, random_state=0,
    ... ).fit(X, y)
    >>> reg.scores_.shape
    (3, 2, 2)
    >>> mean, std = reg.predict(X[:2], return_std=True)
    >>> std.shape
    (2,)
    """

    _parameter_constraints: dict = search_constraints(HyperVariationalRegressor)
    _hypernetwork_class = HyperVariationalRegressor

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        complexities=10,
        prune_fractions=(0.0,),
        cv=None,
        scoring=None,
        n_jobs=None,
        refit=True,
        selection="best",
        activation="relu",
        hypernet="lowrank",
        complexity_range=(1e-3, 100.0),
        complexity_sampling="loguniform",
        n_complexity_samples=5,
        draw_batching="split",
        rank=4,
        hypernet_hidden=50,
        shrinkage=True,
        prior="gaussian",
        complexity_warmup="auto",
        prior_mean=0.0,
        prior_variance=0.03,
        optimizer="adam",
        lr=3e-3,
        momentum=0.9,
        batch_size=512,
        max_epochs=200,
        n_mc_samples=0,
        predictive="auto",
        tol=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        prune_score="snr",
        prune_scope="global",
        memory=None,
        warm_start=False,
        random_state=None,
        device="cpu",
        verbose=0,
        callbacks=None,
        on_divergence="raise",
        checkpoint=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.complexities = complexities
        self.prune_fractions = prune_fractions
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.selection = selection
        self.activation = activation
        self.hypernet = hypernet
        self.complexity_range = complexity_range
        self.complexity_sampling = complexity_sampling
        self.n_complexity_samples = n_complexity_samples
        self.draw_batching = draw_batching
        self.rank = rank
        self.hypernet_hidden = hypernet_hidden
        self.shrinkage = shrinkage
        self.prior = prior
        self.complexity_warmup = complexity_warmup
        self.prior_mean = prior_mean
        self.prior_variance = prior_variance
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.n_mc_samples = n_mc_samples
        self.predictive = predictive
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.prune_score = prune_score
        self.prune_scope = prune_scope
        self.memory = memory
        self.warm_start = warm_start
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.callbacks = callbacks
        self.on_divergence = on_divergence
        self.checkpoint = checkpoint

    def _set_target_attributes(self, y):
        y = np.asarray(y)
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]

    @property
    def noise_std_(self):
        """The refitted model's noise at the selected point (see
        :attr:`HyperVariationalRegressor.noise_std_`)."""
        return self._fitted_estimator().noise_std_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
