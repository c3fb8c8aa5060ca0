"""The plugin's clocks: the real ones, whatever a test does to ``time``.

Time-freezing libraries replace clock functions where they find them: freezegun sets the
``time`` module's attributes and every module attribute that holds a real clock function
to its fakes (so a plugin's ``from time import perf_counter_ns`` would read frozen time),
and time-machine patches ``time.time()`` and its relatives in place. Neither looks inside
objects, and neither touches ``perf_counter`` in place. So the real ``perf_counter_ns`` and
``process_time_ns`` are captured when this module is imported (before any test runs) and
kept as attributes of :data:`CLOCK`, and wall-clock time is derived from ``perf_counter``
and one wall-clock reading taken at import: a test that freezes, moves or replaces the
clock changes none of the plugin's numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Clock:
    """Real clock functions, and the anchor that puts ``perf_ns`` readings on the wall
    clock: the wall-clock time at which ``perf_ns`` read zero (from a wall-clock and a
    ``perf_ns`` reading taken together)."""

    __slots__ = ("anchor_ns", "cpu_ns", "perf_ns")

    def __init__(self) -> None:
        self.perf_ns: Callable[[], int] = time.perf_counter_ns
        """Monotonic nanoseconds: every duration and event start."""
        self.cpu_ns: Callable[[], int] = time.process_time_ns
        """CPU time of this process (user + system), in nanoseconds."""
        self.anchor_ns = time.time_ns() - self.perf_ns()

    def wall_ns(self) -> int:
        """Wall-clock time (ns since the epoch), from the anchor and ``perf_counter``."""
        return self.anchor_ns + self.perf_ns()

    def wall(self) -> float:
        """Wall-clock time in seconds since the epoch."""
        return self.wall_ns() / 1e9


CLOCK = Clock()
