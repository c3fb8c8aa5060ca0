"""Fixture budgets (ini ``fixture_perf_budgets``): parsed, and checked against a run.

One budget a line::

    PATTERN [setup|teardown] = [STATISTIC <] DURATION

``PATTERN`` is an fnmatch pattern matched against a fixture's name or its key
(``path::name``); the phase is ``setup`` by default; ``STATISTIC`` is one of ``mean``
(default), ``median``, ``p95``, ``max`` or ``total``, per setup (teardown) over the whole
run; ``DURATION`` is a number with a unit: ``ns``, ``us``, ``ms``, ``s``. A budget is
exceeded when the statistic is larger than the duration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Final

from ..defaults import MOST

STATISTICS: Final = ("mean", "median", "p95", "max", "total")
UNITS: Final = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}
SYNTAX: Final = "PATTERN [setup|teardown] = [mean|median|p95|max|total <] DURATION (e.g. 50ms)"

_LINE = re.compile(
    r"""^\s*(?P<pattern>\S+)(?:\s+(?P<phase>setup|teardown))?\s*=\s*
        (?:(?P<statistic>[A-Za-z0-9]+)\s*<=?\s*)?
        (?P<number>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>ns|us|µs|ms|s)\s*$""",
    re.VERBOSE,
)


class BudgetError(ValueError):
    """A budget line that cannot be read (the message is one line)."""


@dataclass(frozen=True)
class Budget:
    line: str
    pattern: str
    phase: str
    statistic: str
    limit_s: float

    def matches(self, entry: Mapping[str, Any]) -> bool:
        return fnmatchcase(entry["name"], self.pattern) or fnmatchcase(entry["key"], self.pattern)


@dataclass(frozen=True)
class Breach:
    budget: Budget
    #: The fixture's entry (``derive.fixture_entry``: the JSON file's and the history's).
    fixture: Mapping[str, Any]
    value_s: float

    @property
    def count(self) -> int:
        return int(self.fixture[f"{self.budget.phase}s"])


_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ns|us|µs|ms|s)\s*$")


def parse_duration(text: str) -> float:
    """``"2ms"`` -> 0.002 (seconds); ValueError when ``text`` is not a number and a unit."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"expected a duration such as 2ms, got {text!r}")
    return float(match[1]) * UNITS[match[2]]


def parse_count(text: str, least: int = 0) -> int:
    """A count from ``least`` to ``defaults.MOST``; ValueError naming the range otherwise."""
    try:
        value = int(text)
    except ValueError:
        value = least - 1
    if not least <= value <= MOST:
        raise ValueError(f"expected a whole number from {least} to {MOST:,}, got {text!r}")
    return value


def parse_percent(text: str) -> float:
    """``"20"`` or ``"20%"`` -> 20.0; ValueError unless a finite number >= 0."""
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise ValueError(f"expected a percentage >= 0, got {text!r}")
    return value


def parse_budget(line: str) -> Budget:
    match = _LINE.match(line)
    if match is None:
        raise BudgetError(f"cannot read budget {line.strip()!r}: expected {SYNTAX}")
    statistic = (match["statistic"] or "mean").lower()
    if statistic not in STATISTICS:
        raise BudgetError(
            f"budget {line.strip()!r}: unknown statistic {match['statistic']!r} "
            f"(one of {', '.join(STATISTICS)})"
        )
    return Budget(
        line=line.strip(),
        pattern=match["pattern"],
        phase=match["phase"] or "setup",
        statistic=statistic,
        limit_s=float(match["number"]) * UNITS[match["unit"]],
    )


def parse_budgets(lines: Iterable[str]) -> tuple[Budget, ...]:
    """Budgets from ini lines (blank lines and ``#`` comments skipped)."""
    return tuple(
        parse_budget(line) for line in lines if line.strip() and not line.lstrip().startswith("#")
    )


def check(
    budgets: Sequence[Budget], fixtures: Sequence[Mapping[str, Any]]
) -> tuple[list[Breach], list[Budget]]:
    """Budgets exceeded (each fixture it matches, once per budget) and budgets that matched
    no fixture of the run; ``fixtures``: fixture entries (``derive.fixture_entry``)."""
    breaches: list[Breach] = []
    unmatched: list[Budget] = []
    for budget in budgets:
        matched = False
        for f in fixtures:
            if not budget.matches(f):
                continue
            matched = True
            value = f[budget.phase][budget.statistic]
            if value > budget.limit_s:
                breaches.append(Breach(budget, f, value))
        if not matched:
            unmatched.append(budget)
    return breaches, unmatched
