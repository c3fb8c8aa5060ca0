"""Run the ground-truth suite N times at several worker counts; print every mismatch.

    python scripts/stress.py [-N 20] [--modes "-n 2" "-n 4 --dist loadfile" ...] [--asking]

Each run's per-fixture setup/teardown counts from --fixture-perf-json are compared with
the log the suite's fixtures write themselves (see tests/test_counts.py). With
``--asking`` the suite's tests and fixtures also ask for the live summary and record by
hand as they run (tests/test_summary_counts.py). Exits 1 if any run mismatched or failed
to produce a report.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_counts import CONFTEST, NAMES, PKG_CONFTEST, TEST_A, TEST_B, TEST_PKG  # noqa: E402
from test_summary_counts import ALL, ASKING_CONFTEST, ASKING_TESTS  # noqa: E402

from conftest import GT_HELPER  # noqa: E402

DEFAULT_MODES = ["-n 0", "-n 1", "-n 2", "-n 4", "-n 4 --dist loadfile", "-n 4 --dist worksteal"]


def write_suite(path: Path, *, asking: bool = False) -> None:
    (path / "gtlog.py").write_text(GT_HELPER)
    (path / "conftest.py").write_text(ASKING_CONFTEST if asking else CONFTEST)
    (path / "test_a.py").write_text(TEST_A)
    (path / "test_b.py").write_text(TEST_B)
    if asking:
        (path / "test_asking.py").write_text(ASKING_TESTS)
    (path / "pytest.ini").write_text("[pytest]\npythonpath = .\n")
    pkg = path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "conftest.py").write_text(PKG_CONFTEST)
    (pkg / "test_pkg.py").write_text(TEST_PKG)


def run_once(suite: Path, mode: str, names: set[str] = NAMES) -> str | None:
    """None when the report matches the ground truth, else a description."""
    log, report = suite / "gt.log", suite / "report.json"
    log.unlink(missing_ok=True)
    report.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:asyncio",
           *shlex.split(mode), f"--fixture-perf-json={report}"]  # fmt: skip
    proc = subprocess.run(cmd, cwd=suite, capture_output=True, text=True, check=False)
    if not report.exists():
        return f"no report (exit {proc.returncode}): {proc.stdout[-500:]}{proc.stderr[-500:]}"
    truth: Counter[tuple[str, str]] = Counter()
    for line in log.read_text().splitlines():
        phase, name, _pid = line.split()
        truth[(phase, name)] += 1
    got: Counter[tuple[str, str]] = Counter()
    for entry in json.loads(report.read_text())["fixtures"]:
        if entry["name"] in names:
            got[("setup", entry["name"])] += entry["setups"]
            got[("teardown", entry["name"])] += entry["teardowns"]
    if +got != +truth:
        diff = {k: (got[k], truth[k]) for k in set(got) | set(truth) if got[k] != truth[k]}
        return f"reported/truth differ: {diff}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-N", type=int, default=20, help="runs per mode (default 20)")
    parser.add_argument("--modes", nargs="+", default=DEFAULT_MODES)
    parser.add_argument(
        "--asking", action="store_true", help="tests and fixtures ask for the live summary"
    )
    args = parser.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="fixture-perf-stress-") as tmp:
        suite = Path(tmp)
        write_suite(suite, asking=args.asking)
        for mode in args.modes:
            start = time.perf_counter()
            bad = 0
            for i in range(args.N):
                problem = run_once(suite, mode, ALL if args.asking else NAMES)
                if problem:
                    bad += 1
                    print(f"MISMATCH [{mode}] run {i + 1}: {problem}")
            failures += bad
            print(f"{mode:<24} {args.N - bad}/{args.N} exact  ({time.perf_counter() - start:.0f}s)")
    print(f"total mismatches: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
