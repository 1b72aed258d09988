"""HyperVariationalRegressor: one training run for the regressor of every
complexity λ."""

from ._hypernetwork import HYPER_CONSTRAINTS, HypernetworkMixin
from ._regressor import BaseVariationalRegressor
from ._variational_regressor import VariationalMLPRegressor


class HyperVariationalRegressor(HypernetworkMixin, BaseVariationalRegressor):
    """A hypernetwork that learns the variational MLP regressor of every complexity.

    Instead of one posterior per complexity ``λ``, a generator ``G`` maps ``λ``
    to all variational parameters of the network and is trained on
    ``E_{λ ~ U(Λ)}[ELBO_λ(q_{G(λ)})]``, drawing ``n_complexity_samples`` values
    of ``λ`` per mini-batch. After one fit, :meth:`set_complexity` selects the
    model of any ``λ`` without refitting; :meth:`prune` and :meth:`evidence`
    act on the selected model, and :meth:`to_variational` exports it as a
    :class:`VariationalMLPRegressor` for fine-tuning. The likelihood is
    Gaussian, as in :class:`VariationalMLPRegressor`, with a learned noise
    whose logarithm is a quadratic function of the encoded ``λ`` (a model
    pulled harder towards its prior fits less closely), so that every
    ``λ`` has its own predictive standard deviation.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden layer of the generated network.
    activation : {"relu", "tanh", "logistic", "identity", "softmax"}, \
            default="relu"
        Activation of the hidden layers.
    complexity : float, default=1.0
        The ``λ`` used by ``predict``, ``score``,
        ``evidence`` and ``prune``; it does not change the fit.
    hypernet : {"linear", "lowrank"}, default="lowrank"
        The generator: ``"linear"`` makes every parameter ``A + t B``;
        ``"lowrank"`` makes every weight matrix ``A + (f(t) U₁)(f(t) U₂)ᵀ``
        with a small ReLU network ``f``, where ``t`` encodes ``λ``.
    complexity_range : (float, float), default=(1e-3, 100.0)
        Interval of ``λ`` the hypernetwork is trained on.
    complexity_sampling : {"loguniform", "uniform"}, default="loguniform"
        Distribution of the training draws of ``λ``, and the scale on which
        ``λ`` is encoded. ``"loguniform"`` needs ``complexity_range[0] > 0``.
    n_complexity_samples : int, default=5
        Draws of ``λ`` per mini-batch.
    draw_batching : {"split", "repeat"}, default="split"
        ``"split"`` gives each draw its own share of the mini-batch, an
        unbiased estimate of the objective at the cost of about one pass;
        ``"repeat"`` passes the whole batch through every draw, as the thesis
        did (``n_complexity_samples`` times the cost).
    rank : int, default=4
        Rank of the low-rank correction (``hypernet="lowrank"``). The thesis
        used 1; on digits, rank 1 leaves the model of λ = 10 2-3 points less
        regularised (more accurate) than a separately trained one, while rank
        4 matches separate models within 1.5 points at every λ in 0.01-10.
    hypernet_hidden : int, default=50
        Hidden units of ``f`` (``hypernet="lowrank"``).
    shrinkage : bool, default=True
        Divide every generated weight mean by ``1 + λ c``, a learned
        ``c >= 0`` per weight (a Gaussian prior's shrinkage path). On digits
        it cut the largest gap to separate models over λ in 0.001-10 (three
        seeds) from 4.1 to 2.6 points (low-rank) and from 1.7 to 1.5 (linear).
    prior : {"gaussian", "log-uniform"}, default="gaussian"
        Prior of the weights. ``"gaussian"``: ``N(prior_mean, prior_variance)``
        on every weight and bias. ``"log-uniform"``: the sparsity-inducing
        prior of sparse variational dropout (Molchanov, Ashukha & Vetrov,
        2017) on the weights and a flat one on the biases; it drives the
        dropout rate ``α = s**2 / m**2`` of most weights up, so that they can
        be pruned (``prune(threshold=3)``, or a fraction) with little loss of
        accuracy. ``prior_mean`` and ``prior_variance`` are then unused.
    complexity_warmup : int or "auto", default="auto"
        Epochs over which the KL term's weight rises linearly to
        ``complexity`` at the start of training (KL annealing, as sparse
        variational dropout is trained). ``"auto"`` is ``max_epochs // 4``
        for ``prior="log-uniform"``, which without it can prune every weight
        of a small network in its first epochs (wine: 39 % accuracy on one
        seed of three), and 0 for the Gaussian prior.
    prior_mean : float, default=0.0
        Mean of the Gaussian prior.
    prior_variance : float, default=0.03
        Variance of the Gaussian prior; must be positive. With standardised
        inputs and targets a tighter prior than the classifiers' 0.1 (whose
        outputs are logits) suits the mostly near-linear relations of real
        tables; 0.03 is the compromise with nonlinear ones (5-fold R² on
        Friedman's function #1, 500 rows: 0.951, 0.975 and 0.981 for 0.01,
        0.03 and 0.1).
    optimizer : {"adam", "sgd"}, default="adam"
        Optimiser of the hypernetwork's parameters.
    lr : float, default=3e-3
        Learning rate.
    momentum : float, default=0.9
        Momentum of ``optimizer="sgd"``.
    batch_size : int, default=512
        Mini-batch size; clipped to the number of training samples.
    max_epochs : int, default=200
        Passes over the training data.
    n_mc_samples : int, default=0
        Posterior draws averaged by :meth:`predict`; 0 integrates over the
        posterior without sampling, as ``predictive`` says.
    predictive : {"auto", "moments", "mean"}, default="auto"
        How :meth:`predict` integrates over the posterior when
        ``n_mc_samples=0``: ``"moments"`` propagates the means and variances
        of the pre-activations through the network (one pass, about 3 times
        the cost of ``"mean"``); ``"mean"`` predicts with the posterior means,
        and its predictive standard deviation is the noise's alone.
        ``"auto"`` is ``"moments"`` for the Gaussian prior and ``"mean"`` for
        the log-uniform one, whose surviving weights are too noisy for the
        moments' approximation (and whose authors predict with the means).
    tol : float or None, default=None
        Convergence tolerance: when the moving average of the training loss
        (``train_loss_smoothed``; the validation loss with ``early_stopping``)
        has not improved by at least ``tol`` for ``n_iter_no_change``
        consecutive epochs, training stops. None (the default) always trains
        ``max_epochs`` epochs.
    early_stopping : bool, default=False
        Stop when the held-out loss, averaged over evenly spaced ``λ``, has
        not improved (by ``tol``, when set) for ``n_iter_no_change`` epochs.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement before training stops.
    prune_fraction : float, default=0.0
        Fraction of weights of the selected model pruned; see :meth:`prune`.
    prune_threshold : float or None, default=None
        When set, every weight whose ``log α = log(s**2 / m**2)`` is above it
        is pruned (3 in sparse variational dropout), however many that is,
        and ``prune_fraction`` is ignored; see :meth:`prune`.
    prune_score : {"snr", "magnitude"}, default="snr"
        Criterion that ranks the weights.
    prune_scope : {"global", "layer"}, default="global"
        Rank all weight matrices together, or prune each by the same fraction.
    memory : None, str or joblib.Memory, default=None
        Caches the fitted hypernetwork, keyed by the training data and every
        parameter that changes the fit (callbacks by class and parameters;
        not ``complexity``, the pruning parameters, ``n_mc_samples`` or
        ``verbose``): a grid search over those fits once per fold.
    warm_start : bool, default=False
        When True, ``fit`` continues from the fitted hypernetwork.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, batches, draws of ``λ`` and posterior noise.
    device : str or torch.device, default="cpu"
        Where the network is trained.
    verbose : int, default=0
        0 is silent, 1 prints a table per epoch, 2 also shows a progress bar.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Extra callbacks of the skorch training loop.
    on_divergence : {"raise", "warn"}, default="raise"
        What a non-finite loss does: ``"raise"`` stops with a ``ValueError``
        naming the likely cause; ``"warn"`` restores the parameters of the
        last finite epoch, warns and stops.
    checkpoint : str or path-like, default=None
        Directory where every epoch of a ``fit`` is saved, in a sub-directory
        named by a fingerprint of the fit (its parameters, but for those that
        ``memory`` ignores, and its data): only the same fit resumes from it.

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    noise_std_ : ndarray of shape (n_outputs,)
        The noise of each output (for a hypernetwork, of the model of
        ``complexity``), in the units of ``y``: the learned ``σ`` net of the
        posterior's output spread on the training rows, which the predictive
        standard deviation adds back row by row (see :meth:`predict`).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when ``X`` had string column names.
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the hypernetwork.
    n_weights_ : int
        Number of prunable weights of a generated network.
    sparsity_ : float
        Fraction of the weights pruned now.

    See Also
    --------
    VariationalMLPRegressor : One network for one complexity.
    HyperVariationalRegressorCV : The complexity chosen by cross-validation.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skvarhyper import HyperVariationalRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = HyperVariationalRegressor(
    ...     hidden_layer_sizes=(20,), max_epochs=30, random_state=0
    ... ).fit(X, y)
    >>> reg.set_complexity(0.1).predict(X[:3]).shape
    (3,)
    >>> reg.to_variational().complexity
    0.1
    """

    _parameter_constraints: dict = {
        **BaseVariationalRegressor._parameter_constraints,
        **HYPER_CONSTRAINTS,
    }
    _single_model = VariationalMLPRegressor

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        complexity=1.0,
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
        prune_fraction=0.0,
        prune_threshold=None,
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
        self.activation = activation
        self.complexity = complexity
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
        self.prune_fraction = prune_fraction
        self.prune_threshold = prune_threshold
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
