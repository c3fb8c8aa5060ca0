"""Whole-run numbers under pytest-xdist, against the fixtures' own ground-truth log."""

from __future__ import annotations

import json
import re
import selectors
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import execnet
import pytest

from test_counts import NAMES, full_suite

from conftest import Suite, by_name, reported

__all__ = ["full_suite"]  # the fixture, re-exported for these tests

MODES = [
    ("-n", "0"),
    ("-n", "1"),
    ("-n", "2"),
    ("-n", "4"),
    ("-n", "2", "--dist", "loadscope"),
    ("-n", "2", "--dist", "loadfile"),
    ("-n", "2", "--dist", "loadgroup"),
    ("-n", "2", "--dist", "worksteal"),
]


@pytest.mark.parametrize("mode", MODES, ids=[" ".join(m) for m in MODES])
def test_counts_equal_ground_truth(full_suite: Suite, mode: tuple[str, ...]) -> None:
    result, doc = full_suite.run(*mode)
    result.assert_outcomes(passed=18, skipped=1, errors=4)
    assert reported(doc, NAMES) == +full_suite.ground_truth()
    n = int(mode[1])
    expected_workers = ["main"] if n == 0 else [f"gw{i}" for i in range(n)]
    assert doc["run"]["workers"] == expected_workers
    assert doc["run"]["mode"] == ("serial" if n == 0 else "controller")
    # session fixtures run once per worker that needed them, and say where
    sess = by_name(doc)["sess"]
    assert sum(sess["workers"].values()) == sess["setups"]
    assert set(sess["workers"]) <= set(expected_workers)


CRASH_TESTS = """
import os
import pytest

@pytest.mark.parametrize("i", range(6))
def test_before(i, func): pass

def test_crash(func, sess):
    os._exit(3)

@pytest.mark.parametrize("i", range(6))
def test_after(i, func): pass
"""


#: A controller that gives its workers no spool: they send their fragments with their
#: reports, as remote workers do.
NO_SPOOL = """
@pytest.hookimpl(trylast=True)
def pytest_configure_node(node):
    del node.workerinput["fixture_perf_spool"]
"""

#: The disk under a worker's spool fills up after its first test: its writes fail (ENOSPC),
#: the spool's file descriptor made to point at /dev/full.
SPOOL_FILLS_UP = """
import os
_tests = []

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _tests.append(item)
    spool = getattr(item.config, "workerinput", {}).get("fixture_perf_spool")
    if len(_tests) == 2 and spool:
        full = os.open("/dev/full", os.O_WRONLY)
        for name in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(f"/proc/self/fd/{name}") == spool:
                    os.dup2(full, int(name))
            except OSError:
                pass
        os.close(full)
"""

#: How a worker's records reach the controller: ``spool`` (a local worker's default),
#: ``reports`` (a worker without a spool: each test's report carries them), ``spool fills
#: up`` (the spool's writes fail mid-run: the reports carry them from then on).
TRANSPORTS = {"spool": "", "reports": NO_SPOOL, "spool fills up": SPOOL_FILLS_UP}


#: The controller counts the reports that carry fragments (in ``carried.log``).
COUNT_CARRIERS = """
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report):
    if getattr(report, "fixture_perf", None):
        with open("carried.log", "a") as log:
            log.write(report.nodeid + "\\n")
"""


@pytest.mark.parametrize("transport", ["spool", "reports"])
def test_local_workers_send_their_records_once(full_suite: Suite, transport: str) -> None:
    """A local worker spools each test's fragment and sends its run once, at its end: no
    report carries a fragment, and the counts are exact. Without a spool (as a remote
    worker), the reports carry them."""
    conftest = full_suite.path / "conftest.py"
    conftest.write_text(conftest.read_text() + COUNT_CARRIERS + TRANSPORTS[transport])
    result, doc = full_suite.run("-n", "2")
    result.assert_outcomes(passed=18, skipped=1, errors=4)
    assert reported(doc, NAMES) == +full_suite.ground_truth()
    log = full_suite.path / "carried.log"
    carried = log.read_text().splitlines() if log.exists() else []
    if transport == "spool":
        assert carried == []
    else:  # per test (a test that recorded nothing new carries none), not per worker
        assert len(set(carried)) > 2 * 2


