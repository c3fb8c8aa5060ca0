"""The seed's five fixture-performance tests, on the plugin's whole-run data.

They used to read a per-process tracker that saw only decorated fixtures, so under
``pytest -n auto`` ``test_fixture_performance_reporting`` failed at random with
``assert 0 > 0`` (and the seed's "fix" skipped it). Now every fixture is timed and the
``fixture_performance_tracker`` fixture answers for every worker of the run so far. None
of these tests skips: missing data is a failure.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.app.models import Question, Subject
from backend.app.services.reference import hierarchy_stats
from backend.tests.fixtures.questions import MODERATE_QUESTION_COUNT
from backend.tests.fixtures.reference_content import ReferenceHierarchy
from backend.tests.helpers.fixture_performance import (
    FixturePerformanceTracker,
    get_worker_id,
)

# Budgets per setup (seconds). Generous: they catch a fixture that got pathologically
# slow (a missing index, an N+1 import), not machine noise.
MINIMAL_BUDGET = 1.0
MODERATE_BUDGET = 3.0
COMPLEX_BUDGET = 10.0
HIERARCHY_BUDGET = 10.0

# How long the reporting test waits for the other workers' first results.
OTHER_WORKERS_TIMEOUT = 120.0


def fixture_stats(tracker: FixturePerformanceTracker, name: str) -> dict[str, Any]:
    summary = tracker.get_performance_summary()
    assert name in summary["fixtures"], f"{name} is missing from {sorted(summary['fixtures'])}"
    stats: dict[str, Any] = summary["fixtures"][name]
    return stats


@pytest.fixture
def me(pytestconfig: pytest.Config) -> str:
    """This process's worker id, from xdist's config (``"main"`` outside xdist)."""
    return get_worker_id(pytestconfig)


def question_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Question)) or 0


def test_minimal_fixture_performance(
    me: str,
    minimal_question_data: list[Question],
    db_session: Session,
    fixture_performance_tracker: FixturePerformanceTracker,
) -> None:
    assert question_count(db_session) == len(minimal_question_data) == 2
    stats = fixture_stats(fixture_performance_tracker, "minimal_question_data")
    # this test's own setup is in the summary already, on this worker
    assert stats["workers"].get(me, 0) >= 1
    assert stats["scope"] == "function"
    assert 0 < stats["max_seconds"] < MINIMAL_BUDGET


def test_moderate_fixture_performance(
    me: str,
    moderate_question_data: list[Question],
    db_session: Session,
    fixture_performance_tracker: FixturePerformanceTracker,
) -> None:
    assert question_count(db_session) == len(moderate_question_data) == MODERATE_QUESTION_COUNT
    stats = fixture_stats(fixture_performance_tracker, "moderate_question_data")
    assert stats["workers"].get(me, 0) >= 1
    assert 0 < stats["max_seconds"] < MODERATE_BUDGET


def test_complex_fixture_performance(
    me: str,
    setup_filter_questions_data: object,
    db_session: Session,
    fixture_performance_tracker: FixturePerformanceTracker,
) -> None:
    # never decorated: the plugin times it anyway
    assert question_count(db_session) > MODERATE_QUESTION_COUNT
    stats = fixture_stats(fixture_performance_tracker, "setup_filter_questions_data")
    assert stats["workers"].get(me, 0) >= 1
    assert 0 < stats["max_seconds"] < COMPLEX_BUDGET
    # its dependencies are timed on their own, not inside it
    assert fixture_stats(fixture_performance_tracker, "db_session")["setups"] >= 1


def test_session_reference_content_reuse(
    me: str,
    session_reference_content_hierarchy: ReferenceHierarchy,
    db_session: Session,
    fixture_performance_tracker: FixturePerformanceTracker,
) -> None:
    # the hierarchy was imported once on this worker, whatever ran before
    assert hierarchy_stats(db_session) == session_reference_content_hierarchy.counts
    subjects = db_session.scalar(select(func.count()).select_from(Subject))
    assert subjects == session_reference_content_hierarchy.counts.subjects
    stats = fixture_stats(fixture_performance_tracker, "session_reference_content_hierarchy")
    assert stats["scope"] == "session"
    assert stats["workers"][me] == 1  # set up once, then reused
    assert 0 < stats["max_seconds"] < HIERARCHY_BUDGET


def test_fixture_performance_reporting(
    fixture_performance_tracker: FixturePerformanceTracker, me: str
) -> None:
    worker_count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    others = {f"gw{i}" for i in range(worker_count)} - {me} if me != "main" else set()

    # Tests run in any order on any worker: wait (bounded) until every other worker has
    # published results, finished without any, or died (a crash fails its own test).
    # Never skip on missing data.
    deadline = time.monotonic() + OTHER_WORKERS_TIMEOUT
    while True:
        summary = fixture_performance_tracker.get_performance_summary()
        assert summary["scope"] == "run", (
            "this test needs the whole run's data; the live view is off or unavailable "
            f"(summary scope {summary['scope']!r})"
        )
        waiting = others - {
            *summary["workers"],
            *summary["workers_finished"],
            *summary["workers_lost"],
        }
        if not waiting or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not waiting, (
        f"workers {sorted(waiting)} neither published fixture data nor finished within "
        f"{OTHER_WORKERS_TIMEOUT:.0f}s (stuck?); started: "
        f"{summary['workers_started']}, finished: {summary['workers_finished']}"
    )

    assert summary["total_fixture_setups"] > 0  # the seed's assertion, now for the whole run
    assert summary["total_setup_seconds"] > 0
    assert me in summary["workers"]

    # fixtures set up by the other workers are in this worker's view
    from_others = {
        name for name, stats in summary["fixtures"].items() if set(stats["workers"]) - {me}
    }
    if set(summary["workers"]) - {me}:
        assert from_others, summary["workers"]
    else:  # only when every other worker finished (or died) without publishing a result
        assert others <= {*summary["workers_finished"], *summary["workers_lost"]}

    # session-scoped fixtures (none is parametrized here): once per worker that used them
    for name, stats in summary["fixtures"].items():
        if stats["scope"] == "session":
            assert set(stats["workers"].values()) == {1}, (name, stats["workers"])
            assert stats["setups"] == len(stats["workers"]), name
