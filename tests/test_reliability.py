"""Faults the plugin must survive without corrupting a number, touching what is not its
own, hanging a run or changing a test's outcome. Each test names the failure it guards
against (they were found by trying the plugin as an adversary would)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import INI, Suite, by_name

FROZEN_CONFTEST = """
import time
import pytest
from freezegun import freeze_time

@pytest.fixture
def frozen():
    with freeze_time("2020-01-01"):
        yield

@pytest.fixture
def ticking():
    with freeze_time("2020-01-01", tick=True):
        yield

@pytest.fixture(scope="module", autouse=True)
def module_freezer():
    with freeze_time("2021-06-01"):
        yield

@pytest.fixture
def slow(frozen):  # set up and torn down while time is frozen
    time.sleep(0.2)
    yield
    time.sleep(0.1)
"""

FROZEN_TESTS = """
import time

def test_frozen(slow): pass
def test_ticking(ticking): time.sleep(0.01)

def test_replaces_the_clock_for_good():
    time.perf_counter = lambda: 0.0  # never restored
    time.perf_counter_ns = lambda: 0
"""


@pytest.mark.parametrize("workers", ["0", "2"])
def test_frozen_and_replaced_clocks_change_no_number(suite: Suite, workers: str) -> None:
    """freezegun patches every module attribute that holds a real clock function: times
    read 1.9e9 s, -1.9e9 s and 0 us when the plugin held ``perf_counter_ns`` as one."""
    suite.pytester.makeconftest(FROZEN_CONFTEST)
    suite.pytester.makepyfile(test_frozen=FROZEN_TESTS)
    result, doc = suite.run("-n", workers)
    result.assert_outcomes(passed=3)
    fixtures = by_name(doc)
    assert 0.2 <= fixtures["slow"]["setup"]["total"] < 0.45
    assert 0.1 <= fixtures["slow"]["teardown"]["total"] < 0.35
    for entry in doc["fixtures"]:
        for phase in ("setup", "teardown"):
            assert 0 <= entry[phase]["max"] < 5, (entry["name"], phase, entry[phase])
    assert 0 < doc["run"]["session_seconds"] < 120
    assert min(doc["events"]["start_ns"]) > 0
    assert all(w["anchor_ns"] > 1.7e18 for w in doc["workers"])  # after 2023, not 2020


def test_json_to_a_character_device_is_written_not_replaced(suite: Suite) -> None:
    """The atomic write renamed a temporary file over the target: as root,
    ``--fixture-perf-json=/dev/null`` would have replaced the system's /dev/null."""
    suite.pytester.makepyfile("def test_one(tmp_path): pass")
    devnull = suite.path / "null"
    os.symlink("/dev/null", devnull)  # a link to the device, so nothing shared is at stake
    result = suite.pytester.runpytest(f"--fixture-perf-json={devnull}")
    result.assert_outcomes(passed=1)
    assert devnull.is_symlink()
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_json_to_a_fifo_is_written_not_replaced(suite: Suite) -> None:
    suite.pytester.makepyfile("def test_one(tmp_path): pass")
    fifo = suite.path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = suite.pytester.runpytest_subprocess(f"--fixture-perf-json={fifo}", timeout=60)
    reader.join(30)
    result.assert_outcomes(passed=1)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received, "nothing came through the FIFO"
    assert b'"schema_version": 2' in received[0]


def test_json_file_permissions_follow_the_umask_or_stay(suite: Suite) -> None:
    """The file was always mode 0600, and turned an existing 0644 file into 0600."""
    suite.pytester.makepyfile("def test_one(): pass")
    new, kept, link_target = (suite.path / name for name in ("new.json", "kept.json", "t.json"))
    kept.write_text('{"schema_version": 2, "run": {"workers": []}}')  # an earlier report
    kept.chmod(0o640)
    link_target.write_text('{"schema_version": 2, "run": {"workers": []}}')
    link = suite.path / "link.json"
    link.symlink_to(link_target)
    old_umask = os.umask(0o022)
    try:
        for path in (new, kept, link):
            result = suite.pytester.runpytest_subprocess(f"--fixture-perf-json={path}")
            result.assert_outcomes(passed=1)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o644
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    assert link.is_symlink()  # the link stays, its target gets the report
    assert '"schema_version": 2' in link_target.read_text()


