"""The ``get_performance_summary()`` dictionary (public API, documented in the README).

Built from :class:`~pytest_fixture_perf.aggregate.FixtureTotals`, which both the in-process
:class:`~pytest_fixture_perf.aggregate.RunData` and the cross-worker live store provide.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .aggregate import FixtureTotals, by_scope
from .stats import NS_PER_S

#: How many fixtures ``summary["slowest"]`` lists.
SLOWEST_COUNT = 10


def _merge_counts(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for mapping in counts:
        for key, n in mapping.items():
            merged[key] = merged.get(key, 0) + n
    return dict(sorted(merged.items()))


def _entry(
    scope: str, setups: int, teardowns: int, uses: int, setup_ns: int, teardown_ns: int,
    max_setup_ns: int, workers: dict[str, int],
) -> dict[str, Any]:  # fmt: skip
    return {
        "scope": scope,
        "setups": setups,
        "teardowns": teardowns,
        "uses": uses,
        "setup_seconds": setup_ns / NS_PER_S,
        "teardown_seconds": teardown_ns / NS_PER_S,
        "total_seconds": (setup_ns + teardown_ns) / NS_PER_S,
        "mean_seconds": setup_ns / setups / NS_PER_S,
        "max_seconds": max_setup_ns / NS_PER_S,
        "workers": workers,
    }


def _by_name(totals: list[FixtureTotals]) -> dict[str, dict[str, Any]]:
    """Per fixture *name* (definitions overriding one another are summed)."""
    grouped: dict[str, list[FixtureTotals]] = {}
    for t in totals:
        grouped.setdefault(t.name, []).append(t)
    result: dict[str, dict[str, Any]] = {}
    for name in sorted(grouped):
        defs = grouped[name]
        if len(defs) == 1:  # the common case, kept cheap for large suites
            (d,) = defs
            result[name] = _entry(
                d.scope, d.setups, d.teardowns, d.uses, d.setup_ns, d.teardown_ns,
                d.max_setup_ns, dict(sorted(d.setups_by_worker.items())),
            )  # fmt: skip
            continue
        result[name] = _entry(
            defs[0].scope, sum(d.setups for d in defs), sum(d.teardowns for d in defs),
            sum(d.uses for d in defs), sum(d.setup_ns for d in defs),
            sum(d.teardown_ns for d in defs), max(d.max_setup_ns for d in defs),
            _merge_counts(d.setups_by_worker for d in defs),
        )  # fmt: skip
    return result


def build_summary(
    totals: Iterable[FixtureTotals],
    *,
    workers: list[str],
    complete: bool,
    scope: str = "run",
    workers_reporting: list[str] | None = None,
    workers_started: list[str] | None = None,
    workers_finished: list[str] | None = None,
    workers_lost: list[str] | None = None,
) -> dict[str, Any]:
    """The summary over ``totals``.

    ``scope`` is ``"run"`` when ``totals`` cover every worker of the run so far and
    ``"worker"`` when they cover only the calling process.
    """
    recorded = sorted(
        (t for t in totals if t.setups),
        key=lambda t: (-t.total_ns, t.name, t.location),
    )
    return {
        "total_fixture_setups": sum(t.setups for t in recorded),
        "total_fixture_teardowns": sum(t.teardowns for t in recorded),
        "total_setup_seconds": sum(t.setup_ns for t in recorded) / NS_PER_S,
        "total_teardown_seconds": sum(t.teardown_ns for t in recorded) / NS_PER_S,
        "by_scope": by_scope(recorded),
        "fixtures": _by_name(recorded),
        "slowest": [
            {
                "name": t.name,
                "location": t.location,
                "scope": t.scope,
                "setups": t.setups,
                "total_seconds": t.total_ns / NS_PER_S,
            }
            for t in recorded[:SLOWEST_COUNT]
        ],
        "workers": workers,
        "workers_reporting": workers if workers_reporting is None else workers_reporting,
        "workers_started": workers if workers_started is None else workers_started,
        "workers_finished": (
            (workers if complete else []) if workers_finished is None else workers_finished
        ),
        "workers_lost": [] if workers_lost is None else workers_lost,
        "complete": complete,
        "scope": scope,
    }
