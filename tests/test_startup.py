"""The fixed cost of a run: each process imports only what its role uses.

Importing a module costs about 0.3 M instructions plus its body (``benchmarks/RESULTS.md``,
R5), and every xdist worker pays it again. Each process of the run below writes the
plugin's modules (and SQLite) it has loaded by the end of its session, and the test checks
them against what that process does.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import INI

CONFTEST = """
import os, sys

def pytest_unconfigure(config):
    # (not PYTEST_XDIST_WORKER: the run's controller inherits it when this suite runs
    # under xdist)
    name = getattr(config, "workerinput", {}).get("workerid", "main")
    loaded = sorted(m for m in sys.modules
                    if m.startswith("pytest_fixture_perf") or m == "sqlite3")
    with open(f"modules-{name}.txt", "w") as out:
        out.write("\\n".join(loaded))
"""

TESTS = """
import pytest

@pytest.fixture
def alpha():
    return 1

def test_one(alpha):
    pass

def test_two(alpha):
    pass
"""

#: What only a run that records loads.
RECORDING = {"pytest_fixture_perf.roles", "pytest_fixture_perf.collect.recorder",
             "pytest_fixture_perf.model.run", "pytest_fixture_perf.api"}  # fmt: skip
#: What only the report at a run's end uses (statistics, comparison, reporters, verdict).
REPORTING = {"pytest_fixture_perf.model.derive", "pytest_fixture_perf.model.compare",
             "pytest_fixture_perf.report.terminal", "pytest_fixture_perf.verdict",
             "pytest_fixture_perf.collect.meta"}  # fmt: skip
#: What only a tracker's summary uses.
SUMMARY = "pytest_fixture_perf.report.summary"
HISTORY = {"pytest_fixture_perf.store.history", "sqlite3"}


def loaded(pytester: pytest.Pytester, *args: str) -> dict[str, set[str]]:
    pytester.makeini(INI)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_startup_suite=TESTS)
    for old in pytester.path.glob("modules-*.txt"):
        old.unlink()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    return {
        path.stem.removeprefix("modules-"): set(path.read_text().split())
        for path in pytester.path.glob("modules-*.txt")
    }


@pytest.mark.parametrize("args", [["--fixture-perf-disable"], ["--collect-only"], ["--help"]])
def test_a_run_that_records_nothing_loads_only_the_options(
    pytester: pytest.Pytester, args: list[str]
) -> None:
    modules = loaded(pytester, *args)
    assert "pytest_fixture_perf.options" in modules["main"]
    assert not modules["main"] & (RECORDING | REPORTING | HISTORY | {SUMMARY})


def test_a_serial_run_without_a_history_loads_no_sqlite(pytester: pytest.Pytester) -> None:
    modules = loaded(pytester, "--fixture-perf-no-save")
    assert modules["main"] >= RECORDING | REPORTING
    assert not modules["main"] & (HISTORY | {SUMMARY})
    assert not (pytester.path / ".fixture-perf").exists()


def test_workers_load_no_reporting(pytester: pytest.Pytester) -> None:
    modules = loaded(pytester, "-n", "2", "--fixture-perf-no-save")
    assert modules.keys() == {"main", "gw0", "gw1"}
    assert modules["main"] >= REPORTING
    for worker in ("gw0", "gw1"):
        assert modules[worker] >= RECORDING
        assert not modules[worker] & (REPORTING | {SUMMARY, "pytest_fixture_perf.store.history"})


def test_the_package_loads_its_names_when_used() -> None:
    """``import pytest_fixture_perf`` loads none of the API; each public name and
    submodule is there when asked for, and listed by ``dir()``."""
    code = """
import sys, pytest_fixture_perf as p
loaded = lambda: sorted(m for m in sys.modules if m.startswith("pytest_fixture_perf."))
assert "pytest_fixture_perf.api" not in loaded(), loaded()
assert set(p.__all__) <= set(dir(p))
for name in p.__all__:
    getattr(p, name)
assert p.api.track_fixture_performance is p.track_fixture_performance
assert p.model.Run is p.Run
try:
    p.no_such_name
except AttributeError:
    pass
else:
    raise AssertionError("a name that is not there")
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr
