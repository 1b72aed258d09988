"""Export of the posterior-mean network as a fitted scikit-learn MLP.

The exported model needs neither PyTorch nor this package, pickles small and
converts to ONNX (``skl2onnx``). Compression removes what pruning left dead:
hidden units without outgoing weights go, units without incoming weights
become constants folded into the next layer's biases, and weight matrices
sparse enough to be smaller as CSR are stored so (``MLPClassifier`` multiplies
them with ``safe_sparse_dot``; ONNX converters need dense ones).
"""

import numpy as np
import scipy.sparse as sp
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.neural_network._base import ACTIVATIONS as SKLEARN_ACTIVATIONS
from sklearn.preprocessing import LabelBinarizer

# Below this density a CSR matrix (8-byte value + 4-byte index per entry) is
# smaller than the dense one.
SPARSE_DENSITY = 0.5


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


def _binary_output(coefs, intercepts):
    """Two softmax logits as ``MLPClassifier``'s single logistic unit:
    ``softmax(z)[1] = sigmoid(z1 - z0)``."""
    last, bias = coefs[-1], intercepts[-1]
    coefs[-1] = last[:, 1:] - last[:, :1]
    intercepts[-1] = bias[1:] - bias[:1]
    return coefs, intercepts


def _mean_network(estimator, compress, target):
    """The activation and the posterior means (``coefs_``, ``intercepts_``)
    of ``estimator``'s selected network, dead units dropped when
    ``compress``; ``target`` names the scikit-learn class for errors."""
    activation = estimator._predictive_module().activation
    if activation not in SKLEARN_ACTIVATIONS or activation == "softmax":
        raise ValueError(
            f"activation={activation!r} has no {target} counterpart; "
            "to_sklearn supports 'relu', 'tanh', 'logistic' and 'identity'."
        )
    coefs, intercepts = estimator.coefs_, estimator.intercepts_
    if compress:
        coefs, intercepts = _drop_dead_units(coefs, intercepts, activation)
    return activation, coefs, intercepts


def _sparse_if_smaller(coefs):
    return [
        sp.csr_matrix(c) if np.count_nonzero(c) < SPARSE_DENSITY * c.size else c
        for c in coefs
    ]


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


def to_mlp_classifier(estimator, compress):
    """A fitted ``MLPClassifier`` predicting as ``estimator`` does with
    ``predictive="mean"``."""
    activation, coefs, intercepts = _mean_network(estimator, compress, "MLPClassifier")
    binary = len(estimator.classes_) == 2
    if binary:
        coefs, intercepts = _binary_output(coefs, intercepts)
    if compress:
        coefs = _sparse_if_smaller(coefs)
    mlp = MLPClassifier(
        hidden_layer_sizes=tuple(c.shape[1] for c in coefs[:-1]),
        activation=activation,
    )
    mlp.classes_ = estimator.classes_
    mlp._label_binarizer = LabelBinarizer().fit(estimator.classes_)
    return _fill_mlp(
        mlp, estimator, coefs, intercepts, "logistic" if binary else "softmax"
    )


def to_mlp_regressor(estimator, compress):
    """A fitted ``MLPRegressor`` whose ``predict`` equals ``estimator``'s
    with ``predictive="mean"`` (the targets' scaling folded into the last
    layer)."""
    activation, coefs, intercepts = _mean_network(estimator, compress, "MLPRegressor")
    if compress:
        coefs = _sparse_if_smaller(coefs)
    mlp = MLPRegressor(
        hidden_layer_sizes=tuple(c.shape[1] for c in coefs[:-1]),
        activation=activation,
    )
    return _fill_mlp(mlp, estimator, coefs, intercepts, "identity")
