import builtins
import itertools
import json
import subprocess
import sys
import urllib.error
import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier

import skvarhyper
from skvarhyper import HyperVariationalClassifier, VariationalMLPClassifier
from skvarhyper.experiments import (
    METHODS,
    check_conclusions,
    load_dataset,
    reproduce,
    write_report,
)
from skvarhyper.experiments._checks import check_labels
from skvarhyper.experiments._restart import split
from skvarhyper.experiments.cli import main
from skvarhyper.experiments.report import render_report, write_figures
from skvarhyper.path import DEFAULT_FRACTIONS

TINY = [
    "--complexities", "0,0.1,1",
    "--fractions", "0,50,90",
    "--restarts", "2",
    "--max-epochs", "2",
    "--finetune-epochs", "1",
    "--hidden", "8",
    "-q",
]  # fmt: skip


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    assert main(["reproduce", "--dataset", "iris", *TINY, "--out", str(out)]) == 0
    return out


def test_cli_writes_results_figures_and_report(tiny_run):
    names = {path.name for path in tiny_run.iterdir()}
    expected = {"results.json", "report.md", "complexity_surfaces.png"}
    expected |= {"compute_cost.png"} | {f"pruning_{m}.png" for m in METHODS}
    assert expected <= names


def test_results_json_schema(tiny_run):
    results = json.loads((tiny_run / "results.json").read_text())
    assert results["dataset"] == "iris"
    assert results["complexities"] == [0.0, 0.1, 1.0]
    assert results["fractions"] == [0.0, 0.5, 0.9]
    assert results["settings"]["restarts"] == 2
    assert results["settings"]["threads"] == 1  # the CLI's default
    assert set(results["methods"]) == set(METHODS)
    for result in results["methods"].values():
        assert np.shape(result["accuracy"]) == (2, 3, 3)
        assert np.shape(result["validation_accuracy"]) == (2, 3, 3)
        assert len(result["fit_seconds"]) == 2
        assert np.all(
            (np.asarray(result["accuracy"]) >= 0)
            & (np.asarray(result["accuracy"]) <= 1)
        )


def test_report_tables_match_the_json(tiny_run):
    results = json.loads((tiny_run / "results.json").read_text())
    report = (tiny_run / "report.md").read_text()
    accuracy = np.asarray(results["methods"]["hyper_linear"]["accuracy"])
    cells = [
        f"{100 * accuracy[:, 1, j].mean():.1f} ± "
        f"{100 * accuracy[:, 1, j].std(ddof=1):.1f}"
        for j in (0, 1, 2)
    ]
    assert f"| hyper_linear | 0.1 | {' | '.join(cells)} |" in report
    # A hypernetwork's λ = 0 is evaluated, and listed, at its range's low end.
    assert "| hyper_linear | 0.01 |" in report
    seconds = np.asarray(results["methods"]["variational"]["fit_seconds"])
    each = ", ".join(f"{value:.1f}" for value in seconds)
    row = f"| variational | {seconds.mean():.1f} ± {seconds.std(ddof=1):.1f} | {each} |"
    assert row in report
    assert "sample standard deviation (ddof = 1) over 2 restart(s)" in report
    assert report.count("**holds**") + report.count("**does not hold**") == 8


def test_reproduce_is_a_pure_function_of_its_seed():
    X, y = load_dataset("iris").X, load_dataset("iris").y
    kwargs = {
        "complexities": [0.1, 1.0],
        "fractions": [0.0, 0.5],
        "restarts": 1,
        "max_epochs": 2,
        "finetune_epochs": 1,
        "hidden": (8,),
        "methods": ["variational", "hyper_lowrank"],
    }
    a, b = reproduce(X, y, **kwargs), reproduce(X, y, **kwargs)
    for method in kwargs["methods"]:
        assert a["methods"][method]["accuracy"] == b["methods"][method]["accuracy"]
    assert set(a["methods"]) == {"variational", "hyper_lowrank"}


@pytest.fixture
def no_training(monkeypatch):
    """Every model's fit fails: the command must stop before any training."""

    def fit(self, *args, **kwargs):
        raise AssertionError("training started")

    for cls in (VariationalMLPClassifier, HyperVariationalClassifier, MLPClassifier):
        monkeypatch.setattr(cls, "fit", fit)


def _run_error(capsys, *args):
    code = main(["reproduce", *TINY, *args])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("skvarhyper: error:")
    assert "Traceback" not in err
    return lines[0]


