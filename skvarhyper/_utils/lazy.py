"""Public names of a package imported on first use (PEP 562), so that importing
the package (and the ``skvarhyper`` command's start-up) does not load torch."""

import importlib


def lazy_attributes(namespace, lazy):
    """``__getattr__`` and ``__dir__`` for the package whose globals are
    ``namespace``: each name of ``lazy`` comes from the module it maps to (a
    relative name), imported on first use and then kept in ``namespace``."""
    package = namespace["__name__"]

    def __getattr__(name):
        if name not in lazy:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(lazy[name], package), name)
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(namespace) | set(namespace["__all__"]))

    return __getattr__, __dir__
