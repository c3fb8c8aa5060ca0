"""Statistics of a run, derived in one place: per definition (and per param of it), per
scope, per worker, and the costliest-first order that every report uses.

Counts, sums and maxima come from :class:`~pytest_fixture_perf.model.totals.Totals`;
order statistics (median, p95) from the events' durations, kept exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .compare import Samples
from .run import NOT_PARAMETRIZED, SCOPES, SETUP, Definition, Run
from .stats import NS_PER_S, summarize
from .totals import Entry, Tally, Totals, merged


class ParamStats:
    """One param's setups and teardowns and their statistics."""

    __slots__ = ("setup", "setups", "teardown", "teardowns")

    def __init__(
        self, setups: int = 0, teardowns: int = 0, setup: dict[str, float] | None = None,
        teardown: dict[str, float] | None = None,
    ) -> None:  # fmt: skip
        self.setups = setups
        self.teardowns = teardowns
        self.setup: dict[str, float] = {} if setup is None else setup
        self.teardown: dict[str, float] = {} if teardown is None else teardown


class FixtureStats:
    """Everything reported about one fixture definition. (The classes of this module are
    plain classes: a dataclass's code generation would be paid at every run's end.)"""

    __slots__ = ("definition", "open_setups", "params", "samples", "scope", "setup",
                 "setup_cpu", "setup_inclusive", "tally", "teardown", "teardown_cpu",
                 "workers")  # fmt: skip

    def __init__(
        self, definition: Definition, tally: Tally, scope: str, workers: dict[str, int],
        setup: dict[str, float], teardown: dict[str, float],
        setup_inclusive: dict[str, float], setup_cpu: dict[str, float] | None,
        teardown_cpu: dict[str, float] | None, params: dict[str, ParamStats],
        samples: Samples, open_setups: int = 0,
    ) -> None:  # fmt: skip
        self.definition = definition
        self.tally = tally
        #: The reported scope (see ``totals.reported_scope``).
        self.scope = scope
        #: Setups per worker.
        self.workers = workers
        self.setup = setup
        self.teardown = teardown
        self.setup_inclusive = setup_inclusive
        #: CPU time of the setups (teardowns) that recorded it; None when none did.
        self.setup_cpu = setup_cpu
        self.teardown_cpu = teardown_cpu
        self.params = params
        #: The durations themselves, one per setup (teardown): what comparisons read.
        self.samples = samples
        #: Successful setups never torn down (a crashed worker, an interrupted run).
        self.open_setups = open_setups

    @property
    def total_ns(self) -> int:
        return self.tally.total_ns


class WorkerStats:
    __slots__ = ("fixture_ns", "id", "setups", "teardowns", "test_ns", "tests")

    def __init__(
        self, id: str, setups: int, teardowns: int, fixture_ns: int, tests: int, test_ns: int
    ) -> None:
        self.id = id
        self.setups = setups
        self.teardowns = teardowns
        self.fixture_ns = fixture_ns
        self.tests = tests
        self.test_ns = test_ns


class RunStats:
    __slots__ = ("by_scope", "fixtures", "total", "workers")

    def __init__(
        self, fixtures: list[FixtureStats], by_scope: dict[str, dict[str, Any]],
        workers: list[WorkerStats], total: Tally,
    ) -> None:  # fmt: skip
        #: Definitions with at least one setup, costliest (setup + teardown) first.
        self.fixtures = fixtures
        #: Reported scope -> setups and seconds (setup + teardown), widest scope first.
        self.by_scope = by_scope
        self.workers = workers
        self.total = total


class _Samples:
    """The durations of one definition's events, grouped for order statistics."""

    __slots__ = ("params", "setup", "setup_cpu", "setup_inclusive", "teardown", "teardown_cpu")

    def __init__(self) -> None:
        self.setup: list[int] = []
        self.teardown: list[int] = []
        self.setup_inclusive: list[int] = []
        self.setup_cpu: list[int] = []
        self.teardown_cpu: list[int] = []
        self.params: dict[str, tuple[list[int], list[int]]] = {}


def _samples(run: Run) -> dict[int, _Samples]:
    groups: dict[int, _Samples] = {}
    e = run.events
    for d, phase, param_index, param_id, exclusive, inclusive, cpu in zip(
        e.definition, e.phase, e.param_index, e.param_id, e.exclusive_ns, e.inclusive_ns,
        e.cpu_ns, strict=True,
    ):  # fmt: skip
        group = groups.get(d)
        if group is None:
            group = groups[d] = _Samples()
        if phase == SETUP:
            group.setup.append(exclusive)
            group.setup_inclusive.append(inclusive)
            if cpu >= 0:
                group.setup_cpu.append(cpu)
        else:
            group.teardown.append(exclusive)
            if cpu >= 0:
                group.teardown_cpu.append(cpu)
        if param_index != NOT_PARAMETRIZED:
            key = str(param_id)
            pair = group.params.get(key)
            if pair is None:
                pair = group.params[key] = ([], [])
            pair[phase].append(exclusive)
    return groups


