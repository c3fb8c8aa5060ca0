"""The run's events on one timeline: proper nesting, inclusive vs exclusive time, CPU time,
and the JSON file read back into the same run."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from typing import Any

import pytest

from pytest_fixture_perf.model import Run

from conftest import Suite, by_name

CONFTEST = """
import time
import pytest

@pytest.fixture(scope="session")
def sess():
    time.sleep(0.01)
    yield
    time.sleep(0.01)

@pytest.fixture(scope="module")
def mod(sess):
    time.sleep(0.005)
    yield

@pytest.fixture
def inner():
    time.sleep(0.03)
    yield
    time.sleep(0.002)

@pytest.fixture
def outer(request, mod):
    time.sleep(0.02)
    request.getfixturevalue("inner")
    yield

@pytest.fixture
def plain(mod):
    time.sleep(0.002)
"""

TESTS = """
import pytest

@pytest.mark.parametrize("i", range(4))
def test_outer(i, outer): pass

@pytest.mark.parametrize("i", range(4))
def test_plain(i, plain): pass

def test_dynamic_in_call(request):
    request.getfixturevalue("plain")
"""


def columns(doc: dict[str, Any], table: str) -> list[dict[str, Any]]:
    """The rows of one of the JSON file's column tables."""
    cols = {column: values for column, values in doc[table].items() if column != "rows"}
    assert all(len(values) == doc[table]["rows"] for values in cols.values())
    return [dict(zip(cols, row, strict=True)) for row in zip(*cols.values(), strict=True)]


@pytest.mark.parametrize("workers", ["0", "2"])
def test_events_nest_on_each_worker(suite: Suite, workers: str) -> None:
    suite.pytester.makeconftest(CONFTEST)
    suite.pytester.makepyfile(test_nest=TESTS)
    result, doc = suite.run("-n", workers)
    result.assert_outcomes(passed=9)
    names = [d["name"] for d in doc["definitions"]]
    events = columns(doc, "events")
    runs = columns(doc, "test_runs")
    assert len(runs) == 9
    assert sorted(doc["tests"][r["test"]] for r in runs) == sorted(
        [f"test_nest.py::test_outer[{i}]" for i in range(4)]
        + [f"test_nest.py::test_plain[{i}]" for i in range(4)]
        + ["test_nest.py::test_dynamic_in_call"]
    )
    by_worker: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        by_worker[run["worker"]].append(run)
        assert 0 <= run["setup_ns"] <= run["call_ns"] <= run["teardown_ns"] <= run["end_ns"]
    for worker_runs in by_worker.values():  # a worker runs one test at a time
        worker_runs.sort(key=lambda r: r["setup_ns"])
        for before, after in pairwise(worker_runs):
            assert before["end_ns"] <= after["setup_ns"]
    run_of = {(r["worker"], r["test"]): r for r in runs}
    for e in events:
        end = e["start_ns"] + e["inclusive_ns"]
        assert e["start_ns"] >= 0
        assert 0 <= e["exclusive_ns"] <= e["inclusive_ns"]
        run = run_of[(e["worker"], e["test"])]
        name = names[e["definition"]]
        if e["phase"] == 1:  # a teardown lies inside its test's teardown phase
            phase = (run["teardown_ns"], run["end_ns"])
        elif name == "plain" and doc["tests"][e["test"]].endswith("dynamic_in_call"):
            phase = (run["call_ns"], run["teardown_ns"])  # requested by the test body
        else:  # a setup lies inside its test's setup phase
            phase = (run["setup_ns"], run["call_ns"])
        assert phase[0] <= e["start_ns"], (name, e, run)
        assert end <= phase[1], (name, e, run)
    # within a worker, any two events are nested or apart, never overlapping
    for w in by_worker:
        spans = sorted(
            (e["start_ns"], -(e["start_ns"] + e["inclusive_ns"])) for e in events
            if e["worker"] == w
        )  # fmt: skip
        open_ends: list[int] = []
        for start, negative_end in spans:
            end = -negative_end
            while open_ends and open_ends[-1] <= start:
                open_ends.pop()
            assert not open_ends or end <= open_ends[-1], "overlapping events"
            open_ends.append(end)
    # the dynamically requested inner fixture is inside outer: inclusive - exclusive of
    # each outer setup is exactly the inner setup it contains, and at least its 30 ms sleep
    outer = [e for e in events if names[e["definition"]] == "outer" and e["phase"] == 0]
    inner = [e for e in events if names[e["definition"]] == "inner" and e["phase"] == 0]
    assert len(outer) == len(inner) == 4
    for o in outer:
        (i,) = [
            i for i in inner if i["worker"] == o["worker"]
            and o["start_ns"] <= i["start_ns"] < o["start_ns"] + o["inclusive_ns"]
        ]  # fmt: skip
        assert o["inclusive_ns"] - o["exclusive_ns"] == i["inclusive_ns"] >= 30_000_000
        assert 20_000_000 <= o["exclusive_ns"] < 20_000_000 + 250_000_000


def test_the_file_reads_back_into_the_same_run(suite: Suite) -> None:
    suite.pytester.makeconftest(CONFTEST)
    suite.pytester.makepyfile(test_nest=TESTS)
    _result, doc = suite.run("-n", "2")
    run = Run.from_dict(doc)
    assert len(run.events) == len(doc["events"]["phase"]) > 0
    again = run.to_dict()
    for key in ("meta", "workers", "definitions", "tests", "events", "test_runs", "uses"):
        assert again[key] == doc[key], key
    assert doc["meta"]["mode"] == "controller"
    assert doc["meta"]["worker_count"] == 2
    assert doc["meta"]["dist"] == "load"
    assert doc["meta"]["selection"]["tests"] == 9
    assert {w["id"] for w in doc["workers"]} == {"gw0", "gw1"}
    assert all(w["finished"] and w["anchor_ns"] > 0 for w in doc["workers"])


CPU_CONFTEST = """
import time
import pytest

@pytest.fixture(scope="session")
def sleeper():
    time.sleep(0.05)

def spin(seconds):  # busy for that much CPU time, however loaded the machine is
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass

@pytest.fixture(scope="session")
def spinner():
    spin(0.05)

@pytest.fixture
def func_spinner():
    spin(0.02)
"""


@pytest.mark.parametrize("option", [[], ["--fixture-perf-cpu"]], ids=["default", "cpu"])
def test_cpu_time_tells_waiting_from_working(suite: Suite, option: list[str]) -> None:
    suite.pytester.makeconftest(CPU_CONFTEST)
    suite.pytester.makepyfile("def test_one(sleeper, spinner, func_spinner): pass")
    _result, doc = suite.run(*option)
    f = by_name(doc)
    assert f["sleeper"]["setup"]["total"] >= 0.05
    assert f["sleeper"]["setup_cpu"]["total"] < 0.025  # waited: wall >> CPU
    assert f["spinner"]["setup"]["total"] >= 0.05
    assert f["spinner"]["setup_cpu"]["total"] >= 0.05  # worked: CPU as long as wall
    if option:
        assert f["func_spinner"]["setup_cpu"]["total"] >= 0.02
    else:  # CPU time is read for fixtures cached across tests only, by default
        assert f["func_spinner"]["setup_cpu"] is None
