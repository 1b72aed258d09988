"""The skorch nets that train the variational networks.

No scikit-learn validation here: the estimators check their parameters and
build these nets (:mod:`.config`), which own the objective (the negative
generalised evidence), the draws of ``λ`` per batch, batch iteration and the
random generator of a training run. The task enters through the net's
criterion, a likelihood of :mod:`skvarhyper.nn.likelihood`: categorical for a
classifier, Gaussian with a learned noise for a regressor.
"""

import functools

import torch
from skorch import NeuralNet
from skorch.dataset import unpack_data
from skorch.utils import to_numpy, to_tensor

from ..nn.likelihood import CategoricalLikelihood
from .batches import TensorBatchIterator
from .callbacks import EpochEvidence


def make_generator(seed, device) -> torch.Generator:
    """A torch generator on ``device`` seeded with ``seed``: the only source of
    randomness of a fit or a prediction, so torch's global one is left alone
    and threads do not share random state."""
    generator = torch.Generator(device=torch.device(device))
    generator.manual_seed(int(seed))
    return generator


@functools.cache
def supports_fused(optimizer, device) -> bool:
    """Whether this PyTorch has a fused (single-kernel) ``optimizer`` on ``device``."""
    try:
        optimizer([torch.zeros(1, device=device, requires_grad=True)], fused=True)
    except (RuntimeError, TypeError, ValueError):
        return False
    return True


