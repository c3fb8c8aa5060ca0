"""Test durations without the shared-fixture bias.

A fixture cached across tests (session, package, module or class scope) is set up inside
the setup of whichever test first needs it, and torn down inside the teardown of whichever
test runs last: pytest's durations (and pytest-split's ``.test_durations``, which sums
them) bill its whole cost to those tests. :func:`shared_in_tests` finds that cost in each
test run; :func:`shard_durations` gives each test's duration with it removed, or spread
over the tests that used the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator

from .run import FUNCTION, NONE, Run


def _test_run_of(run: Run) -> dict[tuple[int, int], list[int]]:
    """(worker, test) -> its test runs (more than one when a test is re-run)."""
    found: dict[tuple[int, int], list[int]] = {}
    for i, (w, test) in enumerate(zip(run.test_runs.worker, run.test_runs.test, strict=True)):
        found.setdefault((w, test), []).append(i)
    return found


def shared_events(run: Run) -> Iterator[tuple[int, int]]:
    """``(event, test run)`` for each setup or teardown of a shared-scope fixture that ran
    inside a test run (within its first and last moment, on its worker)."""
    runs = _test_run_of(run)
    e, t = run.events, run.test_runs
    for i in range(len(e)):
        test = e.test[i]
        if e.scope[i] >= FUNCTION or test == NONE:
            continue
        start = e.start_ns[i]
        for r in runs.get((e.worker[i], test), ()):
            if t.setup_ns[r] <= start <= t.end_ns[r]:
                yield i, r
                break


def shared_in_tests(run: Run) -> list[int]:
    """For each test run (by index), the nanoseconds of its duration that shared-scope
    fixtures' setups and teardowns took (nested ones counted once)."""
    intervals: dict[int, list[tuple[int, int]]] = {}
    e, t = run.events, run.test_runs
    for i, r in shared_events(run):
        end = min(e.start_ns[i] + e.inclusive_ns[i], t.end_ns[r])
        intervals.setdefault(r, []).append((e.start_ns[i], end))
    billed = [0] * len(t)
    for r, spans in intervals.items():
        spans.sort()
        total, reach = 0, None
        for start, end in spans:
            if reach is None or start > reach:
                total += end - start
                reach = end
            elif end > reach:
                total += end - reach
                reach = end
        billed[r] = total
    return billed


def shard_durations(run: Run, *, spread: bool = False) -> dict[str, float]:
    """Each test's duration in seconds (setup + call + teardown, summed over its runs),
    without the shared-scope fixture time it happened to trigger; with ``spread``, that
    time is shared equally among the tests that used the fixture on the same worker."""
    t = run.test_runs
    billed = shared_in_tests(run)
    seconds: dict[str, float] = {}
    for r in range(len(t)):
        name = run.tests[t.test[r]]
        own = t.end_ns[r] - t.setup_ns[r] - billed[r]
        seconds[name] = seconds.get(name, 0.0) + max(own, 0) / 1e9
    if spread:
        for name, extra in _spread(run).items():
            seconds[name] = seconds.get(name, 0.0) + extra
    return seconds


def _spread(run: Run) -> dict[str, float]:
    """Seconds to add to each test: every shared fixture event's own inclusive time, in
    equal parts to the tests that used its definition on its worker."""
    users: dict[tuple[int, int], list[int]] = {}
    u = run.uses
    for w, test, d in zip(u.worker, u.test, u.definition, strict=True):
        users.setdefault((w, d), []).append(test)
    e = run.events
    nested = _nested_shared(run)
    extra: dict[str, float] = {}
    for i, _r in shared_events(run):
        if i in nested:
            continue  # its time is inside its parent's inclusive time
        tests = users.get((e.worker[i], e.definition[i])) or [e.test[i]]
        share = e.inclusive_ns[i] / len(tests) / 1e9
        for test in tests:
            name = run.tests[test]
            extra[name] = extra.get(name, 0.0) + share
    return extra


def _nested_shared(run: Run) -> set[int]:
    """Shared-scope events inside another shared-scope event of the same test run."""
    e = run.events
    by_run: dict[int, list[int]] = {}
    for i, r in shared_events(run):
        by_run.setdefault(r, []).append(i)
    nested = set()
    for events in by_run.values():
        events.sort(key=lambda i: (e.start_ns[i], -e.inclusive_ns[i]))
        reach = None
        for i in events:
            end = e.start_ns[i] + e.inclusive_ns[i]
            if reach is not None and end <= reach:
                nested.add(i)
            else:
                reach = end if reach is None else max(reach, end)
    return nested
