"""The package's shape: layers that import one way, a pure-torch ``nn``,
optional pandas, and modules and functions small enough to read."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "skvarhyper"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


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


def test_no_module_is_too_long():
    long = {
        name: n_lines
        for name, path in _modules()
        if (n_lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, long


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
