"""The ``fixture performance`` section of pytest's terminal summary: a function of the run,
its statistics and the options, written through ``TerminalReporter``'s public API."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pytest

from ..model.compare import IMPROVED, REGRESSED, Change
from ..model.derive import RunStats, fixture_entry, incomplete
from ..model.run import MAIN_WORKER, Run
from ..model.stats import NS_PER_S, format_seconds

if TYPE_CHECKING:
    from ..model.budgets import Breach
    from ..model.insights import Insight
    from ..verdict import Verdict

#: A cell with nothing to show (an en dash): no teardown recorded, no CPU time.
NOTHING = "\u2013"


class Column:
    """A column of the table: its header, the heading over its group ("setup",
    "teardown") or "", and whether it is aligned left."""

    __slots__ = ("group", "header", "left")

    def __init__(self, header: str, group: str, left: bool) -> None:
        self.header, self.group, self.left = header, group, left


COLUMNS = (
    Column("fixture", "", True),
    Column("scope", "", True),
    Column("setups", "", False),
    Column("uses", "", False),
    Column("total", "setup", False),
    Column("mean", "setup", False),
    Column("p95", "setup", False),
    Column("max", "setup", False),
    Column("total", "teardown", False),
)
#: The location comes last (cut from the left to fit the terminal).
LOCATION = Column("location", "", True)


def _seconds(value: float, count: int = 1) -> str:
    return format_seconds(value) if count and value > 0 else NOTHING


def _row(entry: dict[str, Any]) -> tuple[str, ...]:
    """A table row of a fixture entry (the JSON file's: ``fixture_entry``), in
    :data:`COLUMNS`' order."""
    setup, setups = entry["setup"], entry["setups"]
    return (
        one_line(entry["name"]),
        entry["scope"],
        str(setups),
        str(entry["uses"]),
        _seconds(setup["total"], setups),
        _seconds(setup["mean"], setups),
        _seconds(setup["p95"], setups),
        _seconds(setup["max"], setups),
        _seconds(entry["teardown"]["total"], entry["teardowns"]),
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
#: The least width the location keeps when the table is cut to fit.
LOCATION_WIDTH = 24


def _pad(text: str, width: int, *, left: bool) -> str:
    gap = " " * (width - display_width(text))
    return text + gap if left else gap + text


def format_table(
    entries: Sequence[dict[str, Any]], width: int, extra: tuple[str, Sequence[str]] | None = None
) -> list[str]:
    """The fixture table: a line of group headings ("setup", "teardown"), the column
    headers, a row per entry; ``extra``: a column's header and cells, before the location
    (which is cut from the left so that lines fit ``width``)."""
    columns = list(COLUMNS)
    rows = [list(_row(entry)) for entry in entries]
    if extra is not None:
        columns.append(Column(extra[0], "", True))
        for row, cell in zip(rows, extra[1], strict=True):
            row.append(cell)
    rows = [[clip(row[0], NAME_WIDTH), *row[1:]] for row in rows]
    widths = [max([display_width(c.header), *(display_width(r[i]) for r in rows)])
              for i, c in enumerate(columns)]  # fmt: skip
    # a group's heading spans its columns: widen the last one when the heading is longer
    groups: dict[str, list[int]] = {}
    for i, column in enumerate(columns):
        if column.group:
            groups.setdefault(column.group, []).append(i)
    for name, indexes in groups.items():
        span = sum(widths[i] for i in indexes) + 2 * (len(indexes) - 1)
        if span < len(name) + 2:
            widths[indexes[-1]] += len(name) + 2 - span
    used = sum(widths) + 2 * len(widths)
    locations = [one_line(entry["location"]) for entry in entries]
    room = max(LOCATION_WIDTH, width - used, len(LOCATION.header))
    locations = [clip(location, room, keep_end=True) for location in locations]

    def line(cells: Sequence[str], location: str, columns: Sequence[Column]) -> str:
        padded = [_pad(c, w, left=col.left) for c, w, col in zip(cells, widths, columns,
                                                                 strict=True)]  # fmt: skip
        return "  ".join([*padded, location]).rstrip()

    heading = [""] * len(columns)
    for name, indexes in groups.items():
        span = sum(widths[i] for i in indexes) + 2 * (len(indexes) - 1)
        label = f" {name} " if len(indexes) > 1 else name
        text = label.center(span, "-") if len(indexes) > 1 else label.rjust(span)
        heading[indexes[0]] = text
    parts, i = [], 0
    while i < len(columns):
        group = columns[i].group
        if group:
            indexes = groups[group]
            parts.append(heading[indexes[0]])
            i = indexes[-1] + 1
        else:
            parts.append(" " * widths[i])
            i += 1
    lines = ["  ".join(parts).rstrip()]
    lines.append(line([c.header for c in columns], LOCATION.header, columns))
    lines += [line(row, location, columns) for row, location in zip(rows, locations,
                                                                    strict=True)]  # fmt: skip
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
        shown = fixtures[:top] if top else fixtures
        tr.write_line(
            f"top {len(shown)} of {len(fixtures)} fixtures by setup + teardown time (own "
            f"time, summed over {'workers' if len(run.workers) > 1 else 'the run'}):"
        )
        extra = None
        if verdict.baseline:
            cells = [format_change(verdict.changes.get((f.definition.key, "setup"))) for f in shown]
            extra = (f"vs last {len(verdict.baseline)}", cells)
        entries = [fixture_entry(f) for f in shown]
        for line in format_table(entries, tr.config.get_terminal_writer().fullwidth, extra):
            tr.write_line(line)
        skewed = [e["name"] for e in entries if e["setup"]["p95"] < e["setup"]["mean"]]
        if skewed:
            tr.write_line(
                f"setup p95 below the mean ({one_line(', '.join(skewed[:3]))}"
                f"{' ...' if len(skewed) > 3 else ''}): a few setups far slower than the "
                "rest (see max)"
            )
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
    """What could not be done or said: the files that could not be written (the JSON
    file, the trace, the history), the warnings ``-W error`` swallowed."""
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
