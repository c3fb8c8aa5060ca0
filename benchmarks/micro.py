"""Micro-benchmark: the cost of one fixture setup + teardown cycle, plugin on vs off.

    python benchmarks/micro.py [--tests 2000] [--fixtures 10] [--rounds 5] [--quick]
    python benchmarks/micro.py --callgrind [--tests 1000] [--fixtures 10]

One pytest process runs ``tests`` tests, each using ``fixtures`` function-scoped fixtures
(so tests x fixtures cycles). A small plugin reads the process's CPU time at the start
and end of the test loop, so interpreter start-up and collection are left out. Modes are
interleaved; the medians give the added microseconds per cycle (the per-test hooks are
included, spread over the test's fixtures).

``--callgrind`` counts instructions instead (valgrind; the same count on a busy machine as
on an idle one). Each mode runs twice, with ``tests`` and with twice as many tests, and
the difference between the two runs is divided by the extra cycles: start-up, collection
set-up and the final report cancel out, leaving the cost of one cycle.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

from peer import baseline_mode, interpreters

# The clock stops after every other sessionfinish hook (the plugin aggregates what is still
# buffered in a trylast one), so all of the plugin's per-record work is inside.
TIMER_PLUGIN = """
import time
import pytest

def pytest_runtestloop(session):
    session.config._bench_start = time.process_time()

@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish(session):
    result = yield
    start = getattr(session.config, "_bench_start", None)
    if start is not None:
        with open({out!r}, "a") as f:
            f.write(f"{{time.process_time() - start}}\\n")
    return result
"""


# The least any hook-based fixture timer pays: the same two hooks, doing nothing.
NOOP_HOOKS_PLUGIN = """
import pytest

@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_fixture_setup(fixturedef, request):
    return (yield)

@pytest.hookimpl(tryfirst=True)
def pytest_fixture_post_finalizer(fixturedef, request):
    pass
"""


def write_suite(root: Path, tests: int, fixtures: int) -> None:
    lines = ["import pytest", ""]
    for i in range(fixtures):
        lines += ["@pytest.fixture", f"def f{i}():", f"    return {i}", ""]
    (root / "conftest.py").write_text("\n".join(lines))
    args = ", ".join(f"f{i}" for i in range(fixtures))
    (root / "test_micro.py").write_text(
        "import pytest\n\n"
        f"@pytest.mark.parametrize('i', range({tests}))\n"
        f"def test_t(i, {args}):\n    pass\n"
    )


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


#: mode -> (which python: "ours" or "peer", extra pytest arguments)
MODES: dict[str, tuple[str, list[str]]] = {
    "off": ("ours", ["-p", "no:fixture_perf"]),
    "no-op hooks": ("ours", ["-p", "no:fixture_perf", "-p", "bench_noop_hooks"]),
    "on": ("ours", ["--fixture-perf-top=off"]),
    "peer-off": ("peer", ["--pytest-durations=0"]),
    "pytest-durations": ("peer", []),
}


def loop_cpu(python: Path | str, root: Path, out: Path, mode: list[str]) -> float:
    out.unlink(missing_ok=True)
    args = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:asyncio",
            "-p", "bench_timer", *mode]  # fmt: skip
    env = {**ENV, "PYTHONPATH": str(root)}
    subprocess.run(args, cwd=root, check=True, stdout=subprocess.DEVNULL, env=env)
    return float(out.read_text().split()[-1])


def _pythonpath(root: Path) -> str:
    """``root`` first, then whatever PYTHONPATH said (e.g. another checkout's src)."""
    return os.pathsep.join(p for p in (str(root), ENV.get("PYTHONPATH", "")) if p)


def loop_instructions(python: Path | str, root: Path, mode: list[str]) -> int:
    """Instructions of one whole pytest run (single process) under valgrind's callgrind."""
    with tempfile.TemporaryDirectory(prefix="fixture-perf-cg-") as out:
        args = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:asyncio",
                *mode]  # fmt: skip
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/cg.out", *args],
            cwd=root, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**ENV, "PYTHONPATH": _pythonpath(root), "PYTHONHASHSEED": "0"},
        )  # fmt: skip
        for line in (Path(out) / "cg.out").read_text().splitlines():
            if line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError("callgrind wrote no totals")


