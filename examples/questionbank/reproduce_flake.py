"""Before and after: the seed's flaky ``test_fixture_performance_reporting``.

    python examples/questionbank/reproduce_flake.py [--runs 20] [-n 4] [--all]

*Before*: the seed's original helper (a per-process global tracker fed by a decorator) and
its original tests, from ``legacy/``, with the plugin off. *After*: this example as it is,
with pytest-fixture-perf. Both run the seed's command (the performance tests; ``--all``
runs the whole suite) under ``-n 4`` once per seed, with the test order shuffled by the
seed: the order decides which worker runs which test, as xdist's timing-dependent
scheduling (or pytest-randomly) does. The same seeds are used for both.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PERFORMANCE_TESTS = "backend/tests/performance/test_fixture_performance.py"
IGNORE = shutil.ignore_patterns("__pycache__", "*.sqlite", "reports", ".pytest_cache")


def make_tree(root: Path, legacy: bool) -> Path:
    tree = root / ("before" if legacy else "after")
    shutil.copytree(HERE, tree, ignore=IGNORE)
    if legacy:
        shutil.copy(tree / "legacy/fixture_performance.py",
                    tree / "backend/tests/helpers/fixture_performance.py")  # fmt: skip
        shutil.copy(tree / "legacy/seed_test_fixture_performance.py", tree / PERFORMANCE_TESTS)
    return tree


def run_once(tree: Path, seed: int, workers: str, whole_suite: bool, legacy: bool) -> list[str]:
    """The tests that failed in one run (empty when it passed)."""
    args = [sys.executable, "-m", "pytest", "-q", "-n", workers, "-p", "no:randomly",
            "-p", "backend.tests.helpers.shuffle", f"--shuffle-seed={seed}"]  # fmt: skip
    if legacy:
        args += ["-p", "no:fixture_perf"]
    else:
        args += ["--fixture-perf-top=off"]
    if not whole_suite:
        args.append(PERFORMANCE_TESTS)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    result = subprocess.run(args, cwd=tree, env=env, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        sys.exit(
            f"pytest could not run (exit {result.returncode}):\n{result.stdout}{result.stderr}"
        )
    if " skipped" in (result.stdout.splitlines() or [""])[-1]:
        sys.exit(f"a test was skipped (seed {seed}): skips are not allowed here")
    return [line.split("::")[-1].split(" ")[0] for line in result.stdout.splitlines()
            if line.startswith("FAILED ")]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("-n", dest="workers", default="4", help="xdist workers (default 4)")
    parser.add_argument("--all", action="store_true", help="run the whole suite, not only "
                        "the performance tests")  # fmt: skip
    options = parser.parse_args()
    after_failed = False
    with tempfile.TemporaryDirectory(prefix="questionbank-flake-") as tmp:
        for legacy, label in ((True, "before: per-process tracker (seed)"),
                              (False, "after:  pytest-fixture-perf")):  # fmt: skip
            tree = make_tree(Path(tmp), legacy)
            failures = {
                seed: run_once(tree, seed, options.workers, options.all, legacy)
                for seed in range(1, options.runs + 1)
            }
            failed = [seed for seed, tests in failures.items() if tests]
            which = sorted({test for tests in failures.values() for test in tests})
            print(f"{label}: {len(failed)}/{options.runs} runs failed under -n {options.workers}"
                  + (f" (failing: {', '.join(which)})" if failed else ""), flush=True)  # fmt: skip
            if failed and not legacy:
                after_failed = True
    return 1 if after_failed else 0  # the "after" runs must all pass; "before" may not


if __name__ == "__main__":
    raise SystemExit(main())
