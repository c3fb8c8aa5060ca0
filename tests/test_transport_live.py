"""The worker->controller encoding and the live SQLite store, without pytest sessions."""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

import pytest

from pytest_fixture_perf import live
from pytest_fixture_perf.aggregate import RawRecord, aggregate
from pytest_fixture_perf.records import FixtureEvent
from pytest_fixture_perf.transport import TransportError, decode_batch, encode_events


def make_events(worker: str, n: int) -> list[FixtureEvent]:
    return [
        FixtureEvent(
            "setup" if i % 2 == 0 else "teardown", f"fix{i % 5}", f"tests/conftest.py:{i % 5}",
            "function", i % 3 - 1, None if i % 3 == 0 else f"p{i % 3 - 1}",
            f"tests/test_x.py::test_{i // 4}", worker, 1000 + i, "ok" if i % 7 else "error",
        )
        for i in range(n)
    ]  # fmt: skip


def as_records(events: list[FixtureEvent]) -> list[RawRecord]:
    """Events as recorder buffer entries (an event has the ``name`` and ``location``)."""
    return [
        (e.phase, e, e.scope, e.param_index, e.param_id, e.test, e.duration_ns, e.outcome)
        for e in events
    ]


def test_batch_round_trip_is_exact() -> None:
    events = make_events("gw3", 50)
    uses = {("fix1", "tests/conftest.py:1"): 4, ("other", "x.py:9"): 1}
    blob = encode_events("gw3", events, uses)
    assert isinstance(blob, str)
    json.loads(blob)  # plain JSON: safe for execnet and pytest-reportlog
    batch = decode_batch(blob)
    assert (batch.worker, batch.events(), batch.uses) == ("gw3", events, uses)
    assert len(json.loads(blob)["d"]) == 5  # each definition is named once per batch


@pytest.mark.parametrize(
    "blob",
    [
        "not json",
        '{"v": 99}',
        '{"v": 2, "w": "gw0", "d": [], "t": [], "e": [[1]], "u": []}',
        '{"v": 2, "w": "gw0", "d": [], "t": [], "e": [["setup", 0, "function", -1, null, 0, 5,'
        ' "ok"]], "u": []}',
        '{"v": 2, "w": 7, "d": [], "t": [], "e": [], "u": []}',
        "[]",
    ],
)
def test_bad_batches_raise_transport_error(blob: str) -> None:
    with pytest.raises(TransportError):
        decode_batch(blob)


def _write(path: str, worker: str, n: int) -> None:
    writer = live.LiveWriter(Path(path), worker)
    events = make_events(worker, n)
    for start in range(0, n, 10):
        writer.add_records(
            as_records(events[start : start + 10]), {("fix0", "tests/conftest.py:0"): 1}
        )
        writer.write(force=True)
    writer.close()


def test_live_store_sums_concurrent_workers(tmp_path: Path) -> None:
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
    totals = view.totals
    assert sorted(view.reporting) == workers
    assert sorted(view.finished) == []  # closed without finishing
    assert sorted(view.started) == [*workers, "reader"]
    expected = aggregate([e for w in workers for e in make_events(w, 200)])
    by_key = {(t.name, t.location): t for t in totals}
    for key, data in expected.fixtures.items():
        t = by_key[key]
        assert (t.setups, t.teardowns) == (data.setup.count, data.teardown.count)
        assert (t.setup_ns, t.teardown_ns) == (data.setup.total_ns, data.teardown.total_ns)
        assert t.max_setup_ns == max(data.setup.durations_ns)
        assert t.setups_by_worker == data.setups_by_worker
    assert by_key[("fix0", "tests/conftest.py:0")].uses == 4 * 20


def test_live_writes_are_throttled(tmp_path: Path) -> None:
    writer = live.LiveWriter(live.create(tmp_path), "gw0")
    writer.add_records(as_records(make_events("gw0", 2)), {})
    writer.write()
    writer.add_records(as_records(make_events("gw0", 2)), {})
    writer.write()  # within WRITE_INTERVAL: kept pending
    assert sum(t.setups for t in writer.read().totals) == 1
    time.sleep(live.WRITE_INTERVAL)
    writer.write()
    assert sum(t.setups for t in writer.read().totals) == 2
    writer.close()


def test_finished_workers_are_told_apart(tmp_path: Path) -> None:
    path = live.create(tmp_path)
    done, running = live.LiveWriter(path, "gw0"), live.LiveWriter(path, "gw1")
    done.add_records(as_records(make_events("gw0", 4)), {})
    done.write(finished=True)
    done.close()
    view = running.read()
    assert (view.started, view.reporting, view.finished) == (["gw0", "gw1"], ["gw0"], ["gw0"])
    running.close()


def test_incremental_reads_match_a_full_aggregate(tmp_path: Path) -> None:
    path = live.create(tmp_path)
    writers = {w: live.LiveWriter(path, w) for w in ("gw0", "gw1")}
    reader = live.LiveWriter(path, "gw2")
    sent: list[FixtureEvent] = []
    for step in range(6):
        worker = "gw0" if step % 2 == 0 else "gw1"
        events = make_events(worker, 20 + step)
        sent += events
        writers[worker].add_records(as_records(events), {})
        writers[worker].write(force=True)
        by_key = {(t.name, t.location): t for t in reader.read().totals}
        expected = aggregate(sent)
        for key, data in expected.fixtures.items():
            t = by_key[key]
            assert (t.setups, t.teardowns, t.setup_ns) == (
                data.setup.count, data.teardown.count, data.setup.total_ns
            )  # fmt: skip
            assert t.setups_by_worker == data.setups_by_worker
    for writer in (*writers.values(), reader):
        writer.close()
