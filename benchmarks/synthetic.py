"""Synthetic runs for the benchmarks: one worker's fragments or spool, made with the run
model's own API (``Run.add_events``, ``Run.fragment``) and the worker's spool writer, as a
worker hands them on to the controller."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

from pytest_fixture_perf.model import Definition, Run, Worker
from pytest_fixture_perf.model.run import SCOPES, SETUP, TEARDOWN, Mark
from pytest_fixture_perf.store.spool import SpoolWriter

# one test: per_batch // 2 setups and as many teardowns, with its test run and its uses, in
# one fragment on its teardown report (as a worker ships them)
SCOPE_MIX = ("function", "function", "function", "module", "class", "session")


def fragments(
    worker: str, events: int, definitions: int, per_batch: int = 6, seed: int = 1
) -> Iterator[str]:
    """JSON fragments of ``events`` fixture events over ``definitions`` definitions, one
    per test of ``per_batch`` events (half setups, half teardowns)."""
    mark = Mark()  # as a worker starts: nothing sent yet
    for run in _tests(worker, events, definitions, per_batch, seed):
        fragment = run.fragment(mark, sender=worker, full_workers=mark == Mark())
        mark = run.mark()
        if fragment is not None:
            yield json.dumps(fragment, separators=(",", ":"))


def spool(
    path: Path, worker: str, events: int, definitions: int, per_batch: int = 6, seed: int = 1
) -> int:
    """The same run as :func:`fragments` (same arguments), written to a new spool at
    ``path`` as a local worker writes it: a record a test. Returns the records written."""
    writer = SpoolWriter(path)
    mark = Mark()
    try:
        for run in _tests(worker, events, definitions, per_batch, seed):
            mark = writer.append(run, mark)
    finally:
        writer.close()
    return writer.records


def _tests(worker: str, events: int, definitions: int, per_batch: int, seed: int) -> Iterator[Run]:
    """One run, yielded each time it has gained a test's events."""
    rng = random.Random(seed)
    run = Run()
    w = run.worker_id(Worker(worker, pid=1, host="bench", anchor_ns=1_700_000_000 * 10**9))
    defs = [
        run.definition_id(
            Definition.make(f"fixture_{i}", f"tests/conftest_{i % 50}.py", i + 1,
                            SCOPE_MIX[i % len(SCOPE_MIX)])
        )
        for i in range(definitions)
    ]  # fmt: skip
    now = 0
    half = max(1, per_batch // 2)
    sent = 0
    while sent < events:
        test = run.test_id(f"tests/test_m{sent % 97}.py::test_{sent}")
        start = now
        chosen = [defs[rng.randrange(definitions)] for _ in range(min(half, events - sent))]
        for phase in (SETUP, TEARDOWN):
            if sent >= events:
                break
            rows = []
            for d in chosen[: events - sent]:
                duration = rng.randrange(1_000, 5_000_000)
                scope = SCOPES.index(SCOPE_MIX[d % len(SCOPE_MIX)])
                rows.append((d, phase, scope, -1, None, test, now, duration, duration, -1, 0))
                now += duration + 1000
            sent += len(rows)
            run.add_events(rows, w)
            if phase == TEARDOWN:
                used = sorted(set(chosen))
                run.add_uses(w, [test] * len(used), used)
                run.add_test_runs([(test, start, start + 1, now - 1, now, 0)], w)
        yield run
