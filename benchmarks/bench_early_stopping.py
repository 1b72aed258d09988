"""Early stopping on held-out prediction, against MLPClassifier's.

On ``bench_tabular.py``'s tables and folds (5-fold stratified, shuffled,
the same preprocessing), fits ``MLPClassifier((100,), early_stopping=True)``
and ``VariationalMLPClassifier(early_stopping=True)`` — both hold out 10 % of
the training rows and stop after 10 epochs without improvement, the first
on the validation accuracy, the second on the validation log loss — and the
variational model without early stopping. Prints, per table, the mean epochs
trained (``n_iter_``) and the test log loss of each, and whether the
variational model's epochs are at most twice MLPClassifier's plus 20 and its
log loss with early stopping no worse than without (within one standard
error of the difference over the folds).

Run: python benchmarks/bench_early_stopping.py [--tables iris wine] [--folds 5]
"""

import argparse
import warnings

import numpy as np
from _common import table_pipeline
from _tabular_data import TABLES, load_table
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier

from skvarhyper import VariationalMLPClassifier

MODELS = {
    "MLP-ES": lambda: MLPClassifier((100,), early_stopping=True, random_state=0),
    "VMLP-ES": lambda: VariationalMLPClassifier(early_stopping=True, random_state=0),
    "VMLP": lambda: VariationalMLPClassifier(random_state=0),
}


def run_table(name, n_folds):
    """Per model: epochs and test log loss of every fold."""
    X, y, categorical = load_table(name)
    classes = np.unique(y)
    folds = StratifiedKFold(n_folds, shuffle=True, random_state=0).split(X, y)
    results = {model: {"epochs": [], "log_loss": []} for model in MODELS}
    for train, test in folds:
        for model_name, make in MODELS.items():
            model = table_pipeline(X, categorical, make())
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X.iloc[train], y[train])
            proba = model.predict_proba(X.iloc[test])
            codes = np.searchsorted(classes, y[test])
            results[model_name]["epochs"].append(model[-1].n_iter_)
            results[model_name]["log_loss"].append(
                log_loss(codes, proba, labels=np.arange(len(classes)))
            )
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=list(TABLES))
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    print(
        "| table | MLP-ES epochs | VMLP-ES epochs | bound 2x+20 | "
        "VMLP-ES log loss | VMLP log loss | no worse |"
    )
    print("|---|---|---|---|---|---|---|")
    held = {"epochs": 0, "log_loss": 0}
    for name in args.tables:
        result = run_table(name, args.folds)
        mlp_epochs = np.mean(result["MLP-ES"]["epochs"])
        epochs = np.mean(result["VMLP-ES"]["epochs"])
        stopped = np.asarray(result["VMLP-ES"]["log_loss"])
        full = np.asarray(result["VMLP"]["log_loss"])
        difference = stopped - full
        standard_error = difference.std(ddof=1) / np.sqrt(len(difference))
        within = epochs <= 2 * mlp_epochs + 20
        no_worse = difference.mean() <= standard_error
        held["epochs"] += within
        held["log_loss"] += no_worse
        print(
            f"| {name} | {mlp_epochs:.0f} | {epochs:.0f} | "
            f"{'yes' if within else 'no'} | {stopped.mean():.3f} | "
            f"{full.mean():.3f} | {'yes' if no_worse else 'no'} |",
            flush=True,
        )
    n = len(args.tables)
    print(
        f"\nepochs within 2x MLPClassifier's + 20 on {held['epochs']} of {n} "
        f"tables; log loss no worse than without early stopping on "
        f"{held['log_loss']} of {n}"
    )


if __name__ == "__main__":
    main()
