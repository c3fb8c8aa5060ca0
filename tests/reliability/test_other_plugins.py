"""The fault matrix, other plugins in the same run: each case runs a suite whose fixtures log
their own setups and teardowns, with the plugin and without it, and checks that the test
outcomes are the same and that every count equals the log.

These cases need plugins the development venv does not hold (pytest-rerunfailures,
pytest-randomly, pytest-timeout, time-machine, pytest-django): they are marked ``plugins``
and run by ``make test-plugins`` (a nox session that installs them), which CI runs.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from conftest import Suite, reported

pytestmark = pytest.mark.plugins

LOGGED = """
import pytest
from gtlog import gt

@pytest.fixture(scope="session")
def sess():
    gt("setup", "sess")
    yield
    gt("teardown", "sess")

@pytest.fixture(scope="module")
def mod(sess):
    gt("setup", "mod")
    yield
    gt("teardown", "mod")

@pytest.fixture
def func(mod):
    gt("setup", "func", 0.002)
    yield
    gt("teardown", "func")
"""

NAMES = {"sess", "mod", "func", "frozen", "db_user"}


def counts(doc: dict[str, Any]) -> Counter[tuple[str, str]]:
    return +reported(doc, set(NAMES))


def outcomes(result: pytest.RunResult) -> dict[str, int]:
    return {k: v for k, v in result.parseoutcomes().items() if not k.startswith("warning")}


def same_outcomes_and_exact_counts(suite: Suite, *args: str) -> dict[str, Any]:
    """Run with and without the plugin: equal outcomes; counts equal the fixtures' log."""
    result, doc = suite.run("--fixture-perf-no-save", *args, subprocess=True)
    truth = +suite.ground_truth()
    plain, _ = suite.run("-p", "no:fixture_perf", *args, subprocess=True, json_report=False)
    assert outcomes(result) == outcomes(plain), result.stdout.str()
    assert counts(doc) == Counter({k: v for k, v in truth.items() if k[1] in NAMES})
    return doc


@pytest.fixture
def logged(suite: Suite) -> Suite:
    suite.pytester.makeconftest(LOGGED)
    return suite


FLAKY = """
import pathlib

def test_flaky(func):
    marker = pathlib.Path(__file__).with_name("tries")
    tries = int(marker.read_text()) if marker.exists() else 0
    marker.write_text(str(tries + 1))
    assert tries >= 2  # fails twice, then passes

def test_steady(func): pass
"""


@pytest.mark.parametrize("xdist", [(), ("-n", "2")])
def test_rerunfailures(logged: Suite, xdist: tuple[str, ...]) -> None:
    """Reruns set fixtures up again: each rerun's setups are counted."""
    logged.pytester.makepyfile(test_flaky=FLAKY)

    def reset() -> None:
        (logged.path / "tries").unlink(missing_ok=True)

    reset()
    result, doc = logged.run("--fixture-perf-no-save", "--reruns=3", *xdist, subprocess=True)
    truth = +logged.ground_truth()
    assert result.parseoutcomes().get("rerun") == 2
    assert counts(doc) == Counter({k: v for k, v in truth.items() if k[1] in NAMES})
    reset()
    plain, _ = logged.run("-p", "no:fixture_perf", "--reruns=3", *xdist, subprocess=True,
                          json_report=False)  # fmt: skip
    assert outcomes(result) == outcomes(plain)


@pytest.mark.parametrize("xdist", [(), ("-n", "2")])
def test_randomly(logged: Suite, xdist: tuple[str, ...]) -> None:
    """A shuffled order sets module and session fixtures up at other times: still exact."""
    logged.pytester.makepyfile(
        test_a="import pytest\n@pytest.mark.parametrize('i', range(8))\ndef test_a(func, i): pass",
        test_b="import pytest\n@pytest.mark.parametrize('i', range(8))\ndef test_b(func, i): pass",
    )
    for seed in ("1", "2", "3"):
        same_outcomes_and_exact_counts(logged, f"--randomly-seed={seed}", *xdist)


TIMEOUTS = """
import time

def test_quick(func): pass

def test_too_slow(func):
    time.sleep(5)
"""


