"""The private pytest attributes the plugin reads (``collect/pytest_internals.py``), checked
against the installed pytest: a pytest that changes them fails here, not in a user's
numbers."""

from __future__ import annotations

import pytest

CHECKS = """
import pytest
from pytest_fixture_perf.collect.pytest_internals import finalizers_of, item_memo, request_memo

SEEN = {}

@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    finalizers = finalizers_of(fixturedef)
    before = len(finalizers)
    memo = request_memo(request)
    memo_before = set(memo)
    result = yield
    SEEN[fixturedef.argname] = {
        "finalizers_is_list": isinstance(finalizers, list),
        "teardown_added": len(finalizers) - before,
        "memo_gained": sorted(set(memo) - memo_before),
        "memo_is_tests": memo is item_memo(request.node) if request.scope == "function" else None,
    }
    return result

@pytest.fixture(scope="module")
def dep():
    yield 1

@pytest.fixture(scope="class")
def holder(request):
    request.getfixturevalue("dep")  # at run time
    yield

@pytest.fixture
def func(holder):
    yield

def pytest_runtest_teardown(item):
    SEEN["memo:" + item.name] = sorted(set(item_memo(item) or {}) - {"request"})
"""

TESTS = """
from conftest import SEEN

class TestIt:
    def test_one(self, func):
        pass

    def test_two(self, func):
        pass

def test_check():
    assert SEEN["holder"]["finalizers_is_list"]
    assert SEEN["func"]["teardown_added"] == 1  # its yield teardown, through _finalizers
    assert SEEN["holder"]["memo_gained"] == ["dep"]  # run-time request: in the memo
    assert SEEN["func"]["memo_is_tests"] is True  # sub-requests share the test's memo
    assert SEEN["memo:test_one"] == ["dep", "func", "holder"]
    assert SEEN["memo:test_two"] == ["func", "holder"]  # holder came from cache
"""


def test_private_attributes_behave_as_assumed(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CHECKS)
    pytester.makepyfile(TESTS)
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:asyncio", "-p", "no:fixture_perf")
    result.assert_outcomes(passed=3)
