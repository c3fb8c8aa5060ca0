"""``fixture-perf export --test-durations``: pytest-split's durations without the shared
fixtures' bias, checked against the durations pytest itself reports (logged by the suite's
own hook, as pytest-split's ``--store-durations`` sums them) and the suite's known sleeps."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from pytest_fixture_perf.cli import main as cli

from conftest import Suite

SUITE = """
import time
import pytest

@pytest.fixture(scope="session")
def warehouse():
    time.sleep(0.5)
    yield
    time.sleep(0.2)

@pytest.fixture(scope="module")
def shelf(warehouse):
    time.sleep(0.1)

@pytest.fixture
def box():
    time.sleep(0.05)

def test_first(shelf, box):
    time.sleep(0.05)

def test_second(shelf):
    time.sleep(0.05)

def test_third(box):
    time.sleep(0.05)
"""

#: pytest's own durations, summed over a test's phases as pytest-split does.
HOOK = """
import json

def pytest_runtest_logreport(report):
    with open("pytest-durations.log", "a") as handle:
        handle.write(json.dumps([report.nodeid, report.duration]) + "\\n")
"""


def pytest_own(suite: Suite) -> Counter[str]:
    total: Counter[str] = Counter()
    for line in (suite.path / "pytest-durations.log").read_text().splitlines():
        nodeid, seconds = json.loads(line)
        total[nodeid] += seconds
    return total


@pytest.fixture
def ran(suite: Suite) -> tuple[Suite, Path]:
    suite.pytester.makepyfile(test_w=SUITE)
    suite.pytester.makeconftest(HOOK)
    report = suite.path / "run.json"
    result, _ = suite.run(f"--fixture-perf-json={report}", "--fixture-perf-no-save",
                          json_report=False)  # fmt: skip
    result.assert_outcomes(passed=3)
    return suite, report


def export(report: Path, out: Path, *extra: str) -> dict[str, float]:
    assert cli(["export", str(report), f"--test-durations={out}", *extra]) == 0
    return dict(json.loads(out.read_text()))


def test_shared_fixtures_leave_the_test_that_triggered_them(ran: tuple[Suite, Path]) -> None:
    suite, report = ran
    pytest_says = pytest_own(suite)
    ours = export(report, suite.path / ".test_durations")
    assert set(ours) == set(pytest_says) == {
        "test_w.py::test_first", "test_w.py::test_second", "test_w.py::test_third"
    }  # fmt: skip
    first, second, third = (f"test_w.py::test_{n}" for n in ("first", "second", "third"))
    # pytest bills the warehouse (0.5 s) and the shelf (0.1 s) to the first test...
    assert pytest_says[first] >= 0.5 + 0.1 + 0.05 + 0.05
    # ...and the warehouse's teardown (0.2 s) to the last one
    assert pytest_says[third] >= 0.2 + 0.05 + 0.05
    # ours: what each test cost itself (its function fixture and its body), which is at
    # least its own sleeps and well short of the shared fixtures' 0.6 s and 0.2 s...
    assert 0.1 <= ours[first] < 0.1 + 0.4
    assert 0.05 <= ours[second] < 0.05 + 0.3
    assert 0.1 <= ours[third] < 0.1 + 0.15
    # ...and exactly pytest's duration less the shared fixtures' sleeps; a pause in a test
    # body (the run is in-process, so the outer suite's garbage collection can land in it)
    # is in both figures, so it moves neither difference
    assert pytest_says[first] - ours[first] == pytest.approx(0.6, abs=0.05)
    assert pytest_says[second] - ours[second] == pytest.approx(0.0, abs=0.01)
    assert pytest_says[third] - ours[third] == pytest.approx(0.2, abs=0.05)


def test_spread_shares_shared_fixtures_among_their_users(ran: tuple[Suite, Path]) -> None:
    suite, report = ran
    pytest_says = pytest_own(suite)
    spread = export(report, suite.path / "spread.json", "--spread")
    removed = export(report, suite.path / "removed.json")
    # nothing lost: the shared time moved, in all it is pytest's
    assert sum(spread.values()) == pytest.approx(sum(pytest_says.values()), abs=0.03)
    first, second, third = (f"test_w.py::test_{n}" for n in ("first", "second", "third"))
    # the shelf's setup (0.1 s, with the warehouse's 0.5 s inside it) and the warehouse's
    # teardown (0.2 s, in the third test's teardown) are shared by the two tests that used
    # them; the third test used neither
    assert spread[first] - removed[first] == pytest.approx(0.3 + 0.1, abs=0.04)
    assert spread[second] - removed[second] == pytest.approx(0.3 + 0.1, abs=0.04)
    assert spread[third] - removed[third] == pytest.approx(0.0, abs=0.01)


def test_an_existing_durations_file_keeps_its_other_tests(ran: tuple[Suite, Path]) -> None:
    suite, report = ran
    out = suite.path / ".test_durations"
    out.write_text(json.dumps({"test_other.py::test_x": 1.5, "test_w.py::test_first": 9.0}))
    ours = export(report, out)
    assert ours["test_other.py::test_x"] == 1.5
    assert ours["test_w.py::test_first"] < 1.0


@pytest.mark.parametrize("content", ['{"a": "slow"}', "[1, 2]", "import os\n", "\x00\xff"])
def test_a_file_that_is_not_a_durations_file_is_left_alone(
    ran: tuple[Suite, Path], content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    suite, report = ran
    out = suite.path / "precious.py"
    out.write_text(content, encoding="latin-1")
    before = out.read_bytes()
    assert cli(["export", str(report), f"--test-durations={out}"]) == 2
    assert out.read_bytes() == before
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "not a test durations file" in err[0]


def test_pytest_splits_older_list_format_is_read(ran: tuple[Suite, Path]) -> None:
    suite, report = ran
    out = suite.path / ".test_durations"
    out.write_text(json.dumps([["test_other.py::test_x", 1.5]]))
    ours = export(report, out)
    assert ours["test_other.py::test_x"] == 1.5
    assert "test_w.py::test_first" in ours


def test_a_fifo_is_written_to_not_read(ran: tuple[Suite, Path]) -> None:
    import os
    import threading

    suite, report = ran
    fifo = suite.path / "durations.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert cli(["export", str(report), f"--test-durations={fifo}"]) == 0
    reader.join(timeout=10)
    assert not reader.is_alive()
    assert "test_w.py::test_first" in json.loads(received[0])
