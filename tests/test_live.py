"""The live SQLite store, without pytest sessions, against counts made here from the rows
each writer published."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fixture_perf.model import Definition, Run, Tally, Totals
from pytest_fixture_perf.model.run import NONE
from pytest_fixture_perf.store import live


def make_rows(worker: str, n: int) -> list[tuple[str, int, int]]:
    """(fixture name, phase, exclusive ns) rows: setups and teardowns of 5 fixtures."""
    return [(f"fix{i % 5}", i % 2, 1000 + i + len(worker)) for i in range(n)]


class Publisher:
    """What a worker does: add rows to its run, fold them, publish the changed tallies."""

    def __init__(self, path: Path, worker: str) -> None:
        self.writer = live.LiveWriter(path, worker)
        self.run = Run()
        self.totals = Totals(self.run, track_changes=True)
        self.worker = self.run.worker_id(worker)

    def add(self, rows: list[tuple[str, int, int]], *, force: bool = True) -> None:
        for name, phase, ns in rows:
            d = self.run.definition_id(Definition.make(name, "c.py", 1, "function"))
            self.run.add_events([(d, phase, 4, -1, None, NONE, 0, ns, ns, NONE, 0)], self.worker)
        if force or self.writer.due():
            self.totals.update()
            self.writer.publish(
                [(self.run.definitions[d], t) for _, d, t in self.totals.take_changed()]
            )


def expected(rows_by_worker: dict[str, list[tuple[str, int, int]]]) -> dict[str, tuple]:
    """name -> (setups, teardowns, setup ns, teardown ns, max setup ns, setups per worker)."""
    result = {}
    names = {name for rows in rows_by_worker.values() for name, _, _ in rows}
    for name in names:
        mine = [(w, p, ns) for w, rows in rows_by_worker.items() for n, p, ns in rows if n == name]
        per_worker = Counter(w for w, p, _ in mine if p == 0)
        result[name] = (
            sum(1 for _, p, _ in mine if p == 0), sum(1 for _, p, _ in mine if p == 1),
            sum(ns for _, p, ns in mine if p == 0), sum(ns for _, p, ns in mine if p == 1),
            max((ns for _, p, ns in mine if p == 0), default=0), dict(per_worker),
        )  # fmt: skip
    return result


def seen(view: live.LiveView) -> dict[str, tuple]:
    return {
        e.definition.name: (e.tally.setups, e.tally.teardowns, e.tally.setup_ns,
                            e.tally.teardown_ns, e.tally.max_setup_ns, e.workers)
        for e in view.entries
    }  # fmt: skip


def _write(path: str, worker: str, n: int) -> None:
    publisher = Publisher(Path(path), worker)
    rows = make_rows(worker, n)
    for start in range(0, n, 10):
        publisher.add(rows[start : start + 10])
    publisher.writer.close()


def test_live_store_merges_concurrent_workers(tmp_path: Path) -> None:
    path = live.create(tmp_path)
    workers = [f"gw{i}" for i in range(4)]
    procs = [
        multiprocessing.get_context("spawn").Process(target=_write, args=(str(path), w, 200))
        for w in workers
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    reader = live.LiveWriter(path, "reader")
    view = reader.read()
    reader.close()
    assert sorted(view.reporting) == workers
    assert view.finished == []  # closed without finishing
    assert sorted(view.started) == [*workers, "reader"]
    assert seen(view) == expected({w: make_rows(w, 200) for w in workers})


def test_live_writes_are_throttled(tmp_path: Path) -> None:
    publisher = Publisher(live.create(tmp_path), "gw0")
    publisher.add([("a", 0, 5)], force=False)  # the first write is always due
    publisher.add([("a", 0, 7)], force=False)  # within WRITE_INTERVAL: kept pending
    assert seen(publisher.writer.read())["a"][0] == 1
    time.sleep(live.WRITE_INTERVAL)
    deadline = time.monotonic() + 10  # longer only if the write took over 1.25 ms
    while not publisher.writer.due() and time.monotonic() < deadline:
        time.sleep(0.01)
    publisher.add([], force=False)
    assert seen(publisher.writer.read())["a"][0] == 2
    publisher.writer.close()


class SlowClock:
    """A clock whose every reading is ``step`` nanoseconds after the previous one."""

    def __init__(self, step: int) -> None:
        self.now, self.step = 0, step

    def perf_ns(self) -> int:
        self.now += self.step
        return self.now

    def wall(self) -> float:
        return 0.0


def test_slow_writes_are_spaced_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that took d seconds makes the next wait d / MAX_SHARE (here 20 ms: 4 s)."""
    clock = SlowClock(step=20_000_000)
    monkeypatch.setattr(live, "CLOCK", clock)
    writer = live.LiveWriter(live.create(tmp_path), "gw0")
    assert writer.due()
    writer.publish([], finished=True)  # start and end read 20 ms apart
    end = clock.now
    wait = 0.02 / live.MAX_SHARE
    assert wait > live.WRITE_INTERVAL
    clock.now = end + int(wait * 1e9) - 2 * clock.step
    assert not writer.due()  # reads end + wait - 1 step
    assert writer.due()  # reads end + wait
    writer.close()


