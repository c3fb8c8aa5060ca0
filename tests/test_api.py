"""The seed-compatible API: the decorator and the tracker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from pytest_fixture_perf import FixturePerformanceTracker, track_fixture_performance

from conftest import Suite, by_name, setup_show

SUMMARY_KEYS = {
    "total_fixture_setups", "total_fixture_teardowns", "total_setup_seconds",
    "total_teardown_seconds", "by_scope", "fixtures", "slowest", "workers",
    "workers_reporting", "workers_started", "workers_finished", "workers_lost", "complete",
    "scope",
}  # fmt: skip


def test_decorator_times_plain_functions_outside_pytest_fixtures() -> None:
    tracker = FixturePerformanceTracker()

    @track_fixture_performance(scope="module", tracker=tracker)
    def helper(x: int) -> int:
        time.sleep(0.02)
        return x * 2

    assert helper(21) == 42
    summary = tracker.get_performance_summary()
    assert set(summary) >= SUMMARY_KEYS
    assert summary["total_fixture_setups"] == 1
    assert summary["fixtures"]["helper"]["setups"] == 1
    assert summary["by_scope"]["module"]["setups"] == 1
    assert 0.02 <= summary["total_setup_seconds"] < 0.3


def test_decorator_generator_setup_and_teardown() -> None:
    tracker = FixturePerformanceTracker()
    log = []

    @track_fixture_performance(tracker=tracker)
    def gen_fixture() -> Iterator[str]:
        time.sleep(0.02)
        log.append("setup")
        yield "value"
        time.sleep(0.03)
        log.append("teardown")

    gen = gen_fixture()
    assert next(gen) == "value"
    with pytest.raises(StopIteration):
        next(gen)
    assert log == ["setup", "teardown"]  # the seed's generator bug: both halves run once
    summary = tracker.get_performance_summary()
    assert (summary["total_fixture_setups"], summary["total_fixture_teardowns"]) == (1, 1)
    assert 0.02 <= summary["total_setup_seconds"] < 0.3
    assert 0.03 <= summary["total_teardown_seconds"] < 0.3


def test_decorator_async_kinds() -> None:
    tracker = FixturePerformanceTracker()

    @track_fixture_performance(tracker=tracker)
    async def coro() -> int:
        await asyncio.sleep(0.02)
        return 5

    @track_fixture_performance(tracker=tracker)
    async def agen() -> AsyncIterator[int]:
        await asyncio.sleep(0.01)
        yield 6
        await asyncio.sleep(0.02)

    async def main() -> list[int]:
        values = [await coro()]
        async for value in agen():
            values.append(value)
        return values

    assert asyncio.run(main()) == [5, 6]
    fixtures = tracker.get_performance_summary()["fixtures"]
    assert fixtures["coro"]["setups"] == 1
    assert fixtures["agen"]["setups"] == fixtures["agen"]["teardowns"] == 1
    assert 0.02 <= fixtures["agen"]["teardown_seconds"] < 0.3


def test_decorator_records_failures() -> None:
    tracker = FixturePerformanceTracker()

    @track_fixture_performance(tracker=tracker)
    def broken() -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        broken()
    assert tracker.get_performance_summary()["total_fixture_setups"] == 1


def test_decorated_fixtures_are_not_counted_twice(suite: Suite) -> None:
    suite.pytester.makeconftest(
        """
import asyncio, time, pytest, pytest_asyncio
from gtlog import gt
from pytest_fixture_perf import track_fixture_performance

@pytest.fixture
@track_fixture_performance(scope="function")
def plain():
    gt("setup", "plain")
    return 1

@pytest.fixture(scope="module")
@track_fixture_performance(scope="module")
def gen():
    gt("setup", "gen")
    yield 2
    gt("teardown", "gen")

@pytest_asyncio.fixture
@track_fixture_performance()
async def agen():
    await asyncio.sleep(0)
    gt("setup", "agen")
    yield 3
    gt("teardown", "agen")
"""
    )
    suite.pytester.makepyfile(
        """
import pytest

def test_one(plain, gen): assert (plain, gen) == (1, 2)
def test_two(plain, gen): pass

@pytest.mark.asyncio
async def test_three(agen, fixture_performance_tracker):
    assert agen == 3
    summary = fixture_performance_tracker.get_performance_summary()
    assert summary["fixtures"]["plain"]["setups"] == 2
    assert summary["fixtures"]["gen"]["setups"] == 1
    assert summary["fixtures"]["agen"]["setups"] == 1
    assert summary["complete"] is False
    assert summary["workers"] == ["main"]
"""
    )
    result, doc = suite.run("--setup-show")
    result.assert_outcomes(passed=3)
    truth = suite.ground_truth()
    shown = setup_show(result, {"plain", "gen", "agen"})
    entries = by_name(doc)
    for name in ("plain", "gen", "agen"):
        assert entries[name]["setups"] == truth[("setup", name)] == shown[("setup", name)]
        # every setup is torn down, with teardown code (gen, agen) or without (plain)
        assert entries[name]["teardowns"] == shown[("teardown", name)], name
    assert (truth[("teardown", "gen")], truth[("teardown", "agen")]) == (1, 1)
    assert entries["plain"]["location"] == "conftest.py:5"  # the real function, unwrapped
    assert not any(entry["location"] == "<manual>" for entry in doc["fixtures"])


def test_tracker_fixture_sees_the_run_so_far(suite: Suite) -> None:
    suite.pytester.makepyfile(
        """
import pytest

@pytest.fixture(params=range(3))
def counted(request):
    return request.param

def test_a(counted): pass

def test_summary(fixture_performance_tracker):
    summary = fixture_performance_tracker.get_performance_summary()
    assert summary["fixtures"]["counted"]["setups"] == 3
    assert summary["total_fixture_setups"] >= 3
    assert summary["scope"] == "run"
    fixture_performance_tracker.record_fixture_setup("manual_thing", 0.5, scope="session")
"""
    )
    result, doc = suite.run("-p", "no:randomly")
    result.assert_outcomes(passed=4)
    manual = by_name(doc)["manual_thing"]
    assert (manual["setups"], manual["setup"]["total"], manual["location"]) == (1, 0.5, "<manual>")
