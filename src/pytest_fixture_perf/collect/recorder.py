"""Where a record is made: the only code of the plugin that runs for every fixture.

How it measures:

* **Setup**: a ``wrapper=True, tryfirst=True`` ``pytest_fixture_setup`` hookimpl. pytest only
  calls that hook on a real setup (never on a cache hit) and after the fixture's declared
  dependencies are set up, so they are already excluded. Fixtures pulled in at run time with
  ``request.getfixturevalue()`` run nested inside it: a stack of frames subtracts them
  (the *exclusive* time) and keeps the whole span too (the *inclusive* time).
* **Teardown**: after a successful setup we put a *mark* finalizer at both ends of the
  fixture's list of finalizers. pytest runs them last-in-first-out, so dependents and
  lazily added finalizers run before the mark's first call, which starts the clock, and
  the fixture's own teardown (yield code, ``request.addfinalizer`` callbacks) between its
  first and its second call, which stops it. (No ``pytest_fixture_post_finalizer`` hook: a
  hook call costs more than a finalizer's, and that one is called spuriously before
  pytest 9.1.)
* **CPU time** (``process_time``) is read next to the wall clock for fixtures cached across
  tests (session, package, module, class), and for every fixture with
  ``--fixture-perf-cpu``: wall much larger than CPU means the fixture waited.
* **Tests**: the role calls :meth:`Recorder.begin_test`, :meth:`Recorder.begin_teardown`
  and :meth:`Recorder.end_phase` at each test's boundaries, which gives each test run's
  phase times and the fixtures in its closure (its *uses*).

The hot path appends one tuple to ``Recorder.buffer`` and nothing else: no I/O, no locks, no
formatting. :meth:`Recorder.flush` moves the buffer into the run, between tests.
Per-definition metadata is computed once per ``FixtureDef``. Any internal error
disables recording for the rest of the session (and is reported); it never propagates into
pytest, because a hookimpl that raises during setup corrupts pytest >= 9.1's fixture state.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, Final

import pytest

from ..model.run import (
    ERROR,
    FUNCTION,
    MANUAL_PATH,
    NONE,
    NOT_PARAMETRIZED,
    OK,
    OUTCOMES,
    PHASES,
    SCOPES,
    SETUP,
    SKIPPED,
    TEARDOWN,
    TEST_OUTCOMES,
    Definition,
    Run,
)
from .clock import CLOCK, Clock
from .definitions import IdRules, describe, param_display_id
from .pytest_internals import finalizers_of, item_memo, request_memo

_SKIP_EXCEPTION: Final = pytest.skip.Exception
_SCOPE_CODES: Final = {scope: code for code, scope in enumerate(SCOPES)}

# Test outcomes, and which one a test run keeps when its phases disagree (the worst).
PASSED, FAILED, TEST_SKIPPED, TEST_ERROR, XFAILED, XPASSED = range(len(TEST_OUTCOMES))
_RANK: Final = {PASSED: 0, TEST_SKIPPED: 1, XFAILED: 2, XPASSED: 3, FAILED: 4, TEST_ERROR: 5}


class FixtureInfo:
    """What is known about a fixture definition before it runs (computed once)."""

    __slots__ = ("cpu", "id", "name", "param_ids", "scope")

    def __init__(
        self, id: int, name: str, scope: int, param_ids: tuple[str, ...] | None, cpu: bool
    ) -> None:
        self.id = id  # the definition's index in the run
        self.name = name
        self.scope = scope  # the declared scope's code
        self.param_ids = param_ids
        self.cpu = cpu  # read CPU time for this definition's setups and teardowns


class _Live:
    """A fixture instance that was set up and not yet torn down.

    It is itself the *mark* finalizer, at both ends of the fixture's finalizers: its first
    call starts the teardown clock, its second stops it and records the teardown. (One
    object, no bound method allocated per setup.)
    """

    __slots__ = ("cpu_start", "info", "outcome", "param_id", "param_index", "recorder",
                 "scope", "start")  # fmt: skip

    def __init__(
        self, recorder: Recorder, info: FixtureInfo, scope: int, param_index: int,
        param_id: str | None,
    ) -> None:  # fmt: skip
        self.recorder = recorder
        self.info = info
        self.scope = scope
        self.param_index = param_index
        self.param_id = param_id
        self.start = NONE
        self.cpu_start = NONE
        self.outcome = OK

    def __call__(self) -> None:
        recorder = self.recorder
        if self.start == NONE:  # the first call: the fixture's own teardown begins
            self.start = recorder._perf()
            if self.info.cpu:
                self.cpu_start = recorder._cpu()
            return
        # the second: it has ended (CPU read first: its span lies inside the wall clock's)
        cpu = recorder._cpu() - self.cpu_start if self.cpu_start >= 0 else NONE
        end = recorder._perf()
        if not recorder.enabled:
            return
        recorder.open_setups -= 1
        duration = end - self.start
        recorder.buffer.append(
            (self.info.id, TEARDOWN, self.scope, self.param_index, self.param_id,
             recorder.current_test, self.start, duration, duration, cpu, self.outcome)
        )  # fmt: skip


class _GuardedFinalizer:
    """Wraps one of a fixture's own teardown callbacks to learn whether it failed."""

    __slots__ = ("finalizer", "live")

    def __init__(self, finalizer: Callable[[], object], live: _Live) -> None:
        self.finalizer = finalizer
        self.live = live

    def __call__(self) -> object:
        __tracebackhide__ = True  # the user's traceback shows their teardown, not this
        try:
            return self.finalizer()
        except BaseException as exc:
            self.live.outcome = SKIPPED if isinstance(exc, _SKIP_EXCEPTION) else ERROR
            raise


