"""The package's shape: layers that import one way, a pure-torch ``nn``,
optional pandas, estimators that read as one base plus a task part and a
network part, and functions small enough to read."""

import ast
import inspect
import subprocess
import sys
from abc import ABC
from pathlib import Path

import pytest

import skvarhyper

PACKAGE = Path(__file__).resolve().parents[1] / "skvarhyper"
MAX_FUNCTION_LINES = 60
# Classes of the package in a public estimator's MRO: itself, one base, at
# most a task part, a network part and one more.
MAX_PACKAGE_CLASSES_IN_MRO = 5
MAX_LOOSE_PRIVATE_MODULES = 8
ESTIMATORS = [
    "VariationalMLPClassifier",
    "HyperVariationalClassifier",
    "HyperVariationalClassifierCV",
    "VariationalMLPRegressor",
    "HyperVariationalRegressor",
    "HyperVariationalRegressorCV",
]


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _imports(name, path):
    """Every module named by an import statement of ``path``, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module
            yield target
            yield from (f"{target}.{alias.name}" for alias in node.names)


def _internal_graph():
    modules = dict(_modules())
    return {
        name: {target for target in _imports(name, path) if target in modules} - {name}
        for name, path in modules.items()
    }


def test_the_import_graph_has_no_cycle():
    graph = _internal_graph()
    # A package's __init__ re-exports its modules; edges into a package from
    # its own modules are the usual relative imports, not a cycle of layers.
    graph = {
        name: {t for t in targets if not name.startswith(t + ".")}
        for name, targets in graph.items()
    }
    state, cycle = {}, []

    def visit(name, stack):
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                cycle.extend([*stack, name, target])
                return True
            if target not in state and visit(target, [*stack, name]):
                return True
        state[name] = "done"
        return False

    for name in sorted(graph):
        if name not in state and visit(name, []):
            break
    assert not cycle, " -> ".join(cycle)


@pytest.mark.parametrize("forbidden", ["sklearn", "skorch", "pandas", "matplotlib"])
def test_nn_is_pure_torch(forbidden):
    for name, path in _modules():
        if name.startswith("skvarhyper.nn"):
            roots = {target.split(".")[0] for target in _imports(name, path)}
            assert forbidden not in roots, f"{name} imports {forbidden}"


def test_pandas_is_imported_only_by_the_experiments():
    for name, path in _modules():
        roots = {target.split(".")[0] for target in _imports(name, path)}
        if "pandas" in roots:
            assert name.startswith("skvarhyper.experiments"), name


def test_estimators_work_without_pandas(tmp_path):
    # A pandas that fails to import shadows the installed one.
    (tmp_path / "pandas").mkdir()
    (tmp_path / "pandas" / "__init__.py").write_text(
        "raise ImportError(\"No module named 'pandas'\")\n"
    )
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from sklearn.datasets import load_iris\n"
        "from skvarhyper import VariationalMLPClassifier\n"
        "X, y = load_iris(return_X_y=True)\n"
        "clf = VariationalMLPClassifier((4,), max_epochs=2, random_state=0)\n"
        "print(clf.fit(X, y).score(X, y) > 0, 'pandas' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True False"


@pytest.mark.parametrize("name", ESTIMATORS)
def test_an_estimator_reads_as_a_base_a_task_part_and_a_network_part(name):
    ours = [
        cls.__name__
        for cls in getattr(skvarhyper, name).__mro__
        if cls.__module__.startswith("skvarhyper")
    ]
    assert len(ours) <= MAX_PACKAGE_CLASSES_IN_MRO, ours


def _package_classes():
    for module_name, _ in _modules():
        if module_name.endswith("__main__"):
            continue  # running it runs the command line
        module = __import__(module_name, fromlist=["_"])
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module_name:
                yield cls


def test_every_class_with_abstract_methods_is_an_abc():
    offenders = []
    for cls in _package_classes():
        declared = [
            name
            for name, value in vars(cls).items()
            if getattr(value, "__isabstractmethod__", False)
        ]
        if declared and not issubclass(cls, ABC):
            offenders.append(f"{cls.__qualname__}: {declared}")
    assert not offenders, offenders


@pytest.mark.parametrize(
    "module", ["_estimators.base", "_estimators.hypernetwork", "_search"]
)
def test_a_part_that_leaves_a_hook_out_cannot_be_built(module):
    module = __import__(f"skvarhyper.{module}", fromlist=["_"])
    (base,) = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == module.__name__ and cls.__name__.startswith("Base")
    ]
    assert base.__abstractmethods__
    incomplete = type("Incomplete", (base,), {})
    with pytest.raises(TypeError, match="abstract"):
        incomplete()


def test_no_class_of_the_package_is_a_mixin():
    mixins = [cls.__qualname__ for cls in _package_classes() if "Mixin" in cls.__name__]
    assert not mixins, mixins


def test_few_private_modules_lie_loose_in_the_package():
    loose = sorted(
        path.name for path in PACKAGE.glob("_*.py") if path.stem != "__init__"
    )
    loose = [name for name in loose if not name.startswith("__")]
    assert len(loose) <= MAX_LOOSE_PRIVATE_MODULES, loose


def _private_calls_on_others(path):
    """``obj._name(...)`` calls in ``path`` on anything but ``self``/``cls``."""
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr.startswith("_")
            and not node.func.attr.startswith("__")
            and not (
                isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("self", "cls", "super")
            )
        ):
            yield f"{path.name}:{node.lineno} {ast.unparse(node.func)}"


@pytest.mark.parametrize("part", ["path.py", "plotting", "experiments"])
def test_paths_plots_and_experiments_use_the_public_api(part):
    root = PACKAGE / part
    paths = [root] if root.is_file() else sorted(root.rglob("*.py"))
    calls = [call for path in paths for call in _private_calls_on_others(path)]
    assert not calls, calls


def _function_lengths(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            docstring = ast.get_docstring(node) is not None and len(body) > 1
            start = body[1 if docstring else 0].lineno
            yield node.name, node.end_lineno - start + 1


def test_no_function_is_too_long():
    long = {
        f"{name}.{function}": n_lines
        for name, path in _modules()
        for function, n_lines in _function_lengths(path)
        if n_lines > MAX_FUNCTION_LINES
    }
    assert not long, long
