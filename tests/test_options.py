"""Options: validation errors are one clean line; the terminal section follows the options."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import INI, Suite

TESTS = """
import time, pytest

@pytest.fixture
def alpha():
    time.sleep(0.02)

@pytest.fixture
def beta():
    pass

def test_one(alpha, beta): pass
"""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--fixture-perf-top", "-3"],
            "--fixture-perf-top: expected a whole number from 0 to 1,000,000,000, got '-3' "
            "(or 'off')",
        ),
        (
            ["--fixture-perf-top=ten"],
            "--fixture-perf-top: expected a whole number from 0 to 1,000,000,000, got 'ten' "
            "(or 'off')",
        ),
        (["--fixture-perf-json", "."], "--fixture-perf-json: cannot write '.': it is a directory"),
    ],
)
def test_bad_values_are_usage_errors(suite: Suite, args: list[str], message: str) -> None:
    suite.pytester.makepyfile(TESTS)
    result = suite.pytester.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.errlines if line] == [f"ERROR: {message}"]
    assert "Traceback" not in result.stdout.str()


@contextmanager
def unwritable_directory(path: Path) -> Iterator[Path]:
    """A directory nobody may write to, root included: root ignores permission bits, so as
    root the directory is made immutable (``chattr +i``), which holds for root too."""
    path.mkdir(mode=0o555)
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        assert not os.access(path, os.W_OK), f"could not make {path} unwritable"
        yield path
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o755)


def test_unwritable_json_directory(suite: Suite) -> None:
    suite.pytester.makepyfile(TESTS)
    with unwritable_directory(suite.path / "locked") as locked:
        result = suite.pytester.runpytest_subprocess(f"--fixture-perf-json={locked}/out.json")
        assert not (locked / "out.json").exists()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.errlines if line] == [
        f"ERROR: --fixture-perf-json: cannot write '{locked}/out.json': "
        f"directory {locked} is not writable"
    ]


def test_json_path_below_a_file(suite: Suite) -> None:
    suite.pytester.makepyfile(TESTS)
    (suite.path / "afile").write_text("")
    result = suite.pytester.runpytest_subprocess("--fixture-perf-json=afile/out.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.errlines if line] == [
        f"ERROR: --fixture-perf-json: cannot write 'afile/out.json': "
        f"{suite.path / 'afile'} is not a directory"
    ]


def test_json_creates_directories_and_ini(suite: Suite) -> None:
    suite.pytester.makepyfile(TESTS)
    suite.pytester.makeini(INI + "fixture_perf_json = reports/deep/perf.json\n")
    result = suite.pytester.runpytest()
    assert result.ret == 0
    assert (suite.path / "reports" / "deep" / "perf.json").exists()


def test_bad_ini_value(suite: Suite) -> None:
    suite.pytester.makepyfile(TESTS)
    suite.pytester.makeini(INI + "fixture_perf_top = -1\n")
    result = suite.pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.errlines if line] == [
        "ERROR: ini option fixture_perf_top: expected a whole number from 0 to 1,000,000,000, "
        "got '-1' (or 'off')"
    ]


def test_terminal_section(suite: Suite) -> None:
    suite.pytester.makepyfile(TESTS)
    result, _doc = suite.run("-p", "no:asyncio")
    result.stdout.re_match_lines(
        [
            r"=+ fixture performance =+",
            r"2 setups, 2 teardowns, \S+ in fixtures \(\d+% of \S+ session wall time\)",
            r"top 2 of 2 fixtures by setup \+ teardown time \(own time, summed over the run\):",
            r" +-+ setup -+ +teardown",
            r"fixture +scope +setups +uses +total +mean +p95 +max +total +location",
            r"alpha +function +1 +1 +\d+\.\dms( +\S+){4} +\S*section\.py:3",
            r"beta +function +1 +1 .*section\.py:7",
        ]
    )


def test_top_limits_zero_shows_all_and_off_hides(suite: Suite) -> None:
    suite.pytester.makepyfile(TESTS)
    result, _doc = suite.run("--fixture-perf-top=1", "-p", "no:asyncio")
    result.stdout.fnmatch_lines(
        ["top 1 of 2 fixtures by setup + teardown time*", "*", "*", "alpha *"]
    )
    assert "beta " not in result.stdout.str()
    result, _doc = suite.run("--fixture-perf-top=0", "-p", "no:asyncio")  # as --durations=0
    result.stdout.fnmatch_lines(["top 2 of 2 fixtures by setup + teardown time*"])
    result, doc = suite.run("--fixture-perf-top=off", "-p", "no:asyncio")
    assert "fixture performance" not in result.stdout.str()
    assert doc["run"]["total_fixture_setups"] == 2  # the JSON is still complete


def test_json_written_once_atomically(suite: Suite) -> None:
    suite.pytester.makepyfile(TESTS)
    _result, doc = suite.run()
    assert doc["schema_version"] == 2
    leftovers = [p.name for p in suite.path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_tracking_failure_never_fails_tests(suite: Suite) -> None:
    """An internal error disables tracking with one warning; the tests are unaffected."""
    suite.pytester.makeconftest(
        """
