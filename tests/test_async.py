"""Async fixtures under pytest-asyncio: bodies and async-generator teardowns are timed."""

from __future__ import annotations

from conftest import Suite, by_name

SLACK = 0.25


def test_async_fixture_times(suite: Suite) -> None:
    suite.pytester.makeconftest(
        """
import asyncio
import pytest
import pytest_asyncio
from gtlog import gt

@pytest_asyncio.fixture
async def slow_async():
    await asyncio.sleep(0.05)
    gt("setup", "slow_async")
    return 1

@pytest_asyncio.fixture
async def slow_asyncgen():
    await asyncio.sleep(0.04)
    gt("setup", "slow_asyncgen")
    yield 2
    await asyncio.sleep(0.03)
    gt("teardown", "slow_asyncgen")
"""
    )
    suite.pytester.makepyfile(
        """
import pytest

@pytest.mark.asyncio
async def test_one(slow_async, slow_asyncgen): pass

@pytest.mark.asyncio
async def test_two(slow_asyncgen): pass
"""
    )
    result, doc = suite.run()
    result.assert_outcomes(passed=2)
    e = by_name(doc)
    truth = suite.ground_truth()
    assert e["slow_async"]["setups"] == truth[("setup", "slow_async")] == 1
    assert e["slow_asyncgen"]["setups"] == truth[("setup", "slow_asyncgen")] == 2
    assert e["slow_asyncgen"]["teardowns"] == truth[("teardown", "slow_asyncgen")] == 2
    assert 0.05 <= e["slow_async"]["setup"]["total"] < 0.05 + SLACK
    assert 0.08 <= e["slow_asyncgen"]["setup"]["total"] < 0.08 + SLACK
    assert 0.06 <= e["slow_asyncgen"]["teardown"]["total"] < 0.06 + SLACK
    assert e["slow_async"]["location"] == "conftest.py:6"  # the decorator line
