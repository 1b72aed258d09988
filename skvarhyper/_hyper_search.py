"""What the cross-validated hypernetwork estimators share: the grid, the
folds, the selection and the refit."""

import os
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone, is_classifier
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

from ._hyper_selection import complexity_grid
from ._state import transaction
from .path import check_fractions, pruning_curve

# Chosen by the search (the pruning by a grid of fractions), not passed on.
_SELECTED = ("complexity", "prune_fraction", "prune_threshold")


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
        "selection": [StrOptions({"best", "one_standard_error"})],
    }


def _fold_scores(
    estimator, X, y, sample_weight, train, test, complexities, fractions, scoring
):
    weight = None if sample_weight is None else sample_weight[train]
    estimator.fit(_safe_indexing(X, train), _safe_indexing(y, train), weight)
    curve = pruning_curve(
        estimator,
        _safe_indexing(X, test),
        _safe_indexing(y, test),
        fractions=fractions,
        complexities=complexities,
        scoring=scoring,
    )
    return curve.scores


class HypernetworkSearchMixin:
    """One hypernetwork (``_hypernetwork_class``) fitted per fold and scored
    over ``complexities × prune_fractions``; the best point selected and a
    hypernetwork refitted at it."""

    def _hypernetwork(self):
        hyper = self._hypernetwork_class
        names = set(hyper().get_params(deep=False)) - set(_SELECTED)
        return hyper(**{name: getattr(self, name) for name in names})

    def _complexity_grid(self, estimator):
        if isinstance(self.complexities, Integral):
            return complexity_grid(
                estimator.complexity_range,
                estimator.complexity_sampling,
                self.complexities,
            )
        return estimator._complexity_grid(self.complexities)

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
        estimator._validate_hyperparameters()
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
        if self.refit:
            self.best_estimator_ = self._estimator_for(estimator, "refit").set_params(
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
