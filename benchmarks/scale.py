"""Scale: a run of 1,000,000 fixture events from 8 workers over 5,000 fixture definitions.

    python benchmarks/scale.py [--events 1000000] [--workers 8] [--definitions 5000] [--quick]

The events arrive as the controller receives them from xdist workers: a local worker's
spool (the default, popen workers), one record per test (6 setups and 6 teardowns here,
with the test's run and uses), and a remote worker's fragments of the run format, one per
test. The script times the controller's intake of both (the run taken from the spools and
the one from the fragments must hold the same events), the statistics, the JSON report, the
history (save; compare and save a second time), and the live whole-run summary with the
same tallies behind it in the live store, and prints the process's peak RSS.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import sys
import tempfile
import time
from array import array
from pathlib import Path

from synthetic import fragments, spool

from pytest_fixture_perf.model import Run, Totals
from pytest_fixture_perf.model.compare import Rule, compare
from pytest_fixture_perf.model.derive import derive
from pytest_fixture_perf.model.intake import Intake
from pytest_fixture_perf.model.run import TABLES
from pytest_fixture_perf.report.jsonfile import write_json
from pytest_fixture_perf.report.summary import build_summary
from pytest_fixture_perf.store import live
from pytest_fixture_perf.store.history import Comparability, History
from pytest_fixture_perf.store.spool import SpoolReader


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def digests(run: Run) -> dict[tuple[str, str], str]:
    """A digest of each column of ``run`` (two intakes numbered alike give the same)."""
    found = {}
    for table, columns in TABLES.items():
        for column in columns:
            values = getattr(getattr(run, table), column)
            data = values.tobytes() if isinstance(values, array) else json.dumps(values).encode()
            found[(table, column)] = hashlib.sha256(data).hexdigest()
    return found


def fill_live_store(path: Path, run: Run, totals: Totals) -> None:
    """Every worker's tallies in the live store, as each would have written them."""
    for w, row in totals.cells.items():
        writer = live.LiveWriter(path, run.workers[w].id)
        writer.publish((run.definitions[d], tally) for d, tally in row.items())
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
    per_worker = args.events // args.workers
    with tempfile.TemporaryDirectory(prefix="fixture-perf-scale-") as tmp:
        # local workers (the default): each worker's spool, read and merged as the
        # controller does when the worker is down
        spools = [Path(tmp) / f"spool-{w}.bin" for w in range(args.workers)]
        records = sum(spool(path, f"gw{w}", per_worker, args.definitions, per_batch=12, seed=w)
                      for w, path in enumerate(spools))  # fmt: skip
        print(f"  {records:,} spool records, {sum(p.stat().st_size for p in spools) / 1e6:.1f} MB; "
              f"peak RSS before intake {peak_rss_mb():.0f} MB")  # fmt: skip
        run = Run()
        start = time.perf_counter()
        taker = Intake(run)
        for w, path in enumerate(spools):
            reader = SpoolReader(path, f"gw{w}")
            for group in reader:
                taker.add(reader.document(group))
                taker.merge()
            assert reader.problem is None
        spool_intake = time.perf_counter() - start
        assert not taker.errors
        assert len(run.events) == per_worker * args.workers

        start = time.perf_counter()
        totals = Totals(run)
        totals.update()
        stats = derive(run, totals)
        stats_seconds = time.perf_counter() - start
        start = time.perf_counter()
        write_json(Path(tmp) / "perf.json", run, stats)
        json_seconds = time.perf_counter() - start
        json_mb = (Path(tmp) / "perf.json").stat().st_size / 1e6

        # the history: this run saved, then a second run compared with it and saved
        run.meta.update(run_id="scale-1", selection={"tests": 1, "digest": "x"})
        with History(Path(tmp) / "history.db") as history:
            start = time.perf_counter()
            history.save(run, stats)
            save_seconds = time.perf_counter() - start
            run.meta["run_id"] = "scale-2"
            start = time.perf_counter()
            window = history.window(Comparability.of(run.meta), 5)
            after = {f.definition.key: f.samples for f in stats.fixtures}
            compare(history.samples(window), after, Rule(pct=20))
            history.save(run, stats)
            compare_seconds = time.perf_counter() - start
        db_mb = (Path(tmp) / "history.db").stat().st_size / 1e6

        path = live.create(Path(tmp))
        fill_live_store(path, run, totals)
        reader = live.LiveWriter(path, "gw0")
        start = time.perf_counter()
        reader.read()
        first_read = time.perf_counter() - start
        # steady state: between two reads another worker publishes one test's tallies
        other = live.LiveWriter(path, "gw1")
        some = [(run.definitions[d], tally) for d, tally in list(totals.cells[1].items())[:5]]
        query, summary_times = [], []
        for _ in range(50):
            for _, tally in some:
                tally.setups += 1
            other.publish(some)
            start = time.perf_counter()
            view = reader.read()
            query.append(time.perf_counter() - start)
            build_summary(view.entries, workers=view.reporting, complete=False)
            summary_times.append(time.perf_counter() - start)
        other.close()
        reader.close()

    rss = peak_rss_mb()
    local = digests(run)
    del run, totals, stats, view  # (the controller holds none of them while workers send)

    # remote workers: a fragment a test, as JSON text on the reports
    blobs = [
        blob
        for w in range(args.workers)
        for blob in fragments(f"gw{w}", per_worker, args.definitions, per_batch=12, seed=w)
    ]
    fragments_mb = sum(map(len, blobs)) / 1e6
    remote = Run()
    start = time.perf_counter()
    taker = Intake(remote)  # as the controller takes in what workers send
    for blob in blobs:
        taker.add_json(blob)
    taker.merge()
    fragment_intake = time.perf_counter() - start
    assert not taker.errors
    del blobs
    assert digests(remote) == local, "the spools and the fragments gave different runs"
    del remote

    total = spool_intake + stats_seconds + json_seconds
    print(f"  controller intake, local workers (spools): {spool_intake:6.2f} s "
          f"({spool_intake / args.events * 1e6:.2f} us/event)")  # fmt: skip
    print(f"  statistics (Totals + derive):              {stats_seconds:6.2f} s")
    print(f"  JSON report (events included):             {json_seconds:6.2f} s ({json_mb:.1f} MB)")
    print(f"  intake + statistics + JSON:                {total:6.2f} s  (target <= 5 s)")
    print(f"  peak RSS so far:                           {rss:6.0f} MB  (target <= 400 MB)")
    print(
        f"  controller intake, remote workers ({fragments_mb:.1f} MB of JSON fragments): "
        f"{fragment_intake:.2f} s ({fragment_intake / args.events * 1e6:.2f} us/event)"
    )
    print(f"  history: save {save_seconds:.2f} s; compare with it and save again "
          f"{compare_seconds:.2f} s; {db_mb / 2:.1f} MB a run (events kept)")  # fmt: skip
    print(
        f"  live store ({args.workers} x {args.definitions:,} rows): first read "
        f"{first_read * 1e3:.1f} ms; later reads (median of 50, one test's tallies "
        f"written in between) {statistics.median(query) * 1e3:.2f} ms  (target <= 5 ms)"
    )
    print(f"  whole-run summary dict over {args.definitions:,} definitions, read included: "
          f"{statistics.median(summary_times) * 1e3:.1f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