def callgrind(args: argparse.Namespace, pythons: dict[str, Path | str]) -> int:
    """Instructions per setup+teardown cycle and per test, from runs of N tests x F
    fixtures, 2N x F and N x 2F per mode: the second run adds N more tests, the third N x F
    more cycles in the same tests, so start-up and the final report cancel out."""
    modes = {mode: spec for mode, spec in MODES.items() if spec[0] in pythons}
    counts: dict[str, list[int]] = {mode: [] for mode in modes}
    n, f = args.tests, args.fixtures
    for tests, fixtures in ((n, f), (2 * n, f), (n, 2 * f)):
        with tempfile.TemporaryDirectory(prefix="fixture-perf-micro-") as tmp:
            root = Path(tmp)
            write_suite(root, tests, fixtures)
            (root / "bench_noop_hooks.py").write_text(NOOP_HOOKS_PLUGIN)
            for mode, (which, extra) in modes.items():
                # once without counting: bytecode caches written (a run that compiles the
                # plugin would count that work as the plugin's)
                subprocess.run(
                    [str(pythons[which]), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                     "-p", "no:asyncio", *extra],
                    cwd=root, check=True, stdout=subprocess.DEVNULL,
                    env={**ENV, "PYTHONPATH": _pythonpath(root)},
                )  # fmt: skip
                counts[mode].append(loop_instructions(pythons[which], root, extra))
    print(f"micro --callgrind: instructions per setup+teardown cycle and per test, from runs "
          f"of {n} x {f}, {2 * n} x {f} and {n} x {2 * f} (tests x fixtures)")  # fmt: skip
    per_cycle = {mode: (c[2] - c[0]) / (n * f) for mode, c in counts.items()}
    per_test = {mode: (c[1] - c[0]) / n - f * per_cycle[mode] for mode, c in counts.items()}
    # what the micro figures always gave: a cycle's share of everything, F fixtures a test
    per_shared = {mode: (c[1] - c[0]) / (n * f) for mode, c in counts.items()}
    for mode in counts:
        base = baseline_mode(modes[mode][0])
        print(
            f"  {mode:<16} cycle {per_cycle[mode] - per_cycle[base]:+9,.0f}   "
            f"test {per_test[mode] - per_test[base]:+10,.0f}   "
            f"cycle with its share of the test ({f} a test) "
            f"{per_shared[mode] - per_shared[base]:+9,.0f}   (vs {base})"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=2000)
    parser.add_argument("--fixtures", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-peer", action="store_true", help="leave pytest-durations out")
    parser.add_argument(
        "--quick", action="store_true", help="200 tests, 2 rounds, no peer (for CI)"
    )
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="count instructions per cycle under valgrind (slow: use --tests 1000)",
    )
    args = parser.parse_args()
    if args.quick:
        args.tests, args.rounds, args.no_peer = 200, 2, True
    pythons = interpreters(with_peer=not args.no_peer)
    if args.callgrind:
        return callgrind(args, pythons)
    modes = {mode: spec for mode, spec in MODES.items() if spec[0] in pythons}
    cycles = args.tests * args.fixtures
    with tempfile.TemporaryDirectory(prefix="fixture-perf-micro-") as tmp:
        root = Path(tmp)
        write_suite(root, args.tests, args.fixtures)
        out = root / "loop.txt"
        (root / "bench_timer.py").write_text(TIMER_PLUGIN.format(out=str(out)))
        (root / "bench_noop_hooks.py").write_text(NOOP_HOOKS_PLUGIN)
        samples: dict[str, list[float]] = {mode: [] for mode in modes}
        for _ in range(args.rounds):
            for mode, (which, extra) in modes.items():
                samples[mode].append(loop_cpu(pythons[which], root, out, extra))
    print(f"micro: {cycles:,} setup+teardown cycles per run ({args.tests} tests x "
          f"{args.fixtures} fixtures), {args.rounds} interleaved rounds")  # fmt: skip
    for mode, values in samples.items():
        base = baseline_mode(modes[mode][0])
        off = statistics.median(samples[base])
        cpu = statistics.median(values)
        print(f"  {mode:<16} test loop CPU {cpu:.3f} s, {cpu / cycles * 1e6:6.2f} us per cycle, "
              f"added {(cpu - off) / cycles * 1e6:+.2f} us (vs {base})")  # fmt: skip
    print("  target: plugin on adds <= 1.5 us per cycle")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
