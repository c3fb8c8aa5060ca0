"""The ``--fixture-perf-json`` file: the run in its format, plus derived statistics.

The document is :meth:`Run.to_dict` (``schema_version``, ``meta``, ``workers``,
``definitions``, ``tests``, ``events``, ``test_runs``, ``uses``: what
:meth:`Run.from_json` reads back) with four derived sections in front, for readers that
want answers rather than data: ``run`` (totals and schema 1's run keys), ``fixtures`` (one
entry per definition, costliest first, with schema 1's keys), ``insights`` (what to fix,
see :mod:`~pytest_fixture_perf.model.insights`) and ``enums`` (what the columns' codes
mean). The schema is documented in docs/json-schema.md.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from ..model.derive import RunStats, WorkerStats, fixture_entry, incomplete
from ..model.insights import Insight, insights
from ..model.run import FORMAT_VERSION, OUTCOMES, PHASES, SCOPES, TEST_OUTCOMES, Run
from ..model.stats import NS_PER_S
from ..store.files import Kind, write_ours


def worker_entry(w: WorkerStats) -> dict[str, Any]:
    return {
        "setups": w.setups,
        "teardowns": w.teardowns,
        "fixture_seconds": w.fixture_ns / NS_PER_S,
        "tests": w.tests,
        "test_seconds": w.test_ns / NS_PER_S,
    }


def run_section(run: Run, stats: RunStats) -> dict[str, Any]:
    """Totals of the run, and schema 1's ``run`` keys."""
    meta = run.meta
    total = stats.total
    return {
        "workers": [w.id for w in run.workers],
        "total_fixture_setups": total.setups,
        "total_fixture_teardowns": total.teardowns,
        "total_setup_seconds": total.setup_ns / NS_PER_S,
        "total_teardown_seconds": total.teardown_ns / NS_PER_S,
        "by_scope": stats.by_scope,
        "by_worker": {w.id: worker_entry(w) for w in stats.workers},
        "mode": meta.get("mode"),
        "started_at": meta.get("started_at"),
        "session_seconds": meta.get("session_seconds"),
        "pytest_version": meta.get("pytest_version"),
        "plugin_version": meta.get("plugin_version"),
        "open_setups": sum(f.open_setups for f in stats.fixtures),
        "interrupted": bool(meta.get("interrupted")),
        "incomplete": incomplete(run, stats),
        "lost_workers": {w.id: w.lost for w in run.workers if w.lost is not None},
        "worker_errors": {
            w.id: w.tracking_error
            for w in run.workers
            if w.tracking_error is not None and w.id != "main"
        },
        "tracking_error": meta.get("tracking_error"),
    }


def derived(run: Run, stats: RunStats, found: Sequence[Insight] | None = None) -> dict[str, Any]:
    """The derived sections, in the order they open the file (``found``: the run's
    insights, when already made)."""
    if found is None:
        found = insights(run, stats)
    return {
        "schema_version": FORMAT_VERSION,
        "run": run_section(run, stats),
        "fixtures": [fixture_entry(f) for f in stats.fixtures],
        "insights": [insight.as_dict() for insight in found],
        "enums": {
            "phase": list(PHASES),
            "scope": list(SCOPES),
            "outcome": list(OUTCOMES),
            "test_outcome": list(TEST_OUTCOMES),
        },
    }


def build_document(run: Run, stats: RunStats) -> dict[str, Any]:
    """The whole document as one dict (for small runs and tests; the file is streamed)."""
    return {**derived(run, stats), **run.to_dict()}


def chunks(run: Run, stats: RunStats, found: Sequence[Insight] | None = None) -> Iterator[str]:
    """The document as JSON text, in pieces: the derived sections indented for people (one
    fixture a line), then the run's data (``Run.json_chunks``), each made only when
    written (a run can hold millions of values)."""
    compact = functools.partial(json.dumps, separators=(",", ":"))
    head = []
    for key, value in derived(run, stats, found).items():
        if key == "schema_version":
            continue
        if key in ("fixtures", "insights"):
            body = "[\n    " + ",\n    ".join(map(compact, value)) + "\n  ]" if value else "[]"
        elif key == "run":
            body = json.dumps(value, indent=2).replace("\n", "\n  ")
        else:
            body = compact(value)
        head.append((key, body))
    return run.json_chunks(head)


#: The file's kind: its head holds ``schema_version``, then the ``run`` section, which
#: opens with its ``workers`` (schema 1 files too).
REPORT: Final = Kind("JSON report", (b'"schema_version"', b'"workers"'))


def write_json(
    path: Path, run: Run, stats: RunStats, found: Sequence[Insight] | None = None
) -> None:
    """Write the document to ``path``; FileExistsError when ``path`` is a file that is not
    a report of ours (it is never replaced)."""
    write_ours(path, chunks(run, stats, found), REPORT)
