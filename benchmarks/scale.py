"""Scale: a run of 1,000,000 fixture events from 8 workers over 5,000 fixture definitions.

    python benchmarks/scale.py [--events 1000000] [--workers 8] [--definitions 5000] [--quick]

The events arrive as the controller receives them from xdist workers: one encoded batch
per test phase (3 records each here). The script times the controller's intake (decode +
aggregation), the JSON report, and the live whole-run summary with the same data behind
it in the live store, and prints the process's peak RSS.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pytest_fixture_perf import live
from pytest_fixture_perf.aggregate import FixtureTotals, RunData
from pytest_fixture_perf.jsonreport import write_json
from pytest_fixture_perf.records import NOT_PARAMETRIZED, SETUP, TEARDOWN
from pytest_fixture_perf.summary import build_summary
from pytest_fixture_perf.transport import Definition, decode_batch, encode_batch

RECORDS_PER_BATCH = 6  # 3 setups on a setup report, 3 teardowns on a teardown report
SCOPES = ("function", "function", "function", "module", "class", "session")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def make_batches(events: int, workers: int, definitions: int, seed: int = 1) -> list[str]:
    """Encoded batches, as workers send them (setup and teardown records alternate)."""
    rng = random.Random(seed)
    infos = [
        Definition(f"fixture_{i}", f"tests/conftest_{i % 50}.py:{i}") for i in range(definitions)
    ]
    batches = []
    per_worker = events // workers
    for w in range(workers):
        worker = f"gw{w}"
        for start in range(0, per_worker, RECORDS_PER_BATCH):
            test = f"tests/test_m{start % 97}.py::test_{start}"
            phase = SETUP if (start // RECORDS_PER_BATCH) % 2 == 0 else TEARDOWN
            records = []
            for _ in range(min(RECORDS_PER_BATCH, per_worker - start)):
                d = rng.randrange(definitions)
                records.append((phase, infos[d], SCOPES[d % len(SCOPES)], NOT_PARAMETRIZED,
                                None, test, rng.randrange(1_000, 5_000_000), "ok"))  # fmt: skip
            batches.append(encode_batch(worker, records, {(infos[0].name, infos[0].location): 1}))
    return batches


def fill_live_store(path: Path, run: RunData, workers: int) -> None:
    """Every worker's share of the totals in the live store, as each would have written it."""
    totals = run.totals()
    for w in range(workers):
        writer = live.LiveWriter(path, f"gw{w}")
        writer.publish(
            FixtureTotals(t.name, t.location, t.scope, t.setups // workers,
                          t.teardowns // workers, t.setup_ns // workers,
                          t.teardown_ns // workers, t.max_setup_ns, t.uses // workers)
            for t in totals
        )  # fmt: skip
        writer.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--definitions", type=int, default=5000)
    parser.add_argument("--quick", action="store_true", help="50,000 events (for CI)")
    args = parser.parse_args()
    if args.quick:
        args.events = 50_000
    print(f"scale: {args.events:,} events, {args.workers} workers, {args.definitions:,} "
          f"definitions, python {sys.version.split()[0]}")  # fmt: skip
    batches = make_batches(args.events, args.workers, args.definitions)
    print(f"  {len(batches):,} batches, {sum(map(len, batches)) / 1e6:.1f} MB encoded; "
          f"peak RSS before intake {peak_rss_mb():.0f} MB")  # fmt: skip

    run = RunData()
    known: dict[tuple[str, str], Definition] = {}
    start = time.perf_counter()
    for blob in batches:
        batch = decode_batch(blob, known)
        run.add_records(batch.records, batch.worker)
        run.add_uses(batch.uses)
    intake = time.perf_counter() - start
    del batches
    assert run.total_setups + run.total_teardowns == args.events // args.workers * args.workers

    with tempfile.TemporaryDirectory(prefix="fixture-perf-scale-") as tmp:
        start = time.perf_counter()
        write_json(Path(tmp) / "perf.json", run, {"mode": "controller"})
        json_seconds = time.perf_counter() - start
        json_mb = (Path(tmp) / "perf.json").stat().st_size / 1e6

        path = live.create(Path(tmp))
        fill_live_store(path, run, args.workers)
        reader = live.LiveWriter(path, "gw0")
        start = time.perf_counter()
        reader.read()
        first_read = time.perf_counter() - start
        # steady state: between two reads another worker publishes one test's totals
        other = live.LiveWriter(path, "gw1")
        some = run.recorded()[:5]
        query, summary_times = [], []
        for i in range(50):
            other.add_records(
                [(SETUP, data, data.scope, NOT_PARAMETRIZED, None, f"t{i}", 1000, "ok")
                 for data in some],
                {},
            )  # fmt: skip
            other.write(force=True)
            start = time.perf_counter()
            view = reader.read()
            query.append(time.perf_counter() - start)
            build_summary(view.totals, workers=view.reporting, complete=False)
            summary_times.append(time.perf_counter() - start)
        other.close()
        reader.close()

    print(f"  controller intake (decode + aggregate): {intake:6.2f} s "
          f"({intake / args.events * 1e6:.2f} us/event)")  # fmt: skip
    print(f"  JSON report:                            {json_seconds:6.2f} s ({json_mb:.1f} MB)")
    print(
        f"  intake + JSON:                          {intake + json_seconds:6.2f} s  (target <= 5 s)"
    )
    print(f"  peak RSS:                               {peak_rss_mb():6.0f} MB  (target <= 400 MB)")
    print(
        f"  live store ({args.workers} x {args.definitions:,} rows): first read "
        f"{first_read * 1e3:.1f} ms; later reads (median of 50, one test's totals "
        f"written in between) {statistics.median(query) * 1e3:.2f} ms  (target <= 5 ms)"
    )
    print(f"  whole-run summary dict over {args.definitions:,} definitions, read included: "
          f"{statistics.median(summary_times) * 1e3:.1f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
