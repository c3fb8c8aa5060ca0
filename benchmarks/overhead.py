"""Overhead of pytest-fixture-perf on a synthetic suite: plugin off vs on, interleaved.

    python benchmarks/overhead.py [--tests 3000] [--rounds 5] [--workers 0 2] [--no-peer]
                                  [--quick]

The suite has N tests, each using 5 cheap fixtures (one session, one module, two
function-scoped of which one depends on the other, one yield fixture). Modes run
interleaved (A B C A B C ...) to spread machine noise evenly; for each mode the medians
of wall and CPU time (user+sys of the pytest process tree) are printed with their ratio
to plugin-off. The ``per fixture`` column divides the CPU difference by the number of
real setups (each with its teardown).

Modes: ``off`` (``-p no:fixture_perf``), ``on`` (defaults), ``on+json`` (plus the JSON
report; there is no history store to save to yet), and ``pytest-durations`` with its
defaults in its own venv (``peer.py``), next to ``peer-off``, that venv with the peer
turned off (``--pytest-durations=0``), so the two venvs' start-up can be told apart.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peer import baseline_mode, interpreters

CONFTEST = """
import pytest

@pytest.fixture(scope="session")
def s1():
    return 1

@pytest.fixture(scope="module")
def m1(s1):
    return s1

@pytest.fixture
def f1():
    return 1

@pytest.fixture
def f2(f1):
    return f1

@pytest.fixture
def y1():
    yield 1
"""

TEST_MODULE = """
import pytest

@pytest.mark.parametrize("i", range({n}))
def test_t(i, s1, m1, f2, y1):
    pass