def test_missing_file(capsys, tmp_path):
    assert "no such file" in _run_error(capsys, "--dataset", str(tmp_path / "x.csv"))


def test_unreadable_file(capsys, tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\xff\xfe\x00\x81" * 50)
    assert "cannot read" in _run_error(capsys, "--dataset", str(path))


def test_unknown_dataset_name(capsys):
    assert "unknown dataset 'mnist'" in _run_error(capsys, "--dataset", "mnist")


def _write_csv(tmp_path, text):
    path = tmp_path / "data.csv"
    path.write_text(text)
    return str(path)


def test_target_that_is_not_a_column(capsys, tmp_path):
    path = _write_csv(tmp_path, "a,b,label\n1,2,x\n3,4,y\n")
    message = _run_error(capsys, "--dataset", path, "--target", "class")
    assert "--target 'class' is not a column" in message and "label" in message


def test_non_numeric_feature_column(capsys, tmp_path):
    path = _write_csv(tmp_path, "a,colour,label\n1,red,x\n3,blue,y\n")
    assert "non-numeric feature column(s) colour" in _run_error(
        capsys, "--dataset", path
    )


def test_openml_without_network(capsys, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr("sklearn.datasets.fetch_openml", offline)
    message = _run_error(capsys, "--dataset", "openml:mnist_784")
    assert "internet access" in message


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--fractions", "0,150"),
        ("--complexities", "-1"),
        ("--complexities", "inf"),
        ("--complexities", "0,nan"),
        ("--complexities", "0,-inf"),
        ("--methods", "bayes"),
        ("--seed", "-1"),
        ("--seed", str(2**32)),
    ],
)
def test_bad_grid_options(capsys, no_training, option, value):
    assert option.lstrip("-") in _run_error(capsys, "--dataset", "iris", option, value)


def test_zero_complexity_alone_is_refused_for_hypernetworks(capsys, no_training):
    message = _run_error(capsys, "--dataset", "iris", "--complexities", "0")
    assert "positive" in message and "hyper" in message


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("finetune_epochs", 0),
        ("max_epochs", 0),
        ("restarts", 0),
        ("device", "tpu"),
        ("seed", -1),
        ("fractions", [0.0, 1.5]),
    ],
)
def test_reproduce_checks_its_arguments_before_training(no_training, option, value):
    data = load_dataset("iris")
    with pytest.raises(ValueError, match=option.split("_")[0]):
        reproduce(data.X, data.y, methods=["hyper_linear_finetuned"], **{option: value})


def test_zero_complexity_alone_runs_without_hypernetworks(tmp_path):
    data = load_dataset("iris")
    results = reproduce(
        data.X,
        data.y,
        complexities=[0.0],
        fractions=[0.0, 0.5],
        restarts=1,
        max_epochs=2,
        hidden=(4,),
        methods=["variational", "deterministic"],
    )
    assert np.shape(results["methods"]["variational"]["accuracy"]) == (1, 1, 2)
    assert results["settings"]["hypernetwork_complexity_range"] is None
    assert "Hypernetworks are trained" not in render_report(results)
    written = {path.name for path in write_report(results, tmp_path)}
    assert {"complexity_surfaces.png", "report.md"} <= written


def _labelled_csv(tmp_path, labels, n_features=2):
    rng = np.random.RandomState(0)
    rows = [
        ",".join(f"{v:.3f}" for v in rng.normal(size=n_features)) + f",{label}"
        for label in labels
    ]
    header = ",".join(f"x{i}" for i in range(n_features)) + ",label"
    return _write_csv(tmp_path, "\n".join([header, *rows]))


def test_csv_with_missing_feature_values(capsys, tmp_path, no_training):
    path = tmp_path / "data.csv"
    path.write_text("x0,x1,label\n" + "1,2,a\n3,,b\n" * 10)
    message = _run_error(capsys, "--dataset", str(path))
    assert "missing" in message and "x1" in message


def test_csv_with_infinite_feature_values(capsys, tmp_path, no_training):
    path = tmp_path / "data.csv"
    path.write_text("x0,x1,label\n" + "1,inf,a\n3,4,b\n" * 10)
    assert "x1" in _run_error(capsys, "--dataset", str(path))


def test_csv_with_a_single_class(capsys, tmp_path, no_training):
    path = _labelled_csv(tmp_path, ["a"] * 30)
    assert "only one class" in _run_error(capsys, "--dataset", path)


