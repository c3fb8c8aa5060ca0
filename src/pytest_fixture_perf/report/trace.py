"""``--fixture-perf-trace``: the run's timeline as Chrome trace-event JSON (Perfetto,
``chrome://tracing``).

One process per worker. On its track 1, each test run is a slice (from its setup's start to
its teardown's end) with the setups and teardowns of its function-scoped fixtures nested
inside (nested ``getfixturevalue`` setups inside their parent's). On its track 2, the
fixtures cached across tests (session, package, module, class scope): they belong to no
one test, though one test's setup happened to trigger them. Every slice is a complete
``X`` event; times are microseconds on one clock (each worker's anchor), from the run's
first event.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from ..model.run import (
    FUNCTION,
    NONE,
    NOT_PARAMETRIZED,
    OUTCOMES,
    PHASES,
    SCOPES,
    TEST_OUTCOMES,
    Run,
)
from ..store.files import PRODUCER, Kind, write_ours

#: The file's kind: its head holds ``otherData`` (written first), naming the producer.
TRACE: Final = Kind("trace", (b'"otherData"', PRODUCER.encode()))
TESTS_TRACK: Final = 1
SHARED_TRACK: Final = 2


def trace_events(run: Run) -> Iterator[dict[str, Any]]:
    """The trace's events: names of processes and tracks, then tests, then fixtures."""
    anchors = [w.anchor_ns or 0 for w in run.workers]
    starts = [anchors[w] + s for w, s in zip(run.events.worker, run.events.start_ns, strict=True)]
    starts += [anchors[w] + s for w, s in zip(run.test_runs.worker, run.test_runs.setup_ns,
                                              strict=True)]  # fmt: skip
    origin = min(starts, default=0)

    def us(worker: int, ns: int) -> float:
        return round((anchors[worker] + ns - origin) / 1000, 3)

    for w, worker in enumerate(run.workers):
        pid = w + 1
        label = worker.id + (f" ({worker.host}, pid {worker.pid})" if worker.host else "")
        yield {"ph": "M", "name": "process_name", "pid": pid, "args": {"name": label}}
        yield {"ph": "M", "name": "process_sort_index", "pid": pid, "args": {"sort_index": pid}}
        for tid, name in ((TESTS_TRACK, "tests"), (SHARED_TRACK, "shared fixtures")):
            yield {"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                   "args": {"name": name}}  # fmt: skip
    t = run.test_runs
    for test, w, setup, end, outcome in zip(t.test, t.worker, t.setup_ns, t.end_ns, t.outcome,
                                            strict=True):  # fmt: skip
        yield {
            "ph": "X", "cat": "test", "name": run.tests[test], "pid": w + 1, "tid": TESTS_TRACK,
            "ts": us(w, setup), "dur": round((end - setup) / 1000, 3),
            "args": {"outcome": _test_outcome(outcome)},
        }  # fmt: skip
    e = run.events
    for i in range(len(e)):
        w, definition = e.worker[i], run.definitions[e.definition[i]]
        scope, phase = e.scope[i], e.phase[i]
        name = definition.name
        if e.param_index[i] != NOT_PARAMETRIZED:
            name += f"[{e.param_id[i]}]"
        shared = scope < FUNCTION or e.test[i] == NONE
        args: dict[str, Any] = {
            "scope": SCOPES[scope], "location": definition.location,
            "exclusive_ms": e.exclusive_ns[i] / 1e6, "outcome": OUTCOMES[e.outcome[i]],
        }  # fmt: skip
        if e.cpu_ns[i] >= 0:
            args["cpu_ms"] = e.cpu_ns[i] / 1e6
        if e.test[i] != NONE:
            args["test"] = run.tests[e.test[i]]
        yield {
            "ph": "X", "cat": f"fixture,{PHASES[phase]}", "name": f"{name} {PHASES[phase]}",
            "pid": w + 1, "tid": SHARED_TRACK if shared else TESTS_TRACK,
            "ts": us(w, e.start_ns[i]), "dur": round(e.inclusive_ns[i] / 1000, 3), "args": args,
        }  # fmt: skip


def _test_outcome(code: int) -> str:
    return TEST_OUTCOMES[code] if 0 <= code < len(TEST_OUTCOMES) else str(code)


def chunks(run: Run) -> Iterator[str]:
    """The trace as JSON text, one event a line, made as it is written."""
    other = {"producer": PRODUCER, "run_id": run.meta.get("run_id"),
             "displayTimeUnit": "ms"}  # fmt: skip
    yield '{"otherData": ' + json.dumps(other) + ',\n"displayTimeUnit": "ms",\n"traceEvents": [\n'
    first = True
    for event in trace_events(run):
        yield ("" if first else ",\n") + json.dumps(event, separators=(",", ":"))
        first = False
    yield "\n]}\n"


def write_trace(path: Path, run: Run) -> None:
    """Write the trace to ``path``; FileExistsError when ``path`` is a file that is not a
    trace of ours (it is never replaced)."""
    write_ours(path, chunks(run), TRACE)