class VariationalNet(NeuralNet):
    """skorch net that minimises the negative generalised evidence per sample.

    The loss of a mini-batch is ``mean(NLL) + complexity * KL / n_train``, an
    unbiased estimate of ``-ELBO_complexity / n_train``. The module must return
    the network's outputs and provide ``kl()`` and
    ``sample_with_kl(x, generator)`` (sampled outputs and KL in one pass, for
    training steps). Besides ``train_loss`` the history records per epoch
    ``train_nll`` (mean negative log-likelihood per sample), ``train_kl`` (KL
    divergence of the posterior from the prior) and ``train_elbo`` (the
    generalised evidence lower bound of the training set). On a validation
    set, ``valid_loss`` (also ``valid_nll``) is the mean negative
    log-likelihood of the rows under the posterior predictive — the held-out
    log loss of a classifier, the negative log predictive density of a
    regressor, never a term that does not depend on those rows — and
    ``valid_accuracy`` or ``valid_r2`` the likelihood's score of the
    predictive.

    ``predict_proba`` returns the posterior-mean network's outputs (through
    skorch's ``predict_nonlinearity``: a classifier's estimator passes the
    softmax) and ``predict`` the likelihood's most probable targets (class
    codes for a classifier), so that scoring callbacks such as
    ``EpochScoring("accuracy")`` work.

    Parameters
    ----------
    module : torch module class
        Built on the meta device and initialised from ``generator``.
    criterion : likelihood class, default=CategoricalLikelihood
        :class:`~skvarhyper.nn.CategoricalLikelihood` or
        :class:`~skvarhyper.nn.GaussianLikelihood`; ``criterion_`` is the
        negative log-likelihood of every row.
    complexity : float, default=1.0
        Weight ``λ`` of the KL term.
    n_train : int, default=1
        Size of the training set, which scales the KL term per sample.
    generator : torch.Generator, default=None
        Source of the initial parameters, the batch order and the posterior
        noise; torch's global generator when None.
    train_weights : torch.Tensor, default=None
        A weight of mean 1 per training row, multiplying its negative
        log-likelihood; ``n_train`` is then the rows' total weight.
    train_rows : torch.Tensor, default=None
        The training rows of an epoch with repeats (integer sample weights).
    complexity_warmup : int, default=0
        Over the first this many epochs of training the KL term's weight in
        the gradient rises linearly from ``complexity / complexity_warmup``
        to ``complexity`` (KL annealing); the recorded losses and evidence
        always use ``complexity``.
    predictive : {"moments", "mean"}, default="moments"
        How validation rows are predicted: from the posterior's propagated
        moments, or by the posterior-mean network.
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(
        self,
        module,
        *args,
        complexity=1.0,
        n_train=1,
        generator=None,
        train_weights=None,
        train_rows=None,
        complexity_warmup=0,
        predictive="moments",
        criterion=CategoricalLikelihood,
        iterator_train=TensorBatchIterator,
        iterator_valid=TensorBatchIterator,
        train_split=None,
        **kwargs,
    ):
        kwargs.setdefault("iterator_train__shuffle", True)
        super().__init__(
            module,
            *args,
            criterion=criterion,
            iterator_train=iterator_train,
            iterator_valid=iterator_valid,
            train_split=train_split,
            **kwargs,
        )
        self.complexity = complexity
        self.n_train = n_train
        self.generator = generator
        self.train_weights = train_weights
        self.train_rows = train_rows
        self.complexity_warmup = complexity_warmup
        self.predictive = predictive

    @property
    def _default_callbacks(self):
        *base, print_log = super()._default_callbacks
        # Silent fits skip PrintLog, which formats a table every epoch anyway.
        shown = [print_log] if self.verbose else []
        return [*base, ("evidence", EpochEvidence()), *shown]

    # --- initialisation and randomness ----------------------------------------

    def initialize_module(self):
        """Build the module uninitialised, then draw its parameters from
        ``generator``: torch's global random state is never touched, and a
        default dtype of float64 does not change the float32 network."""
        kwargs = self.get_params_for("module")
        module = self.module(**kwargs, device="meta", dtype=torch.float32)
        module = module.to_empty(device=self.device)
        module.reset_parameters(self.generator)
        self.module_ = module
        return self

    def get_iterator(self, dataset, training=False):
        iterator = super().get_iterator(dataset, training=training)
        if isinstance(iterator, TensorBatchIterator):
            iterator.generator = self.generator
            if training:
                iterator.weights, iterator.rows = self.train_weights, self.train_rows
                self.train_batches_ = iterator
        return iterator

    def batch_weights(self):
        """The row weights of the current training batch; None when unweighted."""
        if self.train_weights is None:
            return None
        return to_tensor(self.train_batches_.batch_weights, device=self.device)

    def warmup_scale(self):
        """The share of the KL term's weight that the current epoch trains
        with (1 once the warm-up is over)."""
        if not self.complexity_warmup:
            return 1.0
        return min(1.0, max(len(self.history), 1) / self.complexity_warmup)

    def _input(self, x):
        """A batch as a float32 tensor on the device, as the module computes."""
        return to_tensor(x, device=self.device).to(torch.float32)

    def infer(self, x, **fit_params):
        return self.module_(self._input(x), generator=self.generator, **fit_params)

    # --- the objective ----------------------------------------------------------

    def train_step_single(self, batch, **fit_params):
        """One step on a batch: sampled logits and KL from one fused pass."""
        self._set_training(True)
        X, y = unpack_data(batch)
        # The KL's gradient reaches the parameters through the logits' backward.
        logits, kl = self.module_.sample_with_kl(
            self._input(X),
            generator=self.generator,
            kl_weight=self.warmup_scale() * self.complexity / self.n_train,
            **fit_params,
        )
        loss = self.get_loss(logits, y, X=X, training=True, kl=kl)
        loss.backward()
        return {"loss": loss, "y_pred": logits}

    def predictive_outputs(self, network, x):
        """``network``'s output mean and variance (None for the mean
        network's) under its posterior, as ``predictive`` says."""
        if self.predictive == "moments":
            return network.predictive_moments(x)
        return network(x, sample=False), None

    def validation_step(self, batch, **fit_params):
        """The rows' negative log-likelihood under the posterior predictive
        (``valid_loss``) and the predictive's score; no KL term, which does
        not depend on the validation rows."""
        self._set_training(False)
        X, y = unpack_data(batch)
        targets = to_tensor(y, device=self.device)
        with torch.no_grad():
            mean, variance = self.predictive_outputs(self.module_, self._input(X))
            loss = self.criterion_.predictive_nll(mean, variance, targets).mean()
        self.history.record_batch("valid_nll", loss.item())
        self.record_score(mean, targets)
        return {"loss": loss, "y_pred": mean}

    def get_loss(self, y_pred, y_true, X=None, training=False, kl=None):
        """A batch's negative generalised evidence per sample; a training
        batch's terms go into the history (validation batches record their
        predictive's loss instead, see :meth:`validation_step`)."""
        nll = self.mean_nll(y_pred, y_true, X=X, training=training)
        if kl is None:
            kl = self.module_.kl()
        loss = nll + self.complexity * kl / self.n_train
        if training:
            self.record_evidence(nll, kl, -loss * self.n_train)
        return loss

    def mean_nll(self, y_pred, y_true, X=None, training=False):
        """A batch's mean negative log-likelihood per row, the rows weighted
        by ``train_weights`` in training."""
        targets = to_tensor(y_true, device=self.device)
        weights = self.batch_weights() if training else None
        if weights is None:
            return self.criterion_.mean_nll(y_pred, targets)
        return (self.row_nll(y_pred, targets) * weights).mean()

    def row_nll(self, outputs, targets, complexity=None):
        """Negative log-likelihood of every row; ``complexity``, the ``λ`` of
        each block of rows ``(S,)``, for a likelihood that depends on it."""
        t = None
        if complexity is not None and self.criterion_.depends_on_complexity:
            t = self.module_.encoder.encode(complexity)
        return self.criterion_(outputs, targets, t)

    def record_score(self, outputs, y_true):
        """Write a validation batch's score into the history."""
        y_true = to_tensor(y_true, device=outputs.device)
        score = self.criterion_.score(outputs, y_true)
        self.history.record_batch(f"valid_{self.criterion_.score_name}", score)

    def record_evidence(self, nll, kl, elbo):
        """Write one training batch's evidence terms into the history."""
        self.history.record_batch("train_nll", nll.item())
        self.history.record_batch("train_kl", kl.item())
        self.history.record_batch("train_elbo", elbo.item())

    # --- predictions for callbacks -------------------------------------------------

    def predict(self, X):
        """The likelihood's most probable targets: class codes (indices into
        the estimator's ``classes_``) or standardised target values."""
        outputs = torch.from_numpy(self.predict_proba(X))
        return to_numpy(self.criterion_.mode(outputs))

    # --- interruption -------------------------------------------------------------

    def notify(self, method_name, **cb_kwargs):
        try:
            super().notify(method_name, **cb_kwargs)
        except KeyboardInterrupt:
            # A callback stopping training on purpose (early stopping, the
            # divergence guard), not the user's Ctrl-C.
            self.stopped_by_callback_ = True
            raise

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """skorch's loop; an interruption is remembered in ``interrupted_``
        unless a callback stopped training on purpose."""
        self.interrupted_ = False
        self.stopped_by_callback_ = False
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            self.interrupted_ = not self.stopped_by_callback_
            raise

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """skorch's ``partial_fit``; afterwards (the callbacks' ``on_train_end``
        included) the epoch an interruption cut short, which has no
        ``train_loss``, is dropped, so the history holds complete epochs only."""
        super().partial_fit(X, y, classes=classes, **fit_params)
        if self.history and "train_loss" not in self.history[-1]:
            del self.history[-1]
        return self


