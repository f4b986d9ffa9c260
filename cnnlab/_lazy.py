"""Lazy exports for packages whose members pull in heavy libraries (TensorFlow, ipywidgets)."""

from __future__ import annotations

import importlib
import sys
import types


def lazy_exports(package: str, namespace: dict, exports: dict[str, str]):
    """Return ``(__getattr__, __dir__)`` that import ``exports`` ({name: module}) on first use.

    When a member is first used, every export of its module is bound in the package at once:
    importing ``pkg.googlenet`` also sets the package attribute ``googlenet`` to the *module*,
    which must not hide the function of the same name.

    Examples
    --------
    >>> namespace = {}
    >>> getattr_, dir_ = lazy_exports("demo", namespace, {"sqrt": "math", "pi": "math"})
    >>> getattr_("sqrt")(9.0), namespace["pi"] > 3
    (3.0, True)
    >>> getattr_("cos")
    Traceback (most recent call last):
    ...
    AttributeError: module 'demo' has no attribute 'cos'
    """

    def __getattr__(name: str):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name = exports[name]
        module = importlib.import_module(module_name)
        for export, source in exports.items():
            if source == module_name:
                namespace[export] = getattr(module, export)
        return namespace[name]

    def __dir__():
        return sorted(set(namespace) | set(exports))

    module = sys.modules.get(package)
    if module is not None and type(module) is types.ModuleType:
        module.__class__ = _exports_win(exports)
    return __getattr__, __dir__


def _exports_win(exports: dict[str, str]) -> type:
    """A module type on which an export keeps its name when its own submodule is imported.

    Importing ``cnnlab.models.googlenet`` directly makes Python bind the submodule
    as the package's ``googlenet`` after it runs; the package's ``__getattr__`` is
    then never asked, and ``models.googlenet()`` would call a module.
    """

    class Package(types.ModuleType):
        def __setattr__(self, name, value):
            if isinstance(value, types.ModuleType) and exports.get(name) == value.__name__:
                value = getattr(value, name)  # the builder, not the submodule named after it
            super().__setattr__(name, value)

    return Package
