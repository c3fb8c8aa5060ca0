"""Insights: what a run's numbers say to do, each with the numbers behind it, only when it
applies (silent otherwise). The terminal, HTML and Markdown reports show them; the JSON
file keeps them.

1. ``duplicated-session``: a costly session fixture set up once per xdist worker.
2. ``scope-candidate``: a costly function- or module-scoped fixture set up for many
   tests, with the estimated saving of a wider scope.
3. ``workers``: xdist workers that waited for others (a late start, an idle tail).
4. ``unstable``: a fixture whose setup time varies widely (p95 far above the median).
5. ``durations-bias``: when tests are split into shards by their durations, the time of
   shared fixtures billed to whichever test triggered them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from .derive import FixtureStats, RunStats
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
#: Workers: waiting (late starts + idle tails) at least this share of wall time x workers.
IDLE_SHARE: Final = 0.2
#: Plugins (meta's ``plugins``) that split a suite into shards by test durations.
SPLITTERS: Final = ("pytest-split", "pytest_split")


class Insight:
    """One piece of advice (a plain class: imported at every run's end, where a dataclass
    would cost its code generation)."""

    __slots__ = ("advice", "details", "kind", "numbers", "title")

    def __init__(
        self, kind: str, title: str, details: tuple[str, ...] = (), advice: str = "",
        numbers: Mapping[str, Any] | None = None,
    ) -> None:  # fmt: skip
        #: ``duplicated-session``, ``scope-candidate``, ``workers``, ``unstable`` or
        #: ``durations-bias``.
        self.kind = kind
        #: One line, with the headline number.
        self.title = title
        #: Lines with the numbers behind it.
        self.details = details
        #: What to do about it.
        self.advice = advice
        #: The numbers, machine-readable (JSON-safe).
        self.numbers: Mapping[str, Any] = numbers if numbers is not None else {}

    def __repr__(self) -> str:
        return f"Insight({self.kind!r}, {self.title!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Insight) and self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "details": list(self.details),
                "advice": self.advice, "numbers": dict(self.numbers)}  # fmt: skip


class _Context:
    """What several insights need, computed once."""

    def __init__(self, run: Run, stats: RunStats) -> None:
        self.run = run
        self.stats = stats
        #: Time spent in tests, summed over workers (worker-seconds).
        self.worker_seconds = sum(w.test_ns for w in stats.workers) / NS_PER_S
        combined = run.meta.get("mode") == "combined"
        #: worker id -> its shard (a combined run's ``s1/``...; "" otherwise)
        self.shard = {
            w.id: w.id.partition("/")[0] if combined and "/" in w.id else "" for w in run.workers
        }

    def worth(self, value_s: float) -> bool:
        return value_s >= LEAST_S and value_s >= SHARE * self.worker_seconds

    def shards(self, workers: Mapping[str, int]) -> dict[str, dict[str, int]]:
        """``workers`` (worker -> count) grouped by shard."""
        grouped: dict[str, dict[str, int]] = {}
        for worker, n in workers.items():
            grouped.setdefault(self.shard.get(worker, ""), {})[worker] = n
        return grouped


def _instances(f: FixtureStats) -> int:
    """The instances one process needs at least: one per param (1 unparametrized)."""
    return max(1, len(f.params))


def _third_party(f: FixtureStats) -> bool:
    """A fixture of pytest or of a plugin (its scope is not the user's to change)."""
    top = f.definition.path.partition("/")[0]
    return top.startswith(("_pytest", "pytest_", "pytest-")) or "site-packages" in top


def _duplicated_session(c: _Context) -> list[Insight]:
    found = []
    for f in c.stats.fixtures:
        if f.scope != "session" or len(f.workers) < 2:
            continue
        shards = c.shards(f.workers)
        if max(len(w) for w in shards.values()) < 2:
            continue  # one process per shard (CI shards, not xdist workers): as it must be
        setups, median, instances = f.tally.setups, f.setup["median"], _instances(f)
        once = instances * len(shards)  # what one process per shard would need
        repeated = (setups - once) * median
        if not c.worth(repeated):
            continue
        workers = len(f.workers)
        per = f" ({instances} params)" if instances > 1 else ""
        details = [
            f"{setups} setups{per} across {workers} workers: {secs(f.setup['total'])} of "
            f"setup, of which ({setups} - {once}) x {secs(median)} median = "
            f"{secs(repeated)} repeats what one process would do"
        ]
        numbers: dict[str, Any] = {"fixture": f.definition.key, "workers": workers,
                                   "setups": setups, "params": len(f.params),
                                   "median_s": median, "total_s": f.setup["total"],
                                   "repeated_s": repeated}  # fmt: skip
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
                f"{f.definition.name} (session) set up on {workers} workers: {setups} x "
                f"{secs(f.setup['mean'])} = {secs(f.setup['total'])}",
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
        t = f.tally
        if f.scope not in ("function", "module", "class") or t.setups < MANY_SETUPS:
            continue
        if _third_party(f) or t.uses == 0 or t.setup_errors * 2 > t.setups:
            continue
        # the median setup, not the mean: a cold first setup is not what every setup costs
        median, instances = f.setup["median"], _instances(f)
        once = max(1, len(f.workers)) * instances
        saving = (t.setups - once) * median
        if not c.worth(saving):
            continue
        where = "once per worker" if len(f.workers) > 1 else "once"
        per = f" per param ({instances})" if instances > 1 else ""
        found.append(
            Insight(
                "scope-candidate",
                f"{f.definition.name} ({f.scope}) set up {t.setups} times, {secs(median)} "
                f"each (median): about {secs(saving)} saved if set up {where}{per} (an "
                "estimate)",
                (
                    f"({t.setups} - {once}) x {secs(median)} = {secs(saving)}, "
                    f"{saving / c.worker_seconds:.0%} of {secs(c.worker_seconds)} in tests; "
                    f"at {f.definition.location}",
                ),
                "if its value can be shared (tests do not change it, or it can be reset "
                "cheaply), widen its scope, or move its costly, shareable part into a "
                "wider-scoped fixture it depends on",
                {"fixture": f.definition.key, "scope": f.scope, "setups": t.setups,
                 "median_s": median, "saving_s": saving, "workers": len(f.workers),
                 "params": len(f.params)},
            )
        )  # fmt: skip
    return found[:MOST]


def _workers(c: _Context) -> list[Insight]:
    """Workers of one xdist run (one shard) that started late or sat idle at the end while
    others still ran tests (gaps between tests are pytest's own overhead, not counted)."""
    run, t = c.run, c.run.test_runs
    by_shard: dict[str, list[int]] = {}
    for w, worker in enumerate(run.workers):
        if worker.id != MAIN_WORKER:
            by_shard.setdefault(c.shard.get(worker.id, ""), []).append(w)
    if all(len(members) < 2 for members in by_shard.values()):
        return []  # no shard ran on two workers (a serial run): nothing to compare
    anchors = [w.anchor_ns or 0 for w in run.workers]
    spans: dict[int, list[int]] = {}  # worker -> [first start, last end, busy]
    for w, start, end in zip(t.worker, t.setup_ns, t.end_ns, strict=True):
        start, end = start + anchors[w], end + anchors[w]
        span = spans.get(w)
        if span is None:
            spans[w] = [start, end, end - start]
        else:
            span[0], span[1] = min(span[0], start), max(span[1], end)
            span[2] += end - start
    found = []
    for shard, members in sorted(by_shard.items()):
        lost = [run.workers[w].id for w in members if run.workers[w].lost is not None]
        judged = [w for w in members if w in spans and run.workers[w].lost is None]
        if len(judged) < 2:
            continue
        first = min(spans[w][0] for w in judged)
        last = max(spans[w][1] for w in judged)
        wall = (last - first) / NS_PER_S
        rows: list[dict[str, Any]] = [
            {"worker": run.workers[w].id, "busy_s": spans[w][2] / NS_PER_S,
             "start_offset_s": (spans[w][0] - first) / NS_PER_S,
             "idle_tail_s": (last - spans[w][1]) / NS_PER_S}
            for w in judged
        ]  # fmt: skip
        waiting = sum(r["start_offset_s"] + r["idle_tail_s"] for r in rows)
        capacity = wall * len(judged)
        if wall <= 0 or waiting < IDLE_SHARE * capacity or waiting < LEAST_S:
            continue
        details = [
            f"{r['worker']}: busy {secs(r['busy_s'])}, started {secs(r['start_offset_s'])} "
            f"late, idle for the last {secs(r['idle_tail_s'])}"
            for r in rows[:16]
        ]
        if len(rows) > 16:
            details.append(f"... and {len(rows) - 16} more workers")
        never = [run.workers[w].id for w in members if w not in spans]
        if never:
            details.append(f"ran no test: {', '.join(never)}")
        if lost:
            details.append(f"not counted (lost: crashed or killed): {', '.join(lost)}")
        tail = sum(r["idle_tail_s"] for r in rows)
        label = f"shard {shard}: " if shard else ""
        found.append(
            Insight(
                "workers",
                f"{label}workers waited {waiting / capacity:.0%} of the time for others: "
                f"{secs(waiting)} in all, over {secs(wall)} from the first test's start to "
                f"the last one's end x {len(judged)} workers",
                tuple(details),
                "the run waits for its slowest worker: a long idle tail means a few long "
                "tests (or a costly fixture) landed last; split them, or try --dist worksteal"
                if tail >= 0.5 * waiting
                else "workers start late: their start-up (imports, session fixtures) "
                "delays them; fewer workers may finish as soon",
                {"wall_s": wall, "waiting_s": waiting, "workers": rows, "lost": lost},
            )
        )
    return found[:MOST]


def _unstable(c: _Context) -> list[Insight]:
    found = []
    for f in c.stats.fixtures:
        # a parametrized fixture's setups differ by param by design: judged per param
        groups = (
            [(f"[{param}]", p.setups, p.setup) for param, p in f.params.items()]
            if f.params else [("", f.tally.setups, f.setup)]
        )  # fmt: skip
        worst = None
        for label, setups, setup in groups:
            if setups < SPREAD_SETUPS or setup["median"] <= 0:
                continue
            ratio = setup["p95"] / setup["median"]
            if ratio < SPREAD or setup["p95"] - setup["median"] < SPREAD_FLOOR_S:
                continue
            if worst is None or ratio > worst[0]:
                worst = (ratio, label, setups, setup)
        if worst is None or not c.worth(f.setup["total"]):
            continue
        ratio, label, setups, setup = worst
        found.append(
            Insight(
                "unstable",
                f"{f.definition.name}{label} varies: setup median {secs(setup['median'])}, p95 "
                f"{secs(setup['p95'])} ({ratio:.1f}x) over {setups} setups",
                (f"max {secs(setup['max'])}, {secs(setup['total'])} in all, at "
                 f"{f.definition.location}",),
                "a few slow setups: a cold cache, contention between workers, the network, "
                "garbage collection; a slow first setup alone suggests a cache to warm once",
                {"fixture": f.definition.key, "param": label[1:-1] or None, "setups": setups,
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
            f"{len(carriers)} test{'s' if len(carriers) != 1 else ''}' durations",
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
    """The insights that apply to ``run``, in the order of :data:`RULES` (none for a run
    without time in tests: nothing to weigh them against)."""
    context = _Context(run, stats)
    if context.worker_seconds <= 0:
        return []
    return [found for rule in RULES for found in rule(context)]


def of_fixture(insight: Insight) -> str | None:
    """The definition key an insight is about, if any."""
    key = insight.numbers.get("fixture")
    return key if isinstance(key, str) else None
