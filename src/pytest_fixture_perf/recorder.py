"""Where a record is made: the only code of the plugin that runs for every fixture.

How it measures (see ``docs`` in the README for the why):

* **Setup**: a ``wrapper=True, tryfirst=True`` ``pytest_fixture_setup`` hookimpl. pytest only
  calls that hook on a real setup (never on a cache hit) and after the fixture's declared
  dependencies are set up, so they are already excluded. Fixtures pulled in at run time with
  ``request.getfixturevalue()`` run nested inside it: a stack of frames subtracts them.
* **Teardown**: after a successful setup we append a *mark* finalizer to the fixture. pytest
  runs finalizers last-in-first-out, so dependents and lazily added finalizers run before
  the mark and the fixture's own teardown (yield code, ``request.addfinalizer`` callbacks)
  after it; ``pytest_fixture_post_finalizer`` then closes the measurement. That hook is
  called spuriously before pytest 9.1, so it only counts when a mark is pending.

The hot path appends a tuple to ``Recorder.buffer`` and nothing else: no I/O, no locks, no
formatting. Per-definition metadata is computed once per ``FixtureDef``. Any internal error
disables recording for the rest of the session (and is reported); it never propagates into
pytest, because a hookimpl that raises during setup corrupts pytest >= 9.1's fixture state.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable, Generator
from pathlib import Path
from time import perf_counter_ns
from typing import Any, Final

import pytest

from .records import (
    ERROR,
    MAIN_WORKER,
    NOT_PARAMETRIZED,
    OK,
    SETUP,
    SKIPPED,
    TEARDOWN,
    FixtureKey,
)

_SKIP_EXCEPTION: Final = pytest.skip.Exception

#: Raw buffer entry: (phase, info, scope, param_index, param_id, test, duration_ns, outcome).
RawRecord = tuple[str, "FixtureInfo", str, int, "str | None", str, int, str]


class FixtureInfo:
    """What is known about a fixture definition before it runs (computed once)."""

    __slots__ = ("key", "location", "name", "param_ids", "scope")

    def __init__(
        self, name: str, location: str, scope: str, param_ids: tuple[str, ...] | None
    ) -> None:
        self.name = name
        self.location = location
        self.scope = scope
        self.param_ids = param_ids
        self.key: FixtureKey = (name, location)


class _Live:
    """A fixture instance that was set up and not yet torn down.

    It is itself the *mark* finalizer (calling it starts the teardown clock), so that no
    bound method is allocated per setup.
    """

    __slots__ = ("info", "outcome", "param_id", "param_index", "scope", "start_ns")

    def __init__(self, info: FixtureInfo, scope: str, param_index: int, param_id: str | None):
        self.info = info
        self.scope = scope
        self.param_index = param_index
        self.param_id = param_id
        self.start_ns = 0
        self.outcome = OK

    def __call__(self) -> None:
        self.start_ns = perf_counter_ns()


class _GuardedFinalizer:
    """Wraps one of a fixture's own teardown callbacks to learn whether it failed."""

    __slots__ = ("finalizer", "live")

    def __init__(self, finalizer: Callable[[], object], live: _Live) -> None:
        self.finalizer = finalizer
        self.live = live

    def __call__(self) -> object:
        try:
            return self.finalizer()
        except BaseException as exc:
            self.live.outcome = SKIPPED if isinstance(exc, _SKIP_EXCEPTION) else ERROR
            raise