def test_csv_with_a_class_of_one_member(capsys, tmp_path, no_training):
    path = _labelled_csv(tmp_path, ["a", "b"] * 15 + ["c"])
    message = _run_error(capsys, "--dataset", path)
    assert "'c'" in message and "at least 3" in message


def test_csv_too_small_for_the_split(capsys, tmp_path, no_training):
    # Every class has 3 members, but a 20% test part of 12 samples cannot
    # hold all 4 classes.
    path = _labelled_csv(tmp_path, list("abcd") * 3)
    message = _run_error(capsys, "--dataset", path)
    assert "12 samples" in message and "at least" in message


@pytest.mark.parametrize("n_classes", [2, 3, 4])
def test_labels_that_pass_the_check_can_be_split(n_classes):
    for counts in itertools.combinations_with_replacement(range(2, 6), n_classes):
        y = np.repeat(np.arange(n_classes), counts)
        try:
            check_labels(y)
        except ValueError:
            assert min(counts) < 3 or len(y) < 5 * n_classes
            continue
        X = np.arange(len(y), dtype=float)[:, np.newaxis]
        for seed in range(5):
            (_, y_train), _, _, _ = split(X, y, seed, "classification")
            assert len(np.unique(y_train)) == n_classes


@pytest.fixture
def no_pandas(monkeypatch):
    """``import pandas`` fails, as where the optional dependency is missing."""
    real_import = builtins.__import__

    def block_pandas(name, *args, **kwargs):
        if name.split(".")[0] == "pandas":
            raise ModuleNotFoundError("No module named 'pandas'", name="pandas")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", block_pandas)


def test_openml_download_is_attempted(capsys, monkeypatch):
    # fetch_openml's own parameter checks pass; the (missing) network fails.
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr("sklearn.datasets._openml.urlopen", offline)
    with warnings.catch_warnings():
        # fetch_openml warns before it retries: a second line on stderr.
        warnings.simplefilter("error")
        message = _run_error(capsys, "--dataset", "openml:iris")
    assert "URLError" in message and "internet access" in message


def test_an_openml_error_that_is_not_the_network_is_not_blamed_on_it(
    capsys, monkeypatch
):
    def rejected(*args, **kwargs):
        raise ValueError("No active dataset mnist_785 found in OpenML.")

    monkeypatch.setattr("sklearn.datasets.fetch_openml", rejected)
    message = _run_error(capsys, "--dataset", "openml:mnist_785")
    assert "internet" not in message
    assert "No active dataset mnist_785 found" in message


def test_csv_without_pandas_says_how_to_install_it(capsys, tmp_path, no_pandas):
    path = _labelled_csv(tmp_path, ["a", "b"] * 10)
    assert 'pip install "skvarhyper[experiments]"' in _run_error(
        capsys, "--dataset", path
    )


def test_openml_without_pandas_says_how_to_install_it(capsys, no_pandas):
    message = _run_error(capsys, "--dataset", "openml:iris")
    assert 'pip install "skvarhyper[experiments]"' in message


@pytest.mark.parametrize("name", ["digits", "wine", "breast_cancer", "iris"])
def test_bundled_datasets_need_no_pandas(no_pandas, name):
    data = load_dataset(name)
    assert data.X.dtype == float and len(data.y) == len(data.X)


