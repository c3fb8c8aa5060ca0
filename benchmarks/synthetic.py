"""Synthetic runs for the benchmarks: one worker's fragments, made with the run model's own
API (``Run.add_events``, ``Run.fragment``), as a worker ships them to the controller."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

from pytest_fixture_perf.model import Definition, Run, Worker
from pytest_fixture_perf.model.run import SCOPES, SETUP, TEARDOWN, Mark

# one test: per_batch // 2 setups and as many teardowns, with its test run and its uses, in
# one fragment on its teardown report (as a worker ships them)
SCOPE_MIX = ("function", "function", "function", "module", "class", "session")


def fragments(
    worker: str, events: int, definitions: int, per_batch: int = 6, seed: int = 1
) -> Iterator[str]:
    """JSON fragments of ``events`` fixture events over ``definitions`` definitions, one
    per test of ``per_batch`` events (half setups, half teardowns)."""
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
    mark = Mark()  # as a worker starts: nothing sent yet
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
        fragment = run.fragment(mark, sender=worker, full_workers=mark == Mark())
        mark = run.mark()
        if fragment is not None:
            yield json.dumps(fragment, separators=(",", ":"))