#: A worker's spool removed, cut to nothing or cut before its last record, by someone
#: else once its tests are done.
SPOOL_DAMAGE = """
import os, struct, pytest

def cut_last(spool):
    data, offset, last = open(spool, "rb").read(), 0, 0
    while offset < len(data):  # records framed as documented: two lengths, then them
        last = offset
        offset += 8 + sum(struct.unpack_from("<II", data, offset))
    os.truncate(spool, last)

@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    spool = getattr(session.config, "workerinput", {{}}).get("fixture_perf_spool")
    if spool:
        {action}
"""


@pytest.mark.parametrize(
    ("action", "said"),
    [("os.remove(spool)", "the spool * is gone: its worker wrote * records to it"),
     ("os.truncate(spool, 0)", "the spool * holds 0 of the * records its worker wrote to it"),
     ("cut_last(spool)", "the spool * holds * of the * records its worker wrote to it")],
)  # fmt: skip
@pytest.mark.parametrize("warnings", ["shown", "errors"])
def test_a_spool_damaged_under_its_worker_is_said(
    suite: Suite, action: str, said: str, warnings: str
) -> None:
    """What a worker's spool lost after it was written is said, in one line naming the
    spool, as a warning; under ``-W error`` in the terminal summary. The tests' outcomes
    are unchanged."""
    suite.pytester.makeconftest(SPOOL_DAMAGE.format(action=action))
    suite.pytester.makepyfile(
        "import pytest\n@pytest.fixture\ndef f(): pass\n"
        "@pytest.mark.parametrize('i', range(3))\ndef test_x(f, i): pass"
    )
    flag = "always" if warnings == "shown" else "error"
    result, _ = suite.run("-n", "1", "-W", f"{flag}::pytest_fixture_perf.FixturePerfWarning")
    result.assert_outcomes(passed=3)
    prefix = "*FixturePerfWarning: " if warnings == "shown" else "fixture-perf: "
    result.stdout.fnmatch_lines([prefix + said])
    if action.startswith("cut_last"):  # exactly the last record is missing
        found = re.search(r"holds (\d+) of the (\d+) records", str(result.stdout))
        assert found is not None
        assert int(found[1]) == int(found[2]) - 1 >= 2


