"""``--fixture-perf-html``: the run as one self-contained HTML page.

The page works offline and asks for nothing over the network (its Content-Security-Policy
forbids it): its CSS and JavaScript (package data: ``report/html_assets/report.css`` and
``report.js``) are inlined, its charts are drawn by that script (SVG, and a canvas for the
timeline), and the data is embedded once, as JSON in a ``<script type="application/json">``
(``<`` escaped, so that no node id can close the element).

Sections: the run (when, commit, workers, tests, wall time and worker-seconds, each total
saying whether it is wall-clock or summed over workers), the insights, the costliest
fixtures, the time per scope, the fixture table (sortable, filterable, shown 200 rows at a
time), the per-worker timeline and, given a history, each fixture's trend.

The timeline holds at most :data:`MAX_SLICES` slices (tests, fixture setups and
teardowns): the longest, and the page says how many were left out and how long the longest
of them lasted. Each worker's idle gaps are computed from all its test runs.

The output depends on the run alone: no time of generation is written.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any, Final

from .._version import __version__
from ..model.derive import RunStats, fixture_entry, incomplete
from ..model.insights import Insight
from ..model.run import (
    FUNCTION,
    MAIN_WORKER,
    NONE,
    NOT_PARAMETRIZED,
    OUTCOMES,
    SCOPES,
    TEST_OUTCOMES,
    Run,
)
from ..model.stats import NS_PER_S
from ..store.files import PRODUCER, Kind, write_ours

#: The file's kind: it starts with the doctype, and its head names the generator.
HTML: Final = Kind(
    "HTML report", (f'<meta name="generator" content="{PRODUCER}'.encode(),), b"<!doctype html>"
)
#: The most slices (tests, fixture setups and teardowns) the timeline holds: the longest.
MAX_SLICES: Final = 25_000
#: The most idle gaps drawn per worker (the longest).
MAX_GAPS: Final = 2_000
#: Slice kinds and tracks in the timeline's columns.
TEST, SETUP_SLICE, TEARDOWN_SLICE = 0, 1, 2
TESTS_TRACK, SHARED_TRACK = 0, 1
#: The element holding the data, and the page's assets (package data).
DATA_ID: Final = "fixture-perf-data"
ASSETS: Final = ("report.css", "report.js")
#: Nothing from the network, nothing but the inline style and script.
POLICY: Final = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
)


def write_html(
    path: Path,
    run: Run,
    stats: RunStats,
    insights: Sequence[Insight],
    trend: Mapping[str, Any] | None,
) -> None:
    """Write the page to ``path``; FileExistsError when ``path`` is a file that is not an
    HTML report of ours (it is never replaced)."""
    write_ours(path, page(run, stats, insights, trend), HTML)


def page(
    run: Run,
    stats: RunStats,
    insights: Sequence[Insight],
    trend: Mapping[str, Any] | None,
) -> Iterator[str]:
    """The page's text, in pieces."""
    css, js = (asset(name) for name in ASSETS)
    data = report_data(run, stats, insights, trend)
    title = "Fixture performance"
    if data["run"]["started"]:
        title += f" \N{EN DASH} {data['run']['started']}"
    yield '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    yield f'<meta name="generator" content="{PRODUCER} {escape(__version__)}">\n'
    yield f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
    yield '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    yield '<link rel="icon" href="data:,">\n'
    yield f"<title>{escape(title)}</title>\n<style>\n{css}</style>\n</head>\n<body>\n"
    yield SKELETON
    yield f'<script type="application/json" id="{DATA_ID}">'
    yield embedded_json(data)
    yield f"</script>\n<script>\n{js}</script>\n</body>\n</html>\n"


def asset(name: str) -> str:
    """A file of the page (CSS, JavaScript), from the package's data."""
    return resources.files(__package__).joinpath("html_assets").joinpath(name).read_text("utf-8")


