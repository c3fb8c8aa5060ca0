"""pytest-fixture-perf: what every pytest fixture costs, exactly, serial or under xdist."""

# First: the plugin's modules are loaded by Python's own import system, not by pytest's
# assertion-rewriting hook, which costs 8 times as much (see import_natively).
from .collect.pytest_internals import import_natively

import_natively(__name__)

# isort: split
from ._version import __version__  # noqa: E402
from .api import (  # noqa: E402
    FixturePerformanceTracker,
    get_tracker,
    track_fixture_performance,
)
from .model import Definition, FormatError, Run  # noqa: E402
from .problems import FixturePerfWarning  # noqa: E402

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
