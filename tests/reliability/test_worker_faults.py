"""The fault matrix, processes that die or stop: ``os._exit`` in a test, in a fixture's setup
and in its teardown (xdist restarting the worker or not), ``-x`` and ``--maxfail``, and
SIGTERM. The tests' outcomes are the same without the plugin, nothing is invented (counts
never exceed the fixtures' own log), and what is missing is said."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import pytest

from conftest import Suite, reported

LOGGED = """
import os, pytest
from gtlog import gt

@pytest.fixture(scope="session")
def sess():
    gt("setup", "sess")
    yield
    gt("teardown", "sess")

@pytest.fixture
def func(sess):
    gt("setup", "func")
    yield
    gt("teardown", "func")

@pytest.fixture
def dies_in_setup():
    os._exit(3)

@pytest.fixture
def dies_in_teardown():
    yield
    os._exit(3)
"""

WHERE = {
    "test": "def test_dies(func):\n    os._exit(3)\n",
    "setup": "def test_dies(func, dies_in_setup): pass\n",
    "teardown": "def test_dies(func, dies_in_teardown): pass\n",
}

NAMES = ("func", "sess")


def counts(doc: dict[str, Any]) -> Counter[tuple[str, str]]:
    return +reported(doc, set(NAMES))


def outcomes(result: pytest.RunResult) -> dict[str, int]:
    return {k: v for k, v in result.parseoutcomes().items() if not k.startswith("warning")}


@pytest.mark.parametrize("where", sorted(WHERE))
@pytest.mark.parametrize("restarts", [None, "0"])
def test_a_worker_dying_loses_no_completed_test(
    suite: Suite, where: str, restarts: str | None
) -> None:
    suite.pytester.makeconftest(LOGGED)
    tests = "import os, pytest\n@pytest.mark.parametrize('i', range(6))\n"
    tests += "def test_before(func, i): pass\n" + WHERE[where]
    tests += "@pytest.mark.parametrize('i', range(6))\ndef test_after(func, i): pass\n"
    suite.pytester.makepyfile(test_faults=tests)
    args = ["-n", "2", "-p", "no:randomly"]
    if restarts is not None:
        args.append(f"--max-worker-restart={restarts}")
    result, doc = suite.run("--fixture-perf-no-save", *args, subprocess=True)
    truth = +suite.ground_truth()
    plain, _ = suite.run("-p", "no:fixture_perf", *args, subprocess=True, json_report=False)
    if restarts is None:  # a new worker takes over: every test runs, with or without us
        assert outcomes(result) == outcomes(plain)
    else:  # without restarts, how many tests the other worker ran first is timing
        assert outcomes(result)["failed"] == outcomes(plain)["failed"] == 1
    found = counts(doc)
    for key in set(found) | {k for k in truth if k[1] in NAMES}:
        assert found[key] <= truth[key], (key, found, truth)  # nothing invented
    # what is missing is at most the function-scoped records of the test the worker died
    # in (they were to go at its end): func's setup and, dying in the
    # teardown, its teardown
    missing = sum(truth[k] - found[k] for k in truth if k[1] in NAMES)
    assert missing <= 2, (found, truth)
    run = doc["run"]
    assert run["lost_workers"], result.stdout.str()
    assert any("was lost" in reason for reason in run["incomplete"])


@pytest.mark.parametrize("stop", [("-x",), ("--maxfail=2",)])
@pytest.mark.parametrize("xdist", [(), ("-n", "2")])
def test_stopping_early_tears_down_and_counts_exactly(
    suite: Suite, stop: tuple[str, ...], xdist: tuple[str, ...]
) -> None:
    suite.pytester.makeconftest(LOGGED)
    suite.pytester.makepyfile(
        test_stop="import pytest\n@pytest.mark.parametrize('i', range(20))\n"
        "def test_it(func, i):\n    assert i % 5 != 4\n"
    )
    args = [*stop, *xdist, "-p", "no:randomly"]
    result, doc = suite.run("--fixture-perf-no-save", *args, subprocess=True)
    truth = +suite.ground_truth()
    plain, _ = suite.run("-p", "no:fixture_perf", *args, subprocess=True, json_report=False)
    if not xdist:  # under xdist how many tests ran before the stop depends on timing
        assert outcomes(result) == outcomes(plain)
    assert counts(doc) == Counter({k: v for k, v in truth.items() if k[1] in NAMES})
    assert doc["run"]["open_setups"] == 0


SLOW_SUITE = """
import pathlib, time, pytest
from gtlog import gt

@pytest.fixture
def func():
    gt("setup", "func")
    yield
    gt("teardown", "func")

@pytest.mark.parametrize("i", range(50))
def test_slow(func, i):
    pathlib.Path(__file__).with_name("started").touch()
    time.sleep(0.05)
"""


@pytest.mark.parametrize("xdist", [(), ("-n", "2")])
def test_sigterm_ends_the_run_without_a_traceback_of_ours(
    suite: Suite, xdist: tuple[str, ...]
) -> None:
    """SIGTERM (a CI job cancelled) kills pytest by default: nothing can be written then,
    and the plugin must not change that nor leave a traceback; the next run is unharmed."""
    suite.pytester.makepyfile(test_slow=SLOW_SUITE)
    child = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *xdist],
        cwd=suite.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (suite.path / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(child.pid, signal.SIGTERM)
    out, _ = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGTERM, out
    assert "pytest_fixture_perf" not in out
    (suite.path / "started").unlink()
    again = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *xdist],
        cwd=suite.path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stdout
    assert "50 passed" in again.stdout
