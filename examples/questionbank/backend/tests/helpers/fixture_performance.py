"""The seed's fixture-performance helper, kept as a thin layer over pytest-fixture-perf.

The original module held a per-process global tracker that only saw fixtures decorated
with ``@track_fixture_performance``; under ``pytest -n auto`` each xdist worker had its
own, so ``test_fixture_performance_reporting`` failed at random with ``assert 0 > 0``.

Now the plugin times every fixture by itself and aggregates all workers. The names the
suite already imports keep working:

* ``track_fixture_performance(scope=...)`` is optional; on a fixture the plugin already
  times it is a pass-through, so nothing is counted twice.
* ``get_tracker()`` / ``get_performance_summary()`` answer for the whole run when the
  plugin is active (through the ``fixture_performance_tracker`` fixture), and for this
  process otherwise.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from pytest_fixture_perf import (
    FixturePerformanceTracker,
    get_tracker,
    track_fixture_performance,
)

__all__ = [
    "FixturePerformanceTracker",
    "get_performance_summary",
    "get_tracker",
    "get_worker_id",
    "track_fixture_performance",
]


def get_worker_id(config: pytest.Config | None = None) -> str:
    """The xdist worker id (``gw0``, ``gw1``, ...) or ``"main"`` outside xdist.

    Given the config it asks xdist itself; the environment variable alone is also set in
    a pytest run started from inside a worker (pytester, subprocess runs).
    """
    if config is not None:
        workerinput: dict[str, Any] = getattr(config, "workerinput", {})
        return str(workerinput.get("workerid", "main"))
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def get_performance_summary(tracker: FixturePerformanceTracker | None = None) -> dict[str, Any]:
    """The summary of ``tracker`` (the run's, from the fixture) or of this process."""
    return (tracker or get_tracker()).get_performance_summary()