def _fixture(entry: Entry, samples: _Samples) -> FixtureStats:
    return FixtureStats(
        definition=entry.definition,
        tally=entry.tally,
        scope=entry.scope,
        workers=dict(sorted(entry.workers.items())),
        open_setups=entry.open_setups,
        setup=summarize(samples.setup),
        teardown=summarize(samples.teardown),
        setup_inclusive=summarize(samples.setup_inclusive),
        setup_cpu=summarize(samples.setup_cpu) if samples.setup_cpu else None,
        teardown_cpu=summarize(samples.teardown_cpu) if samples.teardown_cpu else None,
        params={
            param: ParamStats(len(setups), len(teardowns), summarize(setups),
                              summarize(teardowns))
            for param, (setups, teardowns) in samples.params.items()
        },
        samples=Samples(entry.definition.name, samples.setup, samples.teardown,
                        samples.setup_cpu, samples.teardown_cpu),
    )  # fmt: skip


def fixture_entry(f: FixtureStats) -> dict[str, Any]:
    """A fixture's statistics as the JSON file's (and the history's) fixture entry."""
    d, t = f.definition, f.tally
    return {
        "name": d.name,
        "key": d.key,
        "scope": f.scope,
        "declared_scope": d.scope,
        "scopes": dict(sorted(t.scopes.items(), key=lambda item: SCOPES.index(item[0]))),
        "location": d.location,
        "setups": t.setups,
        "teardowns": t.teardowns,
        "setup_errors": t.setup_errors,
        "setup_skips": t.setup_skips,
        "teardown_errors": t.teardown_errors,
        "uses": t.uses,
        "open_setups": f.open_setups,
        "setup": f.setup,
        "teardown": f.teardown,
        "setup_inclusive": f.setup_inclusive,
        "setup_cpu": f.setup_cpu,
        "teardown_cpu": f.teardown_cpu,
        "workers": f.workers,
        "params": {
            param: {"setups": p.setups, "setup": p.setup, "teardowns": p.teardowns,
                    "teardown": p.teardown}
            for param, p in f.params.items()
        },
    }  # fmt: skip


def incomplete(run: Run, stats: RunStats) -> list[str]:
    """Why the run's data is incomplete, one reason a line (empty: it is complete)."""
    reasons = []
    if run.meta.get("interrupted"):
        reasons.append("the run was interrupted")
    for worker in run.workers:
        if worker.lost is not None:
            reasons.append(f"worker {worker.id} was lost ({worker.lost}): what it did not "
                           "send is missing")  # fmt: skip
        if worker.tracking_error is not None:
            reasons.append(f"on {worker.id}: {worker.tracking_error}")
    open_fixtures = [f for f in stats.fixtures if f.open_setups]
    if open_fixtures:
        listed = ", ".join(f"{f.definition.name} ({f.open_setups})" for f in open_fixtures[:8])
        more = " ..." if len(open_fixtures) > 8 else ""
        reasons.append(
            f"{sum(f.open_setups for f in open_fixtures)} fixture setup(s) never torn down "
            f"(or their teardown was not received): {listed}{more}"
        )
    return reasons


def entry_seconds(entry: Mapping[str, Any]) -> float:
    """A fixture entry's time in all: its setups' and its teardowns'."""
    return float(entry["setup"]["total"] + entry["teardown"]["total"])


def costliest_first(entry: Entry | FixtureStats) -> tuple[int, str]:
    """The one order of every report: total (setup + teardown) time, then key."""
    return (-entry.tally.total_ns, entry.definition.key)


def by_scope(entries: list[Entry]) -> dict[str, dict[str, Any]]:
    """Reported scope -> ``{"setups", "seconds"}`` (setup + teardown), widest first."""
    setups: dict[str, int] = {}
    total_ns: dict[str, int] = {}
    for entry in entries:
        t = entry.tally
        if t.setups:
            scope = entry.scope
            setups[scope] = setups.get(scope, 0) + t.setups
            total_ns[scope] = total_ns.get(scope, 0) + t.total_ns
    order = {scope: i for i, scope in enumerate(SCOPES)}
    return {
        scope: {"setups": setups[scope], "seconds": total_ns[scope] / NS_PER_S}
        for scope in sorted(setups, key=lambda s: order.get(s, len(order)))
    }


def derive(run: Run, totals: Totals | None = None) -> RunStats:
    """The run's statistics (from ``totals`` of ``run``, brought up to date, if given)."""
    if totals is None:
        totals = Totals(run)
    totals.update()
    entries = [entry for entry in totals.entries() if entry.tally.setups]
    entries.sort(key=costliest_first)
    samples = _samples(run)
    fixtures = [_fixture(entry, samples[run.definition_id(entry.definition)]) for entry in entries]
    per_worker = totals.by_worker()
    test_runs = run.test_runs
    tests: dict[int, list[int]] = {}
    for w, start, end in zip(test_runs.worker, test_runs.setup_ns, test_runs.end_ns, strict=True):
        tests.setdefault(w, []).append(end - start)
    workers = []
    for w, worker in enumerate(run.workers):
        tally = per_worker.get(worker.id, Tally())
        durations = tests.get(w, [])
        workers.append(
            WorkerStats(worker.id, tally.setups, tally.teardowns, tally.total_ns,
                        len(durations), sum(durations))
        )  # fmt: skip
    return RunStats(
        fixtures=fixtures,
        by_scope=by_scope(entries),
        workers=workers,
        total=merged(entry.tally for entry in entries),
    )
