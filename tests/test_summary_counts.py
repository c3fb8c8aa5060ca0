"""Asking for the summary never drops, doubles or delays a record: counts against the
fixtures' own log when tests, fixture setups and teardowns ask for the live summary and
record by hand, serially and under xdist, with the live view on and off."""

from __future__ import annotations

import pytest

from test_counts import CONFTEST, NAMES

from conftest import Suite, reported

ASKING_CONFTEST = (
    CONFTEST
    + """

@pytest.fixture(scope="module")
def asks_module(fixture_performance_tracker):
    gt("setup", "asks_module")
    fixture_performance_tracker.get_performance_summary()  # inside a fixture's setup
    yield
    fixture_performance_tracker.get_performance_summary()  # inside its teardown
    gt("teardown", "asks_module")

@pytest.fixture
def asks(fixture_performance_tracker, func):
    gt("setup", "asks")
    fixture_performance_tracker.get_performance_summary()
    yield
    fixture_performance_tracker.get_performance_summary()
    gt("teardown", "asks")

@pytest.fixture(autouse=True)
def gt_auto():
    gt("setup", "gt_auto")
    yield
    gt("teardown", "gt_auto")
"""
)

ASKING_TESTS = """
import pytest
from gtlog import gt

@pytest.mark.parametrize("i", range(12))
def test_asking(i, asks, asks_module, fixture_performance_tracker):
    summary = fixture_performance_tracker.get_performance_summary()
    assert summary["total_fixture_setups"] > 0
    fixture_performance_tracker.record_fixture_setup("manual_thing", 0.001)
    gt("setup", "manual_thing")
    fixture_performance_tracker.get_performance_summary()

@pytest.mark.parametrize("i", range(8))
def test_quiet(i, func, mod):
    pass
"""

MODES = [
    ("-n", "0"),
    ("-n", "2"),
    ("-n", "3", "--dist", "loadfile"),
]
ALL = NAMES | {"asks", "asks_module", "gt_auto", "manual_thing"}


@pytest.mark.parametrize("live", ["auto", "off"])
@pytest.mark.parametrize("mode", MODES, ids=[" ".join(m) for m in MODES])
def test_asking_for_the_summary_loses_nothing(
    suite: Suite, mode: tuple[str, ...], live: str
) -> None:
    suite.pytester.makeconftest(ASKING_CONFTEST)
    suite.pytester.makepyfile(test_asking=ASKING_TESTS)
    suite.pytester.makepyfile(test_more=ASKING_TESTS.replace("range(12)", "range(5)"))
    result, doc = suite.run(*mode, f"--fixture-perf-live={live}")
    result.assert_outcomes(passed=2 * 8 + 12 + 5)
    truth = suite.ground_truth()
    assert truth[("setup", "gt_auto")] == 33
    assert truth[("setup", "manual_thing")] == 17
    assert reported(doc, ALL) == +truth
    # every use is a test's: gt_auto is in all 33 tests' closures
    (auto,) = [f for f in doc["fixtures"] if f["name"] == "gt_auto"]
    assert auto["uses"] == 33