class HyperVariationalNet(VariationalNet):
    """skorch net that trains a hypernetwork over a range of complexities.

    Every training step draws ``n_complexity_samples`` values ``t`` in
    ``[0, 1]``, one uniformly in each of as many equal parts (stratified
    sampling), decodes them into complexities ``λ`` with the module's encoder
    (so ``λ`` follows the encoder's scale: log-uniform for a log encoder), and
    minimises the mean over the draws of
    ``(mean(NLL) + λ * KL / n_train) / (1 + λ)``. Dividing each draw's
    negative evidence by ``1 + λ`` keeps draws of large ``λ`` from swamping
    the gradient of the shared generator; it reweights the distribution of
    ``λ`` but leaves the best posterior of every single ``λ`` unchanged. The
    history's ``train_elbo`` is the unweighted mean over draws of
    ``ELBO_λ``. A validation set is predicted by the model of every
    ``valid_complexities``; ``valid_loss`` is the best of their held-out
    negative log-likelihoods, the score that of the same model, so that early
    stopping ends when the best model of the family stops improving.
    ``predict_proba`` uses the model of ``complexity``, and scoring callbacks
    (``EpochScoring``) predict with it rather than caching training logits.

    Parameters
    ----------
    module : HyperVariationalMLP class
        The hypernetwork; ``module(x, complexity)`` returns logits and KL.
    n_complexity_samples : int, default=5
        Draws of ``λ`` per mini-batch.
    draw_batching : {"split", "repeat"}, default="split"
        ``"split"`` gives each draw its own equal share of the batch (an
        unbiased estimate of the same objective at about the cost of one
        pass); a batch with fewer rows than draws lends its rows to several,
        so every draw is trained. ``"repeat"`` passes the whole batch through
        every draw, as the thesis did.
    valid_complexities : sequence of float, default=(1.0,)
        The ``λ`` whose models predict a validation set.
    **kwargs
        Passed to :class:`VariationalNet`.
    """

    def __init__(
        self,
        module,
        *args,
        n_complexity_samples=5,
        draw_batching="split",
        valid_complexities=(1.0,),
        **kwargs,
    ):
        # The logits of a training step mix draws of λ: scoring callbacks
        # predict anew with the model of ``complexity`` instead of caching them.
        kwargs.setdefault("use_caching", False)
        super().__init__(module, *args, **kwargs)
        self.n_complexity_samples = n_complexity_samples
        self.draw_batching = draw_batching
        self.valid_complexities = valid_complexities

    def draw_loss(self, X, y, complexity, *, split, weights=None):
        """Mean over draws of the per-sample negative generalised evidence,
        the logits of every draw, and the objective whose ``backward`` a
        training step runs (its likelihood part: the KL term's gradient,
        annealed during the warm-up, arrives through the logits'; see the
        module's ``sample_with_kl``); ``weights`` multiply the rows' NLL."""
        n_rows, n_draws = len(X), len(complexity)
        if weights is None:
            weights = torch.ones(n_rows, device=X.device)
        if split:
            # Row k of the batch goes to draw k // per_draw. The remainder of
            # an uneven batch sits out this step (each epoch shuffles anew); a
            # batch with fewer rows than draws lends its rows to several.
            per_draw = max(n_rows // n_draws, 1)
            if n_rows >= n_draws:
                rows = slice(0, n_draws * per_draw)
            else:
                rows = torch.arange(n_draws, device=X.device) % n_rows
            X = X[rows].view(n_draws, per_draw, -1)
            y = y[rows].view(n_draws, per_draw, *y.shape[1:])
            weights = weights[rows].view(n_draws, per_draw)
        else:
            X = X.expand(n_draws, *X.shape)
            y = y.expand(n_draws, *y.shape)
            weights = weights.expand(n_draws, *weights.shape)
        # The KL's gradient reaches the generator through the logits'.
        kl_weight = (
            self.warmup_scale()
            * complexity
            / (self.n_train * (1 + complexity) * n_draws)
        )
        logits, kl = self.module_.sample_with_kl(
            X, complexity, kl_weight, generator=self.generator
        )
        nll = (self.row_nll(logits, y, complexity) * weights).mean(1)
        negative_elbo = nll + complexity * kl / self.n_train
        loss = (negative_elbo / (1 + complexity)).mean()
        objective = (nll / (1 + complexity)).mean()
        self.record_evidence(
            nll.mean(), kl.mean(), -negative_elbo.mean() * self.n_train
        )
        return loss, logits, objective

    def _batch_tensors(self, batch):
        X, y = unpack_data(batch)
        return to_tensor(X, device=self.device), to_tensor(y, device=self.device)

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        X, y = self._batch_tensors(batch)
        weights = self.batch_weights()
        n_draws = self.n_complexity_samples
        # Stratified: one draw in each of n_draws equal parts of [0, 1].
        offsets = torch.rand(
            n_draws, generator=self.generator, device=X.device, dtype=X.dtype
        )
        t = (torch.arange(n_draws, device=X.device, dtype=X.dtype) + offsets) / n_draws
        complexity = self.module_.encoder.decode(t)
        loss, logits, objective = self.draw_loss(
            X, y, complexity, split=self.draw_batching == "split", weights=weights
        )
        objective.backward()
        return {"loss": loss, "y_pred": logits}

    def validation_step(self, batch, **fit_params):
        """Every ``valid_complexities``' held-out negative log-likelihood and
        score of the batch (recorded as ``valid_nll_by_complexity`` and
        ``valid_score_by_complexity``, which :class:`EpochEvidence` reduces to
        the best model's); the loss returned is the batch's best."""
        self._set_training(False)
        X, y = self._batch_tensors(batch)
        complexity = torch.tensor(self.valid_complexities, device=X.device)
        with torch.no_grad():
            if self.predictive == "moments":
                mean, variance = self.module_.predictive_moments(
                    X.to(torch.float32), complexity
                )
            else:
                x = X.to(torch.float32).expand(len(complexity), *X.shape)
                (mean, _), variance = self.module_(x, complexity, sample=False), None
            t = self.module_.encoder.encode(complexity)
            losses = self.criterion_.predictive_nll(mean, variance, y, t).mean(1)
        self.history.record_batch("valid_nll_by_complexity", losses.tolist())
        self.history.record_batch(
            "valid_score_by_complexity",
            [self.criterion_.score(outputs, y) for outputs in mean],
        )
        return {"loss": losses.min(), "y_pred": mean}

    def infer(self, x, **fit_params):
        x = self._input(x)
        complexity = torch.tensor([float(self.complexity)], device=x.device)
        logits, _ = self.module_(x[None], complexity, generator=self.generator)
        return logits[0]
