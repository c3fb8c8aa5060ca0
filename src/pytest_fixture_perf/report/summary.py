"""The ``get_performance_summary()`` dictionary (public API, documented in docs/api.md).

Built from :class:`~pytest_fixture_perf.model.totals.Entry` objects (a definition, its
tally merged over workers, its setups per worker), which a run's ``Totals`` and the live
store both provide.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..model.derive import by_scope, costliest_first
from ..model.stats import NS_PER_S
from ..model.totals import Entry, Tally

#: How many fixtures ``summary["slowest"]`` lists.
SLOWEST_COUNT = 10


def _by_name(entries: list[Entry]) -> dict[str, dict[str, Any]]:
    """Per fixture *name*: definitions overriding one another are merged (in key order);
    a name of one definition, nearly every one, is that definition's entry."""
    grouped: dict[str, list[Entry]] = {}
    for entry in entries:
        group = grouped.get(entry.definition.name)
        if group is None:
            grouped[entry.definition.name] = [entry]
        else:
            group.append(entry)
    result = {}
    for name in sorted(grouped):
        group = grouped[name]
        if len(group) == 1:
            entry = group[0]
        else:
            group.sort(key=lambda e: e.definition.key)
            entry = Entry(group[0].definition, Tally(), {})
            for one in group:
                entry.tally.add(one.tally)
                for worker, n in one.workers.items():
                    entry.workers[worker] = entry.workers.get(worker, 0) + n
        t = entry.tally
        result[name] = {
            "scope": entry.scope,
            "setups": t.setups,
            "teardowns": t.teardowns,
            "uses": t.uses,
            "setup_seconds": t.setup_ns / NS_PER_S,
            "teardown_seconds": t.teardown_ns / NS_PER_S,
            "total_seconds": t.total_ns / NS_PER_S,
            "mean_seconds": t.setup_ns / t.setups / NS_PER_S,
            "max_seconds": t.max_setup_ns / NS_PER_S,
            "workers": dict(sorted(entry.workers.items())),
        }
    return result


def build_summary(
    entries: Iterable[Entry],
    *,
    workers: list[str],
    complete: bool,
    scope: str = "run",
    workers_reporting: list[str] | None = None,
    workers_started: list[str] | None = None,
    workers_finished: list[str] | None = None,
    workers_lost: list[str] | None = None,
) -> dict[str, Any]:
    """The summary over ``entries``.

    ``scope`` is ``"run"`` when ``entries`` cover every worker of the run so far and
    ``"worker"`` when they cover only the calling process.
    """
    recorded = sorted((e for e in entries if e.tally.setups), key=costliest_first)
    total = Tally()
    for entry in recorded:
        total.add(entry.tally)
    return {
        "total_fixture_setups": total.setups,
        "total_fixture_teardowns": total.teardowns,
        "total_setup_seconds": total.setup_ns / NS_PER_S,
        "total_teardown_seconds": total.teardown_ns / NS_PER_S,
        "by_scope": by_scope(recorded),
        "fixtures": _by_name(recorded),
        "slowest": [
            {
                "name": e.definition.name,
                "location": e.definition.location,
                "scope": e.scope,
                "setups": e.tally.setups,
                "total_seconds": e.tally.total_ns / NS_PER_S,
            }
            for e in recorded[:SLOWEST_COUNT]
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
        "disabled": False,
    }
