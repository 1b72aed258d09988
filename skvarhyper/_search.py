"""The cross-validated hypernetworks: one base for the grid, the folds, the
selection and the refit (scored by :func:`~skvarhyper.pruning_curve`, as
``LassoCV`` scores by ``lasso_path``; the classifier refits one single
network at the selected point, as ``LassoCV`` refits one ``Lasso``, the
regressor a hypernetwork), and the public classifier and regressor."""

import os
from abc import ABC, abstractmethod
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from scipy.stats import norm
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    clone,
    is_classifier,
)
from sklearn.metrics import get_scorer_names
from sklearn.model_selection import KFold, StratifiedKFold, check_cv
from sklearn.utils import _safe_indexing, indexable
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._estimators.classifier import (
    HyperVariationalClassifier,
    VariationalMLPClassifier,
)
from ._estimators.hypernetwork import complexity_grid
from ._estimators.regressor import HyperVariationalRegressor
from ._utils.state import transaction
from .path import check_complexities, check_fractions, pruning_curve

# Chosen by the search (the pruning by a grid of fractions), not passed on.
_SELECTED = ("complexity", "prune_fraction", "prune_threshold")

# How a network is trained, where the single network's defaults differ from
# a hypernetwork's: the refitted single network keeps its own unless
# ``refit_params`` sets them.
_SCHEDULE = ("lr", "batch_size")


def search_constraints(hypernetwork_class):
    """The parameters of a search over ``hypernetwork_class``: its own, but
    those the search selects, and the search's."""
    return {
        **{
            name: constraint
            for name, constraint in hypernetwork_class._parameter_constraints.items()
            if name not in _SELECTED
        },
        "complexities": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "prune_fractions": ["array-like"],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "n_jobs": [Integral, None],
        "refit": ["boolean"],
        "refit_params": [dict, None],
        "selection": [StrOptions({"best", "one_standard_error"})],
    }


def mean_log_predictive_density(estimator, X, y):
    """Mean log-density of the targets ``y`` under ``estimator``'s Gaussian
    predictive distribution (``predict(X, return_std=True)``), summed over
    the outputs: a scorer, higher is better, that rewards calibrated
    intervals as well as accurate means. The default ``scoring`` of
    :class:`HyperVariationalRegressorCV`."""
    mean, std = estimator.predict(X, return_std=True)
    y = np.asarray(y, dtype=np.float64).reshape(mean.shape)
    density = norm.logpdf(y, mean, std).reshape(len(y), -1).sum(1)
    return float(density.mean())


def _fold_scores(
    estimator, X, y, sample_weight, train, test, complexities, fractions, scoring
):
    """Fit ``estimator`` on the ``train`` rows (with ``early_stopping``, stopped
    on the ``test`` rows of classes it sees) and score it on the ``test`` rows
    over ``complexities × fractions``."""
    weight = None if sample_weight is None else sample_weight[train]
    X_test, y_test = _safe_indexing(X, test), _safe_indexing(y, test)
    validation = {}
    seen = np.arange(len(test))
    if is_classifier(estimator):
        labels = np.asarray(_safe_indexing(y, train))
        seen = np.flatnonzero(np.isin(np.asarray(y_test), labels))
    if estimator.early_stopping and len(seen):
        validation = {
            "X_val": _safe_indexing(X_test, seen),
            "y_val": _safe_indexing(y_test, seen),
        }
    estimator.fit(
        _safe_indexing(X, train), _safe_indexing(y, train), weight, **validation
    )
    curve = pruning_curve(
        estimator,
        X_test,
        y_test,
        fractions=fractions,
        complexities=complexities,
        scoring=scoring,
    )
    return curve.scores