@pytest.mark.parametrize("method", ["signal", "thread"])
def test_timeout(logged: Suite, method: str) -> None:
    """A test that times out: with the signal method it fails and its fixtures are torn
    down; with the thread method pytest-timeout ends the whole process."""
    logged.pytester.makepyfile(test_timeouts=TIMEOUTS)
    if method == "signal":
        same_outcomes_and_exact_counts(logged, "--timeout=1", f"--timeout-method={method}")
        return
    # the thread method kills the process: under xdist the worker is lost, and the report
    # says so, with what it sent
    result, doc = logged.run("--fixture-perf-no-save", "--timeout=1", "--timeout-method=thread",
                             "-n", "2", subprocess=True)  # fmt: skip
    truth = +logged.ground_truth()
    found = counts(doc)
    for key, n in found.items():
        assert n <= truth[key], key
    # every finished test was shipped, and every setup of a shared fixture (sent with the
    # setup's report); the killed test's func may be missing (it goes with the setup's
    # report only when that set up a shared fixture: its worker's first test of the module)
    assert found[("setup", "mod")] == truth[("setup", "mod")]
    assert found[("setup", "sess")] == truth[("setup", "sess")]
    assert truth[("setup", "func")] - 1 <= found[("setup", "func")]
    assert doc["run"]["lost_workers"], result.stdout.str()
    assert doc["run"]["incomplete"]


TIME_MACHINE = """
import time
import pytest
import time_machine
from gtlog import gt

@pytest.fixture
def frozen():
    with time_machine.travel(0, tick=False):
        gt("setup", "frozen", 0.02)
        yield
        gt("teardown", "frozen")

@pytest.fixture(autouse=True, scope="module")
def module_freezer():
    with time_machine.travel(86400, tick=True):
        yield

def test_frozen(frozen, func):
    time.sleep(0.01)

@time_machine.travel(0, tick=False)
def test_travelling(func):
    time.sleep(0.01)
"""


def test_time_machine_changes_no_number(logged: Suite) -> None:
    logged.pytester.makepyfile(test_tm=TIME_MACHINE)
    doc = same_outcomes_and_exact_counts(logged)
    frozen = next(f for f in doc["fixtures"] if f["name"] == "frozen")
    assert 0.02 <= frozen["setup"]["max"] < 1.0  # the real 20 ms, not 0, not a day
    assert frozen["teardown"]["max"] >= 0
    func = next(f for f in doc["fixtures"] if f["name"] == "func")
    assert 0.002 <= func["setup"]["max"] < 1.0


DJANGO_SETTINGS = """
SECRET_KEY = "test"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True
"""

DJANGO_TESTS = """
import pytest

@pytest.fixture
def db_user(db, django_user_model):
    from gtlog import gt
    gt("setup", "db_user")
    yield django_user_model.objects.create(username="u")
    gt("teardown", "db_user")

@pytest.mark.parametrize("i", range(4))
def test_user(db_user, i):
    assert db_user.pk

class TestClassBased:
    def test_one(self, db_user): pass
    def test_two(self, db_user): pass
"""


@pytest.mark.parametrize("xdist", [(), ("-n", "2")])
def test_pytest_django_database_fixtures(logged: Suite, xdist: tuple[str, ...]) -> None:
    """pytest-django's database fixtures: counted as pytest runs them (--setup-show)."""
    logged.pytester.makepyfile(tiny_settings=DJANGO_SETTINGS, test_django=DJANGO_TESTS)
    logged.pytester.makeini("[pytest]\nDJANGO_SETTINGS_MODULE = tiny_settings\npythonpath = .\n")
    doc = same_outcomes_and_exact_counts(logged, *xdist)
    names = {f["name"]: f for f in doc["fixtures"]}
    # django_db_setup is session-scoped: once per process that used the database
    assert names["django_db_setup"]["setups"] == len(names["django_db_setup"]["workers"])
    # every test's closure holds it, whatever the scheduling
    assert names["django_db_setup"]["uses"] == 6


ANYIO_TESTS = """
import anyio
import pytest
from gtlog import gt

pytestmark = pytest.mark.anyio

@pytest.fixture
def anyio_backend():
    return "asyncio"

@pytest.fixture
async def resource():
    gt("setup", "resource")
    await anyio.sleep(0.03)
    yield
    await anyio.sleep(0.02)
    gt("teardown", "resource")

@pytest.mark.parametrize("i", range(3))
async def test_async(resource, i):
    await anyio.sleep(0)
"""


def test_anyio_async_fixtures(logged: Suite) -> None:
    """anyio's async fixtures: timed from the sleeps their bodies make, counted exactly."""
    logged.pytester.makepyfile(test_anyio=ANYIO_TESTS)
    result, doc = logged.run("--fixture-perf-no-save", "-p", "no:asyncio", subprocess=True)
    plain, _ = logged.run("-p", "no:fixture_perf", "-p", "no:asyncio", subprocess=True,
                          json_report=False)  # fmt: skip
    assert outcomes(result) == outcomes(plain) == {"passed": 3}
    truth = +logged.ground_truth()
    entry = next(f for f in doc["fixtures"] if f["name"] == "resource")
    assert (entry["setups"], entry["teardowns"]) == (
        truth[("setup", "resource")], truth[("teardown", "resource")]
    ) == (3, 3)  # fmt: skip
    assert 0.03 <= entry["setup"]["median"] < 1.0
    assert 0.02 <= entry["teardown"]["median"] < 1.0