def test_remote_workers_do_not_judge_the_output_path(suite: Suite, tmp_path: Path) -> None:
    """Workers checked the JSON path: one that is not writable from where an rsynced
    worker runs (there, ``out`` is a file) made every worker die with a usage error and be
    respawned, 68 times a minute, forever. Only the controller writes, and judges."""
    suite.pytester.makepyfile(
        "import pytest\n@pytest.fixture\ndef f(): pass\ndef test_one(f): pass\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "out").write_text("a file where the controller has a directory to be")
    result = suite.pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--dist=load", "--tx", f"2*popen//chdir={elsewhere}",
        f"--rsyncdir={suite.path}", "--fixture-perf-json=out/perf.json", str(suite.path),
        timeout=120,
    )  # fmt: skip
    result.assert_outcomes(passed=1)
    assert (suite.path / "out" / "perf.json").exists()
    assert "UsageError" not in result.stdout.str() + result.stderr.str()


FAILING_FIXTURES = """
import pytest

@pytest.fixture
def base():
    yield 1

@pytest.fixture
def mid(base):
    raise ValueError("mid boom")

@pytest.fixture(scope="module")
def module_teardown_fails():
    yield
    raise ValueError("module teardown boom")

@pytest.fixture
def finalizer_fails(request):
    def fin():
        raise RuntimeError("finalizer boom")
    request.addfinalizer(fin)

def test_declared(mid): pass
def test_requested(request): request.getfixturevalue("mid")
def test_module(module_teardown_fails): pass
def test_finalizer(finalizer_fails): pass
"""


@pytest.mark.parametrize("tb", ["auto", "long", "short"])
def test_a_failing_fixture_shows_the_users_traceback_only(suite: Suite, tb: str) -> None:
    """Issue 12 #5: the plugin's hook frames were part of every fixture error's traceback."""
    suite.pytester.makepyfile(test_failing=FAILING_FIXTURES)

    def failures(*args: str) -> list[str]:
        result = suite.pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--tb={tb}", *args)
        lines = result.outlines
        start = next(i for i, line in enumerate(lines) if "= ERRORS =" in line)
        end = next(
            i for i, line in enumerate(lines)
            if "short test summary" in line or "= fixture performance =" in line
        )  # fmt: skip
        # object addresses differ from one process to the other
        return [line.split(" at 0x")[0] for line in lines[start:end]]

    with_plugin = failures("--fixture-perf-no-save")
    without = failures("-p", "no:fixture_perf")
    ours = [line for line in with_plugin if "pytest_fixture_perf/" in line]
    # pytest before 9 prints an exception group's members with Python's own formatter: raw
    # tracebacks, pytest's internal frames included, where no frame can be hidden; there
    # the teardown wrapper shows as one frame (3 lines) per member. Anywhere pytest renders
    # the traceback itself, the plugin's frames are hidden. (pluggy's own frame may list
    # the plugin among the hooks: that is not a frame of ours.)
    raw = [line for line in ours if line.startswith("    |   File ")]
    assert all("recorder.py" in line and line.endswith("in __call__") for line in raw), raw
    assert [line for line in ours if line not in raw] == [], ours
    if int(pytest.__version__.split(".")[0]) >= 9:
        assert raw == []
    assert len(with_plugin) == len(without) + 3 * len(raw)


BLOCKS_THE_REPORT = """
import pathlib

def test_takes_the_reports_folder():
    # the report's folder becomes a file while the tests run: the write at the end fails
    pathlib.Path("out").write_text("not a folder")
"""


@pytest.mark.parametrize(
    ("args", "fails"),
    [((), False), (("--fixture-perf-strict",), True), (("-W", "error"), True),
     (("-o", "filterwarnings=error"), True)],
)  # fmt: skip
def test_a_failed_write_is_said_and_fails_the_session_when_asked(
    suite: Suite, args: tuple[str, ...], fails: bool
) -> None:
    """Issue 12 #4: under -W error a failed write left no file, no warning and exit 0."""
    suite.pytester.makepyfile(test_blocks=BLOCKS_THE_REPORT)
    result = suite.pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--fixture-perf-json=out/report.json", *args
    )
    result.assert_outcomes(passed=1)
    assert result.ret == (1 if fails else 0)
    said = [line for line in result.outlines if line.startswith("fixture-perf: could not write")]
    assert len(said) == 1, result.stdout.str()
    assert said[0].endswith("(the session fails)") == fails
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


ODD_PARAMS = r"""
import enum, re, pytest

class Colour(enum.Enum):
    RED = 1

def helper():
    pass

ODD = ["plain", "caf\u00e9 \U0001f600", "two\nlines\ttab", "\ud800", b"by\xfftes", "x" * 150,
       b"y" * 150, 3.5, None, Colour.RED, helper, re.compile("a+\n"), (1, 2), object()]

@pytest.fixture(params=ODD)
def odd(request):
    return request.param

@pytest.fixture(params=[pytest.param(1, id="caf\u00e9"), 2, 3], ids=[None, "two\n", None])
def explicit(request):
    return request.param

def test_odd(odd): pass
def test_explicit(explicit): pass
"""