NO_PANDAS = """
import sys
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec

class NoPandas(MetaPathFinder, Loader):
    # Importing pandas fails as if it were not installed.
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "pandas":
            return ModuleSpec(name, self)

    def create_module(self, spec):
        raise ModuleNotFoundError(f"No module named {spec.name!r}", name=spec.name)

sys.meta_path.insert(0, NoPandas())
from skvarhyper.experiments.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_run_on_a_bundled_dataset_needs_no_pandas(tmp_path):
    args = ["--dataset", "iris", "--complexities", "0,1", "--restarts", "1"]
    args += ["--methods", "variational,deterministic", "--max-epochs", "1"]
    args += ["--fractions", "0,50", "--hidden", "4", "-q", "--out", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-c", NO_PANDAS, "reproduce", *args],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "report.md").exists()


def test_out_is_an_existing_file(capsys, tmp_path, no_training):
    path = tmp_path / "results"
    path.write_text("not a directory")
    message = _run_error(capsys, "--dataset", "iris", "--out", str(path))
    assert "--out" in message and "not a directory" in message


def test_out_cannot_be_created(capsys, tmp_path, no_training):
    blocker = tmp_path / "file"
    blocker.write_text("")
    message = _run_error(capsys, "--dataset", "iris", "--out", str(blocker / "sub"))
    assert "--out" in message and "cannot" in message


def test_out_is_not_created_when_the_data_are_bad(capsys, tmp_path, no_training):
    out = tmp_path / "out"
    _run_error(capsys, "--dataset", "mnist", "--out", str(out))
    assert not out.exists()


def test_csv_dataset_with_string_labels_runs(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 3))
    labels = np.array(["a", "b", "c"])[np.arange(90) % 3]
    lines = ["x1,x2,x3,kind"] + [
        ",".join(map(str, row)) + f",{label}" for row, label in zip(X, labels)
    ]
    path = _write_csv(tmp_path, "\n".join(lines))
    data = load_dataset(path)
    assert data.X.shape == (90, 3) and set(data.y) == {"a", "b", "c"}
    out = tmp_path / "out"
    assert main(["reproduce", "--dataset", path, *TINY, "--out", str(out)]) == 0


def test_python_dash_m_entry_point():
    done = subprocess.run(
        [sys.executable, "-m", "skvarhyper", "reproduce", "--dataset", "nope", "-q"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("skvarhyper: error: unknown dataset")


def _fake_results(methods=METHODS, complexities=(0.0, 0.1, 1.0)):
    """Results shaped as reproduce's, without training anything."""
    rng = np.random.RandomState(0)
    fractions = [0.0, 0.5, 0.9]
    shape = (2, len(complexities), len(fractions))
    return {
        "dataset": "fake",
        "n_samples": 100,
        "n_features": 4,
        "n_classes": 3,
        "complexities": list(complexities),
        "fractions": fractions,
        "settings": {
            "restarts": 2,
            "max_epochs": 1,
            "hidden": [4],
            "finetune_epochs": 1,
            "hypernetwork_complexity_range": [0.01, 10.0],
        },
        "methods": {
            name: {
                "accuracy": rng.uniform(0.5, 1, shape).tolist(),
                "validation_accuracy": rng.uniform(0.5, 1, shape).tolist(),
                "fit_seconds": [1.0, 2.0],
                "pruned_by": "snr",
            }
            for name in methods
        },
    }


def test_write_figures_leaves_the_matplotlib_backend_alone(tmp_path):
    before = matplotlib.get_backend()
    matplotlib.use("svg")  # a backend of the user's that is not Agg
    try:
        open_figures = plt.get_fignums()
        paths = write_figures(_fake_results(), tmp_path)
        assert matplotlib.get_backend() == "svg"
        assert plt.get_fignums() == open_figures
    finally:
        matplotlib.use(before)
    assert all(path.read_bytes().startswith(b"\x89PNG") for path in paths)


def test_conclusions_are_checked_only_where_measured():
    every = check_conclusions(_fake_results())
    assert len(every) == 8 and all(holds in (True, False) for _, holds, _ in every)
    alone = check_conclusions(_fake_results(methods=["variational"]))
    assert [holds is None for _, holds, _ in alone] == [False] + [True] * 7
    assert "λ=0: " in alone[0][2]


def test_a_verdict_says_in_which_direction_a_check_failed():
    results = _fake_results()
    separate = np.asarray(results["methods"]["variational"]["accuracy"])
    hyper = separate.copy()
    hyper[:, -1, :] = np.minimum(separate[:, -1, :] + 0.4, 1.0)  # far better
    hyper[:, 0, :] = separate[:, 0, :] - 0.1  # worse
    results["methods"]["hyper_linear"]["accuracy"] = hyper.tolist()
    checks = {
        claim: (holds, evidence)
        for claim, holds, evidence in check_conclusions(results)
    }
    holds, evidence = next(
        value
        for claim, value in checks.items()
        if "linear hypernetwork matches" in claim
    )
    assert holds is False
    last, first = results["complexities"][-1], results["complexities"][0]
    assert f"better than the separate model at λ={last:g}" in evidence
    assert f"worse at λ={first:g}" in evidence
    report = render_report(results)
    assert "**does not hold**" in report


def test_figures_share_one_scale_and_name_the_lambda_hypernetworks_used():
    from skvarhyper.experiments._figures import evaluated_complexities

    results = _fake_results()
    assert evaluated_complexities(results, "hyper_linear").tolist() == [0.01, 0.1, 1.0]
    assert evaluated_complexities(results, "variational").tolist() == [0.0, 0.1, 1.0]


