"""The CI summary: a compact Markdown report of the run (``--fixture-perf-markdown``, and
appended to ``$GITHUB_STEP_SUMMARY`` when GitHub Actions sets it).

The costliest fixtures, the totals, regressions and exceeded budgets, the insights and
why the data is incomplete, if it is. However large the run, the text stays below
:data:`LIMIT` bytes (GitHub takes at most 1 MiB per step, shared with other tools): what
does not fit is cut, with a note saying so.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ..model.derive import RunStats, fixture_entry, incomplete
from ..model.insights import Insight
from ..model.run import MAIN_WORKER, Run
from ..model.stats import NS_PER_S, format_seconds
from ..store.files import PRODUCER, Kind, write_ours
from .terminal import describe_breach, describe_change

if TYPE_CHECKING:
    from ..verdict import Verdict

MARK: Final = f"<!-- {PRODUCER} -->"
#: The file's kind: it starts with :data:`MARK`.
MARKDOWN: Final = Kind("Markdown summary", (MARK.encode(),), MARK.encode())
#: The most bytes of one summary.
LIMIT: Final = 64 * 1024
#: A cell with nothing to show (an en dash).
NOTHING: Final = "\u2013"
#: The most characters of a name in the table.
CELL: Final = 80
#: The most fixtures in its table.
ROWS: Final = 20
#: Its columns: the location last (fixtures of one name, in several files, told apart).
COLUMNS: Final = ("fixture", "scope", "setups", "uses", "setup total", "setup mean",
                  "setup p95", "teardown total", "location")  # fmt: skip


def cell(text: str, *, keep_end: bool = False) -> str:
    """``text`` safe in a table cell: one line, no column breaks, code-quoted, at most
    :data:`CELL` characters (cut at the end, or with ``keep_end`` at the start)."""
    text = " ".join(text.split())
    if len(text) > CELL:
        text = "..." + text[3 - CELL :] if keep_end else text[: CELL - 3] + "..."
    text = text.replace("|", "\\|")  # a code span shows an entity as it is: no & to escape
    ticks = "``" if "`" in text else "`"
    return f"{ticks} {text} {ticks}" if ticks == "``" else f"`{text}`"


def _seconds(value: float) -> str:
    return format_seconds(value) if value else NOTHING


def lines(
    run: Run, stats: RunStats, insights: Sequence[Insight], verdict: Verdict | None, top: int
) -> Iterator[str]:
    """The summary, a line at a time."""
    yield MARK
    yield "### Fixture performance"
    yield ""
    total = stats.total
    workers = [w for w in run.workers if w.id != MAIN_WORKER]
    session = run.meta.get("session_seconds") or 0.0
    where = f"summed over {len(workers)} workers" if workers else "one process"
    facts = [f"**{total.setups}** setups, **{format_seconds(total.total_ns / NS_PER_S)}** in "
             f"fixtures ({where})"]  # fmt: skip
    if session:
        facts.append(f"{format_seconds(session)} session wall time")
    tests = len(run.test_runs)
    facts.append(f"{tests} test run{'s' if tests != 1 else ''}")
    git = run.meta.get("git") or {}
    if git.get("commit"):
        facts.append(f"commit `{str(git['commit'])[:12]}`")
    yield ", ".join(facts)
    for reason in incomplete(run, stats):
        yield ""
        yield f"> **Incomplete:** {' '.join(reason.split())}"
    if verdict is not None:
        yield from _verdict(verdict)
    shown = stats.fixtures[: min(top, ROWS) if top > 0 else ROWS]
    if shown:
        yield ""
        yield f"Top {len(shown)} of {len(stats.fixtures)} fixtures by setup + teardown time:"
        yield ""
        yield "| " + " | ".join(COLUMNS) + " |"
        yield "|" + "|".join(["---", "---"] + ["---:"] * (len(COLUMNS) - 3) + ["---"]) + "|"
        for f in shown:
            e = fixture_entry(f)
            yield "| " + " | ".join((
                cell(e["name"]), e["scope"], str(e["setups"]), str(e["uses"]),
                _seconds(e["setup"]["total"]), _seconds(e["setup"]["mean"]),
                _seconds(e["setup"]["p95"]), _seconds(e["teardown"]["total"]),
                cell(e["location"], keep_end=True),
            )) + " |"  # fmt: skip
    if insights:
        yield ""
        yield "**Insights**"
        yield ""
        for insight in insights:
            yield f"- **{_escape(insight.title)}**"
            for detail in insight.details:
                yield f"  - {_escape(detail)}"
            if insight.advice:
                yield f"  - _What to do:_ {_escape(insight.advice)}"


def _verdict(verdict: Verdict) -> Iterator[str]:
    if verdict.regressions:
        yield ""
        yield (f"**Fixture regression:** {len(verdict.regressions)} measure(s) slower by "
               f"≥ {verdict.gate_pct:g}%:")  # fmt: skip
        yield ""
        for change in verdict.regressions:
            yield f"- {_escape(describe_change(change))}"
    if verdict.breaches:
        yield ""
        yield f"**Fixture budget exceeded:** {len(verdict.breaches)} budget(s):"
        yield ""
        for breach in verdict.breaches:
            yield f"- {_escape(describe_breach(breach))}"


def _escape(text: str) -> str:
    """Plain text in Markdown: one line, no HTML, no emphasis by accident."""
    text = " ".join(text.split()).replace("&", "&amp;")
    for char in "\\`*_<>[]|#":
        text = text.replace(char, "\\" + char)
    return text


def render(
    run: Run, stats: RunStats, insights: Sequence[Insight], verdict: Verdict | None = None,
    top: int = ROWS, limit: int = LIMIT,
) -> str:  # fmt: skip
    """The summary as text of at most ``limit`` bytes (UTF-8)."""
    note = "\n\n_(cut here: the summary is limited to {} KiB; the whole run is in the JSON "
    note = note.format(limit // 1024) + "or HTML report)_\n"
    out: list[str] = []
    size = 0
    for line in lines(run, stats, insights, verdict, top):
        n = len(line.encode()) + 1
        if size + n > limit - len(note.encode()):
            out.append(note.lstrip("\n").rstrip("\n"))
            break
        out.append(line)
        size += n
    return "\n".join(out) + "\n"


def write_markdown(path: Path, text: str) -> None:
    """Write the summary to ``path``; FileExistsError when ``path`` is a file that is not a
    summary of ours (it is never replaced)."""
    write_ours(path, text, MARKDOWN)


def append_step_summary(path: Path, text: str) -> None:
    """Add the summary to GitHub's step summary file (other steps' and tools' text stays)."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text + "\n")
