"""Transfer: bytes and time to move one worker's 150,000 fixture events to the controller.

    python benchmarks/transfer.py [--events 150000] [--quick]

A real execnet popen gateway (what pytest-xdist uses) stands in for the worker. It makes
the fragments a worker ships (the run format, one per test: 12 events with the test's run
and uses) and sends them; the controller merges each one into its
run as it arrives. For comparison, the same events are also sent as a single fragment (as
``workeroutput`` carries what is left at a worker's end).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import execnet

from pytest_fixture_perf.model import Run
from pytest_fixture_perf.model.intake import Intake

WORKER = """
import sys, time
benchmarks, events, per_batch = channel.receive()
sys.path.insert(0, benchmarks)
from synthetic import fragments

encode_seconds, sent_bytes = 0.0, 0
start = time.perf_counter()
blobs = fragments("gw0", events, 200, per_batch=per_batch)
while True:
    t = time.perf_counter()
    blob = next(blobs, None)
    encode_seconds += time.perf_counter() - t
    if blob is None:
        break
    sent_bytes += len(blob.encode())
    channel.send(blob)
channel.send(("done", encode_seconds, sent_bytes, time.perf_counter() - start))
"""


def transfer(events: int, per_batch: int) -> dict[str, float]:
    gateway = execnet.makegateway(f"popen//python={sys.executable}")
    try:
        channel = gateway.remote_exec(WORKER)
        run = Run()
        intake = Intake(run)
        decode_seconds = 0.0
        start = time.perf_counter()
        channel.send((str(Path(__file__).resolve().parent), events, per_batch))
        batches = 0
        while True:
            item = channel.receive()
            if isinstance(item, tuple):
                _, encode_seconds, sent_bytes, worker_seconds = item
                break
            t = time.perf_counter()
            intake.add_json(item)
            decode_seconds += time.perf_counter() - t
            batches += 1
        t = time.perf_counter()
        intake.merge()
        decode_seconds += time.perf_counter() - t
        wall = time.perf_counter() - start
    finally:
        gateway.exit()
    assert len(run.events) == events
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
    for label, per_batch in (("per test", 12), ("at once", 2 * args.events)):
        r = transfer(args.events, per_batch)
        print(
            f"  {label:<15} {int(r['batches']):>7,} fragments {r['bytes'] / 1e6:6.2f} MB "
            f"({r['bytes'] / args.events:5.1f} B/event)  worker encode {r['encode']:5.2f} s  "
            f"controller merge {r['decode']:5.2f} s  wall {r['wall']:5.2f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