def test_threads_option_sets_torch_threads(tmp_path, monkeypatch):
    import torch

    calls = []
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    out = tmp_path / "run"
    args = ["reproduce", "--dataset", "iris", *TINY, "--threads", "2"]
    assert main([*args, "--restarts", "1", "--out", str(out)]) == 0
    assert calls == [2]
    assert json.loads((out / "results.json").read_text())["settings"]["threads"] == 2


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"skvarhyper {skvarhyper.__version__}\n"


def _help(capsys, monkeypatch, *args):
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_help_shows_defaults_and_wraps_between_words(capsys, monkeypatch):
    text = _help(capsys, monkeypatch, "reproduce")
    assert all(name in text for name in METHODS)  # no name cut by a line break
    assert "fine-tuned" in text  # nor a word at its hyphen
    flat = " ".join(text.split())
    assert "(default: skvarhyper-results)" in flat
    assert "(default: 0,0.01,0.1,1,10,100)" in flat
    percents = ",".join(f"{100 * f:g}" for f in DEFAULT_FRACTIONS)
    assert f"(default: {percents})" in flat


def test_the_command_line_starts_without_torch():
    code = (
        "import sys\n"
        "from skvarhyper.experiments.cli import main\n"
        "try:\n"
        "    main(['reproduce', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('torch', 'sklearn', 'skorch', 'matplotlib', 'pandas')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.fixture(scope="module")
def regression_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("regression")
    assert main(["reproduce", "--dataset", "diabetes", *TINY, "--out", str(out)]) == 0
    return out


def test_a_regression_run_scores_r2_and_reports_rmse_and_coverage(regression_run):
    results = json.loads((regression_run / "results.json").read_text())
    assert results["task"] == "regression" and results["score"] == "r2"
    assert "n_classes" not in results
    for name, result in results["methods"].items():
        assert np.shape(result["r2"]) == (2, 3, 3)
        assert np.shape(result["rmse"]) == (2, 3)
        assert np.all(np.asarray(result["rmse"]) > 0)
        coverage = result["coverage90"]
        if name == "deterministic":
            assert all(value is None for row in coverage for value in row)
        else:
            assert all(0 <= value <= 1 for row in coverage for value in row)
    report = (regression_run / "report.md").read_text()
    assert "## Test R² (mean ± sample std over restarts)" in report
    assert "coverage of the 90% interval" in report
    assert "stratified" not in report and "accuracy" not in report
    r2 = np.asarray(results["methods"]["variational"]["r2"])
    cell = f"{r2[:, 0, 0].mean():.3f} ± {r2[:, 0, 0].std(ddof=1):.3f}"
    assert f"| variational | 0 | {cell} |" in report


def test_regression_rmse_is_in_the_units_of_the_target():
    data = load_dataset("diabetes")
    kwargs = {
        "complexities": [0.1],
        "fractions": [0.0],
        "restarts": 1,
        "max_epochs": 30,
        "hidden": (8,),
        "methods": ["variational"],
    }
    results = reproduce(data.X, data.y, **kwargs)
    scaled = reproduce(data.X, 1000.0 * data.y, **kwargs)
    rmse = results["methods"]["variational"]["rmse"][0][0]
    assert scaled["methods"]["variational"]["rmse"][0][0] == pytest.approx(
        1000.0 * rmse, rel=1e-3
    )
    # A diabetes model is far better than predicting the mean (std 77).
    assert 40 < rmse < 77


@pytest.mark.parametrize(
    ("y", "task"),
    [
        (np.array([0.5, 1.25, 2.0]), "regression"),
        (np.array([1.0, 2.0, 3.0]), "classification"),
        (np.arange(21.0), "regression"),
        (np.arange(20), "classification"),
        (np.array(["a", "b", "c"]), "classification"),
    ],
)
def test_the_task_is_inferred_from_the_target(y, task):
    from skvarhyper.experiments._checks import check_task

    assert check_task("auto", y) == task


def test_a_non_numeric_target_cannot_be_a_regression(capsys, tmp_path, no_training):
    path = tmp_path / "labels.csv"
    path.write_text("x,y\n" + "".join(f"{i},{'ab'[i % 2]}\n" for i in range(30)))
    code = main(["reproduce", "--dataset", str(path), "--task", "regression", *TINY])
    assert code == 2
    assert "regression target must be numeric" in capsys.readouterr().err
