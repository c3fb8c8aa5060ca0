"""What a fixture definition is, read once from its ``FixtureDef``: a
:class:`~pytest_fixture_perf.model.run.Definition` and its parameters' display ids."""

from __future__ import annotations

import enum
import hashlib
import inspect
import os
import re
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from ..model.run import SCOPES, Definition


def describe(
    fixturedef: pytest.FixtureDef[Any], rootpath: Path, rules: IdRules
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
        param_ids = tuple(declared_param_id(fixturedef, i, p, rules) for i, p in enumerate(params))
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


class IdRules(NamedTuple):
    """What pytest's parameter ids depend on in a run's configuration."""

    config: pytest.Config | None = None
    #: False under ``disable_test_id_escaping_and_forfeit_all_rights_to_community_support``.
    escape: bool = True
    #: ``parametrize_long_str_id_strategy`` (pytest >= 9.1); None before it existed.
    long_str: str | None = None
    #: ``pytest.param(id=...)`` escapes the id itself (pytest < 9); later, ids are escaped
    #: where they are made, as the others.
    param_escapes: bool = False

    @classmethod
    def of(cls, config: pytest.Config) -> IdRules:
        try:
            escape = not config.getini(
                "disable_test_id_escaping_and_forfeit_all_rights_to_community_support"
            )
        except ValueError:
            escape = True
        try:
            long_str: str | None = str(config.getini("parametrize_long_str_id_strategy"))
        except ValueError:
            long_str = None
        param_escapes = pytest.param(None, id="\u00e9").id != "\u00e9"
        return cls(config, escape, long_str, param_escapes)


def declared_param_id(
    fixturedef: pytest.FixtureDef[Any], index: int, param: object, rules: IdRules
) -> str:
    """The display id of ``fixturedef.params[index]``, by pytest's rules: an explicit id
    (``pytest.param(id=...)``, ``ids=[...]``, ``ids=callable``), else
    ``pytest_make_parametrize_id``, else one made from the value."""
    ids: Any = fixturedef.ids
    value = param
    if type(param).__name__ == "ParameterSet":  # pytest.param(...)
        values: tuple[object, ...] = tuple(getattr(param, "values", ()))
        value = values[0] if len(values) == 1 else values
        explicit = getattr(param, "id", None)
        if isinstance(explicit, str):
            return explicit if rules.param_escapes else _escaped(explicit, rules)
    if ids is not None and not callable(ids):
        if index < len(ids) and ids[index] is not None:
            given = _from_value(ids[index], rules)
            if given is not None:
                return given
    elif callable(ids):
        try:
            made = ids(value)
        except Exception:
            made = None
        if made is not None:
            given = _from_value(made, rules)
            if given is not None:
                return given
    return param_display_id(value, fixturedef.argname, index, rules)


def param_display_id(value: object, argname: str, index: int, rules: IdRules) -> str:
    """The id pytest makes from a parameter's value (or ``argname`` and ``index``)."""
    if rules.config is not None:
        try:
            hooked = rules.config.hook.pytest_make_parametrize_id(
                config=rules.config, val=value, argname=argname
            )
        except Exception:
            hooked = None
        if hooked is not None:
            return str(hooked)
    if isinstance(value, (str, bytes)):
        if len(value) <= LONG_STR or rules.long_str in (None, "legacy"):
            return _escaped(value, rules)
        if rules.long_str == "sha256":
            data = value.encode("utf-8") if isinstance(value, str) else value
            return hashlib.sha256(data).hexdigest()
        return f"{argname}{index}"  # "short" ("disallow" fails the collection)
    return _from_value(value, rules) or f"{argname}{index}"


#: Longer str and bytes values follow ``parametrize_long_str_id_strategy``.
LONG_STR = 100

#: ASCII control characters as pytest writes them in ids.
_NON_PRINTABLE = {i: f"\\x{i:02x}" for i in range(128) if i not in range(32, 127)}
_NON_PRINTABLE.update({ord("\t"): "\\t", ord("\r"): "\\r", ord("\n"): "\\n"})


def ascii_escaped(value: str | bytes) -> str:
    """pytest's escaping of ids: non-ASCII as Python escapes, control characters too."""
    if isinstance(value, bytes):
        text = value.decode("ascii", "backslashreplace")
    else:
        text = value.encode("unicode_escape").decode("ascii")
    return text.translate(_NON_PRINTABLE)


def _escaped(value: str | bytes, rules: IdRules) -> str:
    if rules.escape:
        return ascii_escaped(value)
    return value if isinstance(value, str) else ascii_escaped(value)


def _from_value(value: object, rules: IdRules) -> str | None:
    """The id of a value of a type pytest names (None for other types)."""
    if isinstance(value, (str, bytes)):
        return _escaped(value, rules)
    if value is None or isinstance(value, (float, int, bool, complex)):
        return str(value)
    if isinstance(value, re.Pattern):
        return ascii_escaped(value.pattern)
    if isinstance(value, enum.Enum):
        return str(value)
    name = getattr(value, "__name__", None)
    return name if isinstance(name, str) else None