def test_finished_workers_are_told_apart(tmp_path: Path) -> None:
    path = live.create(tmp_path)
    done, running = Publisher(path, "gw0"), live.LiveWriter(path, "gw1")
    done.add([("a", 0, 1)])
    done.writer.publish([], finished=True)
    done.writer.close()
    view = running.read()
    assert (view.started, view.reporting, view.finished) == (["gw0", "gw1"], ["gw0"], ["gw0"])
    running.close()


def test_incremental_reads_match_the_rows(tmp_path: Path) -> None:
    path = live.create(tmp_path)
    publishers = {w: Publisher(path, w) for w in ("gw0", "gw1")}
    reader = live.LiveWriter(path, "gw2")
    sent: dict[str, list[tuple[str, int, int]]] = {"gw0": [], "gw1": []}
    for step in range(6):
        worker = "gw0" if step % 2 == 0 else "gw1"
        rows = make_rows(worker, 20 + step)
        sent[worker] += rows
        publishers[worker].add(rows)
        assert seen(reader.read()) == expected(sent)  # incremental
        fresh = live.LiveWriter(path, "fresh")
        assert seen(fresh.read()) == expected(sent)  # a first, full read
        fresh.close()
    for writer in (*(p.writer for p in publishers.values()), reader):
        writer.close()


ORDER = ("session", "package", "module", "class", "function")  # widest first
published_cells = st.lists(
    st.tuples(
        st.sampled_from(["gw0", "gw1", "gw2"]),
        st.sampled_from(["db", "client", "app"]),
        st.integers(1, 3),  # the definition's line (shards of different commits differ)
        st.sampled_from(ORDER),  # its declared scope
        st.lists(st.integers(0, 10**12), min_size=9, max_size=9),  # Tally.FIELDS
        st.dictionaries(st.sampled_from(ORDER), st.integers(1, 50)),  # setups per scope
    ),
    max_size=12,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(published_cells)
def test_every_column_of_a_tally_is_merged_over_workers(tmp_path_factory, cells) -> None:
    """Tallies written by several workers read back merged: sums, the largest setup, the
    setups per scope and per worker, and the definition's smallest line and widest scope,
    against the same made here from what each worker last wrote for each definition."""
    path = live.create(tmp_path_factory.mktemp("live"))
    writers: dict[str, live.LiveWriter] = {}
    last: dict[tuple[str, str], tuple] = {}  # (worker, name) -> what it last wrote
    for worker, name, line, scope, values, scopes in cells:
        tally = Tally()
        for field, value in zip(Tally.FIELDS, values, strict=True):
            setattr(tally, field, value)
        tally.scopes = dict(scopes)
        if worker not in writers:
            writers[worker] = live.LiveWriter(path, worker)
        writers[worker].publish([(Definition(f"t.py::{name}", name, "t.py", line, scope), tally)])
        last[(worker, name)] = (line, scope, values, scopes)
    reader = live.LiveWriter(path, "reader")
    got = {
        e.definition.name: (e.definition.line, e.definition.scope, e.tally.to_row(), e.workers)
        for e in reader.read().entries
    }
    want = {}
    for name in {n for _, n in last}:
        mine = {w: cell for (w, n), cell in last.items() if n == name}
        sums = [sum(col) for col in zip(*(v for _, _, v, _ in mine.values()), strict=True)]
        sums[Tally.FIELDS.index("max_setup_ns")] = max(
            values[Tally.FIELDS.index("max_setup_ns")] for _, _, values, _ in mine.values()
        )
        per_scope = [sum(s.get(scope, 0) for *_, s in mine.values()) for scope in ORDER]
        want[name] = (
            min(line for line, *_ in mine.values()),
            min((scope for _, scope, *_ in mine.values()), key=ORDER.index),
            (*sums, *per_scope),
            {w: values[0] for w, (_, _, values, _) in mine.items() if values[0]},
        )
    assert got == want
    for writer in (*writers.values(), reader):
        writer.close()


def test_a_read_that_failed_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows fetched by a read that then failed are not skipped by the next read."""
    path = live.create(tmp_path)
    publisher = Publisher(path, "gw0")
    rows = make_rows("gw0", 20)
    publisher.add(rows)
    reader = live.LiveWriter(path, "gw1")

    def broken(self: live.LiveReader, row: tuple) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    with monkeypatch.context() as patched:
        patched.setattr(live.LiveReader, "_entry", broken)
        with pytest.raises(sqlite3.OperationalError):
            reader.read()
    assert seen(reader.read()) == expected({"gw0": rows})
    publisher.writer.close()
    reader.close()


def test_a_tally_row_reads_back() -> None:
    tally = Tally()
    for value, name in enumerate(Tally.FIELDS, 1):
        setattr(tally, name, value * 11)
    tally.scopes = {"module": 2, "function": 7}
    row = tally.to_row()
    assert row == (11, 22, 33, 44, 55, 66, 77, 88, 99, 0, 0, 2, 0, 7)
    assert Tally.from_row(row) == tally


def test_a_store_of_another_format_is_refused(tmp_path: Path) -> None:
    path = live.create(tmp_path)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA user_version = 1")
    connection.close()
    with pytest.raises(live.LiveError, match="live store of format 1, expected 2"):
        live.LiveWriter(path, "gw0")
