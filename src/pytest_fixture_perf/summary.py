"""The ``get_performance_summary()`` dictionary (public API, documented in the README)."""

from __future__ import annotations

from typing import Any

from .aggregate import FixtureData, RunData
from .stats import NS_PER_S

#: How many fixtures ``summary["slowest"]`` lists.
SLOWEST_COUNT = 10


def _by_name(run: RunData) -> dict[str, dict[str, Any]]:
    """Per fixture *name* (definitions overriding one another are summed)."""
    grouped: dict[str, list[FixtureData]] = {}
    for data in run.fixtures.values():
        if data.setup.count:
            grouped.setdefault(data.name, []).append(data)
    result: dict[str, dict[str, Any]] = {}
    for name in sorted(grouped):
        definitions = grouped[name]
        setups = sum(d.setup.count for d in definitions)
        setup_ns = sum(d.setup.total_ns for d in definitions)
        teardown_ns = sum(d.teardown.total_ns for d in definitions)
        result[name] = {
            "scope": definitions[0].scope,
            "setups": setups,
            "teardowns": sum(d.teardown.count for d in definitions),
            "uses": sum(d.uses for d in definitions),
            "setup_seconds": setup_ns / NS_PER_S,
            "teardown_seconds": teardown_ns / NS_PER_S,
            "total_seconds": (setup_ns + teardown_ns) / NS_PER_S,
            "mean_seconds": setup_ns / setups / NS_PER_S,
            "max_seconds": max(max(d.setup.durations_ns) for d in definitions) / NS_PER_S,
            "workers": _merge_counts(d.setups_by_worker for d in definitions),
        }
    return result


def _merge_counts(counts: Any) -> dict[str, int]:
    merged: dict[str, int] = {}
    for mapping in counts:
        for key, n in mapping.items():
            merged[key] = merged.get(key, 0) + n
    return dict(sorted(merged.items()))


def build_summary(
    run: RunData,
    *,
    complete: bool,
    scope: str = "run",
    workers_reporting: list[str] | None = None,
) -> dict[str, Any]:
    """The summary of ``run``.

    ``scope`` is ``"run"`` when ``run`` covers every worker of the run so far and
    ``"worker"`` when it covers only the calling process.
    """
    slowest = [
        {
            "name": data.name,
            "location": data.location,
            "scope": data.scope,
            "setups": data.setup.count,
            "total_seconds": data.total_ns / NS_PER_S,
        }
        for data in run.recorded()[:SLOWEST_COUNT]
    ]
    workers = run.workers
    return {
        "total_fixture_setups": run.total_setups,
        "total_fixture_teardowns": run.total_teardowns,
        "total_setup_seconds": run.total_setup_ns / NS_PER_S,
        "total_teardown_seconds": run.total_teardown_ns / NS_PER_S,
        "by_scope": run.by_scope(),
        "fixtures": _by_name(run),
        "slowest": slowest,
        "workers": workers,
        "workers_reporting": workers if workers_reporting is None else workers_reporting,
        "complete": complete,
        "scope": scope,
    }
