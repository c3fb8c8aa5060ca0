"""Counts and sums of a run per (worker, fixture definition): the one place they are made.

:class:`Totals` folds a :class:`~pytest_fixture_perf.model.run.Run`'s rows into one
:class:`Tally` per (worker, definition), incrementally: each :meth:`Totals.update` reads
only the rows added since the last one. Everything that shows counts or sums (the live
summary, the live store, the reports) reads tallies, merged over workers or names with
:meth:`Tally.add`; order statistics (median, p95) come from the events themselves
(``derive``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import compress
from typing import Final

from .run import ERROR, SCOPES, SETUP, SKIPPED, Definition, Mark, Run


class Tally:
    """Counts and sums of one fixture definition (on one worker, or merged)."""

    __slots__ = (
        "max_setup_ns", "scopes", "setup_errors", "setup_ns", "setup_skips", "setups",
        "teardown_errors", "teardown_ns", "teardowns", "uses",
    )  # fmt: skip

    #: The counts and sums, in the order of :meth:`to_row` (the live store's columns).
    FIELDS: Final = (
        "setups", "teardowns", "setup_ns", "teardown_ns", "max_setup_ns", "setup_errors",
        "setup_skips", "teardown_errors", "uses",
    )  # fmt: skip

    def __init__(self) -> None:
        self.setups = 0
        self.teardowns = 0
        self.setup_ns = 0
        self.teardown_ns = 0
        self.max_setup_ns = 0
        self.setup_errors = 0
        self.setup_skips = 0
        self.teardown_errors = 0
        self.uses = 0
        #: Effective scope -> setups at that scope.
        self.scopes: dict[str, int] = {}

    @property
    def total_ns(self) -> int:
        return self.setup_ns + self.teardown_ns

    @property
    def open_setups(self) -> int:
        """Successful setups not torn down (on one worker: after a crash or an interrupt)."""
        return max(0, self.setups - self.setup_errors - self.setup_skips - self.teardowns)

    def add(self, other: Tally) -> None:
        """Merge ``other`` into this tally (exact, commutative, associative)."""
        self.setups += other.setups
        self.teardowns += other.teardowns
        self.setup_ns += other.setup_ns
        self.teardown_ns += other.teardown_ns
        self.max_setup_ns = max(self.max_setup_ns, other.max_setup_ns)
        self.setup_errors += other.setup_errors
        self.setup_skips += other.setup_skips
        self.teardown_errors += other.teardown_errors
        self.uses += other.uses
        for scope, n in other.scopes.items():
            self.scopes[scope] = self.scopes.get(scope, 0) + n

    def to_row(self) -> tuple[int, ...]:
        """The tally as integers: :attr:`FIELDS`, then the setups at each of ``SCOPES``."""
        return (
            *(getattr(self, name) for name in self.FIELDS),
            *(self.scopes.get(scope, 0) for scope in SCOPES),
        )

    @classmethod
    def from_row(cls, row: Sequence[int]) -> Tally:
        """The tally :meth:`to_row` gave ``row`` for."""
        tally = cls.__new__(cls)
        (tally.setups, tally.teardowns, tally.setup_ns, tally.teardown_ns, tally.max_setup_ns,
         tally.setup_errors, tally.setup_skips, tally.teardown_errors, tally.uses,
         *scopes) = row  # fmt: skip
        tally.scopes = {scope: count for scope, count in zip(SCOPES, scopes, strict=True) if count}
        return tally

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tally) and self.to_row() == other.to_row()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Tally({ {name: getattr(self, name) for name in (*self.FIELDS, 'scopes')} })"


def merged(tallies: Iterable[Tally]) -> Tally:
    total = Tally()
    for tally in tallies:
        total.add(tally)
    return total


def reported_scope(declared: str, scopes: Mapping[str, int]) -> str:
    """The scope a definition is reported at: the effective scope most of its setups ran
    at; on a tie the declared scope if it is among the tied, else the widest of them; with
    no setup, the declared scope. It depends on counts only, never on arrival order."""
    if len(scopes) < 2:  # none (the declared scope) or one (nearly always)
        return next(iter(scopes), declared)
    most = max(scopes.values())
    tied = [scope for scope, n in scopes.items() if n == most]
    if declared in tied:
        return declared
    return min(tied, key=lambda s: SCOPES.index(s) if s in SCOPES else len(SCOPES))


class Entry:
    """One definition's tally merged over workers, with its setups per worker."""

    __slots__ = ("definition", "open_setups", "tally", "workers")

    def __init__(self, definition: Definition, tally: Tally, workers: dict[str, int]) -> None:
        self.definition = definition
        self.tally = tally
        self.workers = workers
        #: Setups never torn down, summed over workers (each worker's counted apart).
        self.open_setups = 0

    @property
    def scope(self) -> str:
        return reported_scope(self.definition.scope, self.tally.scopes)