class BaseHypernetworkSearch(BaseEstimator, ABC):
    """One hypernetwork (``_hypernetwork_class``) fitted per fold and scored
    over ``complexities × prune_fractions``; the best point selected and a
    model (``_refit_class``: a single network, or a hypernetwork) refitted at
    it, which predicts. Not meant to be used directly."""

    @property
    @abstractmethod
    def _hypernetwork_class(self):
        """The hypernetwork class fitted per fold."""

    @property
    @abstractmethod
    def _refit_class(self):
        """The class refitted at the selected point: a single network's, or
        the hypernetwork's."""

    @abstractmethod
    def _set_target_attributes(self, y):
        """Set what the targets ``y`` tell of the task (``classes_``...)."""

    def _hypernetwork(self):
        hyper = self._hypernetwork_class
        names = set(hyper().get_params(deep=False)) - set(_SELECTED)
        return hyper(**{name: getattr(self, name) for name in names})

    def _refit_estimator(self):
        """The unfitted model of the refit: the search's parameters that it
        shares (but a single network's training schedule, its own defaults),
        then ``refit_params``; raises on a parameter it does not have."""
        single = self._refit_class
        names = set(single().get_params(deep=False)) - set(_SELECTED)
        names &= set(self.get_params(deep=False))
        if single is not self._hypernetwork_class:
            names -= set(_SCHEDULE)
        refit = single(**{name: getattr(self, name) for name in names})
        params = dict(self.refit_params or {})
        unknown = sorted(set(params) - set(refit.get_params(deep=False)))
        selected = sorted(set(params) & set(_SELECTED))
        if unknown or selected:
            raise ValueError(
                f"refit_params={self.refit_params!r}: "
                + (
                    f"{unknown} are not parameters of {single.__name__}"
                    if unknown
                    else f"{selected} are chosen by the search"
                )
                + f"; pass other parameters of {single.__name__}."
            )
        return refit.set_params(**params)

    def _complexity_grid(self, estimator):
        if isinstance(self.complexities, Integral):
            return complexity_grid(
                estimator.complexity_range,
                estimator.complexity_sampling,
                self.complexities,
            )
        return check_complexities(estimator, self.complexities)

    def _splitter(self, y):
        classifier = is_classifier(self)
        if self.cv is None or isinstance(self.cv, Integral):
            n_splits = 5 if self.cv is None else self.cv
            if not classifier:
                return KFold(n_splits, shuffle=True, random_state=self.random_state)
            if type_of_target(y) in ("binary", "multiclass"):
                return StratifiedKFold(
                    n_splits, shuffle=True, random_state=self.random_state
                )
        return check_cv(self.cv, y, classifier=classifier)

    def _estimator_for(self, estimator, part):
        """A clone of ``estimator`` for one fold or the refit, with a checkpoint
        sub-directory of its own."""
        estimator = clone(estimator)
        if self.checkpoint is not None:
            estimator.set_params(checkpoint=os.path.join(self.checkpoint, part))
        return estimator

    def _select(self, scores):
        mean = scores.mean(0)
        best = np.unravel_index(np.argmax(mean), mean.shape)
        threshold = mean[best]
        if self.selection == "one_standard_error":
            threshold -= scores[:, best[0], best[1]].std() / np.sqrt(len(scores))
        # Sparsest first, then the simplest (largest λ).
        for j in np.argsort(-self.prune_fractions_, kind="stable"):
            for i in np.argsort(-self.complexities_, kind="stable"):
                if mean[i, j] >= threshold:
                    return i, j
        return best

    def fit(self, X, y, sample_weight=None):
        """Cross-validate the grid, select a point, and refit.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (a classifier) or target values (a regressor).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in every fit (the folds' scores are
            unweighted).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        with transaction(self):
            return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight):
        self._validate_params()
        estimator = self._hypernetwork()
        estimator._check_params()
        validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc", "coo"],
            dtype=None,
            **self._hypernetwork_class._y_validation,
        )
        X, y = indexable(X, y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        refit = self._refit_estimator() if self.refit else None
        if refit is not None:
            refit._check_params()
        self.complexities_ = self._complexity_grid(estimator)
        self.prune_fractions_ = check_fractions(self.prune_fractions)
        folds = list(self._splitter(y).split(X, y))
        scores = Parallel(n_jobs=self.n_jobs)(
            delayed(_fold_scores)(
                self._estimator_for(estimator, f"fold-{k}"),
                X,
                y,
                sample_weight,
                train,
                test,
                self.complexities_,
                self.prune_fractions_,
                self.scoring,
            )
            for k, (train, test) in enumerate(folds)
        )
        self.scores_ = np.stack(scores)
        i, j = self._select(self.scores_)
        self.complexity_ = float(self.complexities_[i])
        self.prune_fraction_ = float(self.prune_fractions_[j])
        self.best_score_ = float(self.scores_[:, i, j].mean())
        if refit is not None:
            self.best_estimator_ = self._estimator_for(refit, "refit").set_params(
                complexity=self.complexity_, prune_fraction=self.prune_fraction_
            )
            self.best_estimator_.fit(X, y, sample_weight)
        self._set_target_attributes(y)
        return self

    def _fitted_estimator(self):
        check_is_fitted(self)
        if not self.refit:
            raise AttributeError(
                f"refit=False: this {type(self).__name__} has no refitted "
                "model to predict with; set refit=True."
            )
        return self.best_estimator_

    def evidence(self, X, y, *, n_mc_samples=20):
        """Evidence terms of the refitted model at the selected point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Labels (a classifier) or target values (a regressor).
        n_mc_samples : int, default=20
            Monte-Carlo draws for the expected log-likelihood.

        Returns
        -------
        evidence : dict
            ``log_likelihood``, ``kl`` and ``elbo``.
        """
        return self._fitted_estimator().evidence(X, y, n_mc_samples=n_mc_samples)

    @property
    def feature_importances_(self):
        """The refitted model's input relevances (see
        :attr:`HyperVariationalClassifier.feature_importances_`)."""
        return self._fitted_estimator().feature_importances_

    def to_sklearn(self, *, compress=False):
        """The refitted model as a fitted ``MLPClassifier`` or ``MLPRegressor``.

        Parameters
        ----------
        compress : bool, default=False
            As in :meth:`HyperVariationalClassifier.to_sklearn`.

        Returns
        -------
        mlp : MLPClassifier or MLPRegressor
            A fitted scikit-learn MLP of the same task.
        """
        return self._fitted_estimator().to_sklearn(compress=compress)

    @property
    def coefs_(self):
        """The refitted model's weight means at the selected point."""
        return self._fitted_estimator().coefs_

    @property
    def intercepts_(self):
        """The refitted model's bias means at the selected point."""
        return self._fitted_estimator().intercepts_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class HyperVariationalClassifierCV(ClassifierMixin, BaseHypernetworkSearch):
    """Hypernetwork with the complexity and the pruned fraction chosen by CV.

    The :class:`~sklearn.linear_model.LogisticRegressionCV` of this package:
    one :class:`HyperVariationalClassifier` is fitted per fold (folds run in
    parallel through joblib) and scored on its held-out part over the whole
    grid ``complexities × prune_fractions``, each ``λ`` generated once. The
    grid point with the best mean score is selected — or, with
    ``selection="one_standard_error"``, the sparsest (then the simplest) one
    whose mean score is within one standard error of the best, glmnet's rule.
    A single network refitted on all the data at the selected point then
    predicts.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden layer of the generated network.
    complexities : int or array-like of float, default=10
        The grid of ``λ``: that many values spread over ``complexity_range``
        (log-spaced for ``complexity_sampling="loguniform"``), or the values.
    prune_fractions : array-like of float, default=(0.0,)
        The grid of pruned fractions, each in ``[0, 1]``.
    cv : int, cross-validation generator or iterable, default=3
        None is 5-fold, an int ``n`` is ``n``-fold stratified CV **with
        shuffled folds** (seeded by ``random_state``), unlike scikit-learn's
        CV estimators: on a table sorted by a feature (a passenger list
        sorted by class) unshuffled folds each miss part of the data, and the
        selected complexity suffers. A splitter or an iterable of splits is
        used as given (``StratifiedKFold(5)`` for unshuffled folds).
    scoring : str or callable, default="neg_log_loss"
        A scikit-learn scorer; None uses accuracy. The default selects by the
        held-out log loss, so the chosen model's probabilities are
        calibrated, not only its labels.
    n_jobs : int, default=None
        Folds fitted in parallel; None is 1 unless in a joblib context.
    refit : bool, default=True
        Refit a single network (:class:`VariationalMLPClassifier`) on all the
        data at the selected point and predict with it, as ``LassoCV``
        refits one ``Lasso``: the hypernetworks choose ``λ``, a network
        trained at that ``λ`` alone predicts.
    refit_params : dict, default=None
        Parameters of the refitted :class:`VariationalMLPClassifier` that differ
        from the search's. It shares the search's parameters but the
        training schedule (``lr``, ``batch_size``), where it keeps the
        single network's own defaults (a hypernetwork's are measured for a
        hypernetwork).
    selection : {"best", "one_standard_error"}, default="best"
        How the grid point is chosen from the mean scores.
    **hypernetwork parameters
        ``activation``, ``hypernet``, ``complexity_range``,
        ``complexity_sampling``, ``n_complexity_samples``, ``draw_batching``,
        ``rank``, ``hypernet_hidden``, ``shrinkage``, ``prior``,
        ``complexity_warmup``, ``prior_mean``, ``prior_variance``,
        ``optimizer``, ``lr``, ``lr_schedule``, ``momentum``, ``batch_size``,
        ``max_epochs``,
        ``n_mc_samples``, ``predictive``, ``class_weight``, ``tol``,
        ``early_stopping``, ``validation_fraction``, ``n_iter_no_change``,
        ``prune_score``, ``prune_scope``, ``memory``, ``warm_start``,
        ``random_state``, ``device``, ``verbose``,
        ``callbacks``, ``on_divergence``, ``checkpoint``: as in
        :class:`HyperVariationalClassifier`. With ``early_stopping=True`` each fold's
        hypernetwork stops on that fold's held-out rows, which then both
        stop and score it, so ``scores_`` are optimistic (measured on
        ``bench_tabular.py``'s tables: faster, but a worse test log loss on
        iris, breast cancer and digits, so not the default).

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
    best_estimator_ : VariationalMLPClassifier
        The single network refitted on all the data at ``complexity_``,
        pruned by ``prune_fraction_`` (only with ``refit=True``).
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when ``X`` had string column names.

    See Also
    --------
    HyperVariationalClassifier : The hypernetwork fitted per fold.
    pruning_curve : The scores of one model over a grid.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skvarhyper import HyperVariationalClassifierCV
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = HyperVariationalClassifierCV(
    ...     (20,), complexities=[0.01, 1.0], prune_fractions=[0.0, 0.5], cv=3,
    ...     max_epochs=30, random_state=0,
    ... ).fit(X, y)
    >>> clf.scores_.shape
    (3, 2, 2)
    >>> clf.predict(X[:2]).shape
    (2,)
    """

    _parameter_constraints: dict = search_constraints(HyperVariationalClassifier)
    _hypernetwork_class = HyperVariationalClassifier
    _refit_class = VariationalMLPClassifier

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        complexities=10,
        prune_fractions=(0.0,),
        cv=3,
        scoring="neg_log_loss",
        n_jobs=None,
        refit=True,
        refit_params=None,
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
        prior_variance=0.1,
        optimizer="adam",
        lr="auto",
        lr_schedule="auto",
        momentum=0.9,
        batch_size="auto",
        max_epochs="auto",
        n_mc_samples=0,
        predictive="auto",
        class_weight=None,
        tol=1e-4,
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
        self.refit_params = refit_params
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
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.n_mc_samples = n_mc_samples
        self.predictive = predictive
        self.class_weight = class_weight
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
        self.classes_ = np.unique(y)

    def predict_proba(self, X):
        """Class probabilities of the refitted model at the selected point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities of the classes in the order of ``classes_``.
        """
        return self._fitted_estimator().predict_proba(X)

    def predict(self, X):
        """Labels predicted by the refitted model at the selected point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        return self._fitted_estimator().predict(X)

    def predict_uncertainty(self, X, *, n_mc_samples=None):
        """Total, aleatoric and epistemic uncertainty of the refitted model at
        the selected point (see :meth:`VariationalMLPClassifier.predict_uncertainty`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        n_mc_samples : int, default=None
            Posterior draws; None as the refitted model says.

        Returns
        -------
        uncertainty : sklearn.utils.Bunch
            ``total``, ``aleatoric`` and ``epistemic``, in nats, of shape
            ``(n_samples,)``.
        """
        return self._fitted_estimator().predict_uncertainty(
            X, n_mc_samples=n_mc_samples
        )

    def predict_log_proba(self, X):
        """Log-probabilities of the refitted model at the selected point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities of the classes in the order of ``classes_``.
        """
        return self._fitted_estimator().predict_log_proba(X)


class HyperVariationalRegressorCV(RegressorMixin, BaseHypernetworkSearch):
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
    cv : int, cross-validation generator or iterable, default=3
        None is 5-fold, an int ``n`` is ``n``-fold CV **with shuffled folds**
        (seeded by ``random_state``), unlike scikit-learn's CV estimators: on
        a table sorted by a feature or by the target, unshuffled folds each
        miss part of the data, and the selected complexity suffers. A
        splitter or an iterable of splits is used as given (``KFold(5)`` for
        unshuffled folds).
    scoring : str or callable, default=mean_log_predictive_density
        A scikit-learn scorer; None uses R². The default selects by the
        held-out targets' mean log-density under the predictive distribution,
        so the chosen model's intervals are calibrated, not only its means.
    n_jobs : int, default=None
        Folds fitted in parallel; None is 1 unless in a joblib context.
    refit : bool, default=True
        Refit a hypernetwork on all the data and predict with it at the
        selected point. (Unlike :class:`HyperVariationalClassifierCV`: a
        single network refitted at the selected ``λ`` predicted worse
        densities on four of six tables of ``bench_regression.py``.)
    refit_params : dict, default=None
        Parameters of the refitted :class:`HyperVariationalRegressor` that
        differ from the search's.
    selection : {"best", "one_standard_error"}, default="best"
        How the grid point is chosen from the mean scores.
    **hypernetwork parameters
        ``activation``, ``hypernet``, ``complexity_range``,
        ``complexity_sampling``, ``n_complexity_samples``, ``draw_batching``,
        ``rank``, ``hypernet_hidden``, ``shrinkage``, ``prior``,
        ``complexity_warmup``, ``prior_mean``, ``prior_variance``,
        ``optimizer``, ``lr``, ``lr_schedule``, ``momentum``, ``batch_size``,
        ``max_epochs``,
        ``n_mc_samples``, ``predictive``, ``tol``,
        ``early_stopping``, ``validation_fraction``, ``n_iter_no_change``,
        ``prune_score``, ``prune_scope``, ``memory``, ``warm_start``,
        ``random_state``, ``device``, ``verbose``,
        ``callbacks``, ``on_divergence``, ``checkpoint``: as in
        :class:`HyperVariationalRegressor`. With ``early_stopping=True`` each fold's
        hypernetwork stops on that fold's held-out rows, which then both
        stop and score it, so ``scores_`` are optimistic (measured on the
        classifier's tables of ``bench_tabular.py``: faster, but a worse test
        log loss on iris, breast cancer and digits, so not the default).

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
    # A single network refitted at the selected λ predicted worse densities
    # (bench_regression: NLPD 6.84 against 5.43 on diabetes, 0.86 against
    # -0.11 on housing).
    _refit_class = HyperVariationalRegressor

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        complexities=10,
        prune_fractions=(0.0,),
        cv=3,
        scoring=mean_log_predictive_density,
        n_jobs=None,
        refit=True,
        refit_params=None,
        selection="best",
        activation="relu",
        hypernet="linear",
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
        lr="auto",
        lr_schedule="auto",
        momentum=0.9,
        batch_size="auto",
        max_epochs="auto",
        n_mc_samples=0,
        predictive="auto",
        tol=1e-4,
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
        self.refit_params = refit_params
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
        self.lr_schedule = lr_schedule
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

    def predict(self, X, return_std=False):
        """Predictions of the refitted model at the selected point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        return_std : bool, default=False
            Also return the predictive standard deviation.

        Returns
        -------
        y_mean : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Means of the predictive distribution.
        y_std : ndarray of the same shape
            Its standard deviations; only with ``return_std=True``.
        """
        return self._fitted_estimator().predict(X, return_std=return_std)

    def predict_uncertainty(self, X, *, n_mc_samples=None):
        """Total, aleatoric and epistemic uncertainty of the refitted model at
        the selected point (see :meth:`HyperVariationalRegressor.predict_uncertainty`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        n_mc_samples : int, default=None
            Posterior draws; None as the refitted model says.

        Returns
        -------
        uncertainty : sklearn.utils.Bunch
            ``total``, ``aleatoric`` and ``epistemic``, standard deviations
            shaped as :meth:`predict`'s output.
        """
        return self._fitted_estimator().predict_uncertainty(
            X, n_mc_samples=n_mc_samples
        )

    def score(self, X, y, sample_weight=None):
        """R² of the refitted model's predictive means on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Their true target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the score.

        Returns
        -------
        score : float
            As :meth:`HyperVariationalRegressor.score` computes it.
        """
        return super().score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
