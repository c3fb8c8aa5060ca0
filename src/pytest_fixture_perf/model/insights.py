"""Insights: what a run's numbers say to do, each with the numbers behind it, only when it
applies (silent otherwise). The terminal, HTML and Markdown reports show them; the JSON
file keeps them.

1. ``duplicated-session``: a costly session fixture set up once per xdist worker.
2. ``scope-candidate``: a costly function- or module-scoped fixture set up for many
   tests, with the estimated saving of a wider scope.
3. ``workers``: xdist workers that sat idle (a late start, an idle tail).
4. ``unstable``: a fixture whose setup time varies widely (p95 far above the median).
5. ``durations-bias``: when tests are split into shards by their durations, the time of
   shared fixtures billed to whichever test triggered them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .derive import RunStats
from .durations import shared_in_tests
from .run import MAIN_WORKER, Run
from .stats import NS_PER_S
from .stats import format_seconds as secs

#: A finding must be worth this much of the run's worker-seconds...
SHARE: Final = 0.02
#: ...and at least this many seconds, to be said.
LEAST_S: Final = 0.1
#: The most findings of one kind.
MOST: Final = 3
#: Scope candidates: at least this many setups.
MANY_SETUPS: Final = 10
#: Unstable: p95 at least this many times the median, over at least this many setups...
SPREAD: Final = 3.0
SPREAD_SETUPS: Final = 10
#: ...and at least this far apart (seconds).
SPREAD_FLOOR_S: Final = 0.005
#: Workers: idle (late start + gaps + idle tail) at least this share of the wall time.
IDLE_SHARE: Final = 0.2
#: Plugins (meta's ``plugins``) that split a suite into shards by test durations.
SPLITTERS: Final = ("pytest-split", "pytest_split")


@dataclass(frozen=True)
class Insight:
    """One piece of advice."""

    kind: str
    """``duplicated-session``, ``scope-candidate``, ``workers``, ``unstable`` or
    ``durations-bias``."""
    title: str
    """One line, with the headline number."""
    details: tuple[str, ...] = ()
    """Lines with the numbers behind it."""
    advice: str = ""
    """What to do about it."""
    numbers: Mapping[str, Any] = field(default_factory=dict)
    """The numbers, machine-readable (JSON-safe)."""

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "details": list(self.details),
                "advice": self.advice, "numbers": dict(self.numbers)}  # fmt: skip


class _Context:
    """What several insights need, computed once."""

    def __init__(self, run: Run, stats: RunStats) -> None:
        self.run = run
        self.stats = stats
        self.xdist = [w for w in run.workers if w.id != MAIN_WORKER]
        #: Time spent in tests, summed over workers (worker-seconds).
        self.worker_seconds = sum(w.test_ns for w in stats.workers) / NS_PER_S

    def worth(self, value_s: float) -> bool:
        return value_s >= LEAST_S and value_s >= SHARE * self.worker_seconds


def _duplicated_session(c: _Context) -> list[Insight]:
    found = []
    for f in c.stats.fixtures:
        workers = len(f.workers)
        if f.scope != "session" or workers < 2:
            continue
        setups, mean = f.tally.setups, f.setup["mean"]
        repeated = (setups - 1) * mean
        if not c.worth(repeated):
            continue
        name = f.definition.name
        details = [
            f"{setups} setups x {secs(mean)} = {secs(f.setup['total'])} of setup across "
            f"{workers} workers; {secs(repeated)} of it repeats the first"
        ]
        numbers: dict[str, Any] = {"fixture": f.definition.key, "workers": workers,
                                   "setups": setups, "mean_s": mean,
                                   "total_s": f.setup["total"], "repeated_s": repeated}  # fmt: skip
        cpu = f.setup_cpu
        if cpu is not None:
            numbers["cpu_s"] = cpu["total"]
            waited = f.setup["total"] - cpu["total"]
            details.append(
                f"CPU {secs(cpu['total'])} of it: "
                + (f"{secs(waited)} was spent waiting (I/O, a lock, a subprocess, a "
                   "server), not computing" if waited > 0.5 * f.setup["total"]
                   else "most of it is computation, repeated on every worker")
            )  # fmt: skip
        found.append(
            Insight(
                "duplicated-session",
                f"{name} (session) set up on {workers} workers: {setups} x {secs(mean)} = "
                f"{secs(f.setup['total'])}",
                tuple(details),
                "xdist runs session fixtures once per worker: prepare the resource once for "
                "all workers (create it under a file lock and reuse it, as pytest-xdist's docs "
                "show), make it cheaper, or run fewer workers if it dominates; --dist "
                "loadscope or loadgroup keeps a module's or group's tests on one worker, which "
                "helps fixtures of narrower scopes",
                numbers,
            )
        )
    return found[:MOST]


def _scope_candidates(c: _Context) -> list[Insight]:
    found = []
    for f in c.stats.fixtures:
        if f.scope not in ("function", "module", "class") or f.tally.setups < MANY_SETUPS:
            continue
        mean = f.setup["mean"]
        per_worker = max(1, len(f.workers))
        saving = (f.tally.setups - per_worker) * mean
        if not c.worth(saving):
            continue
        once = "once per worker" if per_worker > 1 else "once"
        found.append(
            Insight(
                "scope-candidate",
                f"{f.definition.name} ({f.scope}) set up {f.tally.setups} times, {secs(mean)} "
                f"each: about {secs(saving)} saved if set up {once} (an estimate)",
                (
                    f"({f.tally.setups} - {per_worker}) x {secs(mean)} = {secs(saving)}, "
                    f"{saving / c.worker_seconds:.0%} of {secs(c.worker_seconds)} in tests; "
                    f"at {f.definition.location}",
                ),
                "if its value can be shared (tests do not change it, or it can be reset "
                "cheaply), widen its scope, or move its costly, shareable part into a "
                "wider-scoped fixture it depends on",
                {"fixture": f.definition.key, "scope": f.scope, "setups": f.tally.setups,
                 "mean_s": mean, "saving_s": saving, "workers": per_worker},
            )
        )  # fmt: skip
    return found[:MOST]


def _workers(c: _Context) -> list[Insight]:
    if len(c.xdist) < 2:
        return []
    run, t = c.run, c.run.test_runs
    anchors = {i: w.anchor_ns or 0 for i, w in enumerate(run.workers)}
    spans: dict[int, list[int]] = {}  # worker -> [first start, last end, busy]
    for w, start, end in zip(t.worker, t.setup_ns, t.end_ns, strict=True):
        start, end = start + anchors[w], end + anchors[w]
        span = spans.get(w)
        if span is None:
            spans[w] = [start, end, end - start]
        else:
            span[0], span[1] = min(span[0], start), max(span[1], end)
            span[2] += end - start
    if len(spans) < 2:
        return []
    first = min(s[0] for s in spans.values())
    last = max(s[1] for s in spans.values())
    wall = (last - first) / NS_PER_S
    busy = sum(s[2] for s in spans.values()) / NS_PER_S
    capacity = wall * len(run.workers)
    idle = capacity - busy
    if wall <= 0 or idle < IDLE_SHARE * capacity or idle < LEAST_S:
        return []
    rows: list[dict[str, Any]] = []
    for w, (start, end, busy_ns) in sorted(spans.items(), key=lambda item: item[0]):
        rows.append({"worker": run.workers[w].id, "busy_s": busy_ns / NS_PER_S,
                     "start_offset_s": (start - first) / NS_PER_S,
                     "idle_tail_s": (last - end) / NS_PER_S})  # fmt: skip
    never = [w.id for i, w in enumerate(run.workers) if i not in spans]
    details = [
        f"{r['worker']}: busy {secs(r['busy_s'])}, started {secs(r['start_offset_s'])} "
        f"late, idle for the last {secs(r['idle_tail_s'])}"
        for r in rows[:16]
    ]
    if len(rows) > 16:
        details.append(f"... and {len(rows) - 16} more workers")
    if never:
        details.append(f"ran no test: {', '.join(never)}")
    tail = max(r["idle_tail_s"] for r in rows)
    advice = (
        "the run waits for its slowest worker: a long idle tail means a few long tests (or "
        "a costly fixture) landed last; split them, or try --dist worksteal"
        if tail >= 0.5 * idle / len(run.workers)
        else "workers wait between tests or start late: fewer workers may finish as soon"
    )
    return [
        Insight(
            "workers",
            f"workers were busy {busy / capacity:.0%} of the time: {secs(busy)} of tests in "
            f"{secs(wall)} wall time x {len(run.workers)} workers",
            tuple(details),
            advice,
            {"wall_s": wall, "worker_seconds": busy, "workers": rows, "idle_s": idle},
        )
    ]


def _unstable(c: _Context) -> list[Insight]:
    found = []
    for f in c.stats.fixtures:
        setup = f.setup
        if f.tally.setups < SPREAD_SETUPS or setup["median"] <= 0:
            continue
        ratio = setup["p95"] / setup["median"]
        if ratio < SPREAD or setup["p95"] - setup["median"] < SPREAD_FLOOR_S:
            continue
        if not c.worth(setup["total"]):
            continue
        found.append(
            Insight(
                "unstable",
                f"{f.definition.name} varies: setup median {secs(setup['median'])}, p95 "
                f"{secs(setup['p95'])} ({ratio:.1f}x) over {f.tally.setups} setups",
                (f"max {secs(setup['max'])}, {secs(setup['total'])} in all, at "
                 f"{f.definition.location}",),
                "a few slow setups: a cold cache, contention between workers, the network, "
                "garbage collection; a slow first setup alone suggests a cache to warm once",
                {"fixture": f.definition.key, "setups": f.tally.setups,
                 "median_s": setup["median"], "p95_s": setup["p95"], "max_s": setup["max"]},
            )
        )  # fmt: skip
    found.sort(key=lambda i: -i.numbers["p95_s"] / i.numbers["median_s"])
    return found[:MOST]


def splits_by_durations(run: Run) -> bool:
    """Whether the run's tests were split into shards by their durations (pytest-split
    installed, or a combined run of shards)."""
    plugins = run.meta.get("plugins") or []
    named = {str(p).partition("==")[0].lower() for p in plugins}
    return bool(named & set(SPLITTERS)) or len(run.meta.get("shards") or ()) > 1


def _durations_bias(c: _Context) -> list[Insight]:
    if not splits_by_durations(c.run):
        return []
    billed = shared_in_tests(c.run)
    total = sum(billed) / NS_PER_S
    if not c.worth(total):
        return []
    t = c.run.test_runs
    carriers = [r for r, ns in enumerate(billed) if ns]
    worst = sorted(carriers, key=lambda r: -billed[r])[:MOST]
    details = [
        f"{c.run.tests[t.test[r]]} carries {secs(billed[r] / NS_PER_S)} of shared fixtures "
        f"in its {secs((t.end_ns[r] - t.setup_ns[r]) / NS_PER_S)}"
        for r in worst
    ]
    worst_tests = [
        {"test": c.run.tests[t.test[r]], "billed_s": billed[r] / NS_PER_S} for r in worst
    ]
    return [
        Insight(
            "durations-bias",
            f"{secs(total)} of shared fixtures' setup and teardown is billed to "
            f"{len(carriers)} tests' durations",
            tuple(details),
            "pytest-split balances shards on these durations: write them without the shared "
            "fixtures' time (fixture-perf export RUN --test-durations=.test_durations)",
            {"billed_s": total, "tests": len(carriers), "worst": worst_tests},
        )
    ]


RULES: Final[tuple[Callable[[_Context], list[Insight]], ...]] = (
    _duplicated_session,
    _scope_candidates,
    _workers,
    _unstable,
    _durations_bias,
)


def insights(run: Run, stats: RunStats) -> list[Insight]:
    """The insights that apply to ``run``, in the order of :data:`RULES`."""
    context = _Context(run, stats)
    return [found for rule in RULES for found in rule(context)]


def of_fixture(insight: Insight) -> str | None:
    """The definition key an insight is about, if any."""
    key = insight.numbers.get("fixture")
    return key if isinstance(key, str) else None
