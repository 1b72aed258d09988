"""Every public name is documented in numpydoc style with a runnable example."""

import inspect

import pytest

import skvarhyper

PUBLIC = [name for name in skvarhyper.__all__ if not name.startswith("__")]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_name_has_parameters_and_examples(name):
    doc = inspect.getdoc(getattr(skvarhyper, name)) or ""
    assert "Parameters\n----------" in doc, name
    assert "Examples\n--------" in doc and ">>> " in doc, name


@pytest.mark.parametrize("name", PUBLIC)
def test_public_methods_are_documented(name):
    obj = getattr(skvarhyper, name)
    if not inspect.isclass(obj):
        return
    for method_name, method in inspect.getmembers(obj, inspect.isfunction):
        if method_name.startswith("_") or method.__module__.startswith("sklearn"):
            continue
        doc = inspect.getdoc(method) or ""
        assert doc, f"{name}.{method_name} has no docstring"
        if inspect.signature(method).parameters.keys() - {"self", "cls"}:
            assert "Parameters" in doc, f"{name}.{method_name}"