@pytest.mark.parametrize("ini", ["", "parametrize_long_str_id_strategy = legacy\n",
                                 "parametrize_long_str_id_strategy = sha256\n"])  # fmt: skip
def test_param_ids_are_pytests_own(suite: Suite, ini: str) -> None:
    """Issue 12 #9: param_id differed from pytest's display id for emoji, newlines, lone
    surrogates, bytes and long strings. Truth: the ids pytest gives the tests."""
    from importlib.metadata import version

    major_minor = tuple(int(x) for x in version("pytest").split(".")[:2])
    if ini and major_minor < (9, 1):
        ini = ""  # the option came with pytest 9.1; before it, ids are always "legacy"
    suite.pytester.makeini(INI + ini)
    suite.pytester.makepyfile(test_odd_params=ODD_PARAMS)
    result, doc = suite.run("--collect-only", "-q", json_report=False)
    truth = {}
    for line in result.outlines:
        if "::test_" in line and "[" in line:
            name, _, rest = line.partition("[")
            truth.setdefault(name.rsplit("::", 1)[1], []).append(rest[:-1])
    result, doc = suite.run()
    assert result.ret == 0
    recorded = {}
    events = doc["events"]
    keys = [d["name"] for d in doc["definitions"]]
    for d, phase, pid in zip(
        events["definition"], events["phase"], events["param_id"], strict=True
    ):
        if phase == 0 and keys[d] in ("odd", "explicit"):
            recorded.setdefault(keys[d], []).append(pid)
    assert recorded["odd"] == truth["test_odd"]
    assert recorded["explicit"] == truth["test_explicit"]
    assert len(truth["test_odd"]) == 14


ODD_NAMES = """
import pytest

LONG = "fixture_" + "x" * 292

@pytest.fixture(name=LONG)
def long_one(): pass

@pytest.fixture(name="two\\nlines")
def newline_one(): pass

@pytest.fixture(name="tab\\there")
def tab_one(): pass

@pytest.fixture(name="\\u30c7\\u30fc\\u30bf\\u30d9\\u30fc\\u30b9")
def cjk_one(): pass

@pytest.fixture
def plain(): pass

def test_all(request, plain):
    for name in (LONG, "two\\nlines", "tab\\there", "\\u30c7\\u30fc\\u30bf\\u30d9\\u30fc\\u30b9"):
        request.getfixturevalue(name)
"""


def _columns(line: str) -> int:
    """Terminal columns of the test's own characters: CJK ideographs and kana take two."""
    return sum(2 if "\u3040" <= c <= "\u9fff" else 1 for c in line)


