"""Export of the posterior-mean network as a fitted scikit-learn MLP.

The exported model needs neither PyTorch nor this package, pickles small and
converts to ONNX (``skl2onnx``). Compression removes what pruning left dead:
hidden units without outgoing weights go, units without incoming weights
become constants folded into the next layer's biases, inputs that no weight
reads are dropped by a feature selector in front of the network, and what
survives is stored as dense matrices of the smaller shape (BLAS multiplies
those faster than scipy does sparse ones, and ONNX converters need them).
"""

import numpy as np
from sklearn.feature_selection import SelectKBest
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.neural_network._base import ACTIVATIONS as SKLEARN_ACTIVATIONS
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelBinarizer


def _drop_dead_units(coefs, intercepts, activation):
    """Remove hidden units with no outgoing weight, and fold those with no
    incoming weight (constant outputs) into the next layer's biases, until
    none is left (removing a layer's units can cut off units before it)."""
    coefs, intercepts = list(coefs), list(intercepts)
    sizes = None
    while sizes != [c.shape for c in coefs]:
        sizes = [c.shape for c in coefs]
        coefs, intercepts = _drop_dead_units_once(coefs, intercepts, activation)
    return coefs, intercepts


def _drop_dead_units_once(coefs, intercepts, activation):
    coefs, intercepts = list(coefs), list(intercepts)
    for layer in range(len(coefs) - 1):
        incoming, outgoing = coefs[layer], coefs[layer + 1]
        constant = ~incoming.any(axis=0)
        if constant.any():
            value = intercepts[layer][constant].copy()
            SKLEARN_ACTIVATIONS[activation](value)
            intercepts[layer + 1] = intercepts[layer + 1] + value @ outgoing[constant]
        keep = outgoing.any(axis=1) & ~constant
        if not keep.any():
            # Keep one unit so the network stays well formed, silenced: what
            # it contributed is in the next layer's biases already.
            keep[0] = True
            outgoing = outgoing.copy()
            outgoing[0] = 0.0
        coefs[layer] = incoming[:, keep]
        intercepts[layer] = intercepts[layer][keep]
        coefs[layer + 1] = outgoing[keep]
    return coefs, intercepts


# What a selector's copy of one input value costs, in multiply-adds of the
# first layer (measured on MNIST 5,000 exports).
SELECTION_COST = 100


def _drop_unread_inputs(coefs):
    """The first layer without the rows of the inputs no weight reads, when
    that saves more time than selecting the others costs, and the absolute
    weight mass every input sends. A selector copies each value it keeps,
    which costs about as much as ``SELECTION_COST`` multiply-adds: a (100,)
    network on MNIST reading 244 of 784 pixels through 31 units predicted
    0.90 times as fast behind one, 497 pixels through 40 units 0.43 times.
    Otherwise the network takes every input, the unread ones with zero
    weights. One silenced input is kept when none is read, so that the
    network stays well formed."""
    mass = np.abs(coefs[0]).sum(axis=1)
    read = mass > 0
    n_inputs, n_read = len(read), int(read.sum())
    if (n_inputs - n_read) * coefs[0].shape[1] <= SELECTION_COST * n_read:
        return coefs, mass
    if not read.any():
        read[0] = True
    return [coefs[0][read], *coefs[1:]], mass


def _binary_output(coefs, intercepts):
    """Two softmax logits as ``MLPClassifier``'s single logistic unit:
    ``softmax(z)[1] = sigmoid(z1 - z0)``."""
    last, bias = coefs[-1], intercepts[-1]
    coefs[-1] = last[:, 1:] - last[:, :1]
    intercepts[-1] = bias[1:] - bias[:1]
    return coefs, intercepts


def _mean_network(estimator, compress, target):
    """The activation, the posterior means (``coefs_``, ``intercepts_``) of
    ``estimator``'s selected network and the weight mass each input sends
    into it; dead units and unread inputs dropped when ``compress``.
    ``target`` names the scikit-learn class for errors."""
    activation = estimator._predictive_module().activation
    if activation not in SKLEARN_ACTIVATIONS or activation == "softmax":
        raise ValueError(
            f"activation={activation!r} has no {target} counterpart; "
            "to_sklearn supports 'relu', 'tanh', 'logistic' and 'identity'."
        )
    coefs, intercepts = estimator.coefs_, estimator.intercepts_
    mass = np.ones(estimator.n_features_in_)
    if compress:
        coefs, intercepts = _drop_dead_units(coefs, intercepts, activation)
        coefs, mass = _drop_unread_inputs(coefs)
    return activation, coefs, intercepts, mass


def _fill_mlp(mlp, estimator, coefs, intercepts, out_activation):
    """Set the fitted attributes of the scikit-learn MLP ``mlp``."""
    mlp.coefs_, mlp.intercepts_ = coefs, intercepts
    mlp.n_layers_ = len(coefs) + 1
    mlp.n_outputs_ = coefs[-1].shape[1]
    mlp.out_activation_ = out_activation
    mlp.n_features_in_ = estimator.n_features_in_
    if hasattr(estimator, "feature_names_in_"):
        mlp.feature_names_in_ = estimator.feature_names_in_
    mlp.n_iter_ = estimator.n_iter_
    mlp.loss_curve_ = estimator.loss_curve_
    return mlp


def _reading_inputs(mlp, estimator, mass):
    """``mlp``, behind a selector of the inputs it reads (``SelectKBest``
    keeping those of positive weight ``mass``) when it reads fewer than
    ``estimator``'s: a ``Pipeline`` taking the same ``X``."""
    n_read = mlp.coefs_[0].shape[0]
    if n_read == estimator.n_features_in_:
        return mlp
    selector = SelectKBest(k=n_read)
    selector.scores_, selector.pvalues_ = mass, None
    selector.n_features_in_ = mlp.n_features_in_
    if hasattr(estimator, "feature_names_in_"):
        selector.feature_names_in_ = mlp.feature_names_in_
        del mlp.feature_names_in_  # the selector checks the names
    mlp.n_features_in_ = n_read
    return Pipeline([("select_inputs", selector), ("mlp", mlp)])


def to_mlp_classifier(estimator, compress):
    """A fitted ``MLPClassifier`` predicting as ``estimator`` does with
    ``predictive="mean"`` (behind a column selector when compression drops
    inputs)."""
    activation, coefs, intercepts, mass = _mean_network(
        estimator, compress, "MLPClassifier"
    )
    binary = len(estimator.classes_) == 2
    if binary:
        coefs, intercepts = _binary_output(coefs, intercepts)
    mlp = MLPClassifier(
        hidden_layer_sizes=tuple(c.shape[1] for c in coefs[:-1]),
        activation=activation,
    )
    mlp.classes_ = estimator.classes_
    mlp._label_binarizer = LabelBinarizer().fit(estimator.classes_)
    mlp = _fill_mlp(
        mlp, estimator, coefs, intercepts, "logistic" if binary else "softmax"
    )
    return _reading_inputs(mlp, estimator, mass)


def to_mlp_regressor(estimator, compress):
    """A fitted ``MLPRegressor`` whose ``predict`` equals ``estimator``'s
    with ``predictive="mean"`` (the targets' scaling folded into the last
    layer; behind a column selector when compression drops inputs)."""
    activation, coefs, intercepts, mass = _mean_network(
        estimator, compress, "MLPRegressor"
    )
    mlp = MLPRegressor(
        hidden_layer_sizes=tuple(c.shape[1] for c in coefs[:-1]),
        activation=activation,
    )
    mlp = _fill_mlp(mlp, estimator, coefs, intercepts, "identity")
    return _reading_inputs(mlp, estimator, mass)
