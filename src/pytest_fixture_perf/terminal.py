"""The ``fixture performance`` section of pytest's terminal summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .aggregate import FixtureData
from .stats import NS_PER_S

if TYPE_CHECKING:
    from .plugin import FixturePerfPlugin

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


def _row(data: FixtureData) -> tuple[str, ...]:
    setup = data.setup.stats()
    return (
        data.name,
        data.scope,
        data.location,
        str(data.setup.count),
        format_seconds(data.total_ns / NS_PER_S),
        format_seconds(setup["mean"]),
        format_seconds(setup["p95"]),
        format_seconds(setup["max"]),
        format_seconds(data.teardown.total_ns / NS_PER_S),
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


def format_table(fixtures: list[FixtureData], width: int) -> list[str]:
    rows = _fit([HEADERS, *(_row(data) for data in fixtures)], width)
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = []
    for row in rows:
        cells = [
            cell.ljust(w) if i < 3 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def write_terminal_summary(terminalreporter: Any, plugin: FixturePerfPlugin) -> None:
    run = plugin.run
    tr = terminalreporter
    tr.write_sep("=", "fixture performance")
    fixture_seconds = (run.total_setup_ns + run.total_teardown_ns) / NS_PER_S
    session = plugin.session_seconds
    workers = [w for w in run.workers if w != "main"]
    n = max(1, len(workers))
    per_worker = f"{n} workers x " if workers else ""
    share = (
        f" ({fixture_seconds / (session * n):.0%} of {per_worker}"
        f"{format_seconds(session)} session wall time)"
    )
    tr.write_line(
        f"{run.total_setups} setups, {run.total_teardowns} teardowns, "
        f"{format_seconds(fixture_seconds)} in fixtures" + (share if session > 0 else "")
    )
    for worker, error in sorted(plugin.lost_workers.items()):
        tr.write_line(
            f"worker {worker} crashed ({error}): its finished tests' fixtures are included; "
            "fixtures it had open were never torn down",
            red=True,
        )
    for worker, error in sorted(plugin.worker_errors.items()):
        tr.write_line(f"fixture timing was disabled on worker {worker}: {error}", yellow=True)
    recorded = run.recorded()
    if recorded:
        top = recorded[: plugin.options.top]
        tr.write_line(f"top {len(top)} of {len(recorded)} fixtures by total time:")
        for line in format_table(top, tr._tw.fullwidth):
            tr.write_line(line)
    repeated = [  # worth knowing: a costly session fixture paid once per worker
        data
        for data in recorded[: plugin.options.top]
        if data.scope == "session" and len(data.setups_by_worker) > 1 and data.total_ns >= 1e6
    ]
    for data in repeated:
        n = len(data.setups_by_worker)
        tr.write_line(
            f"session fixture {data.name} ran on {n} workers: "
            f"{format_seconds(data.total_ns / NS_PER_S)} in total "
            f"({format_seconds(data.setup.stats()['mean'])} per setup)"
        )
    if plugin.recorder.error:
        tr.write_line(f"fixture timing was disabled during the run: {plugin.recorder.error}")
