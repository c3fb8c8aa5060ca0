"""What a fixture definition is, read once from its ``FixtureDef``: a
:class:`~pytest_fixture_perf.model.run.Definition` and its parameters' display ids."""

from __future__ import annotations

import inspect
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from ..model.run import SCOPES, Definition


def describe(
    fixturedef: pytest.FixtureDef[Any], rootpath: Path
) -> tuple[Definition, tuple[str, ...] | None] | None:
    """The definition of ``fixturedef`` and the display ids of its declared params, or None
    for what is not a fixture of its own (the pseudo-fixtures ``@pytest.mark.parametrize``
    creates run no code)."""
    func = fixturedef.func
    if getattr(func, "__name__", "") == "get_direct_param_fixture_func":
        return None
    target: Any = inspect.unwrap(func)
    target = getattr(target, "__func__", target)
    code = getattr(target, "__code__", None)
    if code is None:
        path, line = getattr(target, "__module__", None) or repr(target), 0
    else:
        path, line = relative_source_path(code.co_filename, rootpath), code.co_firstlineno
    qualname = getattr(target, "__qualname__", "")
    qualifier = qualname.rpartition(".")[0]  # the class (or enclosing function), if any
    scope = fixturedef.scope if fixturedef.scope in SCOPES else "function"
    definition = Definition.make(fixturedef.argname, path, line, scope, qualifier)
    params = fixturedef.params
    param_ids = None
    if params is not None:
        param_ids = tuple(declared_param_id(fixturedef, i, p) for i, p in enumerate(params))
    return definition, param_ids


def relative_source_path(filename: str, rootpath: Path) -> str:
    """``filename`` relative to ``rootpath``; outside it, relative to the longest matching
    ``sys.path`` entry (``_pytest/tmpdir.py``); otherwise as given. Always with ``/``."""
    path = os.path.abspath(filename)
    candidates = [str(rootpath), *sorted((p for p in sys.path if p), key=len, reverse=True)]
    for base in candidates:
        base = os.path.abspath(base)
        if path.startswith(base + os.sep):
            return os.path.relpath(path, base).replace(os.sep, "/")
    return path.replace(os.sep, "/")


def declared_param_id(fixturedef: pytest.FixtureDef[Any], index: int, param: object) -> str:
    """Best-effort display id of ``fixturedef.params[index]``, mirroring pytest's rules."""
    ids: Any = fixturedef.ids
    value = param
    explicit: object = None
    if type(param).__name__ == "ParameterSet":  # pytest.param(...)
        values: tuple[object, ...] = tuple(getattr(param, "values", ()))
        value = values[0] if len(values) == 1 else values
        explicit = getattr(param, "id", None)
    if ids is not None:
        if callable(ids):
            try:
                explicit = ids(value)
            except Exception:
                explicit = None
        elif index < len(ids) and ids[index] is not None:
            explicit = ids[index]
    if explicit is not None:
        return str(explicit)
    return param_display_id(value, fixturedef.argname, index)


def param_display_id(value: object, argname: str, index: int) -> str:
    if value is None or isinstance(value, (str, int, float, bool)):
        return str(value)
    return f"{argname}{index}"
