"""Whole-run numbers under pytest-xdist, against the fixtures' own ground-truth log."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_counts import NAMES, full_suite

from conftest import Suite, by_name, reported

__all__ = ["full_suite"]  # the fixture, re-exported for these tests

MODES = [
    ("-n", "0"),
    ("-n", "1"),
    ("-n", "2"),
    ("-n", "4"),
    ("-n", "2", "--dist", "loadscope"),
    ("-n", "2", "--dist", "loadfile"),
    ("-n", "2", "--dist", "loadgroup"),
    ("-n", "2", "--dist", "worksteal"),
]


@pytest.mark.parametrize("mode", MODES, ids=[" ".join(m) for m in MODES])
def test_counts_equal_ground_truth(full_suite: Suite, mode: tuple[str, ...]) -> None:
    result, doc = full_suite.run(*mode)
    result.assert_outcomes(passed=18, skipped=1, errors=4)
    assert reported(doc, NAMES) == +full_suite.ground_truth()
    n = int(mode[1])
    expected_workers = ["main"] if n == 0 else [f"gw{i}" for i in range(n)]
    assert doc["run"]["workers"] == expected_workers
    assert doc["run"]["mode"] == ("serial" if n == 0 else "controller")
    # session fixtures run once per worker that needed them, and say where
    sess = by_name(doc)["sess"]
    assert sum(sess["workers"].values()) == sess["setups"]
    assert set(sess["workers"]) <= set(expected_workers)


CRASH_TESTS = """
import os
import pytest

@pytest.mark.parametrize("i", range(6))
def test_before(i, func): pass

def test_crash(func, sess):
    os._exit(3)

@pytest.mark.parametrize("i", range(6))
def test_after(i, func): pass
"""


@pytest.mark.parametrize("restarts", ["0", "1"])
def test_crashed_worker_keeps_finished_records(suite: Suite, restarts: str) -> None:
    from test_counts import CONFTEST

    suite.pytester.makeconftest(CONFTEST)
    suite.pytester.makepyfile(test_crash=CRASH_TESTS)
    result, doc = suite.run("-n", "2", f"--max-worker-restart={restarts}")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1  # the crashed test
    truth = suite.ground_truth()
    assert truth[("setup", "func")] >= 7
    assert reported(doc, {"func", "sess", "mod"}) == +truth
    lost = doc["run"]["lost_workers"]
    assert len(lost) == 1
    (crashed,) = lost
    assert crashed in {"gw0", "gw1"}
    if restarts == "1":
        assert "gw2" in doc["run"]["workers"]  # the replacement counts as its own worker
    result.stdout.fnmatch_lines([f"worker {crashed} crashed (*"])


LIVE_CONFTEST = """
import time
import pytest

@pytest.fixture(scope="session")
def shared():
    time.sleep(0.05)

@pytest.fixture
def work(shared):
    time.sleep(0.02)

