"""The ``fixture performance`` section of pytest's terminal summary: a function of the run,
its statistics and the options, written through ``TerminalReporter``'s public API."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pytest

from ..model.compare import IMPROVED, REGRESSED, Change
from ..model.derive import RunStats, entry_seconds, fixture_entry, incomplete
from ..model.run import MAIN_WORKER, Run
from ..model.stats import NS_PER_S, format_seconds

if TYPE_CHECKING:
    from ..model.budgets import Breach
    from ..model.insights import Insight
    from ..verdict import Verdict

HEADERS = ("fixture", "scope", "location", "setups", "total", "mean", "p95", "max", "teardown")


def _row(entry: dict[str, Any]) -> tuple[str, ...]:
    """A table row of a fixture entry (the JSON file's: ``fixture_entry``)."""
    return (
        one_line(entry["name"]),
        entry["scope"],
        one_line(entry["location"]),
        str(entry["setups"]),
        format_seconds(entry_seconds(entry)),
        format_seconds(entry["setup"]["mean"]),
        format_seconds(entry["setup"]["p95"]),
        format_seconds(entry["setup"]["max"]),
        format_seconds(entry["teardown"]["total"]),
    )


def one_line(text: str) -> str:
    """``text`` as one printable line: control characters, lone surrogates and other
    characters a terminal cannot show are escaped (``\\n``, ``\\ud800``)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide East Asian characters and most emoji take
    two, combining marks and format characters none."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me", "Cf")
        else 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
        for c in text
    )  # fmt: skip


def clip(text: str, width: int, *, keep_end: bool = False) -> str:
    """``text`` cut to ``width`` columns with ``...`` where it was cut (at its start with
    ``keep_end``: a path's end says most)."""
    if display_width(text) <= width:
        return text
    room = max(1, width - 3)
    chars = reversed(text) if keep_end else iter(text)
    kept, used = [], 0
    for c in chars:
        used += display_width(c)
        if used > room:
            break
        kept.append(c)
    return "..." + "".join(reversed(kept)) if keep_end else "".join(kept) + "..."


#: The widest a fixture name is shown (longer ones are cut; the JSON file has them whole).
NAME_WIDTH = 48


def _fit(rows: list[tuple[str, ...]], width: int) -> list[tuple[str, ...]]:
    """Cut long names, then shorten the location column (from the left) so that rows fit
    ``width``."""
    rows = [(clip(row[0], NAME_WIDTH), *row[1:]) for row in rows]
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    excess = sum(widths) + 2 * (len(widths) - 1) - width
    if excess <= 0:
        return rows
    loc_width = max(24, widths[2] - excess)
    return [(*row[:2], clip(row[2], loc_width, keep_end=True), *row[3:]) for row in rows]


def _pad(text: str, width: int, *, left: bool) -> str:
    gap = " " * (width - display_width(text))
    return text + gap if left else gap + text


def format_table(
    entries: Sequence[dict[str, Any]], width: int, extra: tuple[str, Sequence[str]] | None = None
) -> list[str]:
    """The fixture table; ``extra``: a last column's header and cells."""
    headers: tuple[str, ...] = HEADERS
    rows = [_row(entry) for entry in entries]
    if extra is not None:
        headers = (*HEADERS, extra[0])
        rows = [(*row, cell) for row, cell in zip(rows, extra[1], strict=True)]
    rows = _fit([headers, *rows], width)
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(headers))]
    lines = []
    for row in rows:
        cells = [
            _pad(cell, w, left=i < 3) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def format_change(change: Change | None) -> str:
    """``+38% mean`` (with ``!`` when it is a regression by the rule), or nothing."""
    if change is None or change.mean_change is None:
        return ""
    mark = {REGRESSED: " !", IMPROVED: " *"}.get(change.status, "")
    percent = round(change.mean_change * 100)
    return f"{percent:+d}% mean{mark}" if percent else f"0% mean{mark}"


def write_terminal_summary(
    tr: pytest.TerminalReporter, run: Run, stats: RunStats, top: int, verdict: Verdict,
    insights: Sequence[Insight] = (),
) -> None:  # fmt: skip
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
    for reason in incomplete(run, stats):
        tr.write_line(f"incomplete: {one_line(reason)}", red=True)
    fixtures = stats.fixtures
    if fixtures:
        shown = fixtures[:top]
        tr.write_line(f"top {len(shown)} of {len(fixtures)} fixtures by total time:")
        extra = None
        if verdict.baseline:
            cells = [format_change(verdict.changes.get((f.definition.key, "setup"))) for f in shown]
            extra = (f"vs last {len(verdict.baseline)}", cells)
        entries = [fixture_entry(f) for f in shown]
        for line in format_table(entries, tr.config.get_terminal_writer().fullwidth, extra):
            tr.write_line(line)
    write_insights(tr, insights)
    write_verdict(tr, verdict, table=bool(fixtures))


def format_insights(insights: Sequence[Insight], width: int) -> list[str]:
    """The insights as lines wrapped to ``width``: each one's title and numbers, and what
    to do once after the insights of one kind."""
    import textwrap

    def wrapped(text: str, first: str, rest: str) -> list[str]:
        return textwrap.wrap(one_line(text), width, initial_indent=first, subsequent_indent=rest)

    lines = []
    for i, insight in enumerate(insights):
        lines += wrapped(insight.title, "- ", "  ")
        for detail in insight.details:
            lines += wrapped(detail, "    ", "      ")
        last_of_kind = i + 1 == len(insights) or insights[i + 1].kind != insight.kind
        if insight.advice and last_of_kind:
            lines += wrapped(insight.advice, "  what to do: ", "    ")
    return lines


def write_insights(tr: pytest.TerminalReporter, insights: Sequence[Insight]) -> None:
    if not insights:
        return
    tr.write_line("insights:")
    for line in format_insights(insights, max(40, tr.config.get_terminal_writer().fullwidth - 1)):
        tr.write_line(line)


def write_verdict(tr: pytest.TerminalReporter, verdict: Verdict, *, table: bool = True) -> None:
    """The comparison's notes, the gate's regressions and the exceeded budgets (``table``:
    the fixture table was shown, with its comparison column)."""
    for note in verdict.notes:
        tr.write_line(note, yellow=True)
    if verdict.baseline and table:
        runs = ", ".join(str(r.seq) for r in verdict.baseline)
        tr.write_line(f"compared per setup with stored run(s) {runs} (mean change shown)")
    if verdict.gate_pct is not None and verdict.baseline:
        if verdict.too_few:
            names = sorted({c.name for c in verdict.too_few})
            tr.write_line(
                f"not enough history to judge {len(names)} fixture(s) (a session fixture "
                f"gives one sample per worker and run): {', '.join(names[:8])}"
                + (" ..." if len(names) > 8 else "")
            )
        if verdict.regressions:
            tr.write_line(
                f"FIXTURE REGRESSION: {len(verdict.regressions)} fixture measure(s) slower by "
                f">= {verdict.gate_pct:g}% (--fixture-perf-fail-on-regression):",
                red=True, bold=True,
            )  # fmt: skip
            for c in verdict.regressions:
                tr.write_line("  " + describe_change(c), red=True)
        else:
            tr.write_line(
                f"no fixture regressed by >= {verdict.gate_pct:g}% "
                f"(against {len(verdict.baseline)} run(s))",
                green=True,
            )
    if verdict.unmatched_budgets:
        lines = ", ".join(repr(b.line) for b in verdict.unmatched_budgets)
        tr.write_line(f"fixture budgets that matched no fixture: {lines}", yellow=True)
    if verdict.breaches:
        tr.write_line(
            f"FIXTURE BUDGET EXCEEDED: {len(verdict.breaches)} budget(s) (fixture_perf_budgets):",
            red=True, bold=True,
        )  # fmt: skip
        for b in verdict.breaches:
            tr.write_line("  " + describe_breach(b), red=True)


def write_output_failures(
    tr: pytest.TerminalReporter, failures: Sequence[str], fails_session: bool
) -> None:
    """The files that could not be written (the JSON file, the trace, the history)."""
    for message in failures:
        tr.write_line(
            f"fixture-perf: {message}" + (" (the session fails)" if fails_session else ""),
            red=fails_session, yellow=not fails_session,
        )  # fmt: skip


def describe_breach(b: Breach) -> str:
    """``db (conftest.py:3) setup mean 62.1ms > 50.0ms over 30 setups [db = 50ms]``."""
    budget = b.budget
    return (
        f"{one_line(b.fixture['name'])} ({one_line(b.fixture['location'])}) "
        f"{budget.phase} {budget.statistic} {format_seconds(b.value_s)} > "
        f"{format_seconds(budget.limit_s)} over {b.count} {budget.phase}s [{budget.line}]"
    )


def describe_change(c: Change) -> str:
    """``db setup: median 3.0ms -> 9.1ms (+203%), mean ..., n 150 -> 30, p=1e-12``."""
    change = c.median_change
    return (
        f"{one_line(c.name)} {c.measure}: "
        f"median {format_seconds(c.before_median_ns / NS_PER_S)} -> "
        f"{format_seconds(c.after_median_ns / NS_PER_S)}"
        + (f" ({change:+.0%})" if change is not None else "")
        + f", mean {format_seconds(c.before_mean_ns / NS_PER_S)} -> "
        f"{format_seconds(c.after_mean_ns / NS_PER_S)}, samples {c.before_n} -> {c.after_n}"
        + (f", p={c.p:.2g}" if c.p is not None else "")
    )
