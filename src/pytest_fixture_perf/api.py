"""The seed-compatible API: ``track_fixture_performance`` and ``FixturePerformanceTracker``.

The plugin times every fixture by itself, so the decorator is optional: under an active
plugin it is a pass-through (no double counting). Outside pytest (or on a function the
plugin does not time) it measures the call itself and records it into a tracker.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncGenerator, Callable, Generator
from typing import TYPE_CHECKING, Any, TypeVar

from .collect.clock import CLOCK
from .collect.recorder import manual_event
from .model.run import MAIN_WORKER, Run
from .model.totals import Totals

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:  # a Protocol class costs its creation at every start-up
    from typing import Protocol

    from .roles import Role

    class Session(Protocol):
        """What the decorator needs of a running plugin (its role, see ``roles.Role``)."""

        def record_manual(
            self, phase: str, name: str, scope: str, duration_ns: int, outcome: str
        ) -> bool: ...

        def is_timing_setup(self) -> bool: ...


class FixturePerformanceTracker:
    """Collects fixture timings and summarises them.

    A tracker made with no arguments is standalone: it holds what is recorded into it.
    The ``fixture_performance_tracker`` fixture returns a tracker bound to the running
    plugin, whose summary covers every fixture of the run.
    """

    def __init__(self) -> None:
        self.reset()

    # -- recording -------------------------------------------------------------------------
    def record_fixture_setup(
        self, fixture_name: str, duration: float, scope: str = "function", outcome: str = "ok"
    ) -> None:
        """Record one setup of ``fixture_name`` that took ``duration`` seconds."""
        self._record("setup", fixture_name, scope, round(duration * 1e9), outcome)

    def record_fixture_teardown(
        self, fixture_name: str, duration: float, scope: str = "function", outcome: str = "ok"
    ) -> None:
        """Record one teardown of ``fixture_name`` that took ``duration`` seconds."""
        self._record("teardown", fixture_name, scope, round(duration * 1e9), outcome)

    def _record(self, phase: str, name: str, scope: str, duration_ns: int, outcome: str) -> None:
        row = manual_event(self._run, phase, name, scope, duration_ns, outcome, CLOCK.perf_ns())
        self._run.add_events([row], self._worker)

    def reset(self) -> None:
        """Forget everything recorded into this tracker."""
        self._run = Run()
        self._worker = self._run.worker_id(MAIN_WORKER)
        self._totals = Totals(self._run)

    # -- reading ---------------------------------------------------------------------------
    def get_performance_summary(self) -> dict[str, Any]:
        """The summary dictionary (keys documented in docs/api.md)."""
        from .report.summary import build_summary

        self._totals.update()
        return build_summary(
            self._totals.entries(), workers=[MAIN_WORKER], complete=False, scope="worker"
        )


#: The running plugins' roles, innermost pytest session last (pytester runs nest).
ACTIVE: list[Session] = []

_default_tracker: FixturePerformanceTracker | None = None


def get_tracker() -> FixturePerformanceTracker:
    """The process-wide standalone tracker that ``track_fixture_performance`` records into
    when it is given no tracker and no plugin times the call (the seed's ``get_tracker``)."""
    global _default_tracker
    if _default_tracker is None:
        _default_tracker = FixturePerformanceTracker()
    return _default_tracker


def _sink_for(tracker: FixturePerformanceTracker | None) -> Callable[..., None]:
    if tracker is not None:
        return tracker._record
    session = ACTIVE[-1] if ACTIVE else None

    def record(phase: str, name: str, scope: str, duration_ns: int, outcome: str) -> None:
        if session is None or not session.record_manual(phase, name, scope, duration_ns, outcome):
            get_tracker()._record(phase, name, scope, duration_ns, outcome)

    return record


def _plugin_times_this_call() -> bool:
    return bool(ACTIVE) and ACTIVE[-1].is_timing_setup()


def _outcome(exc: BaseException) -> str:
    import pytest

    return "skipped" if isinstance(exc, pytest.skip.Exception) else "error"


def track_fixture_performance(
    scope: str = "function",
    *,
    name: str | None = None,
    tracker: FixturePerformanceTracker | None = None,
) -> Callable[[F], F]:
    """Time a fixture (put it *under* ``@pytest.fixture``) or any function.

    Works on plain, generator, coroutine and async-generator functions. When the
    pytest-fixture-perf plugin is already timing the call (any fixture setup under an
    active plugin) it does nothing, so nothing is counted twice. Otherwise the setup
    (and, for generators, the teardown after ``yield``) is recorded into ``tracker``, or
    into the running plugin's data, or into :func:`get_tracker`.
    """

    def decorate(func: F) -> F:
        label = name or func.__name__

        def measure(phase: str, start: int, outcome: str) -> None:
            _sink_for(tracker)(phase, label, scope, CLOCK.perf_ns() - start, outcome)

        if inspect.isasyncgenfunction(func):

            @functools.wraps(func)
            async def async_gen_wrapper(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
                if _plugin_times_this_call():
                    async for value in func(*args, **kwargs):
                        yield value
                    return
                agen = func(*args, **kwargs)
                start, outcome = CLOCK.perf_ns(), "ok"
                try:
                    value = await agen.__anext__()
                except StopAsyncIteration:
                    measure("setup", start, outcome)
                    return
                except BaseException as exc:
                    measure("setup", start, _outcome(exc))
                    raise
                measure("setup", start, outcome)
                yield value
                start = CLOCK.perf_ns()
                try:
                    async for value in agen:  # a well-formed fixture yields once
                        yield value
                except BaseException as exc:
                    outcome = _outcome(exc)
                    raise
                finally:
                    measure("teardown", start, outcome)

            return async_gen_wrapper  # type: ignore[return-value]

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def coroutine_wrapper(*args: Any, **kwargs: Any) -> Any:
                if _plugin_times_this_call():
                    return await func(*args, **kwargs)
                start, outcome = CLOCK.perf_ns(), "ok"
                try:
                    return await func(*args, **kwargs)
                except BaseException as exc:
                    outcome = _outcome(exc)
                    raise
                finally:
                    measure("setup", start, outcome)

            return coroutine_wrapper  # type: ignore[return-value]

        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator_wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
                if _plugin_times_this_call():
                    return (yield from func(*args, **kwargs))
                gen = func(*args, **kwargs)
                start, outcome = CLOCK.perf_ns(), "ok"
                try:
                    value = next(gen)
                except StopIteration as stop:
                    measure("setup", start, outcome)
                    return stop.value
                except BaseException as exc:
                    measure("setup", start, _outcome(exc))
                    raise
                measure("setup", start, outcome)
                sent = yield value
                start = CLOCK.perf_ns()
                try:
                    while True:  # a well-formed fixture yields once; pass on any more
                        sent = yield gen.send(sent)
                except StopIteration as stop:
                    return stop.value
                except BaseException as exc:
                    outcome = _outcome(exc)
                    raise
                finally:
                    measure("teardown", start, outcome)

            return generator_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if _plugin_times_this_call():
                return func(*args, **kwargs)
            start, outcome = CLOCK.perf_ns(), "ok"
            try:
                return func(*args, **kwargs)
            except BaseException as exc:
                outcome = _outcome(exc)
                raise
            finally:
                measure("setup", start, outcome)

        return wrapper  # type: ignore[return-value]

    return decorate


class DisabledTracker(FixturePerformanceTracker):
    """Under ``--fixture-perf-disable``: a standalone tracker (it holds what is recorded
    into it by hand) whose summary says that the run is not timed."""

    def get_performance_summary(self) -> dict[str, Any]:
        return {**super().get_performance_summary(), "disabled": True}


class RunTracker(FixturePerformanceTracker):
    """The tracker the ``fixture_performance_tracker`` fixture returns: a view of the run."""

    def __init__(self, role: Role) -> None:
        super().__init__()
        self._role = role

    def _record(self, phase: str, name: str, scope: str, duration_ns: int, outcome: str) -> None:
        self._role.record_manual(phase, name, scope, duration_ns, outcome)

    def reset(self) -> None:
        if hasattr(self, "_role"):
            raise RuntimeError("the run's fixture_performance_tracker cannot be reset")
        super().reset()

    def get_performance_summary(self) -> dict[str, Any]:
        return self._role.summary()


__all__ = ["FixturePerformanceTracker", "get_tracker", "track_fixture_performance"]
