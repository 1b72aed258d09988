"""Every number a set of seeded fits produces, for checking that a refactoring
changes none of them.

Fits four models through the public API only (digits: a variational model at
λ = 0.1, a weighted model with early stopping, a low-rank hypernetwork;
diabetes: a variational regressor and a hypernetwork regressor), and writes
their parameters, histories, predictions, evidence, pruning results and
exports into one ``.npz``. Run it on two commits and compare::

    python benchmarks/fit_fingerprints.py before.npz      # on the old commit
    python benchmarks/fit_fingerprints.py after.npz       # on the new one
    python benchmarks/fit_fingerprints.py --compare before.npz after.npz

``--compare`` lists every array that is not bit-identical (and exits 1 if
any). One thread, so that the sums run in the same order. The hypernetworks'
arrays compare only commits with the same generator: the low-rank one took
its factored form (``skvarhyper.nn.factored``) after 436eac6.
"""

import argparse
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import torch
from sklearn.datasets import load_diabetes, load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skvarhyper import (
    HyperVariationalClassifier,
    HyperVariationalRegressor,
    VariationalMLPClassifier,
    VariationalMLPRegressor,
    complexity_path,
    pruning_curve,
)

# The hypernetworks' training settings as 2162fb9's defaults had them, so that
# later changes of the defaults leave the fingerprints comparable.
HYPER_TRAINING = {"hypernet": "lowrank", "lr": 1e-2, "batch_size": 128, "tol": None}


def _data(loader):
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def _record(out, name, model, X_test, y_test, regression):
    for key, value in model.net_.module_.state_dict().items():
        out[f"{name}/param/{key}"] = value.detach().cpu().numpy()
    for key, value in model.net_.criterion_.state_dict().items():
        out[f"{name}/criterion/{key}"] = value.detach().cpu().numpy()
    if model.n_iter_:  # a hypernetwork's exported model has trained no epoch
        out[f"{name}/loss_curve"] = np.asarray(model.loss_curve_)
        out[f"{name}/export_coefs0"] = model.to_sklearn().coefs_[0]
    out[f"{name}/n_iter"] = np.asarray(model.n_iter_)
    if regression:
        mean, std = model.predict(X_test, return_std=True)
        out[f"{name}/predict"], out[f"{name}/std"] = mean, std
        out[f"{name}/noise_std"] = model.noise_std_
    else:
        out[f"{name}/proba"] = model.predict_proba(X_test)
    evidence = model.evidence(X_test, y_test, n_mc_samples=3)
    out[f"{name}/evidence"] = np.array([evidence[k] for k in sorted(evidence)])
    out[f"{name}/coefs0"] = model.coefs_[0]
    out[f"{name}/importances"] = model.feature_importances_
    curve = pruning_curve(model, X_test, y_test, fractions=[0.0, 0.5, 0.9])
    out[f"{name}/pruning_curve"] = curve.scores
    model.set_params(n_mc_samples=4)
    sampled = model.predict(X_test) if regression else model.predict_proba(X_test)
    out[f"{name}/sampled"] = sampled
    model.set_params(n_mc_samples=0)
    model.prune(0.7)
    out[f"{name}/sparsity"] = np.asarray(model.sparsity_)
    pruned = model.predict(X_test) if regression else model.predict_proba(X_test)
    out[f"{name}/pruned"] = pruned


def _record_hyper(out, name, model, X_test, y_test, regression):
    path = complexity_path(model, X_test, y_test, complexities=[0.01, 1.0, 30.0])
    for key in ("log_likelihood", "kl", "elbo", "scores"):
        out[f"{name}/path/{key}"] = path[key]
    single = model.to_variational(complexity=0.3)
    _record(out, f"{name}/to_variational", single, X_test, y_test, regression)
    model.set_complexity(3.0)
    _record(out, name, model, X_test, y_test, regression)


def fingerprints():
    torch.set_num_threads(1)
    out = {}
    X_train, X_test, y_train, y_test = _data(load_digits)
    fast = {"hidden_layer_sizes": (32,), "max_epochs": 15, "random_state": 0}
    # The prior variance of the classifier's defaults before 0.5.
    plain = VariationalMLPClassifier(**fast, complexity=0.1, prior_variance=0.1)
    plain.fit(X_train, y_train)
    _record(out, "digits/variational", plain, X_test, y_test, False)
    weights = np.where(y_train % 3 == 0, 2.5, 1.0)
    weighted = VariationalMLPClassifier(
        **fast,
        prior_variance=0.1,
        early_stopping=True,
        n_iter_no_change=3,
        class_weight="balanced",
    ).fit(X_train, y_train, sample_weight=weights)
    _record(out, "digits/weighted_early_stopping", weighted, X_test, y_test, False)
    hyper = HyperVariationalClassifier(**fast, **HYPER_TRAINING).fit(X_train, y_train)
    _record_hyper(out, "digits/hypernetwork", hyper, X_test, y_test, False)

    X_train, X_test, y_train, y_test = _data(load_diabetes)
    regressor = VariationalMLPRegressor(**fast).fit(X_train, y_train)
    _record(out, "diabetes/variational", regressor, X_test, y_test, True)
    # 2162fb9's default generator and stopping.
    hyper = HyperVariationalRegressor(**fast, hypernet="lowrank", tol=None)
    hyper.fit(X_train, y_train)
    _record_hyper(out, "diabetes/hypernetwork", hyper, X_test, y_test, True)
    return out


def compare(before, after):
    before, after = np.load(before), np.load(after)
    differ = sorted(set(before.files) ^ set(after.files))
    for name in sorted(set(before.files) & set(after.files)):
        if not np.array_equal(before[name], after[name]):
            gap = np.max(np.abs(before[name] - after[name]))
            differ.append(f"{name} (max difference {gap:.3g})")
    for line in differ:
        print("differs:", line)
    print(f"{len(before.files)} arrays, {len(differ)} not bit-identical")
    return 1 if differ else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="output .npz, or two to compare")
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.paths)
    np.savez(args.paths[0], **fingerprints())
    return 0


if __name__ == "__main__":
    sys.exit(main())
