import json
import subprocess
import sys
import urllib.error

import numpy as np
import pytest

from skvarhyper.experiments import METHODS, load_dataset, reproduce
from skvarhyper.experiments.cli import main

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
        f"{100 * accuracy[:, 1, j].mean():.1f} ± {100 * accuracy[:, 1, j].std():.1f}"
        for j in (0, 1, 2)
    ]
    assert f"| hyper_linear | 0.1 | {' | '.join(cells)} |" in report
    seconds = np.asarray(results["methods"]["variational"]["fit_seconds"])
    assert f"| variational | {seconds.mean():.1f} ± {seconds.std():.1f} |" in report
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
    [("--fractions", "0,150"), ("--complexities", "-1"), ("--methods", "bayes")],
)
def test_bad_grid_options(capsys, option, value):
    assert option.lstrip("-") in _run_error(capsys, "--dataset", "iris", option, value)


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