class Totals:
    """Tallies per (worker, definition) of one run, kept up to date by :meth:`update`."""

    def __init__(self, run: Run, *, track_changes: bool = False) -> None:
        self.run = run
        #: worker index -> definition index -> tally
        self.cells: dict[int, dict[int, Tally]] = {}
        self._mark = Mark()
        #: (worker, definition) cells changed by updates since the last :meth:`take_changed`
        #: (kept only with ``track_changes``: what a worker publishes to the live store)
        self._changed: set[tuple[int, int]] | None = set() if track_changes else None

    def update(self) -> None:
        """Fold the rows the run gained since the last update.

        It runs over every event of the run, so its loop does the least: each event's
        duration goes into a list per (worker, definition, phase, effective scope), and the
        counts, sums and maxima come from those lists in C. Outcomes other than "ok" are
        rare: only those events are looked at one by one."""
        run, mark = self.run, self.run.mark()
        e = run.events
        start, end = self._mark.events, mark.events
        durations: dict[tuple[int, int, int, int], list[int]] = {}
        cells = zip(e.worker[start:end], e.definition[start:end], e.phase[start:end],
                    e.scope[start:end], strict=True)  # fmt: skip
        for key, ns in zip(cells, e.exclusive_ns[start:end], strict=True):
            found = durations.get(key)
            if found is None:
                durations[key] = [ns]
            else:
                found.append(ns)
        scope_names = SCOPES
        for (w, d, phase, scope), values in durations.items():
            tally = self._tally(w, d)
            if phase == SETUP:
                tally.setups += len(values)
                tally.setup_ns += sum(values)
                tally.max_setup_ns = max(tally.max_setup_ns, max(values))
                scopes, name = tally.scopes, scope_names[scope]
                scopes[name] = scopes.get(name, 0) + len(values)
            else:
                tally.teardowns += len(values)
                tally.teardown_ns += sum(values)
        for i in compress(range(start, end), e.outcome[start:end]):  # the events not "ok"
            tally, outcome = self._tally(e.worker[i], e.definition[i]), e.outcome[i]
            if e.phase[i] == SETUP:
                if outcome == ERROR:
                    tally.setup_errors += 1
                elif outcome == SKIPPED:
                    tally.setup_skips += 1
            elif outcome == ERROR:
                tally.teardown_errors += 1
        u = run.uses
        start, end = self._mark.uses, mark.uses
        # uses counted per (worker, definition) in C, then added once per cell; the uses of
        # one worker (always, serially) by definition alone, without making pairs
        workers = u.worker[start:end]
        counts: Mapping[tuple[int, int], int]
        if workers and workers.count(workers[0]) == len(workers):
            w = workers[0]
            counts = {(w, d): n for d, n in Counter(u.definition[start:end]).items()}
        else:
            counts = Counter(zip(workers, u.definition[start:end], strict=True))
        for (w, d), n in counts.items():
            self._tally(w, d).uses += n
        self._mark = mark

    def _tally(self, w: int, d: int) -> Tally:
        """The tally of worker ``w`` and definition ``d`` (made when new), noted as changed."""
        row = self.cells.get(w)
        if row is None:
            row = self.cells[w] = {}
        tally = row.get(d)
        if tally is None:
            tally = row[d] = Tally()
        if self._changed is not None:
            self._changed.add((w, d))
        return tally

    def take_changed(self) -> list[tuple[int, int, Tally]]:
        """The (worker, definition, tally) cells changed since the last call."""
        if self._changed is None:
            raise ValueError("Totals(track_changes=True) is needed for take_changed()")
        changed, self._changed = self._changed, set()
        return [(w, d, self.cells[w][d]) for w, d in sorted(changed)]

    def entries(self) -> list[Entry]:
        """Per definition: its tally merged over workers, and its setups per worker."""
        run = self.run
        by_definition: dict[int, Entry] = {}
        for w, row in self.cells.items():
            worker = run.workers[w].id
            for d, tally in row.items():
                entry = by_definition.get(d)
                if entry is None:
                    entry = by_definition[d] = Entry(run.definitions[d], Tally(), {})
                entry.tally.add(tally)
                entry.open_setups += tally.open_setups
                if tally.setups:
                    entry.workers[worker] = tally.setups
        return list(by_definition.values())

    def by_worker(self) -> dict[str, Tally]:
        """Per worker: its tallies merged over definitions."""
        return {self.run.workers[w].id: merged(row.values()) for w, row in self.cells.items()}
