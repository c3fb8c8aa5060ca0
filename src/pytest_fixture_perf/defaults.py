"""Every default and limit a user can see, defined once (the options, the command line, the
history and the regression rule read them from here)."""

from __future__ import annotations

from typing import Final

#: Fixtures shown in the terminal section (``--fixture-perf-top``).
TOP: Final = 10
#: The history, under the rootdir (``--fixture-perf-db``).
HISTORY_PATH: Final = ".fixture-perf/history.db"
#: Runs whose events the history keeps (``fixture_perf_keep_events``).
KEEP_EVENTS: Final = 20
#: Recent comparable runs a run is compared with (``fixture_perf_window``).
WINDOW: Final = 5
#: The least a median must grow by to count (``fixture_perf_regression_floor``).
FLOOR_NS: Final = 5_000_000
#: The rank test's significance level (asv's).
ALPHA: Final = 0.002
#: The largest count an option or a command takes.
MOST: Final = 1_000_000_000
#: The largest integer the history stores (SQLite's integers are 64-bit).
INT_LIMIT: Final = 2**62
#: Stored runs the HTML report's trend shows (with the run itself).
TREND: Final = 20
