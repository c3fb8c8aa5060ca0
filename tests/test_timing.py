"""Times against known sleeps: lower bounds tight, upper bounds generous (shared machines)."""

from __future__ import annotations

from conftest import Suite, by_name

SLACK = 0.25  # seconds of scheduling noise tolerated above a sleep

CONFTEST = """
import time
import pytest

@pytest.fixture(scope="module")
def base():
    time.sleep(0.03)
    yield
    time.sleep(0.04)

@pytest.fixture
def dependent(base):
    time.sleep(0.02)
    yield
    time.sleep(0.12)

@pytest.fixture
def inner():
    time.sleep(0.10)
    yield
    time.sleep(0.10)

@pytest.fixture
def outer(request):
    time.sleep(0.02)
    request.getfixturevalue("inner")
    time.sleep(0.01)

@pytest.fixture
def finalized(request):
    request.addfinalizer(lambda: time.sleep(0.05))

@pytest.fixture
def failing_teardown():
    yield
    time.sleep(0.03)
    raise RuntimeError("boom")
"""

TESTS = """
def test_dependent(dependent): pass
def test_dynamic(outer): pass
def test_finalized(finalized): pass
def test_failing_teardown(failing_teardown): pass
"""


def within(value: float, expected: float) -> bool:
    return expected <= value < expected + SLACK


def test_times_match_sleeps(suite: Suite) -> None:
    suite.pytester.makeconftest(CONFTEST)
    suite.pytester.makepyfile(test_t=TESTS)
    _result, doc = suite.run()
    e = by_name(doc)
    assert within(e["base"]["setup"]["total"], 0.03)
    assert within(e["dependent"]["setup"]["total"], 0.02)  # excludes base (declared)
    # teardown of base starts after its dependent's teardown has finished
    assert within(e["base"]["teardown"]["total"], 0.04)
    assert within(e["dependent"]["teardown"]["total"], 0.12)
    # dynamic getfixturevalue: inner's 0.10 s is subtracted from outer
    assert within(e["outer"]["setup"]["total"], 0.03)
    assert within(e["inner"]["setup"]["total"], 0.10)
    assert within(e["inner"]["teardown"]["total"], 0.10)
    assert e["outer"]["teardown"]["total"] < 0.05  # not inner's teardown
    # request.addfinalizer teardown
    assert within(e["finalized"]["teardown"]["total"], 0.05)
    assert within(e["failing_teardown"]["teardown"]["total"], 0.03)
    assert e["failing_teardown"]["teardown_errors"] == 1
    run = doc["run"]
    setup_sum = sum(entry["setup"]["total"] for entry in doc["fixtures"])
    assert abs(run["total_setup_seconds"] - setup_sum) < 1e-6


def test_statistics_over_repeated_setups(suite: Suite) -> None:
    suite.pytester.makeconftest(
        """
import time, pytest

@pytest.fixture(params=[0.01, 0.02, 0.03, 0.04, 0.20])
def nap(request):
    time.sleep(request.param)
"""
    )
    suite.pytester.makepyfile("def test_nap(nap): pass")
    _result, doc = suite.run()
    setup = by_name(doc)["nap"]["setup"]
    assert within(setup["total"], 0.30)
    assert within(setup["median"], 0.03)
    assert within(setup["max"], 0.20)
    # p95 of 5 values interpolates 80% of the way from the 4th (0.04) to the 5th (0.20)
    assert within(setup["p95"], 0.04 + 0.8 * 0.16)
    assert setup["p95"] <= setup["max"]
    assert {k: round(v["setup"]["total"], 1) for k, v in by_name(doc)["nap"]["params"].items()} == {
        "0.01": 0.0, "0.02": 0.0, "0.03": 0.0, "0.04": 0.0, "0.2": 0.2,
    }  # fmt: skip
