"""The overhead guard: instructions with the plugin on against off, counted by valgrind's
callgrind (the same on a busy machine as on an idle one), failing when a ratio exceeds its
bound. ``make bench-quick`` and CI run it.

    python benchmarks/guard.py [--tests 200]

The suite is ``overhead.py``'s (each test uses five cheap fixtures), run serially and with
``-n 2`` in the clean venv ``benchmarks/.venv-ours`` (``peer.py``). "on" is the plugin's
defaults, the history included (a fresh one: the run is saved). Every process of a run
(the controller and both workers) must leave its count: execnet kills a worker that takes
over 10 s to exit, and a missing count would make the plugin look free.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from overhead import ENV, process_instructions, write_suite
from peer import interpreters

#: workers -> the most the on/off instructions ratio may be: measured (2026-12-02, 200
#: tests, 611 setups: serial 1.0861, -n 2 1.0750 since a run imports only what its role
#: uses and the history stores events packed; 1.0955-1.1019 and 1.0808 before; the fixed
#: cost of a run, the history's included, weighs much in so small a suite) with room for
#: small changes, none for a regression. Serial counts repeat exactly; under xdist, which
#: worker runs which test varies, and the live view writes on a wall-clock throttle
#: (spaced out by its writes' own duration, so a slower machine writes about as often per
#: test), hence a little more room there.
BOUNDS = {"0": 1.11, "2": 1.10}
#: The processes that must each leave a count: the pytest process, plus a worker each.
PROCESSES = {"0": 1, "2": 3}


def counts(python: Path | str, root: Path, args: list[str]) -> list[int]:
    """Instructions of each Python process of the run (another program the run started,
    git for instance, is left out)."""
    return [n for command, n in process_instructions(python, root, args) if "python" in command]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200)
    args = parser.parse_args()
    python = interpreters(with_peer=False)["ours"]
    failed = []
    with tempfile.TemporaryDirectory(prefix="fixture-perf-guard-") as tmp:
        setups = write_suite(Path(tmp), args.tests)
        print(f"guard: {args.tests} tests, {setups} fixture setups a serial run, callgrind")
        for workers, bound in BOUNDS.items():
            measured = {}
            for mode, extra in (("off", ["-p", "no:fixture_perf"]),
                                ("on", ["--fixture-perf-top=off"])):  # fmt: skip
                root = Path(tmp)
                for old in root.glob(".fixture-perf"):
                    subprocess.run(["rm", "-rf", str(old)], check=True)
                argv = ["-n", workers, *extra]
                # once natively first: bytecode compiled and cached, as in any later run
                subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                "-p", "no:asyncio", *argv], cwd=root, check=True,
                               stdout=subprocess.DEVNULL, env=ENV)  # fmt: skip
                for old in root.glob(".fixture-perf"):
                    subprocess.run(["rm", "-rf", str(old)], check=True)
                for _attempt in range(2):  # a worker killed on a slow exit: once more
                    per_process = counts(python, root, argv)
                    if len(per_process) == PROCESSES[workers]:
                        break
                    print(f"guard: -n {workers} {mode}: {len(per_process)} processes left "
                          f"a count, expected {PROCESSES[workers]}")  # fmt: skip
                else:
                    return 2
                measured[mode] = sum(per_process)
            ratio = measured["on"] / measured["off"]
            verdict = "ok" if ratio <= bound else "TOO HIGH"
            print(f"guard: -n {workers}: off {measured['off'] / 1e9:.3f} G, on "
                  f"{measured['on'] / 1e9:.3f} G instructions: ratio {ratio:.4f} "
                  f"(bound {bound}) {verdict}")  # fmt: skip
            if ratio > bound:
                failed.append(workers)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