def pytest_sessionstart(session):
    recorder = session.config.pluginmanager.get_plugin("fixture_perf_recorder")
    recorder._infos = None  # simulate a bug inside the recorder
"""
    )
    suite.pytester.makepyfile(TESTS)
    result, doc = suite.run("-W", "error::pytest_fixture_perf.plugin.FixturePerfWarning")
    result.assert_outcomes(passed=1)
    result, doc = suite.run()
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*FixturePerfWarning: fixture timing disabled for the rest of the run: TypeError*",
            "incomplete: on main: TypeError*",
        ]
    )
    assert doc["run"]["tracking_error"].startswith("TypeError")


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("~nosuchuser/x.json", "Could not determine home directory."),
        ("a" * 300 + "/x.json", "File name too long"),
    ],
    ids=["unknown user", "long name"],
)
def test_impossible_json_paths_are_usage_errors(suite: Suite, path: str, problem: str) -> None:
    """They ended in INTERNALERROR and a traceback (exit 3)."""
    suite.pytester.makepyfile(TESTS)
    result = suite.pytester.runpytest_subprocess(f"--fixture-perf-json={path}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.errlines if line] == [
        f"ERROR: --fixture-perf-json: cannot write {path!r}: {problem}"
    ]


@pytest.mark.parametrize("args", [["--help"], ["--fixtures"], ["--markers"], ["--version"]])
def test_a_bad_ini_value_does_not_stop_help(suite: Suite, args: list[str]) -> None:
    """Help is what a user reads to fix the value: a bad one made it a usage error."""
    suite.pytester.makeini(INI + "fixture_perf_top = -1\n")
    result = suite.pytester.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.OK
    assert "fixture_perf_top" not in "\n".join(result.errlines)


#: Every history, gate and budget option and ini key, with a bad value, and the line that
#: must say what is wrong with it.
BAD_HISTORY_VALUES = [
    (["--fixture-perf-fail-on-regression=abc"],
     "--fixture-perf-fail-on-regression: expected a percentage >= 0, got 'abc'"),
    (["--fixture-perf-fail-on-regression=-5"],
     "--fixture-perf-fail-on-regression: expected a percentage >= 0, got '-5'"),
    (["--fixture-perf-fail-on-regression=nan"],
     "--fixture-perf-fail-on-regression: expected a percentage >= 0, got 'nan'"),
    (["-o", "fixture_perf_fail_on_regression=inf"],
     "ini option fixture_perf_fail_on_regression: expected a percentage >= 0, got 'inf'"),
    (["-o", "fixture_perf_window=0"],
     "ini option fixture_perf_window: expected a whole number from 1 to 1,000,000,000, got '0'"),
    (["-o", "fixture_perf_keep_events=-1"],
     "ini option fixture_perf_keep_events: expected a whole number from 0 to 1,000,000,000, "
     "got '-1'"),
    (["-o", "fixture_perf_keep_events=" + "9" * 30],
     "ini option fixture_perf_keep_events: expected a whole number from 0 to 1,000,000,000, "
     "got '" + "9" * 30 + "'"),
    (["-o", "fixture_perf_regression_floor=5"],
     "ini option fixture_perf_regression_floor: expected a duration such as 2ms, got '5'"),
    (["-o", "fixture_perf_budgets=db = fast"],
     "ini option fixture_perf_budgets: cannot read budget 'db = fast': expected PATTERN "
     "[setup|teardown] = [mean|median|p95|max|total <] DURATION (e.g. 50ms)"),
    (["-o", "fixture_perf_budgets=db = p99 < 5ms"],
     "ini option fixture_perf_budgets: budget 'db = p99 < 5ms': unknown statistic 'p99' "
     "(one of mean, median, p95, max, total)"),
    (["--fixture-perf-db=."], "--fixture-perf-db: cannot write '.': it is a directory"),
    (["--fixture-perf-db=/dev/null"], "--fixture-perf-db: '/dev/null' is not a regular file"),
    (["-o", "fixture_perf_cpu=maybe"], "ini option fixture_perf_cpu: invalid truth value 'maybe'"),
    (["-o", "fixture_perf_strict=maybe"],
     "ini option fixture_perf_strict: invalid truth value 'maybe'"),
    (["-o", "fixture_perf_live=sometimes"],
     "ini option fixture_perf_live: expected 'auto' or 'off', got 'sometimes'"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), BAD_HISTORY_VALUES)
def test_bad_history_values_are_one_line_usage_errors(
    suite: Suite, args: list[str], message: str
) -> None:
    suite.pytester.makepyfile(TESTS)
    result = suite.pytester.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.errlines if line] == [f"ERROR: {message}"]
    assert "Traceback" not in result.stdout.str()
    # and the help that would fix it still shows
    assert suite.pytester.runpytest_subprocess(*args, "--help").ret == pytest.ExitCode.OK


@pytest.mark.parametrize("how", ["option", "ini"])
def test_disable_keeps_options_valid_and_the_tracker_usable(suite: Suite, how: str) -> None:
    """--fixture-perf-disable (or the ini key): options kept in addopts stay valid, nothing
    is recorded or written, and the tracker fixture works and says the run is not timed."""
    addopts = "--fixture-perf-json=out.json --fixture-perf-top=5 --fixture-perf-html=out.html"
    if how == "option":
        addopts += " --fixture-perf-disable"
    disable = "fixture_perf_disable = true\n" if how == "ini" else ""
    suite.pytester.makeini(INI + f"addopts = {addopts}\n" + disable)
    suite.pytester.makepyfile(
        TESTS
        + """
