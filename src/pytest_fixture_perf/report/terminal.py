"""The ``fixture performance`` section of pytest's terminal summary: a function of the run,
its statistics and the options, written through ``TerminalReporter``'s public API."""

from __future__ import annotations

import pytest

from ..model.derive import FixtureStats, RunStats
from ..model.run import MAIN_WORKER, Run
from ..model.stats import NS_PER_S

HEADERS = ("fixture", "scope", "location", "setups", "total", "mean", "p95", "max", "teardown")


def format_seconds(seconds: float) -> str:
    """Compact human duration: ``812us``, ``12.3ms``, ``1.25s``, ``2m05s``."""
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f}us"
    if seconds < 1:
        return f"{seconds * 1e3:.1f}ms"
    if seconds < 120:
        return f"{seconds:.2f}s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes:.0f}m{rest:02.0f}s"


def _row(f: FixtureStats) -> tuple[str, ...]:
    return (
        f.definition.name,
        f.scope,
        f.definition.location,
        str(f.tally.setups),
        format_seconds(f.total_ns / NS_PER_S),
        format_seconds(f.setup["mean"]),
        format_seconds(f.setup["p95"]),
        format_seconds(f.setup["max"]),
        format_seconds(f.tally.teardown_ns / NS_PER_S),
    )


def _fit(rows: list[tuple[str, ...]], width: int) -> list[tuple[str, ...]]:
    """Shorten the location column (from the left) so that rows fit ``width``."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    excess = sum(widths) + 2 * (len(widths) - 1) - width
    if excess <= 0:
        return rows
    loc_width = max(24, widths[2] - excess)
    return [
        (*row[:2], row[2] if len(row[2]) <= loc_width else "..." + row[2][-(loc_width - 3) :],
         *row[3:])
        for row in rows
    ]  # fmt: skip


def format_table(fixtures: list[FixtureStats], width: int) -> list[str]:
    rows = _fit([HEADERS, *(_row(f) for f in fixtures)], width)
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = []
    for row in rows:
        cells = [
            cell.ljust(w) if i < 3 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def write_terminal_summary(
    tr: pytest.TerminalReporter, run: Run, stats: RunStats, top: int
) -> None:
    tr.write_sep("=", "fixture performance")
    total = stats.total
    fixture_seconds = total.total_ns / NS_PER_S
    session: float = run.meta.get("session_seconds") or 0.0
    workers = [w.id for w in run.workers if w.id != MAIN_WORKER]
    n = max(1, len(workers))
    per_worker = f"{n} workers x " if workers else ""
    share = (
        f" ({fixture_seconds / (session * n):.0%} of {per_worker}"
        f"{format_seconds(session)} session wall time)"
    )
    tr.write_line(
        f"{total.setups} setups, {total.teardowns} teardowns, "
        f"{format_seconds(fixture_seconds)} in fixtures" + (share if session > 0 else "")
    )
    for worker in run.workers:
        if worker.lost is not None:
            tr.write_line(
                f"worker {worker.id} crashed ({worker.lost}): its finished tests' fixtures are "
                "included; fixtures it had open were never torn down",
                red=True,
            )
        if worker.tracking_error is not None and worker.id != MAIN_WORKER:
            tr.write_line(
                f"fixture timing was disabled on worker {worker.id}: {worker.tracking_error}",
                yellow=True,
            )
    fixtures = stats.fixtures
    if fixtures:
        shown = fixtures[:top]
        tr.write_line(f"top {len(shown)} of {len(fixtures)} fixtures by total time:")
        for line in format_table(shown, tr.config.get_terminal_writer().fullwidth):
            tr.write_line(line)
    for f in fixtures[:top]:  # worth knowing: a costly session fixture paid once per worker
        if f.scope == "session" and len(f.workers) > 1 and f.total_ns >= 1e6:
            tr.write_line(
                f"session fixture {f.definition.name} ran on {len(f.workers)} workers: "
                f"{format_seconds(f.total_ns / NS_PER_S)} in total "
                f"({format_seconds(f.setup['mean'])} per setup)"
            )
    error = run.meta.get("tracking_error")
    if error:
        tr.write_line(f"fixture timing was disabled during the run: {error}")