@pytest.fixture
def summary_when(fixture_performance_tracker):
    # wait (bounded): the run's summary once done(summary) holds, or at the timeout
    def wait(done, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            summary = fixture_performance_tracker.get_performance_summary()
            if done(summary) or time.monotonic() > deadline:
                return summary
            time.sleep(0.05)
    return wait
"""

LIVE_TESTS = """
import pytest

@pytest.mark.parametrize("i", range(20))
def test_work(i, work): pass

def test_fixture_performance_reporting(summary_when, worker_id):
    # wait until some other worker has published: tests run in any order
    summary = summary_when(lambda s: set(s["workers_reporting"]) - {worker_id}, timeout=20)
    others = set(summary["workers_reporting"]) - {worker_id}
    assert summary["total_fixture_setups"] > 0
    assert summary["complete"] is False
    assert summary["scope"] == "run"
    assert others, summary["workers_reporting"]
    assert set(summary["fixtures"]["work"]["workers"]) & others
    # session fixtures: once per worker that set it up
    shared = summary["fixtures"]["shared"]
    assert shared["setups"] == len(shared["workers"])
    assert all(n == 1 for n in shared["workers"].values())
"""


def test_live_view_sees_other_workers(
    suite: Suite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite.pytester.makeconftest(LIVE_CONFTEST)
    suite.pytester.makepyfile(test_live=LIVE_TESTS)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    for _ in range(3):
        result, doc = suite.run("-n", "4")
        result.assert_outcomes(passed=21)
        assert by_name(doc)["work"]["setups"] == 20
    assert not list(tmp_path.glob("fixture-perf-*")), "the live directory is removed"


def test_live_off_is_worker_scoped(suite: Suite) -> None:
    suite.pytester.makeconftest(LIVE_CONFTEST)
    suite.pytester.makepyfile(
        test_scope="""
def test_scope(fixture_performance_tracker, work, worker_id):
    summary = fixture_performance_tracker.get_performance_summary()
    assert summary["scope"] == "worker"
    assert summary["workers"] == [worker_id]
    assert summary["fixtures"]["work"]["setups"] >= 1
"""
    )
    result, doc = suite.run("-n", "2", "--fixture-perf-live=off")
    result.assert_outcomes(passed=1)
    assert by_name(doc)["work"]["setups"] == 1


def test_a_worker_without_tests_is_seen_finishing(suite: Suite) -> None:
    """With --dist loadfile and one file, the other worker gets no test: the live view
    reports it started and finished without data, so a test can stop waiting for it."""
    suite.pytester.makeconftest(LIVE_CONFTEST)
    suite.pytester.makepyfile(
        test_alone="""
def test_wait(summary_when, work, worker_id):
    other = {"gw0": "gw1", "gw1": "gw0"}[worker_id]
    summary = summary_when(lambda s: other in s["workers_finished"])
    assert summary["workers_started"] == ["gw0", "gw1"]
    assert summary["workers_finished"] == [other]
    assert summary["workers"] == [worker_id]  # the other one published nothing
"""
    )
    result, _ = suite.run("-n", "2", "--dist", "loadfile")
    result.assert_outcomes(passed=1)


def test_a_crashed_worker_is_seen_lost(suite: Suite) -> None:
    """A worker that dies mid-run never finishes: the live view reports it lost, so a test
    waiting for the other workers can stop waiting for it."""
    suite.pytester.makeconftest(LIVE_CONFTEST)
    suite.pytester.makepyfile(
        test_lost="""
import os
import time

def test_crash(work):
    time.sleep(0.5)  # let the other worker start waiting
    os._exit(1)

def test_wait(summary_when, work, worker_id):
    other = {"gw0": "gw1", "gw1": "gw0"}[worker_id]
    summary = summary_when(lambda s: other in s["workers_lost"])
    assert summary["workers_lost"] == [other]
    assert other not in summary["workers_finished"]
"""
    )
    # two tests on two workers: xdist hands them out one each (round robin)
    result, _ = suite.run("-n", "2", "--max-worker-restart=0")
    result.assert_outcomes(passed=1, failed=1)


def test_workers_without_shared_storage_are_exact(full_suite: Suite, tmp_path: Path) -> None:
    """Workers on an rsynced copy (like remote ones) with the live store off: only the
    test reports and workeroutput carry the data, and it is still exact."""
    chdir = tmp_path / "elsewhere"
    chdir.mkdir()
    result, doc = full_suite.run(
        "--dist=load", "--tx", f"2*popen//chdir={chdir}", f"--rsyncdir={full_suite.path}",
        "--fixture-perf-live=off", str(full_suite.path),
    )  # fmt: skip
    result.assert_outcomes(passed=18, skipped=1, errors=4)
    (copy_log,) = chdir.rglob("gt.log")  # the fixtures ran in the rsynced copy
    copy_log.rename(full_suite.path / "gt.log")
    assert reported(doc, NAMES) == +full_suite.ground_truth()
    assert doc["run"]["workers"] == ["gw0", "gw1"]
    assert by_name(doc)["func"]["location"] == by_name(full_suite.run()[1])["func"]["location"]
