"""Selecting one model of a fitted hypernetwork's family: by ``λ``, for
prediction, export and paths."""

import copy
import warnings

import numpy as np
import torch

from ._validation import check_complexity


def complexity_grid(complexity_range, complexity_sampling, n=20):
    """``n`` values of ``λ`` spread over ``complexity_range``: log-spaced for
    ``complexity_sampling="loguniform"``, evenly spaced otherwise."""
    low, high = complexity_range
    if complexity_sampling == "loguniform":
        return np.geomspace(low, high, n)
    return np.linspace(low, high, n)


class ComplexitySelectionMixin:
    """The model of any ``λ`` of a fitted hypernetwork, cached per ``λ``.

    Needs ``net_`` (a hypernetwork), ``complexity``, ``complexity_range`` and
    ``complexity_sampling``.
    """

    def _sync_masks(self):
        super()._sync_masks()
        # The net's own predictions (skorch callbacks, net_.predict_proba)
        # follow the selected model too.
        self.net_.complexity = self.complexity

    def _check_complexity(self, complexity, name="complexity"):
        complexity = check_complexity(
            complexity, name, sampling=self.complexity_sampling
        )
        low, high = self.complexity_range
        return complexity, low <= complexity <= high

    # --- the selected model ---------------------------------------------------

    def _mask_key(self):
        return (*super()._mask_key(), self.complexity)

    def _selected_module(self):
        return self._exported(self.complexity)

    def _exported(self, complexity):
        """The network generated for ``complexity``, cached until the net or
        its masks change (see ``_sync_masks``)."""
        cache = self.__dict__.setdefault("_exported_", {})
        key = float(complexity)
        module = cache.get(key)
        if module is None:
            module = self.net_.module_.export(key)
            if not all(torch.isfinite(p).all() for p in module.parameters()):
                raise ValueError(
                    f"the hypernetwork generates non-finite parameters at "
                    f"complexity={complexity!r}, which lies too far outside "
                    f"complexity_range={self.complexity_range} to extrapolate; "
                    "use a complexity closer to the range."
                )
            if len(cache) >= 32:
                cache.clear()
            cache[key] = module
        return module

    def _warn_outside_range(self, complexity, inside):
        if not inside:
            warnings.warn(
                f"complexity={complexity} lies outside complexity_range="
                f"{self.complexity_range}; the hypernetwork extrapolates.",
                UserWarning,
                stacklevel=3,
            )

    def set_complexity(self, complexity):
        """Select the model of another complexity ``λ``, without refitting.

        A ``λ`` outside ``complexity_range`` works but warns, since the
        hypernetwork then extrapolates; one so far out that the generated
        parameters are not finite raises. Pruning masks follow the new model.

        Parameters
        ----------
        complexity : float
            The new ``λ >= 0``.

        Returns
        -------
        self : object
            The estimator, now predicting with the model of ``complexity``.
        """
        self._check_fitted()
        value, inside = self._check_complexity(complexity)
        self._exported(value)
        self._warn_outside_range(complexity, inside)
        self.complexity = complexity
        self._sync_masks()
        return self

    def to_variational(self, complexity=None):
        """The generated network of one ``λ`` as a fitted single-network estimator.

        Its posterior is ``G(λ)`` and its pruning follows this estimator's
        pruning parameters, so its predictions agree with this estimator's
        at ``λ``. Fitting it further with ``warm_start=True`` (or
        ``partial_fit``) fine-tunes the hypernetwork's model. A ``λ`` outside
        ``complexity_range`` warns, as in :meth:`set_complexity`.

        Parameters
        ----------
        complexity : float, default=None
            The ``λ`` to export; None uses ``complexity``.

        Returns
        -------
        estimator : VariationalMLPClassifier or VariationalMLPRegressor
            A fitted estimator of the same task with ``complexity`` set to
            ``λ`` and ``complexity_warmup=0`` (fine-tuning trains at the full
            ``λ``); a regressor's noise is the hypernetwork's at ``λ``.
        """
        self._check_fitted()
        complexity = self.complexity if complexity is None else complexity
        value, inside = self._check_complexity(complexity)
        module = self._exported(value)
        self._warn_outside_range(complexity, inside)
        shared = self._single_model().get_params(deep=False)
        params = {name: getattr(self, name) for name in shared}
        fitted = getattr(self, "_architecture_", None) or {}
        params["hidden_layer_sizes"] = fitted.get(
            "hidden_layer_sizes", self.hidden_layer_sizes
        )
        # Fine-tuning continues at the full λ: no new KL warm-up.
        clf = self._single_model(
            **{
                **params,
                "complexity": complexity,
                "complexity_warmup": 0,
                "checkpoint": None,
            }
        )
        # The learned attributes (classes_, n_features_in_, the predict seed...)
        # carry over; the random state is copied so the two fit independently.
        for name, value in vars(self).items():
            if name.endswith("_") and name not in ("net_", "_exported_"):
                setattr(clf, name, value)
        clf._rng = copy.deepcopy(self._rng)
        clf._architecture_ = clf._architecture()
        net = clf._new_net(self.n_features_in_, self.net_.n_train, None, seed=0)
        net.module_.load_state_dict(module.state_dict())
        self._load_selected_likelihood(net, complexity=complexity)
        clf._commit(net, first=False)
        return clf

    # --- evaluation at other settings -----------------------------------------

    def _complexity_grid(self, complexities):
        if complexities is None:
            return complexity_grid(self.complexity_range, self.complexity_sampling)
        grid = np.atleast_1d(np.asarray(complexities, dtype=float))
        if grid.ndim != 1 or grid.size == 0:
            raise ValueError("complexities must be a non-empty 1-D array of numbers.")
        for value in grid:
            self._check_complexity(value, "complexities")
        return grid

    def _model_at(self, complexity):
        return self.to_variational(complexity)

    def _selected_encoding(self, complexity=None):
        complexity = self.complexity if complexity is None else complexity
        encoder = self.net_.module_.encoder
        return float(encoder.encode(torch.tensor(float(complexity))))
