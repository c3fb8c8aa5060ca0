"""The seed's ORIGINAL performance tests, before pytest-fixture-perf (for reproduce_flake.py).

They read the per-process tracker of ``legacy/fixture_performance.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from backend.tests.helpers.fixture_performance import FixturePerformanceTracker, get_tracker


@pytest.fixture
def fixture_performance_tracker() -> FixturePerformanceTracker:
    return get_tracker()


def test_minimal_fixture_performance(
    minimal_question_data: Any, fixture_performance_tracker: FixturePerformanceTracker
) -> None:
    summary = fixture_performance_tracker.get_performance_summary()
    assert "minimal_question_data" in summary["fixtures"]


def test_moderate_fixture_performance(
    moderate_question_data: Any, fixture_performance_tracker: FixturePerformanceTracker
) -> None:
    summary = fixture_performance_tracker.get_performance_summary()
    assert "moderate_question_data" in summary["fixtures"]


def test_complex_fixture_performance(
    setup_filter_questions_data: Any, fixture_performance_tracker: FixturePerformanceTracker
) -> None:
    summary = fixture_performance_tracker.get_performance_summary()
    assert summary["total_fixture_setups"] >= 1


def test_session_reference_content_reuse(
    session_reference_content_hierarchy: Any,
    fixture_performance_tracker: FixturePerformanceTracker,
) -> None:
    summary = fixture_performance_tracker.get_performance_summary()
    assert summary["fixtures"]["session_reference_content_hierarchy"]["setups"] == 1


def test_fixture_performance_reporting(
    fixture_performance_tracker: FixturePerformanceTracker,
) -> None:
    summary = fixture_performance_tracker.get_performance_summary()
    assert summary.get("total_fixture_setups", 0) > 0