def embedded_json(data: Any) -> str:
    """``data`` as JSON that an HTML ``<script>`` element holds verbatim: ``<`` (in strings
    only, in JSON) written as ``\\u003c``, so that ``</script>`` or ``<!--`` in a node id
    cannot end the element; non-ASCII escaped too (a lone surrogate stays writable)."""
    return json.dumps(data, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")


#: The page's sections; report.js fills them from the data.
SKELETON: Final = """\
<header id="run"><h1>Fixture performance</h1><p class="note">This report needs JavaScript
(it runs offline: nothing is fetched).</p></header>
<main>
<section id="insights"><h2>Insights</h2></section>
<div class="pair">
<section id="costliest"><h2>Costliest fixtures</h2></section>
<section id="scopes"><h2>Time per scope</h2></section>
</div>
<section id="fixtures"><h2>Fixtures</h2></section>
<section id="timeline"><h2>Timeline</h2></section>
<section id="trend"><h2>Trend over history</h2></section>
</main>
"""


# -- the data --------------------------------------------------------------------------------
def report_data(
    run: Run,
    stats: RunStats,
    insights: Sequence[Insight],
    trend: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Everything the page shows, JSON-safe."""
    timeline = timeline_data(run, stats)
    return {
        "run": run_header(run, stats),
        "workers": worker_rows(run, stats, timeline),
        "enums": {"scope": SCOPES, "outcome": OUTCOMES, "test_outcome": TEST_OUTCOMES},
        "by_scope": stats.by_scope,
        "fixtures": [fixture_entry(f) for f in stats.fixtures],
        "insights": [insight_entry(insight) for insight in insights],
        "trend": trend_data(stats, trend),
        "timeline": timeline,
    }


def insight_entry(insight: Insight) -> dict[str, Any]:
    return {
        "kind": insight.kind,
        "title": insight.title,
        "details": list(insight.details),
        "advice": insight.advice,
        "numbers": finite(dict(insight.numbers)),
    }


def finite(value: Any) -> Any:
    """``value`` with each float that is not finite (JSON has none) made None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def run_header(run: Run, stats: RunStats) -> dict[str, Any]:
    """When, what and how long: wall-clock times, and totals summed over workers."""
    meta = run.meta
    git = meta.get("git") or {}
    started = meta.get("started_at")
    workers = [w.id for w in run.workers if w.id != MAIN_WORKER]
    outcomes: dict[str, int] = {}
    for code in run.test_runs.outcome:
        name = TEST_OUTCOMES[code] if 0 <= code < len(TEST_OUTCOMES) else str(code)
        outcomes[name] = outcomes.get(name, 0) + 1
    total = stats.total
    return {
        "run_id": meta.get("run_id"),
        "started": _utc(started) if isinstance(started, (int, float)) else None,
        "wall_seconds": meta.get("session_seconds"),
        "commit": git.get("commit"),
        "branch": git.get("branch"),
        "dirty": git.get("dirty"),
        "workers": workers,
        "processes": max(1, len(workers)),
        "dist": meta.get("dist"),
        "test_runs": len(run.test_runs),
        "tests": len(run.tests),
        "outcomes": outcomes,
        "test_seconds": sum(w.test_ns for w in stats.workers) / NS_PER_S,
        "setups": total.setups,
        "teardowns": total.teardowns,
        "setup_seconds": total.setup_ns / NS_PER_S,
        "teardown_seconds": total.teardown_ns / NS_PER_S,
        "python": meta.get("python"),
        "pytest": meta.get("pytest_version"),
        "xdist": meta.get("xdist_version"),
        "plugin": meta.get("plugin_version"),
        "platform": meta.get("platform"),
        "exit_status": meta.get("exit_status"),
        "incomplete": incomplete(run, stats),
    }


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def worker_rows(run: Run, stats: RunStats, timeline: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per worker: its tests and fixture time, and its idle time on the timeline."""
    idle = timeline["idle_ms"]
    return [
        {
            "id": w.id,
            "tests": w.tests,
            "test_seconds": w.test_ns / NS_PER_S,
            "setups": w.setups,
            "fixture_seconds": w.fixture_ns / NS_PER_S,
            "idle_seconds": idle[i] / 1000,
        }
        for i, w in enumerate(stats.workers)
    ]


def trend_data(stats: RunStats, trend: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The history's runs, and the series of this run's fixtures (others are left out)."""
    if trend is None:
        return None
    series = trend.get("fixtures", {})
    keys = [f.definition.key for f in stats.fixtures if f.definition.key in series]
    return {
        "runs": finite(trend.get("runs", [])),
        "fixtures": {key: finite(series[key]) for key in keys},
    }


# -- the timeline ----------------------------------------------------------------------------
def timeline_data(run: Run, stats: RunStats) -> dict[str, Any]:
    """The slices of the timeline in columns, ordered by worker, track and start (the
    longest :data:`MAX_SLICES` of them), each worker's idle gaps, and what was left out.

    Times are milliseconds from the run's first slice, on one clock (each worker's anchor
    added). A test's slice runs from its setup's start to its teardown's end, on its
    worker's tests track, where its function-scoped fixtures nest inside it; fixtures
    cached across tests (a wider scope, or outside any test) are on the shared track."""
    anchors = [w.anchor_ns or 0 for w in run.workers]
    e, t = run.events, run.test_runs
    # every slice: (worker, track, kind, start, duration, index in its table)
    slices = [
        (w, TESTS_TRACK, TEST, anchors[w] + start, end - start, i)
        for i, (w, start, end) in enumerate(zip(t.worker, t.setup_ns, t.end_ns, strict=True))
    ]
    for i, (w, scope, test, phase, start, inclusive) in enumerate(
        zip(e.worker, e.scope, e.test, e.phase, e.start_ns, e.inclusive_ns, strict=True)
    ):
        shared = scope < FUNCTION or test == NONE
        track = SHARED_TRACK if shared else TESTS_TRACK
        slices.append((w, track, SETUP_SLICE + phase, anchors[w] + start, inclusive, i))
    origin = min((s[3] for s in slices), default=0)
    end = max((s[3] + s[4] for s in slices), default=origin)
    kept, left_out_max = slices, 0
    if len(slices) > MAX_SLICES:
        longest = sorted(slices, key=lambda s: -s[4])  # stable: ties keep their order
        kept, left_out_max = longest[:MAX_SLICES], longest[MAX_SLICES][4]
    kept.sort(key=lambda s: (s[0], s[1], s[3], -s[4], s[2], s[5]))
    columns = _slice_columns(run, stats, kept, origin)
    gaps, idle = _idle_gaps(run, anchors, origin, end)
    return {
        "workers": [w.id for w in run.workers],
        "span_ms": _ms(end - origin),
        "total": len(slices),
        "shown": len(kept),
        "left_out_max_ms": _ms(left_out_max),
        "idle_ms": idle,
        "gaps": gaps,
        **columns,
    }


def _ms(ns: int) -> float:
    return round(ns / 1e6, 3)


def _slice_columns(
    run: Run, stats: RunStats, kept: list[tuple[int, int, int, int, int, int]], origin: int
) -> dict[str, Any]:
    """The kept slices as columns: worker, track, kind, start and duration (ms), label
    (an index into ``labels``: a node id, or a fixture's name with its param), fixture (an
    index into the page's fixtures, -1 for a test), scope (-1 for a test), outcome, own
    time (ms, fixtures), test (label of the fixture's test, -1 for none)."""
    e, t = run.events, run.test_runs
    table_index = {f.definition.key: i for i, f in enumerate(stats.fixtures)}
    labels: dict[str, int] = {}

    def label(text: str) -> int:
        return labels.setdefault(text, len(labels))

    cols: dict[str, list[Any]] = {
        name: [] for name in ("w", "t", "k", "s", "d", "l", "f", "sc", "o", "x", "own")
    }
    for w, track, kind, start, duration, i in kept:
        cols["w"].append(w)
        cols["t"].append(track)
        cols["k"].append(kind)
        cols["s"].append(_ms(start - origin))
        cols["d"].append(_ms(duration))
        if kind == TEST:
            cols["l"].append(label(run.tests[t.test[i]]))
            cols["f"].append(-1)
            cols["sc"].append(-1)
            cols["o"].append(t.outcome[i])
            cols["x"].append(-1)
            cols["own"].append(0)
            continue
        definition = run.definitions[e.definition[i]]
        name = definition.name
        if e.param_index[i] != NOT_PARAMETRIZED:
            name += f"[{e.param_id[i]}]"
        cols["l"].append(label(name))
        cols["f"].append(table_index.get(definition.key, -1))
        cols["sc"].append(e.scope[i])
        cols["o"].append(e.outcome[i])
        cols["x"].append(label(run.tests[e.test[i]]) if e.test[i] != NONE else -1)
        cols["own"].append(_ms(e.exclusive_ns[i]))
    return {"labels": list(labels), **cols}


def _idle_gaps(
    run: Run, anchors: list[int], origin: int, end: int
) -> tuple[list[list[list[float]]], list[float]]:
    """Per worker: its idle gaps on the timeline (the longest :data:`MAX_GAPS`, as
    ``[start, duration]`` in ms, by start) and its idle time (ms) in all: the span less
    the union of its test runs."""
    t = run.test_runs
    runs: list[list[tuple[int, int]]] = [[] for _ in run.workers]
    for w, start, stop in zip(t.worker, t.setup_ns, t.end_ns, strict=True):
        runs[w].append((anchors[w] + start - origin, anchors[w] + stop - origin))
    span = end - origin
    all_gaps, idle = [], []
    for intervals in runs:
        intervals.sort()
        gaps: list[tuple[int, int]] = []
        reached = 0
        for start, stop in intervals:
            if start > reached:
                gaps.append((reached, start - reached))
            reached = max(reached, stop)
        if span > reached:
            gaps.append((reached, span - reached))
        idle.append(_ms(sum(g[1] for g in gaps)))
        longest = sorted(gaps, key=lambda g: -g[1])[:MAX_GAPS]
        all_gaps.append([[_ms(s), _ms(d)] for s, d in sorted(longest)])
    return all_gaps, idle
