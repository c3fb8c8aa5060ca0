"""pytest-fixture-perf: what every pytest fixture costs, exactly, serial or under xdist."""

from ._version import __version__
from .api import FixturePerformanceTracker, get_tracker, track_fixture_performance
from .records import FixtureEvent

__all__ = [
    "FixtureEvent",
    "FixturePerformanceTracker",
    "__version__",
    "get_tracker",
    "track_fixture_performance",
]