def test_odd_fixture_names_keep_the_table_in_shape(
    suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12 #9: a 300-character name widened every row, a newline split a row, tabs and
    CJK misaligned the columns."""
    monkeypatch.setenv("COLUMNS", "150")
    suite.pytester.makepyfile(test_odd_names=ODD_NAMES)
    result = suite.pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--fixture-perf-no-save", "-p", "no:asyncio",
        "-p", "no:anyio",
    )  # fmt: skip
    result.assert_outcomes(passed=1)
    lines = result.outlines
    header = next(i for i, line in enumerate(lines) if line.startswith("fixture "))
    table = lines[header : header + 6]  # the header and five fixtures, one line each
    assert [line.split()[1] for line in table[1:]] == ["function"] * 5, table
    assert "\t" not in "".join(table)
    width = 150
    assert all(_columns(line) <= width for line in table), table
    # every row's columns line up: "function" starts at the header's "scope"
    scope_at = _columns(table[0][: table[0].index("scope")])
    for line in table[1:]:
        assert _columns(line[: line.index("function")]) == scope_at, table


FORKED_SUITE = """
import pytest
from gtlog import gt

@pytest.fixture(scope="session")
def sess():
    gt("setup", "sess")
    yield
    gt("teardown", "sess")

@pytest.fixture(scope="module")
def mod():
    gt("setup", "mod")
    yield
    gt("teardown", "mod")

@pytest.fixture
def func(sess, mod):
    gt("setup", "func", 0.001)
    yield
    gt("teardown", "func")

@pytest.mark.parametrize("i", range(5))
def test_x(func, i): pass

# without --forked, only this test forks: its child inherits sess and mod, set up here,
# and tears them down at its end; this process tears them down again at the run's end
@pytest.mark.forked
def test_marked(func): pass

def test_plain(func): pass
"""


@pytest.mark.parametrize("args", [("--forked",), (), ("--forked", "-n", "2")])
def test_forked_tests_are_counted(suite: Suite, args: tuple[str, ...]) -> None:
    """Issue 12 #8: under pytest-forked every fixture runs in a child process that dies
    after its test; the report said 0 setups. (pytest-forked 1.7 runs no test on pytest
    9.2: there, both sides are empty and the outcomes equal.)"""
    import pytest_forked  # noqa: F401  (a development dependency: the test needs it)

    suite.pytester.makepyfile(test_forked=FORKED_SUITE)
    result, doc = suite.run("--fixture-perf-no-save", *args, subprocess=True)
    truth = suite.ground_truth()
    plain, _ = suite.run("-p", "no:fixture_perf", *args, subprocess=True, json_report=False)
    outcomes = {k: v for k, v in result.parseoutcomes().items() if not k.startswith("warning")}
    assert outcomes == plain.parseoutcomes()
    logged = ("sess", "mod", "func")
    found = {(phase, f["name"]): f[f"{phase}s"] for f in doc["fixtures"]
             for phase in ("setup", "teardown") if f["name"] in logged}  # fmt: skip
    if "EXITED" not in plain.stdout.str():  # pytest-forked handed the reports back
        assert found == dict(truth)
        assert doc["test_runs"]["rows"] == 7
    else:  # pytest-forked 1.7 on pytest 9.2: the children run the tests, then fail
        lost = plain.parseoutcomes()["failed"]  # the suite's only failures are these
        assert truth[("setup", "func")] == 7
        said = re.findall(
            r"the fixtures of (\d+) forked test\(s\) are not counted", result.stdout.str()
        )
        # once a process (per xdist worker), in the summary (and once as a warning)
        assert sum(map(int, said)) == 2 * lost, result.stdout.str()


def test_a_file_that_is_not_a_report_is_never_replaced(suite: Suite, tmp_path: Path) -> None:
    """A JSON path naming a source file or a database was replaced by the report."""
    from pytest_fixture_perf.cli import main as cli

    suite.pytester.makepyfile("def test_one(): pass")
    good = suite.path / "good.json"
    assert suite.pytester.runpytest_subprocess(f"--fixture-perf-json={good}").ret == 0
    for name, content in (("notes.py", b"print('mine')\n"), ("data.db", b"SQLite format 3\x00")):
        precious = suite.path / name
        precious.write_bytes(content)
        result = suite.pytester.runpytest_subprocess(f"--fixture-perf-json={precious}")
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        assert "is not a pytest-fixture-perf JSON report (left untouched)" in result.stderr.str()
        assert precious.read_bytes() == content
        # the command line's outputs too
        assert cli(["export", "last", f"--db={suite.path / '.fixture-perf/history.db'}",
                    f"--json={precious}"]) == 2  # fmt: skip
        assert cli(["combine", str(good), f"--output={precious}"]) == 2
        assert precious.read_bytes() == content


INTERRUPTED_SUITE = """
import pathlib, time, pytest
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

@pytest.mark.parametrize("i", range(40))
def test_slow(func, i):
    pathlib.Path(__file__).with_name("started").touch()
    time.sleep(0.1)
"""


def _interrupt(suite: Suite, *args: str) -> dict[str, object]:
    """Run the suite in its own process group, Ctrl-C it (SIGINT to the group, as a
    terminal does) once tests run; the JSON report it wrote."""
    import json
    import signal
    import subprocess
    import sys
    import time

    report = suite.path / "report.json"
    child = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--fixture-perf-no-save",
         f"--fixture-perf-json={report}", *args],
        cwd=suite.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (suite.path / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(child.pid, signal.SIGINT)
    out, _ = child.communicate(timeout=120)
    assert child.returncode == pytest.ExitCode.INTERRUPTED, out
    assert "Traceback" not in out.split("KeyboardInterrupt")[0], out
    return json.loads(report.read_text())


@pytest.mark.parametrize("args", [(), ("-n", "2")])
def test_an_interrupted_run_says_what_it_misses(suite: Suite, args: tuple[str, ...]) -> None:
    """Issue 12 #7: after Ctrl-C under xdist, teardowns the workers ran were missing and
    nothing said so (open_setups 0, lost_workers empty)."""
    suite.pytester.makepyfile(test_interrupted=INTERRUPTED_SUITE)
    doc = _interrupt(suite, *args)
    truth = suite.ground_truth()
    run = doc["run"]
    assert run["interrupted"] is True
    assert "the run was interrupted" in run["incomplete"]
    fixtures = by_name(doc)
    for name in ("func", "sess"):
        got = (fixtures[name]["setups"], fixtures[name]["teardowns"])
        real = (truth[("setup", name)], truth[("teardown", name)])
        assert got[0] <= real[0], (name, got, real)  # nothing invented
        assert got[1] <= real[1], (name, got, real)
        if got != real:  # what is missing is said: a worker that never reported, or open setups
            reasons = " ".join(run["incomplete"])
            assert "was lost" in reasons or "never torn down" in reasons, run["incomplete"]
        assert fixtures[name]["open_setups"] == got[0] - got[1]


def _running_under_xdist(suite: Suite) -> subprocess.Popen[bytes]:
    """The slow suite under ``-n 2`` in its own process group, once its tests run."""
    import sys
    import time

    suite.pytester.makepyfile(test_interrupted=INTERRUPTED_SUITE)
    child = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--fixture-perf-no-save",
         "-n", "2"],
        cwd=suite.path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (suite.path / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return child


def test_a_killed_controllers_live_folder_is_removed_by_the_next_run(
    suite: Suite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12 #7: the per-run folder stayed in /tmp whenever the controller was killed."""
    import signal
    import subprocess
    import sys
    import time

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    child = _running_under_xdist(suite)
    os.kill(child.pid, signal.SIGKILL)  # the controller alone, as a CI cancel may
    child.wait(timeout=30)
    left = [p for p in tmp.iterdir() if p.name.startswith("fixture-perf-")]
    assert len(left) == 1, left  # what a killed controller leaves
    mine = tmp / f"fixture-perf-{os.getpid()}-alive"  # a live process's folder stays
    mine.mkdir()
    time.sleep(1)  # the killed run's workers notice and end
    # a folder is only removed once nothing has written in it for a minute (a controller
    # of another PID namespace sharing the folder looks gone): let a minute pass for it
    old = time.time() - 120
    for path in (left[0], *left[0].iterdir(), mine):
        os.utime(path, (old, old))
    (suite.path / "test_interrupted.py").unlink()
    (suite.path / "test_quick.py").write_text("def test_quick(): pass\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--fixture-perf-no-save",
         "-n", "2"],
        cwd=suite.path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout
    assert sorted(p.name for p in tmp.iterdir() if p.name.startswith("fixture-perf-")) == [
        mine.name
    ]


def test_a_full_disk_loses_nothing_stored_and_leaves_no_partial_file(suite: Suite) -> None:
    """RLIMIT_FSIZE as a full disk: the JSON file and the history save fail with a warning,
    the tests' outcomes stand, the earlier report and the stored runs are intact, and no
    partial file is left."""
    import resource
    import sqlite3
    import subprocess
    import sys

    suite.pytester.makepyfile(
        test_many="import pytest\n@pytest.fixture\ndef f(): pass\n"
        "@pytest.mark.parametrize('i', range(3000))\ndef test_x(f, i): pass\n"
    )
    report = suite.path / "report.json"
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            f"--fixture-perf-json={report}"]  # fmt: skip
    first = subprocess.run(argv, cwd=suite.path, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stdout
    before = report.read_bytes()
    db = suite.path / ".fixture-perf" / "history.db"
    db_before = db.read_bytes()
    limit = min(len(before), len(db_before)) // 2  # too small for either to grow or be written

    def full_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    full = subprocess.run(argv, cwd=suite.path, capture_output=True, text=True, check=False,
                          preexec_fn=full_disk, env=env)  # fmt: skip
    assert full.returncode == 0, full.stdout
    assert "3000 passed" in full.stdout
    assert "fixture-perf: could not write" in full.stdout
    assert "fixture-perf: run not saved in the history" in full.stdout
    assert report.read_bytes() == before  # the earlier report stands
    assert not [p.name for p in suite.path.iterdir() if p.name.endswith(".tmp")]
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT count(*) FROM runs").fetchone() == (1,)


def test_a_terminated_controller_removes_its_live_folder(
    suite: Suite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM (a CI job cancelled): the controller removes its folder, then ends as
    SIGTERM ends it without the plugin."""
    import signal

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    child = _running_under_xdist(suite)
    assert [p for p in tmp.iterdir() if p.name.startswith("fixture-perf-")]
    os.kill(child.pid, signal.SIGTERM)
    assert child.wait(timeout=30) == -signal.SIGTERM
    assert not [p for p in tmp.iterdir() if p.name.startswith("fixture-perf-")]