class Recorder:
    """Times fixture setups and teardowns of one pytest process into ``buffer``."""

    def __init__(self, rootpath: Path, worker: str = MAIN_WORKER) -> None:
        self.rootpath = rootpath
        self.worker = worker
        self.enabled = True
        #: Why recording was disabled, if it was.
        self.error: str | None = None
        #: Node id of the test being run (set at each test's start by the plugin).
        self.current_test = ""
        self.buffer: list[RawRecord] = []
        self.uses: dict[FixtureKey, int] = {}
        self._infos: dict[object, FixtureInfo | None] = {}
        self._stack: list[list[int]] = []
        self._pending: dict[object, _Live] = {}

    # -- the hot path ----------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
    ) -> Generator[None, object, object]:
        if not self.enabled:
            return (yield)
        try:
            info = self._infos[fixturedef]
        except KeyError:
            info = self._describe(fixturedef)
        except Exception as exc:  # e.g. an unhashable FixtureDef subclass
            self.disable(exc)
            info = None
        if info is None:
            return (yield)
        stack = self._stack
        frame = [0]
        stack.append(frame)
        finalizers: list[Callable[[], object]] = fixturedef._finalizers
        n_before = len(finalizers)
        outcome = OK
        start = perf_counter_ns()
        try:
            return (yield)
        except BaseException as exc:
            outcome = SKIPPED if isinstance(exc, _SKIP_EXCEPTION) else ERROR
            raise
        finally:
            end = perf_counter_ns()
            try:
                stack.pop()
                inclusive = end - start
                if stack:
                    stack[-1][0] += inclusive
                # The definition's scope, unless a parametrize call overrides it (its
                # ``scope=``, or function scope when only some arguments are indirect):
                # that can only happen to a parametrized instance.
                if info.param_ids is not None:
                    param_index = request.param_index  # type: ignore[attr-defined]
                    param_id: str | None = info.param_ids[param_index]
                    scope: str = request.scope
                elif "param" in request.__dict__:  # indirect parametrization
                    param_index = request.param_index  # type: ignore[attr-defined]
                    param_id = param_display_id(request.param, info.name, param_index)
                    scope = request.scope
                else:
                    param_index = NOT_PARAMETRIZED
                    param_id = None
                    scope = info.scope
                self.buffer.append(
                    (SETUP, info, scope, param_index, param_id, self.current_test,
                     inclusive - frame[0], outcome)
                )  # fmt: skip
                cached = fixturedef.cached_result
                # Something to tear down: a successful setup, or finalizers registered
                # before the setup failed (a failed setup alone has no teardown record).
                if cached is not None and (cached[2] is None or len(finalizers) > n_before):
                    live = _Live(info, scope, param_index, param_id)
                    for i in range(n_before, len(finalizers)):
                        finalizers[i] = _GuardedFinalizer(finalizers[i], live)
                    fixturedef.addfinalizer(live)
                    self._pending[fixturedef] = live
            except Exception as exc:
                self.disable(exc)

    @pytest.hookimpl(tryfirst=True)
    def pytest_fixture_post_finalizer(self, fixturedef: pytest.FixtureDef[Any]) -> None:
        end = perf_counter_ns()
        live = self._pending.get(fixturedef)
        if live is None or not live.start_ns:
            return  # spurious call (pytest < 9.1) or a fixture we do not time
        del self._pending[fixturedef]
        self.buffer.append(
            (TEARDOWN, live.info, live.scope, live.param_index, live.param_id,
             self.current_test, end - live.start_ns, live.outcome)
        )  # fmt: skip

    # -- at test boundaries ----------------------------------------------------------------
    def count_uses(self, item: pytest.Item) -> None:
        """Count one use of every fixture ``item`` was served (set up or cached).

        Reads the item's fixture memo, which holds dynamically requested fixtures too. It
        is private to pytest and has no public equivalent; if it is missing, uses are not
        counted.
        """
        fixture_defs = getattr(getattr(item, "_request", None), "_fixture_defs", None)
        if not fixture_defs:
            return
        infos = self._infos
        uses = self.uses
        for fixturedef in fixture_defs.values():
            info = infos.get(fixturedef)
            if info is not None:
                uses[info.key] = uses.get(info.key, 0) + 1

    def drain_raw(self) -> tuple[list[RawRecord], dict[FixtureKey, int]]:
        """Take everything recorded since the last drain: raw records and use counts."""
        buffer, self.buffer = self.buffer, []
        uses, self.uses = self.uses, {}
        return buffer, uses

    def record_manual(
        self, phase: str, name: str, scope: str, duration_ns: int, outcome: str = OK
    ) -> None:
        """Record a measurement made outside the hooks (the tracker API)."""
        info = FixtureInfo(name, "<manual>", scope, None)
        self.buffer.append(
            (phase, info, scope, NOT_PARAMETRIZED, None, self.current_test, duration_ns, outcome)
        )

    @property
    def open_setups(self) -> int:
        """Fixture instances set up and not torn down (yet)."""
        return len(self._pending)

    def is_timing_setup(self) -> bool:
        """Whether a fixture setup is being timed right now."""
        return self.enabled and bool(self._stack)

    def disable(self, exc: BaseException) -> None:
        if self.enabled:
            self.enabled = False
            self.error = f"{type(exc).__name__}: {exc}"
            self._stack.clear()
            self._pending.clear()

    # -- metadata, once per definition -----------------------------------------------------
    def _describe(self, fixturedef: pytest.FixtureDef[Any]) -> FixtureInfo | None:
        func = fixturedef.func
        if getattr(func, "__name__", "") == "get_direct_param_fixture_func":
            info = None  # the pseudo-fixture of @pytest.mark.parametrize: nothing runs
        elif not isinstance(getattr(fixturedef, "_finalizers", None), list):
            info = None  # not a FixtureDef as we know it: leave it alone
        else:
            params = fixturedef.params
            param_ids = None
            if params is not None:
                param_ids = tuple(
                    _declared_param_id(fixturedef, i, p) for i, p in enumerate(params)
                )
            info = FixtureInfo(
                fixturedef.argname, self._location(func), fixturedef.scope, param_ids
            )
        self._infos[fixturedef] = info
        return info

    def _location(self, func: Callable[..., object]) -> str:
        target: Any = inspect.unwrap(func)
        target = getattr(target, "__func__", target)
        code = getattr(target, "__code__", None)
        if code is None:
            return getattr(target, "__module__", None) or repr(target)
        return f"{relative_source_path(code.co_filename, self.rootpath)}:{code.co_firstlineno}"


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


def _declared_param_id(fixturedef: pytest.FixtureDef[Any], index: int, param: object) -> str:
    """Best-effort display id of ``fixturedef.params[index]``, mirroring pytest's rules."""
    ids = fixturedef.ids
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