class Recorder:
    """Times fixture setups and teardowns, and test phases, of one pytest process.

    Fixture events wait in ``buffer`` until :meth:`flush` adds them to ``run``; test runs
    and uses are added to ``run`` directly (once per test, outside any timed region).
    """

    def __init__(
        self, run: Run, worker: str, rootpath: Path, *, cpu_all: bool = False,
        clock: Clock = CLOCK, id_rules: IdRules | None = None,
    ) -> None:  # fmt: skip
        self.run = run
        self.rootpath = rootpath
        self.cpu_all = cpu_all
        #: How pytest makes parameter ids in this run (for ``param_id``)
        self.id_rules = id_rules or IdRules()
        self.worker = run.worker_id(worker)
        me = run.workers[self.worker]
        me.pid, me.host, me.anchor_ns = os.getpid(), hostname(), clock.anchor_ns
        self._perf = clock.perf_ns
        self._cpu = clock.cpu_ns
        self.enabled = True
        #: Why recording was disabled, if it was.
        self.error: str | None = None
        #: The test being run (its index in ``run.tests``), or NONE between tests.
        self.current_test = NONE
        #: A fixture cached across tests (session, package, module, class) was set up since
        #: the flag was last cleared (an xdist worker then sends its records at once).
        self.shared_setup = False
        self.buffer: list[tuple[Any, ...]] = []
        #: Test runs ``(test, setup, call, teardown, end, outcome)``, and uses as a test and
        #: a definition for each, moved into the run with the events.
        self.test_runs: list[tuple[int, ...]] = []
        self.use_tests: list[int] = []
        self.use_definitions: list[int] = []
        self._infos: dict[object, FixtureInfo | None] = {}
        self._stack: list[list[int]] = []
        #: Fixture instances set up and not torn down (yet).
        self.open_setups = 0
        #: FixtureDef cached across tests -> the FixtureDefs its setup requested at run time
        self._dynamic: dict[object, tuple[object, ...]] = {}
        #: The current test, when its setup, call and teardown began, its end, its outcome.
        self._times: list[int] = [NONE, 0, 0, 0, 0, PASSED]

    # -- the hot path ----------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
    ) -> Generator[None, object, object]:
        __tracebackhide__ = True  # a fixture's error shows the user's code, not this hook
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
        # frame: [nested inclusive ns, nested CPU ns, CPU reading at start or NONE]
        frame = [0, 0, NONE]
        # The common case (a fixture set up for one test, not nested, no CPU time read) does
        # the least: the rest is for fixtures cached across tests (CPU time, what they
        # request at run time) and for nested ones (a fixture nested in one that reads CPU
        # time reads it too, to be subtracted).
        if info.cpu or stack:
            full = True
            read_cpu = info.cpu or stack[-1][2] >= 0
            memo = None
            if info.scope < FUNCTION:
                memo = request_memo(request)
                self.shared_setup = True
            n_memo = 0 if memo is None else len(memo)
        else:
            full = read_cpu = False
        stack.append(frame)
        finalizers: list[Callable[[], object]] = finalizers_of(fixturedef)
        n_before = len(finalizers)
        outcome = OK
        start = self._perf()
        if read_cpu:  # the CPU reads lie inside the wall-clock ones: CPU <= wall
            frame[2] = self._cpu()
        try:
            return (yield)
        except BaseException as exc:
            outcome = SKIPPED if isinstance(exc, _SKIP_EXCEPTION) else ERROR
            raise
        finally:
            cpu_end = self._cpu() if read_cpu else NONE
            end = self._perf()
            try:
                stack.pop()
                inclusive = end - start
                cpu = NONE
                if full:
                    cpu_inclusive = NONE
                    if read_cpu:
                        cpu_inclusive = cpu_end - frame[2]
                        cpu = cpu_inclusive - frame[1]
                    if stack:
                        parent = stack[-1]
                        parent[0] += inclusive
                        if parent[2] >= 0:
                            parent[1] += cpu_inclusive
                    if memo is not None:
                        self._note_dynamic(fixturedef, memo, n_memo)
                # The definition's scope, unless a parametrize call overrides it (its
                # ``scope=``, or function scope when only some arguments are indirect):
                # that can only happen to a parametrized instance.
                if info.param_ids is not None:
                    param_index = request.param_index  # type: ignore[attr-defined]
                    param_id: str | None = info.param_ids[param_index]
                    scope = _SCOPE_CODES[request.scope]
                elif "param" in request.__dict__:  # indirect parametrization
                    param_index = request.param_index  # type: ignore[attr-defined]
                    param_id = param_display_id(
                        request.param, info.name, param_index, self.id_rules
                    )
                    scope = _SCOPE_CODES[request.scope]
                else:
                    param_index = NOT_PARAMETRIZED
                    param_id = None
                    scope = info.scope
                self.buffer.append(
                    (info.id, SETUP, scope, param_index, param_id, self.current_test, start,
                     inclusive - frame[0], inclusive, cpu, outcome)
                )  # fmt: skip
                cached = fixturedef.cached_result
                # Something to tear down: a successful setup, or finalizers registered
                # before the setup failed (a failed setup alone has no teardown record).
                if cached is not None and (cached[2] is None or len(finalizers) > n_before):
                    live = _Live(self, info, scope, param_index, param_id)
                    for i in range(n_before, len(finalizers)):
                        finalizers[i] = _GuardedFinalizer(finalizers[i], live)
                    finalizers.append(live)  # called first: the teardown starts
                    finalizers.insert(0, live)  # called last: it has ended
                    self.open_setups += 1
            except Exception as exc:
                self.disable(exc)

    def _note_dynamic(self, fixturedef: object, memo: dict[str, Any], n_memo: int) -> None:
        """Remember what a fixture cached across tests requested at run time, so that the
        tests served it from cache use those fixtures too."""
        if len(memo) > n_memo:
            self._dynamic[fixturedef] = tuple(memo.values())[n_memo:]
        else:
            self._dynamic.pop(fixturedef, None)

    # -- at test boundaries (called by the role) -------------------------------------------
    def begin_test(self, nodeid: str) -> None:
        """Before the test's fixtures are set up."""
        self.current_test = self.run.test_id(nodeid)
        self._times = [self.current_test, self._perf(), 0, 0, 0, PASSED]

    def begin_teardown(self, item: pytest.Item) -> None:
        """After the test ran, before its fixtures are torn down: note when, and which
        fixtures its closure holds (set up for it or served from cache, declared or
        requested at run time, also by fixtures cached across tests)."""
        self._times[3] = self._perf()
        try:
            memo = item_memo(item)
            if memo:
                definitions = self._closure(memo)
                self.use_definitions += definitions
                self.use_tests += [self.current_test] * len(definitions)
        except Exception as exc:
            self.disable(exc)

    def _closure(self, memo: dict[str, Any]) -> list[int]:
        infos = self._infos
        dynamic = self._dynamic
        if not dynamic:
            found = [info.id for info in map(infos.get, memo.values()) if info is not None]
            # two FixtureDefs of one definition (made by one factory) count once
            return found if len(set(found)) == len(found) else list(dict.fromkeys(found))
        ids: set[int] = set()
        todo = list(memo.values())
        seen = set(map(id, todo))
        while todo:
            fixturedef = todo.pop()
            info = infos.get(fixturedef)
            if info is not None:
                ids.add(info.id)
            for dep in dynamic.get(fixturedef, ()):
                if id(dep) not in seen:
                    seen.add(id(dep))
                    todo.append(dep)
        return list(ids)

    def end_phase(self, report: pytest.TestReport) -> None:
        """After each phase's report: the phase's end and outcome; after the teardown, the
        test run is complete."""
        times = self._times  # [test, setup, call, teardown, end, outcome]
        if times[0] == NONE:
            return  # no test began here (a report made in another process: --forked)
        if report.outcome != "passed" or "wasxfail" in report.__dict__:  # not the usual
            outcome = _phase_outcome(report)
            if _RANK[outcome] > _RANK[times[5]]:
                times[5] = outcome
        when = report.when
        if when == "setup":
            times[2] = times[3] = self._perf()
        elif when == "teardown":
            times[4] = self._perf()
            self.test_runs.append(tuple(times))
            self.current_test = NONE
            self._times = [NONE, 0, 0, 0, 0, PASSED]

    # -- between tests ---------------------------------------------------------------------
    def flush(self) -> None:
        """Move the buffered events, test runs and uses into the run."""
        run, worker = self.run, self.worker
        if self.buffer:
            rows, self.buffer = self.buffer, []
            run.add_events(rows, worker)
        if self.test_runs:
            runs, self.test_runs = self.test_runs, []
            run.add_test_runs(runs, worker)
        if self.use_tests:
            tests, self.use_tests = self.use_tests, []
            definitions, self.use_definitions = self.use_definitions, []
            run.add_uses(worker, tests, definitions)

    def record_manual(
        self, phase: str, name: str, scope: str, duration_ns: int, outcome: str = "ok"
    ) -> None:
        """Record a measurement made outside the hooks (the tracker API), as just ended."""
        self.buffer.append(
            manual_event(self.run, phase, name, scope, duration_ns, outcome, self._perf(),
                         self.current_test)
        )  # fmt: skip

    def is_timing_setup(self) -> bool:
        """Whether a fixture setup is being timed right now."""
        return self.enabled and bool(self._stack)

    def disable(self, exc: BaseException) -> None:
        if self.enabled:
            self.enabled = False
            self.error = f"{type(exc).__name__}: {exc}"
            self._stack.clear()
            self.open_setups = 0

    # -- metadata, once per definition -----------------------------------------------------
    def _describe(self, fixturedef: pytest.FixtureDef[Any]) -> FixtureInfo | None:
        info = None
        if isinstance(getattr(fixturedef, "_finalizers", None), list):  # a FixtureDef we know
            described = describe(fixturedef, self.rootpath, self.id_rules)
            if described is not None:
                definition, param_ids = described
                scope = _SCOPE_CODES[definition.scope]
                info = FixtureInfo(
                    self.run.definition_id(definition), definition.name, scope, param_ids,
                    cpu=self.cpu_all or scope < FUNCTION,
                )  # fmt: skip
        self._infos[fixturedef] = info
        return info


