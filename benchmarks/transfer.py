"""Transfer: bytes and time to move one worker's 150,000 fixture events to the controller.

    python benchmarks/transfer.py [--events 150000] [--quick]

A real execnet popen gateway (what pytest-xdist uses) stands in for the worker. It encodes
its records as the plugin does, one batch per test phase (3 records, as on a test report),
and sends them; the controller decodes and aggregates each one as it arrives. For
comparison, the same records are also sent as a single batch (as ``workeroutput`` carries
what is left at a worker's end).
"""

from __future__ import annotations

import argparse
import sys
import time

import execnet

from pytest_fixture_perf.aggregate import RunData
from pytest_fixture_perf.transport import Definition, decode_batch

WORKER = """
import random, time
from pytest_fixture_perf.transport import Definition, encode_batch

events, per_batch = channel.receive()
rng = random.Random(1)
infos = [Definition(f"fixture_{i}", f"tests/conftest.py:{i}") for i in range(200)]
records = [
    ("setup" if (i // per_batch) % 2 == 0 else "teardown", infos[rng.randrange(200)],
     "function", -1, None, f"tests/test_m{i // 300}.py::test_{i // 6}",
     rng.randrange(1_000, 5_000_000), "ok")
    for i in range(events)
]
uses = {("fixture_0", "tests/conftest.py:0"): 1}
encode_seconds, sent_bytes = 0.0, 0
start = time.perf_counter()
for i in range(0, events, per_batch):
    t = time.perf_counter()
    blob = encode_batch("gw0", records[i:i + per_batch], uses)
    encode_seconds += time.perf_counter() - t
    sent_bytes += len(blob.encode())
    channel.send(blob)
channel.send(("done", encode_seconds, sent_bytes, time.perf_counter() - start))
"""


def transfer(events: int, per_batch: int) -> dict[str, float]:
    gateway = execnet.makegateway(f"popen//python={sys.executable}")
    try:
        channel = gateway.remote_exec(WORKER)
        run = RunData()
        known: dict[tuple[str, str], Definition] = {}
        decode_seconds = 0.0
        start = time.perf_counter()
        channel.send((events, per_batch))
        batches = 0
        while True:
            item = channel.receive()
            if isinstance(item, tuple):
                _, encode_seconds, sent_bytes, worker_seconds = item
                break
            t = time.perf_counter()
            batch = decode_batch(item, known)
            run.add_records(batch.records, batch.worker)
            run.add_uses(batch.uses)
            decode_seconds += time.perf_counter() - t
            batches += 1
        wall = time.perf_counter() - start
    finally:
        gateway.exit()
    assert run.total_setups + run.total_teardowns == events
    return {"batches": batches, "bytes": sent_bytes, "encode": encode_seconds,
            "decode": decode_seconds, "wall": wall, "worker": worker_seconds}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=150_000)
    parser.add_argument("--quick", action="store_true", help="15,000 events (for CI)")
    args = parser.parse_args()
    if args.quick:
        args.events = 15_000
    print(f"transfer: {args.events:,} events from one worker over an execnet popen channel")
    for label, per_batch in (("per test phase", 3), ("one batch", args.events)):
        r = transfer(args.events, per_batch)
        print(
            f"  {label:<15} {int(r['batches']):>7,} batches  {r['bytes'] / 1e6:6.2f} MB "
            f"({r['bytes'] / args.events:5.1f} B/event)  worker encode {r['encode']:5.2f} s  "
            f"controller decode+aggregate {r['decode']:5.2f} s  wall {r['wall']:5.2f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
