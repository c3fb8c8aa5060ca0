"""pytest-fixture-perf: what every pytest fixture costs, exactly, serial or under xdist."""

from ._version import __version__
from .api import FixturePerformanceTracker, get_tracker, track_fixture_performance
from .model import Definition, FormatError, Run
from .problems import FixturePerfWarning

__all__ = [
    "Definition",
    "FixturePerfWarning",
    "FixturePerformanceTracker",
    "FormatError",
    "Run",
    "__version__",
    "get_tracker",
    "track_fixture_performance",
]