"""

#: mode -> (which python: "ours" or "peer", extra pytest arguments)
MODES: dict[str, tuple[str, list[str]]] = {
    "off": ("ours", ["-p", "no:fixture_perf"]),
    "on": ("ours", ["--fixture-perf-top=off"]),
    "on+json": ("ours", ["--fixture-perf-top=off", "--fixture-perf-json={tmp}/perf.json"]),
    "pytest-durations": ("peer", []),
    "peer-off": ("peer", ["--pytest-durations=0"]),
}


def write_suite(root: Path, tests: int, modules: int = 10) -> int:
    """Write the suite; return the number of real fixture setups per serial run."""
    (root / "conftest.py").write_text(CONFTEST)
    per_module = tests // modules
    for m in range(modules):
        (root / f"test_m{m}.py").write_text(TEST_MODULE.format(n=per_module))
    n = per_module * modules
    return 1 + modules + 3 * n  # s1 once, m1 per module, f1 f2 y1 per test


# Measure an ordinary install: let Python cache bytecode even where the environment says
# not to (otherwise the plugin's modules are recompiled on every run).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
#: For instruction counts: string hashes fixed (``PYTHONHASHSEED=0``, as the figures in
#: RESULTS.md were counted), so that a count repeats from one run to the next.
COUNT_ENV = {**ENV, "PYTHONHASHSEED": "0"}


def run(python: Path | str, root: Path, args: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:asyncio", *args],
        cwd=root, check=True, stdout=subprocess.DEVNULL, env=ENV,
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def process_instructions(python: Path | str, root: Path, args: list[str]) -> list[tuple[str, int]]:
    """``(command line, instructions)`` of each process of a pytest run (the controller,
    its workers, any program they start), counted by valgrind's callgrind: the same on a
    busy machine as on an idle one."""
    with tempfile.TemporaryDirectory(prefix="fixture-perf-cg-") as out:
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--trace-children=yes",
             f"--callgrind-out-file={out}/cg.%p", str(python), "-m", "pytest", "-q",
             "-p", "no:cacheprovider", "-p", "no:asyncio", *args],
            cwd=root, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=COUNT_ENV,
        )  # fmt: skip
        found = []
        for path in sorted(Path(out).iterdir()):
            lines = path.read_text().splitlines()
            command = next((line for line in lines if line.startswith("cmd:")), "")
            totals = [int(line.split()[1]) for line in lines if line.startswith("totals:")]
            found.append((command, sum(totals)))
        return found


def instructions(python: Path | str, root: Path, args: list[str]) -> int:
    """Instructions executed by the whole pytest process tree."""
    return sum(count for _command, count in process_instructions(python, root, args))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", nargs="+", default=["0", "2"], help="-n values")
    parser.add_argument("--no-peer", action="store_true", help="leave pytest-durations out")
    parser.add_argument(
        "--suite",
        type=Path,
        help="run this existing suite instead of the generated one (the per-fixture column "
        "is left out, and so is the peer, whose venv lacks the suite's dependencies), "
        "e.g. examples/questionbank",
    )
    parser.add_argument(
        "--pytest-args",
        default="",
        help="more pytest arguments for every mode, e.g. "
        "'--ignore=backend/tests/performance' (those tests need the plugin)",
    )
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="count instructions under valgrind instead of timing (one run per mode; slow: "
        "use --tests 1000)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="300 tests, 2 rounds, no peer (for CI)"
    )
    args = parser.parse_args()
    if args.quick:
        args.tests, args.rounds, args.no_peer = 300, 2, True
    if args.suite is not None:
        args.no_peer = True
    pythons = interpreters(with_peer=not args.no_peer)
    modes = {mode: spec for mode, spec in MODES.items() if spec[0] in pythons}
    with tempfile.TemporaryDirectory(prefix="fixture-perf-bench-") as tmp:
        if args.suite is None:
            root = Path(tmp)
            setups = write_suite(root, args.tests)
            print(f"suite: {args.tests} tests, {setups} fixture setups per serial run, "
                  f"{args.rounds} interleaved rounds, python {sys.version.split()[0]}")  # fmt: skip
        else:
            root, setups = args.suite.resolve(), 0
            print(f"suite: {root}, {args.rounds} interleaved rounds")
        if args.callgrind:
            for n in args.workers:
                counts = {
                    mode: instructions(
                        pythons[which],
                        root,
                        [
                            "-n",
                            n,
                            *[a.replace("{tmp}", tmp) for a in extra],
                            *shlex.split(args.pytest_args),
                        ],
                    )
                    for mode, (which, extra) in modes.items()
                }
                print(f"\n-n {n}: mode               instructions   ratio   per fixture")
                for mode, count in counts.items():
                    base = counts[baseline_mode(modes[mode][0])]
                    per_fixture = f"{(count - base) / setups:+9,.0f}" if setups else ""
                    print(f"       {mode:<17} {count / 1e9:9.3f} G   {count / base:6.4f}  "
                          f"{per_fixture}")  # fmt: skip
            return 0
        for n in args.workers:
            results: dict[str, list[tuple[float, float]]] = {mode: [] for mode in modes}
            for _ in range(args.rounds):
                for mode, (which, extra) in modes.items():
                    extra = [a.replace("{tmp}", tmp) for a in extra]
                    results[mode].append(
                        run(pythons[which], root, ["-n", n, *extra, *shlex.split(args.pytest_args)])
                    )
            medians = {
                mode: (statistics.median(w for w, _ in samples),
                       statistics.median(c for _, c in samples))
                for mode, samples in results.items()
            }  # fmt: skip
            print(
                f"\n-n {n}: mode               wall    ratio     cpu    ratio   per fixture (cpu)"
                "   ratios to"
            )
            for mode, (wall, cpu) in medians.items():
                # each venv against its own plugin-off run: their start-up costs differ
                base = baseline_mode(modes[mode][0])
                base_wall, base_cpu = medians[base]
                per_fixture = f"{(cpu - base_cpu) / setups * 1e6:+7.2f} us" if setups else ""
                print(f"       {mode:<17} {wall:6.2f}s  {wall / base_wall:6.3f}  {cpu:6.2f}s  "
                      f"{cpu / base_cpu:6.3f}   {per_fixture:>10}   {base}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