def test_without_a_per_run_folder_the_reports_carry_the_records(
    full_suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The controller (in this process) cannot make its per-run folder: that is said in one
    line, there is no spool and no live view, and the workers' reports carry every record
    (the counts stay exact)."""
    import tempfile

    def refuse(*args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    result, doc = full_suite.run("-n", "2", "-W", "always::pytest_fixture_perf.FixturePerfWarning")
    result.assert_outcomes(passed=18, skipped=1, errors=4)
    result.stdout.fnmatch_lines([
        "*FixturePerfWarning: no per-run folder (Permission denied): workers send their "
        "records with each test's report, and there is no live view across workers"
    ])  # fmt: skip
    assert reported(doc, NAMES) == +full_suite.ground_truth()


def test_without_a_live_store_the_counts_stay_exact(
    full_suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live store cannot be made: said in one line; the spools still carry the
    records."""
    import sqlite3

    from pytest_fixture_perf.store import live

    def refuse(folder: Path) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(live, "create", refuse)
    result, doc = full_suite.run("-n", "2", "-W", "always::pytest_fixture_perf.FixturePerfWarning")
    result.assert_outcomes(passed=18, skipped=1, errors=4)
    result.stdout.fnmatch_lines(
        ["*FixturePerfWarning: no live view across workers: OperationalError: disk I/O error"]
    )
    assert reported(doc, NAMES) == +full_suite.ground_truth()


def test_a_spool_that_cannot_be_read_is_said(suite: Suite) -> None:
    """A worker's spool replaced by a directory once its tests are done: the controller
    says it could not read it, naming it; the tests' outcomes are unchanged."""
    suite.pytester.makeconftest(SPOOL_DAMAGE.format(action="os.remove(spool); os.mkdir(spool)"))
    suite.pytester.makepyfile(
        "import pytest\n@pytest.fixture\ndef f(): pass\n"
        "@pytest.mark.parametrize('i', range(3))\ndef test_x(f, i): pass"
    )
    result, _ = suite.run("-n", "1", "-W", "always::pytest_fixture_perf.FixturePerfWarning")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*FixturePerfWarning: could not read the spool *: Is a directory"])


@pytest.mark.parametrize(
    ("restarts", "transport"),
    [("0", "spool"), ("1", "spool"), ("0", "reports"),
     pytest.param("0", "spool fills up", marks=pytest.mark.skipif(
         not Path("/dev/full").exists() or not Path("/proc/self/fd").is_dir(),
         reason="needs Linux's /dev/full and /proc/self/fd"))],
)  # fmt: skip
def test_crashed_worker_keeps_finished_records(suite: Suite, restarts: str, transport: str) -> None:
    from test_counts import CONFTEST

    suite.pytester.makeconftest(CONFTEST + TRANSPORTS[transport])
    suite.pytester.makepyfile(test_crash=CRASH_TESTS)
    result, doc = suite.run("-n", "2", f"--max-worker-restart={restarts}",
                            "-W", "always::pytest_fixture_perf.FixturePerfWarning")  # fmt: skip
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1  # the crashed test
    if transport == "spool fills up":  # said, once by each worker that ran a second test
        assert 1 <= str(result.stdout).count("could not write the spool") <= 2
    truth = suite.ground_truth()
    assert truth[("setup", "func")] >= 7
    found = reported(doc, {"func", "sess", "mod"})
    # a worker sends what it recorded with each test's last report, and with its setup's
    # when that set up a shared fixture: every finished test is counted, and what is missing
    # is exactly the crashed test's function-scoped setup (its func)
    missing = +(truth - found)
    assert not +(found - truth), (found, truth)  # nothing invented
    assert missing == {("setup", "func"): 1}, (found, truth)
    lost = doc["run"]["lost_workers"]
    assert len(lost) == 1
    (crashed,) = lost
    assert crashed in {"gw0", "gw1"}
    if restarts == "1":
        assert "gw2" in doc["run"]["workers"]  # the replacement counts as its own worker
    result.stdout.fnmatch_lines([f"incomplete: worker {crashed} was lost (*"])
    # issue 12 #7: what the crash left open is said, per fixture, against the suite's log
    # (less the crashed test's func, which its worker never sent)
    for name in ("func", "sess", "mod"):
        entry = by_name(doc)[name]
        left_open = truth[("setup", name)] - truth[("teardown", name)]
        assert entry["open_setups"] == left_open - missing[("setup", name)], name
    assert doc["run"]["open_setups"] == sum(by_name(doc)[n]["open_setups"] for n in by_name(doc))
    assert doc["run"]["open_setups"] >= 2  # the crashed worker's sess and mod
    assert any("never torn down" in reason for reason in doc["run"]["incomplete"])


LIVE_CONFTEST = """
import time
import pytest

@pytest.fixture(scope="session")
def shared():
    time.sleep(0.05)

@pytest.fixture
def work(shared):
    time.sleep(0.02)

@pytest.fixture
def summary_when(fixture_performance_tracker):
    # wait (bounded): the run's summary once done(summary) holds, or at the timeout
    def wait(done, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            summary = fixture_performance_tracker.get_performance_summary()
            if done(summary) or time.monotonic() > deadline:
                return summary
            time.sleep(0.05)
    return wait
"""

LIVE_TESTS = """
import pytest

@pytest.mark.parametrize("i", range(20))
def test_work(i, work): pass

def test_fixture_performance_reporting(summary_when, worker_id):
    # wait until some other worker has published: tests run in any order
    summary = summary_when(lambda s: set(s["workers_reporting"]) - {worker_id}, timeout=20)
    others = set(summary["workers_reporting"]) - {worker_id}
    assert summary["total_fixture_setups"] > 0
    assert summary["complete"] is False
    assert summary["scope"] == "run"
    assert others, summary["workers_reporting"]
    assert set(summary["fixtures"]["work"]["workers"]) & others
    # session fixtures: once per worker that set it up
    shared = summary["fixtures"]["shared"]
    assert shared["setups"] == len(shared["workers"])
    assert all(n == 1 for n in shared["workers"].values())
"""


def test_live_view_sees_other_workers(
    suite: Suite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite.pytester.makeconftest(LIVE_CONFTEST)
    suite.pytester.makepyfile(test_live=LIVE_TESTS)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    for _ in range(3):
        result, doc = suite.run("-n", "4")
        result.assert_outcomes(passed=21)
        assert by_name(doc)["work"]["setups"] == 20
    assert not list(tmp_path.glob("fixture-perf-*")), "the live directory is removed"


# a test that asks for the summary where only its own worker's data can be had
WORKER_SCOPED_TEST = """
def test_scope(fixture_performance_tracker, {fixture}, worker_id):
    summary = fixture_performance_tracker.get_performance_summary()
    assert summary["scope"] == "worker"
    assert summary["workers"] == [worker_id]
    assert summary["fixtures"]["{fixture}"]["setups"] >= 1
"""


def test_live_off_is_worker_scoped(suite: Suite) -> None:
    suite.pytester.makeconftest(LIVE_CONFTEST)
    suite.pytester.makepyfile(test_scope=WORKER_SCOPED_TEST.format(fixture="work"))
    result, doc = suite.run("-n", "2", "--fixture-perf-live=off")
    result.assert_outcomes(passed=1)
    assert by_name(doc)["work"]["setups"] == 1


def test_a_worker_without_tests_is_seen_finishing(suite: Suite) -> None:
    """With --dist loadfile and one file, the other worker gets no test: the live view
    reports it started and finished without data, so a test can stop waiting for it."""
    suite.pytester.makeconftest(LIVE_CONFTEST)
    suite.pytester.makepyfile(
        test_alone="""
def test_wait(summary_when, work, worker_id):
    other = {"gw0": "gw1", "gw1": "gw0"}[worker_id]
    summary = summary_when(lambda s: other in s["workers_finished"])
    assert summary["workers_started"] == ["gw0", "gw1"]
    assert summary["workers_finished"] == [other]
    assert summary["workers"] == [worker_id]  # the other one published nothing
"""
    )
    result, _ = suite.run("-n", "2", "--dist", "loadfile")
    result.assert_outcomes(passed=1)


def test_a_crashed_worker_is_seen_lost(suite: Suite) -> None:
    """A worker that dies mid-run never finishes: the live view reports it lost, so a test
    waiting for the other workers can stop waiting for it."""
    suite.pytester.makeconftest(LIVE_CONFTEST)
    suite.pytester.makepyfile(
        test_lost="""
import os
import time

def test_crash(work):
    time.sleep(0.5)  # let the other worker start waiting
    os._exit(1)

def test_wait(summary_when, work, worker_id):
    other = {"gw0": "gw1", "gw1": "gw0"}[worker_id]
    summary = summary_when(lambda s: other in s["workers_lost"])
    assert summary["workers_lost"] == [other]
    assert other not in summary["workers_finished"]
"""
    )
    # two tests on two workers: xdist hands them out one each (round robin)
    result, _ = suite.run("-n", "2", "--max-worker-restart=0")
    result.assert_outcomes(passed=1, failed=1)


def test_workers_without_shared_storage_are_exact(full_suite: Suite, tmp_path: Path) -> None:
    """Workers on an rsynced copy (like remote ones) with the live store off: only the
    workers' spools and workeroutput carry the data, and it is still exact."""
    chdir = tmp_path / "elsewhere"
    chdir.mkdir()
    result, doc = full_suite.run(
        "--dist=load", "--tx", f"2*popen//chdir={chdir}", f"--rsyncdir={full_suite.path}",
        "--fixture-perf-live=off", str(full_suite.path),
    )  # fmt: skip
    result.assert_outcomes(passed=18, skipped=1, errors=4)
    (copy_log,) = chdir.rglob("gt.log")  # the fixtures ran in the rsynced copy
    copy_log.rename(full_suite.path / "gt.log")
    assert reported(doc, NAMES) == +full_suite.ground_truth()
    assert doc["run"]["workers"] == ["gw0", "gw1"]
    assert by_name(doc)["func"]["location"] == by_name(full_suite.run()[1])["func"]["location"]


USES_CONFTEST = """
import pytest

@pytest.fixture(scope="session")
def db_setup():
    pass

@pytest.fixture(scope="class")
def class_setup(request):
    # like pytest-django's class-scoped unittest setup: a dependency requested at run time
    request.getfixturevalue("db_setup")
"""

USES_TESTS = """
import pytest

@pytest.mark.usefixtures("class_setup")
class TestA:
    @pytest.mark.parametrize("i", range(5))
    def test_a(self, i): pass

@pytest.mark.usefixtures("class_setup")
class TestB:
    @pytest.mark.parametrize("i", range(5))
    def test_b(self, i): pass

def test_direct(db_setup): pass

def test_none(): pass
"""


@pytest.mark.parametrize("mode", [("-n", "0"), ("-n", "2"), ("-n", "3", "--dist", "loadscope")])
def test_uses_do_not_depend_on_scheduling(suite: Suite, mode: tuple[str, ...]) -> None:
    """A use is a test whose closure holds the fixture, even when a fixture cached across
    tests requested it at run time for an earlier test: 5 + 5 tests through class_setup
    and one directly use db_setup, however the tests are spread over workers."""
    suite.pytester.makeconftest(USES_CONFTEST)
    suite.pytester.makepyfile(test_uses=USES_TESTS)
    result, doc = suite.run(*mode)
    result.assert_outcomes(passed=12)
    fixtures = by_name(doc)
    assert fixtures["db_setup"]["uses"] == 11
    assert fixtures["class_setup"]["uses"] == 10


def _start_socket_server(directory: Path) -> tuple[subprocess.Popen[str], int]:
    """execnet's socket server on 127.0.0.1 (a free port), run from ``directory``: a stand-in
    for a remote machine that shares nothing with us but a socket."""
    script = Path(execnet.__file__).parent / "script" / "socketserver.py"
    proc = subprocess.Popen(
        [sys.executable, "-u", str(script), "127.0.0.1:0"],
        cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout=30)
    line = proc.stdout.readline() if ready else ""
    found = re.search(r"'127\.0\.0\.1', (\d+)\)", line)
    if found is None:
        proc.kill()
        raise AssertionError(f"socket server did not start: {line!r}")
    return proc, int(found.group(1))


@pytest.fixture
def remote_hosts(tmp_path: Path) -> Iterator[list[tuple[Path, int]]]:
    """Two socket servers, each in a directory of its own."""
    servers = []
    try:
        for i in range(2):
            home = tmp_path / f"host{i}"
            home.mkdir()
            proc, port = _start_socket_server(home)
            servers.append((proc, home, port))
        yield [(home, port) for _, home, port in servers]
    finally:
        for proc, _, _ in servers:
            proc.kill()
            proc.wait()


def test_remote_socket_workers_are_exact(
    full_suite: Suite, remote_hosts: list[tuple[Path, int]]
) -> None:
    """Real remote workers (``--tx socket=``): the suite is rsynced to each, nothing is
    shared but the channel, and the counts are still exact; a test asking for the summary
    there gets its own worker's data, said to be so, rather than waiting."""
    full_suite.pytester.makepyfile(test_remote_scope=WORKER_SCOPED_TEST.format(fixture="func"))
    txs = [f"--tx=socket=127.0.0.1:{port}//id=sock{i}" for i, (_, port) in enumerate(remote_hosts)]
    result, doc = full_suite.run(
        "--dist=load", *txs, f"--rsyncdir={full_suite.path}", str(full_suite.path)
    )
    result.assert_outcomes(passed=19, skipped=1, errors=4)
    logs = [log for home, _ in remote_hosts for log in home.rglob("gt.log")]
    assert logs, "the fixtures ran in the rsynced copies"
    (full_suite.path / "gt.log").write_text("".join(log.read_text() for log in logs))
    assert reported(doc, NAMES | {"func"}) == +full_suite.ground_truth()
    assert doc["run"]["workers"] == ["sock0", "sock1"]
    assert doc["run"]["lost_workers"] == {}


def test_a_worker_ending_on_a_keyboard_interrupt_is_counted_once(suite: Suite) -> None:
    """xdist says such a worker is down twice (finished, then lost): its last fragment is
    taken once, and not refused the second time; the counts equal the suite's log."""
    from test_counts import CONFTEST

    suite.pytester.makeconftest(CONFTEST)
    suite.pytester.makepyfile(
        test_kbi="def test_a(func, sess): pass\ndef test_b(mod): raise KeyboardInterrupt\n"
    )
    result, doc = suite.run("-n", "1")
    assert "keyboard-interrupt" in str(result.stdout)
    assert "ignored fixture records" not in str(result.stdout)  # (the second copy's refusal)
    assert reported(doc, {"func", "sess", "mod"}) == +suite.ground_truth()


INTERRUPTED_TESTS = """
import time
import pytest

@pytest.mark.parametrize("i", range(60))
def test_slow(i, func):
    time.sleep(0.1)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="a process group and SIGINT (Ctrl-C)")
def test_an_interrupted_run_keeps_the_workers_last_teardowns(suite: Suite) -> None:
    """Ctrl-C under xdist: the workers tear their fixtures down, and the controller, which
    then never gets their final reports, reads those teardowns from their spools; the
    counts equal the suite's log."""
    import os
    import signal
    import time

    from test_counts import CONFTEST

    suite.pytester.makeconftest(CONFTEST)
    suite.pytester.makepyfile(test_interrupted=INTERRUPTED_TESTS)
    report = suite.path / "fixture-perf.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
         "-n", "2", f"--fixture-perf-json={report}"],
        cwd=suite.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while suite.ground_truth()[("setup", "func")] < 6:  # both workers well into tests
            assert process.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C does
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert "KeyboardInterrupt" in output, output
    truth = suite.ground_truth()
    assert truth[("setup", "func")] < 60  # interrupted indeed
    assert truth[("teardown", "sess")] == truth[("setup", "sess")] >= 1  # torn down at the end
    doc = json.loads(report.read_text())
    assert doc["run"]["interrupted"]
    assert reported(doc, {"func", "mod", "sess"}) == +truth, output


def test_a_garbled_fragment_is_left_out_with_a_warning(suite: Suite) -> None:
    """Another plugin spoils what a worker (without a spool, as a remote one) attached to
    one report (here on the controller, before the plugin reads it): the controller leaves
    that fragment (that test's records) out, says so, and the tests' outcomes do not
    change. The worker's later fragments are not affected."""
    suite.pytester.makeconftest(
        """
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report):
    if report.nodeid.endswith("test_b") and report.when == "teardown":
        report.fixture_perf = '{"schema_version": 2, "events": "garbled"}'

@pytest.fixture
def f():
    pass
"""
        + NO_SPOOL
    )
    suite.pytester.makepyfile("def test_a(f): pass\ndef test_b(f): pass\ndef test_c(f): pass")
    result, doc = suite.run("-n", "1", "-W", "always::pytest_fixture_perf.FixturePerfWarning")
    result.assert_outcomes(passed=3, warnings=1)
    result.stdout.fnmatch_lines(
        ["*ignored fixture records from a worker: events: expected an object of columns*"]
    )
    f = by_name(doc)["f"]
    assert (f["setups"], f["teardowns"]) == (2, 2)  # test_a's and test_c's
    assert len(doc["test_runs"]["test"]) == 2