def test_tracker(fixture_performance_tracker, alpha):
    summary = fixture_performance_tracker.get_performance_summary()
    assert summary["disabled"] is True
    assert summary["total_fixture_setups"] == 0
"""
    )
    result = suite.pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert "fixture performance" not in result.stdout.str()
    assert not (suite.path / "out.json").exists()
    assert not (suite.path / "out.html").exists()
    assert not (suite.path / ".fixture-perf").exists()


def test_the_summary_says_when_tracking_is_on(suite: Suite) -> None:
    suite.pytester.makepyfile(
        TESTS
        + """
def test_tracker(fixture_performance_tracker, alpha):
    summary = fixture_performance_tracker.get_performance_summary()
    assert summary["disabled"] is False
    assert summary["fixtures"]["alpha"]["setups"] == 2
"""
    )
    result, _ = suite.run("--fixture-perf-no-save")
    result.assert_outcomes(passed=2)


def test_every_output_option_has_a_writer_a_kind_and_an_export() -> None:
    """``--fixture-perf-KIND`` (options.OUTPUTS, with the kind of file it may replace), its
    writer (report.outputs.WRITERS) and ``fixture-perf export --KIND`` name the same
    reports."""
    import importlib

    from pytest_fixture_perf.cli import EXPORTS
    from pytest_fixture_perf.options import OUTPUTS
    from pytest_fixture_perf.report.outputs import WRITERS
    from pytest_fixture_perf.store.files import Kind

    assert set(OUTPUTS) == set(WRITERS)
    assert set(WRITERS) <= set(EXPORTS)
    for module, constant in OUTPUTS.values():
        kind = getattr(importlib.import_module(module, "pytest_fixture_perf"), constant)
        assert isinstance(kind, Kind)
