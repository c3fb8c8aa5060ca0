"""``--fixture-perf-trace``: Chrome trace-event JSON, its structure checked (complete events,
proper nesting per track, one process per worker) and its fixture slices counted against
the suite's own log."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from test_counts import make_full_suite

from conftest import Suite

#: Slices may touch: allow the rounding of microseconds to three decimals.
SLACK_US = 0.002


@pytest.fixture
def traced(suite: Suite) -> Suite:
    return make_full_suite(suite)


def load(path: Path) -> list[dict[str, Any]]:
    document = json.loads(path.read_text())
    assert document["otherData"]["producer"] == "pytest-fixture-perf"
    return list(document["traceEvents"])


def assert_nested(slices: list[dict[str, Any]]) -> None:
    """On one track, any two slices are disjoint or one holds the other."""
    ordered = sorted(slices, key=lambda e: (e["ts"], -e["dur"]))
    open_ends: list[float] = []
    for event in ordered:
        start, end = event["ts"], event["ts"] + event["dur"]
        while open_ends and open_ends[-1] <= start + SLACK_US:
            open_ends.pop()
        if open_ends:
            assert end <= open_ends[-1] + SLACK_US, event
        open_ends.append(end)


@pytest.mark.parametrize("xdist", [(), ("-n", "2")])
def test_the_trace_nests_and_counts_every_fixture(traced: Suite, xdist: tuple[str, ...]) -> None:
    trace = traced.path / "trace.json"
    _result, doc = traced.run(f"--fixture-perf-trace={trace}", "--fixture-perf-no-save", *xdist)
    truth = traced.ground_truth()
    events = load(trace)
    assert {e["ph"] for e in events} <= {"X", "M"}
    slices = [e for e in events if e["ph"] == "X"]
    assert all(e["dur"] >= 0 and e["ts"] >= 0 for e in slices)
    # one process per worker, named after it
    names = {e["pid"]: e["args"]["name"] for e in events if e["name"] == "process_name"}
    assert sorted(n.split()[0] for n in names.values()) == sorted(w["id"] for w in doc["workers"])
    # nesting: per process and track
    tracks: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for e in slices:
        tracks.setdefault((e["pid"], e["tid"]), []).append(e)
    for track in tracks.values():
        assert_nested(track)
    # every test run is a slice, and its function-scoped fixtures lie inside one
    tests = [e for e in slices if e["cat"] == "test"]
    assert len(tests) == doc["test_runs"]["rows"]
    for e in slices:
        if e["cat"].startswith("fixture") and e["tid"] == 1:
            assert any(
                t["pid"] == e["pid"] and t["ts"] - SLACK_US <= e["ts"]
                and e["ts"] + e["dur"] <= t["ts"] + t["dur"] + SLACK_US
                for t in tests
            ), e  # fmt: skip
            assert e["args"]["scope"] == "function"
        if e["cat"].startswith("fixture") and e["tid"] == 2:
            assert e["args"]["scope"] != "function" or "test" not in e["args"]
    # a slice per fixture setup and teardown, as the suite logged them
    counted: Counter[tuple[str, str]] = Counter()
    for e in slices:
        if e["cat"].startswith("fixture"):
            name, phase = e["name"].rsplit(" ", 1)
            counted[(phase, name.split("[")[0])] += 1
    for (phase, name), n in truth.items():
        assert counted[(phase, name)] == n, (phase, name)


def test_a_file_that_is_not_a_trace_is_never_replaced(suite: Suite) -> None:
    suite.pytester.makepyfile("def test_one(): pass")
    precious = suite.path / "notes.txt"
    precious.write_text("mine\n")
    result = suite.pytester.runpytest_subprocess(f"--fixture-perf-trace={precious}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "is not a pytest-fixture-perf trace (left untouched)" in result.stderr.str()
    assert precious.read_text() == "mine\n"
    trace = suite.path / "t.json"
    for _ in range(2):  # a trace of ours is replaced
        assert suite.pytester.runpytest_subprocess(f"--fixture-perf-trace={trace}").ret == 0
    assert load(trace)


def test_export_writes_a_stored_runs_trace(
    traced: Suite, capsys: pytest.CaptureFixture[str]
) -> None:
    from pytest_fixture_perf.cli import main as cli

    traced.run()  # saved in the history, with its events
    db = f"--db={traced.path / '.fixture-perf' / 'history.db'}"
    out = traced.path / "exported.json"
    assert cli(["export", "last", db, f"--trace={out}"]) == 0
    slices = [e for e in load(out) if e["ph"] == "X"]
    assert sum(e["cat"] == "test" for e in slices) > 0
    assert cli(["export", "last", db]) == 2
    assert "say what to write: --json=PATH, --html=PATH, --trace=PATH" in capsys.readouterr().err