def hostname() -> str:
    """This machine's name (cheaply: ``socket`` is imported only where ``uname`` is not)."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()


def manual_event(
    run: Run, phase: str, name: str, scope: str, duration_ns: int, outcome: str, now: int,
    test: int = NONE,
) -> tuple[Any, ...]:  # fmt: skip
    """The event row of a setup or teardown measured by hand (``<manual>`` definitions)
    that ended at clock reading ``now``. Bad names are ``ValueError``."""
    if phase not in PHASES or outcome not in OUTCOMES:
        raise ValueError(f"phase must be one of {PHASES} and outcome one of {OUTCOMES}")
    scope = scope if scope in SCOPES else "function"
    d = run.definition_id(Definition.make(name, MANUAL_PATH, 0, scope))
    return (d, PHASES.index(phase), _SCOPE_CODES[scope], NOT_PARAMETRIZED, None, test,
            now - duration_ns, duration_ns, duration_ns, NONE, OUTCOMES.index(outcome))  # fmt: skip


def _phase_outcome(report: pytest.TestReport) -> int:
    xfail = "wasxfail" in report.__dict__
    if report.when == "call":
        if report.passed:
            return XPASSED if xfail else PASSED
        if report.skipped:
            return XFAILED if xfail else TEST_SKIPPED
        return FAILED
    if report.failed:
        return TEST_ERROR
    if report.skipped:
        return XFAILED if xfail else TEST_SKIPPED
    return PASSED
