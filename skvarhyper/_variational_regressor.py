"""VariationalMLPRegressor: a Bayesian MLP regressor trained on the
generalised evidence, with predictive uncertainty."""

from ._regressor import BaseVariationalRegressor
from ._single import SINGLE_CONSTRAINTS, SingleNetworkMixin


class VariationalMLPRegressor(SingleNetworkMixin, BaseVariationalRegressor):
    """Multilayer perceptron regressor with a Gaussian posterior over its weights.

    Trained by variational inference on the generalised evidence
    ``E_q[log p(y | X, w)] - complexity * KL(q(w) || p(w))`` with a mean-field
    Gaussian posterior ``q``, the prior ``N(prior_mean, prior_variance)`` and
    a Gaussian likelihood ``y ~ N(f(X, w), σ²)`` whose noise ``σ`` (one per
    output) is learned with the weights. The targets are standardised
    internally, so the prior and the learning rate need no rescaling for the
    units of ``y``. :meth:`predict` returns the predictive mean and, with
    ``return_std=True``, its standard deviation, which adds the posterior's
    spread over the network's output to the noise.
    ``complexity=1`` is the ordinary evidence lower bound; larger values pull
    the posterior towards the prior and make the model simpler, and 0 ignores
    the prior. The trained model can be pruned by the signal-to-noise ratio
    of its weights.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden layer.
    activation : {"relu", "tanh", "logistic", "identity", "softmax"}, \
            default="relu"
        Activation of the hidden layers. ``"softmax"`` normalises over the
        hidden units, as in the thesis' model.
    complexity : float or "auto", default="auto"
        Weight ``λ >= 0`` of the KL term of the evidence. ``"auto"`` scales it
        with the data: ``λ = min(1, n_samples / n_weights)``, the ordinary
        evidence once there are more training samples than weights, and a
        proportionally weaker pull towards the prior for a network larger than
        its data (where ``λ = 1`` underfits). With ``prior="log-uniform"``,
        whose scale-free prior has no such trade-off, ``"auto"`` is 1 (sparse
        variational dropout's evidence). The value used is ``complexity_``.
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
        Mean of the Gaussian prior of every weight and bias.
    prior_variance : float, default=0.03
        Variance of the Gaussian prior; must be positive. With standardised
        inputs and targets a tighter prior than the classifiers' 0.1 (whose
        outputs are logits) suits the mostly near-linear relations of real
        tables; 0.03 is the compromise with nonlinear ones (5-fold R² on
        Friedman's function #1, 500 rows: 0.951, 0.975 and 0.981 for 0.01,
        0.03 and 0.1).
    optimizer : {"adam", "sgd"}, default="adam"
        Optimiser of the variational parameters.
    lr : float, default=1e-2
        Learning rate.
    momentum : float, default=0.9
        Momentum of ``optimizer="sgd"``; ignored by Adam.
    batch_size : int, default=1024
        Mini-batch size; clipped to the number of training samples. Large
        batches at ``lr=1e-2`` make a step's fixed cost count less: on six
        real tables this fitted in about half the time of ``batch_size=200``
        at ``lr=3e-3``, as accurately.
    max_epochs : int, default=200
        Passes over the training data.
    n_mc_samples : int, default=0
        Posterior draws averaged by :meth:`predict`; 0 integrates over the
        posterior without sampling, as ``predictive`` says.
    predictive : {"auto", "moments", "mean"}, default="auto"
        How :meth:`predict` integrates over the posterior when
        ``n_mc_samples=0``: ``"moments"`` propagates the means and variances
        of the pre-activations through the network (one pass, about 3 times
        the cost of ``"mean"``), which gives the output's mean and its
        variance under the posterior; ``"mean"`` predicts with the posterior
        means, and its predictive standard deviation is the noise's alone.
        ``"auto"`` is ``"moments"`` for the Gaussian prior and ``"mean"`` for
        the log-uniform one, whose surviving weights are too noisy for the
        moments' approximation (and whose authors predict with the means).
    tol : float or None, default=1e-4
        Convergence tolerance, as in ``MLPRegressor``: when the training loss
        (the validation loss with ``early_stopping``) has not improved by at
        least ``tol`` for ``n_iter_no_change`` consecutive epochs, training
        stops. The training loss is a stochastic estimate, so its moving
        average (``train_loss_smoothed`` in the history, a memory of about 10
        epochs) is what must improve. None always trains ``max_epochs``
        epochs, which leaves the posterior's signal-to-noise ranking more
        settled for heavy pruning (on digits at ``lr=1e-2``, 80 % SNR pruning
        cost 0.4 points after 200 epochs and 1.3 after stopping at 1e-4).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data and
        stop when its loss has not improved (by ``tol``, when set) for
        ``n_iter_no_change`` epochs, restoring the best parameters.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement before training stops.
    prune_fraction : float, default=0.0
        Fraction of weights pruned after ``fit``; see :meth:`prune`.
    prune_threshold : float or None, default=None
        When set, every weight whose ``log α = log(s**2 / m**2)`` is above it
        is pruned (3 in sparse variational dropout), however many that is,
        and ``prune_fraction`` is ignored; see :meth:`prune`.
    prune_score : {"snr", "magnitude"}, default="snr"
        Criterion that ranks the weights: the signal-to-noise ratio ``|m|/s``
        (the thesis' relative density) or the magnitude ``|m|``.
    prune_scope : {"global", "layer"}, default="global"
        Rank all weight matrices together, or prune each by the same fraction.
    warm_start : bool, default=False
        When True, ``fit`` continues from the fitted model (its pruning mask
        included) instead of starting anew.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, batch order, posterior noise and the validation
        split; an int gives bit-identical fits on the CPU.
    device : str or torch.device, default="cpu"
        Where the network is trained, e.g. ``"cuda"``.
    verbose : int, default=0
        0 is silent, 1 prints a table per epoch, 2 also shows a progress bar.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Extra callbacks of the skorch training loop.
    on_divergence : {"raise", "warn"}, default="raise"
        What a non-finite loss does: ``"raise"`` stops with a ``ValueError``
        naming the likely cause; ``"warn"`` restores the parameters of the
        last finite epoch, warns and stops.
    checkpoint : str or path-like, default=None
        Directory where every epoch of a ``fit`` is saved (skorch's
        ``Checkpoint``), in a sub-directory named by a fingerprint of the fit:
        a hash of the parameters that change the fit (all but the pruning
        parameters, ``n_mc_samples``, ``warm_start``, ``verbose`` and
        ``checkpoint``; callbacks by their classes and parameters) and of the
        training data. A later
        ``fit`` of the same model on the same data resumes from it; any other
        fit starts afresh in its own sub-directory, so a grid search can share
        one directory. Continuing fits (``partial_fit``, ``warm_start``) are
        not checkpointed.

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
        The trained skorch net; ``net_.module_`` is the torch module and
        ``net_.history`` holds per-epoch ``train_loss``, ``train_nll``,
        ``train_kl`` and ``train_elbo``.
    complexity_ : float
        The complexity ``λ`` the model was trained at (``complexity``, or its
        value for ``"auto"``).
    n_weights_ : int
        Number of prunable weights (biases excluded).
    sparsity_ : float
        Fraction of the weights pruned now.

    See Also
    --------
    HyperVariationalRegressor : One model for every complexity at once.
    sklearn.neural_network.MLPRegressor : The deterministic counterpart.
    sklearn.linear_model.BayesianRidge : A Bayesian linear model.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skvarhyper import VariationalMLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = VariationalMLPRegressor(
    ...     hidden_layer_sizes=(20,), max_epochs=50, random_state=0
    ... ).fit(X, y)
    >>> mean, std = reg.predict(X[:2], return_std=True)
    >>> mean.shape, std.shape
    ((2,), (2,))
    >>> reg.prune(0.5).sparsity_
    0.5
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        complexity="auto",
        prior="gaussian",
        complexity_warmup="auto",
        prior_mean=0.0,
        prior_variance=0.03,
        optimizer="adam",
        lr=1e-2,
        momentum=0.9,
        batch_size=1024,
        max_epochs=200,
        n_mc_samples=0,
        predictive="auto",
        tol=1e-4,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        prune_fraction=0.0,
        prune_threshold=None,
        prune_score="snr",
        prune_scope="global",
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
        self.warm_start = warm_start
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.callbacks = callbacks
        self.on_divergence = on_divergence
        self.checkpoint = checkpoint

    _parameter_constraints: dict = {
        **BaseVariationalRegressor._parameter_constraints,
        **SINGLE_CONSTRAINTS,
    }
