"""Pure aggregation of :class:`~pytest_fixture_perf.records.FixtureEvent` records.

No pytest here: :class:`RunData` is fed events (and per-test use counts) and answers
questions about them. Reporters read a ``RunData``; they never write to it.
Durations are kept exactly (integer nanoseconds in compact arrays) so that medians and
percentiles are exact whatever the order in which workers' data arrives.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter
from typing import Any, Protocol

from .records import (
    ERROR,
    NOT_PARAMETRIZED,
    OK,
    SCOPES,
    SETUP,
    SKIPPED,
    FixtureEvent,
    FixtureKey,
)
from .stats import NS_PER_S, summarize


class _Definition(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def location(self) -> str: ...


#: A recorder buffer entry (see ``recorder.RawRecord``).
RawRecord = tuple[str, _Definition, str, int, "str | None", str, int, str]


def _new_durations() -> array[int]:
    return array("q")


@dataclass
class PhaseData:
    """All durations of one phase (setup or teardown) of one fixture definition."""

    durations_ns: array[int] = field(default_factory=_new_durations)
    errors: int = 0
    skipped: int = 0

    def add(self, duration_ns: int, outcome: str) -> None:
        self.durations_ns.append(duration_ns)
        if outcome != OK:
            self.count_outcome(outcome)

    def count_outcome(self, outcome: str) -> None:
        if outcome == ERROR:
            self.errors += 1
        elif outcome == SKIPPED:
            self.skipped += 1

    @property
    def count(self) -> int:
        return len(self.durations_ns)

    @property
    def total_ns(self) -> int:
        return sum(self.durations_ns)

    def stats(self) -> dict[str, float]:
        return summarize(self.durations_ns)


@dataclass
class FixtureData:
    """Everything known about one fixture definition (name + location)."""

    name: str
    location: str
    scope: str
    setup: PhaseData = field(default_factory=PhaseData)
    teardown: PhaseData = field(default_factory=PhaseData)
    uses: int = 0
    setups_by_worker: dict[str, int] = field(default_factory=dict)
    params: dict[str, PhaseData] = field(default_factory=dict)

    @property
    def key(self) -> FixtureKey:
        return (self.name, self.location)

    @property
    def total_ns(self) -> int:
        return self.setup.total_ns + self.teardown.total_ns


@dataclass
class FixtureTotals:
    """Counts and sums of one fixture definition: what a live summary needs, and what the
    live store keeps per worker (no per-event durations)."""

    name: str
    location: str
    scope: str
    setups: int = 0
    teardowns: int = 0
    setup_ns: int = 0
    teardown_ns: int = 0
    max_setup_ns: int = 0
    uses: int = 0
    setups_by_worker: dict[str, int] = field(default_factory=dict)

    @property
    def total_ns(self) -> int:
        return self.setup_ns + self.teardown_ns


class RunData:
    """The aggregate of a whole run (or of the part of it seen so far)."""

    def __init__(self) -> None:
        self.fixtures: dict[FixtureKey, FixtureData] = {}
        self._workers: dict[str, None] = {}

    # -- feeding -------------------------------------------------------------------------
    def add_events(self, events: Iterable[FixtureEvent]) -> None:
        for worker, group in groupby(events, key=attrgetter("worker")):
            # an event has the name and location that add_records reads from ``info``
            self.add_records(
                ((e.phase, e, e.scope, e.param_index, e.param_id, e.test, e.duration_ns,
                  e.outcome) for e in group),
                worker,
            )  # fmt: skip

    def add_records(self, records: Iterable[RawRecord], worker: str) -> None:
        """Add the recorder's raw buffer entries
        ``(phase, info, scope, param_index, param_id, test, duration_ns, outcome)`` of one
        worker, where ``info`` has ``name`` and ``location`` (no event objects needed)."""
        fixtures = self.fixtures
        self._workers.setdefault(worker, None)
        # per info object; the entry holds the object so its id cannot be reused meanwhile
        by_info: dict[int, tuple[_Definition, FixtureData]] = {}
        for phase, info, scope, param_index, param_id, _test, duration_ns, outcome in records:
            cached = by_info.get(id(info))
            if cached is None:
                key = (info.name, info.location)
                known = fixtures.get(key)
                if known is None:
                    known = fixtures[key] = FixtureData(info.name, info.location, scope)
                elif not known.scope:
                    known.scope = scope
                cached = by_info[id(info)] = (info, known)
            data = cached[1]
            if phase == SETUP:
                data.setup.durations_ns.append(duration_ns)
                if outcome != OK:
                    data.setup.count_outcome(outcome)
                by_worker = data.setups_by_worker
                by_worker[worker] = by_worker.get(worker, 0) + 1
                if param_index != NOT_PARAMETRIZED:
                    param = str(param_id)
                    phase_data = data.params.get(param)
                    if phase_data is None:
                        phase_data = data.params[param] = PhaseData()
                    phase_data.add(duration_ns, outcome)
            else:
                data.teardown.durations_ns.append(duration_ns)
                if outcome != OK:
                    data.teardown.count_outcome(outcome)

    def add_uses(self, uses: Mapping[FixtureKey, int]) -> None:
        """Count uses (tests served the fixture's value, from a fresh setup or from cache).

        Uses of a definition that has no setup yet are kept and shown once it has one.
        """
        for (name, location), n in uses.items():
            data = self.fixtures.get((name, location))
            if data is None:
                data = self.fixtures[(name, location)] = FixtureData(name, location, "")
            data.uses += n

    def add_worker(self, worker: str) -> None:
        self._workers.setdefault(worker, None)

    # -- reading -------------------------------------------------------------------------
    @property
    def workers(self) -> list[str]:
        return sorted(self._workers, key=worker_sort_key)

    def recorded(self) -> list[FixtureData]:
        """Fixture definitions with at least one setup, costliest first."""
        return sorted(
            (data for data in self.fixtures.values() if data.setup.count),
            key=lambda data: (-data.total_ns, data.name, data.location),
        )

    @property
    def total_setups(self) -> int:
        return sum(data.setup.count for data in self.fixtures.values())

    @property
    def total_teardowns(self) -> int:
        return sum(data.teardown.count for data in self.fixtures.values())

    @property
    def total_setup_ns(self) -> int:
        return sum(data.setup.total_ns for data in self.fixtures.values())

    @property
    def total_teardown_ns(self) -> int:
        return sum(data.teardown.total_ns for data in self.fixtures.values())

    def totals(self) -> list[FixtureTotals]:
        return [
            FixtureTotals(
                data.name, data.location, data.scope, data.setup.count, data.teardown.count,
                data.setup.total_ns, data.teardown.total_ns,
                max(data.setup.durations_ns, default=0), data.uses, dict(data.setups_by_worker),
            )
            for data in self.fixtures.values()
        ]  # fmt: skip

    def by_scope(self) -> dict[str, dict[str, Any]]:
        return by_scope(self.totals())


def by_scope(totals: Iterable[FixtureTotals]) -> dict[str, dict[str, Any]]:
    """scope -> ``{"setups", "seconds"}`` (setup + teardown) over definitions with setups,
    in scope order (session first)."""
    setups: dict[str, int] = {}
    ns: dict[str, int] = {}
    for t in totals:
        if t.setups:
            setups[t.scope] = setups.get(t.scope, 0) + t.setups
            ns[t.scope] = ns.get(t.scope, 0) + t.total_ns
    order = {scope: i for i, scope in enumerate(SCOPES)}
    return {
        scope: {"setups": setups[scope], "seconds": ns[scope] / NS_PER_S}
        for scope in sorted(setups, key=lambda scope: order.get(scope, len(order)))
    }


def worker_sort_key(worker: str) -> tuple[int, int, str]:
    """``main`` first, then ``gw0, gw1, ..., gw10`` numerically, then anything else."""
    if worker.startswith("gw") and worker[2:].isdigit():
        return (1, int(worker[2:]), worker)
    return (0 if worker == "main" else 2, 0, worker)


def aggregate(
    events: Iterable[FixtureEvent], uses: Mapping[FixtureKey, int] | None = None
) -> RunData:
    """Aggregate ``events`` (and optional use counts) into a new :class:`RunData`."""
    run = RunData()
    run.add_events(events)
    if uses:
        run.add_uses(uses)
    return run
