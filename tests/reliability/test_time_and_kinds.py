"""The fault matrix, clocks and kinds of tests: freezegun at every scope and in tests, tests
that monkeypatch the clocks, unittest classes, doctests and pytester inside xdist workers.
Outcomes are the same without the plugin; counts equal the fixtures' log; times are real
(checked against known sleeps) and never negative."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from conftest import Suite

FREEZERS = """
import time
import pytest
from freezegun import freeze_time
from gtlog import gt

@pytest.fixture(scope="session", autouse=True)
def session_freezer():
    with freeze_time("2001-01-01", tick=True):
        yield

@pytest.fixture(scope="package", autouse=True)
def package_freezer():
    with freeze_time("2002-01-01"):
        yield

@pytest.fixture(scope="module", autouse=True)
def module_freezer():
    with freeze_time("2003-01-01"):
        yield

@pytest.fixture(scope="class")
def class_freezer():
    with freeze_time("2004-01-01"):
        yield

@pytest.fixture
def napping():
    gt("setup", "napping", 0.03)
    yield
    time.sleep(0.02)
    gt("teardown", "napping")
"""

FROZEN_TESTS = """
import time
import pytest
from freezegun import freeze_time

class TestFrozen:
    def test_in_class(self, class_freezer, napping): pass

@freeze_time("2010-01-01")
def test_decorated(napping):
    time.sleep(0.01)

def test_patches_clocks(monkeypatch, napping):
    monkeypatch.setattr(time, "time", lambda: 0.0)
    monkeypatch.setattr(time, "perf_counter", lambda: -1.0)
    monkeypatch.setattr(time, "perf_counter_ns", lambda: -1)
    monkeypatch.setattr(time, "monotonic", lambda: 5.0)
"""


def napping_counts(doc: dict[str, Any]) -> Counter[tuple[str, str]]:
    entry = next(f for f in doc["fixtures"] if f["name"] == "napping")
    return Counter(
        {("setup", "napping"): entry["setups"], ("teardown", "napping"): entry["teardowns"]}
    )


@pytest.mark.parametrize("xdist", [(), ("-n", "2")])
def test_freezers_at_every_scope_and_patched_clocks(suite: Suite, xdist: tuple[str, ...]) -> None:
    suite.pytester.makeconftest(FREEZERS)
    suite.pytester.makepyfile(test_frozen=FROZEN_TESTS)
    result, doc = suite.run("--fixture-perf-no-save", "-p", "no:randomly", *xdist, subprocess=True)
    plain, _ = suite.run("-p", "no:fixture_perf", "-p", "no:randomly", *xdist, subprocess=True,
                         json_report=False)  # fmt: skip
    mine = {k: v for k, v in result.parseoutcomes().items() if not k.startswith("warning")}
    assert mine == plain.parseoutcomes() == {"passed": 3}
    assert napping_counts(doc) == +suite.ground_truth()
    napping = next(f for f in doc["fixtures"] if f["name"] == "napping")
    assert 0.03 <= napping["setup"]["median"] < 1.0
    assert 0.02 <= napping["teardown"]["median"] < 1.0
    for entry in doc["fixtures"]:  # no absurd number anywhere
        for phase in ("setup", "teardown"):
            assert 0 <= entry[phase]["max"] < 60, entry
    assert 0 < doc["run"]["session_seconds"] < 600


KINDS_CONFTEST = """
import pytest
from gtlog import gt

@pytest.fixture
def func():
    gt("setup", "func")
    yield
    gt("teardown", "func")

@pytest.fixture(scope="class")
def cls_fix(request):
    gt("setup", "cls_fix")
    request.cls.value = 1
    yield
    gt("teardown", "cls_fix")
"""

KINDS_TESTS = '''
import unittest
import pytest

@pytest.mark.usefixtures("cls_fix")
class TestUnit(unittest.TestCase):
    def setUp(self):
        self.x = self.value

    def test_one(self):
        self.assertEqual(self.x, 1)

    def test_two(self):
        self.assertEqual(self.x, 1)

def double(n):
    """
    >>> double(2)
    4
    """
    return 2 * n

def test_with_func(func): pass

pytest_plugins = ["pytester"]

INNER = "import pytest\\n@pytest.fixture\\ndef inner(): pass\\ndef test_x(inner): pass"

def test_inner_run(pytester, func):
    pytester.makepyfile(INNER)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
'''


@pytest.mark.parametrize("xdist", [(), ("-n", "2")])
def test_unittest_doctest_and_pytester_inside_workers(suite: Suite, xdist: tuple[str, ...]) -> None:
    """unittest classes (with a class fixture), a doctest, and a test that runs pytest itself
    inside a worker: the inner run's records stay out of the outer run's."""
    suite.pytester.makeconftest(KINDS_CONFTEST)
    suite.pytester.makepyfile(test_kinds=KINDS_TESTS)
    # the inner runs' folders go below this one: name what to collect
    args = ("test_kinds.py", "--doctest-modules", "-p", "no:randomly", *xdist)
    result, doc = suite.run("--fixture-perf-no-save", *args, subprocess=True)
    plain, _ = suite.run("-p", "no:fixture_perf", *args, subprocess=True, json_report=False)
    mine = {k: v for k, v in result.parseoutcomes().items() if not k.startswith("warning")}
    assert mine == plain.parseoutcomes() == {"passed": 5}
    truth = +suite.ground_truth()
    names = {f["name"]: f for f in doc["fixtures"]}
    for name in ("func", "cls_fix"):
        assert (names[name]["setups"], names[name]["teardowns"]) == (
            truth[("setup", name)], truth[("teardown", name)]
        )  # fmt: skip
    assert "inner" not in names  # the inner run's fixture is the inner run's
    assert doc["meta"]["selection"]["tests"] == 5
