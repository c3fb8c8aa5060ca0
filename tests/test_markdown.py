"""The CI summary: Markdown added to ``$GITHUB_STEP_SUMMARY`` (never replacing what other
steps wrote there) or written to ``--fixture-perf-markdown``, bounded in size."""

from __future__ import annotations

import pytest

from pytest_fixture_perf.model.derive import derive
from pytest_fixture_perf.model.insights import insights
from pytest_fixture_perf.model.run import Run
from pytest_fixture_perf.report.markdown import LIMIT, MARK, render

from conftest import Suite

SUITE = """
import pytest
from gtlog import gt

@pytest.fixture(scope="session")
def engine():
    gt("setup", "engine", 0.3)

@pytest.fixture
def row(engine):
    gt("setup", "row", 0.001)

@pytest.mark.parametrize("i", range(6))
def test_it(row, i):
    pass
"""


def table_row(text: str, name: str) -> list[str]:
    [line] = [line for line in text.splitlines() if line.startswith(f"| `{name}` |")]
    return [cell.strip() for cell in line.strip("|").split("|")]


@pytest.mark.parametrize("xdist", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_the_step_summary_gets_the_run_added(
    suite: Suite, monkeypatch: pytest.MonkeyPatch, xdist: tuple[str, ...]
) -> None:
    summary = suite.path / "step_summary.md"
    summary.write_text("## Earlier step\nkept\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.delenv("PYTEST_CURRENT_TEST")  # as a CI job's own pytest run: not nested
    suite.pytester.makepyfile(test_m=SUITE)
    result, _ = suite.run(*xdist, "--fixture-perf-no-save", subprocess=bool(xdist))
    result.assert_outcomes(passed=6)
    text = summary.read_text()
    assert text.startswith("## Earlier step\nkept\n")
    assert text.count(MARK) == 1  # once, by the process that reports (not by workers)
    truth = suite.ground_truth()
    cells = table_row(text, "row")
    # fixture, scope, setups, uses, setup total, ...
    assert cells[1:4] == ["function", str(truth[("setup", "row")]), "6"]
    assert table_row(text, "engine")[2] == str(truth[("setup", "engine")])


def test_fixtures_of_one_name_are_told_apart_by_their_location(suite: Suite) -> None:
    """Two ``client`` fixtures, one a file: two rows, each with its file and line."""
    fixture = "import pytest\n\n@pytest.fixture\ndef client():\n    return 1\n\n"
    suite.pytester.makepyfile(
        test_a=fixture + "def test_a(client): pass\n",
        test_b="# padding\n" * 5
        + fixture
        + "def test_b1(client): pass\ndef test_b2(client): pass\n",
    )
    out = suite.path / "summary.md"
    result, _ = suite.run(f"--fixture-perf-markdown={out}", "--fixture-perf-no-save")
    result.assert_outcomes(passed=3)
    rows = [
        [c.strip() for c in line.strip("|").split("|")]
        for line in out.read_text().splitlines()
        if line.startswith("| `client` |")
    ]
    header = next(line for line in out.read_text().splitlines() if line.startswith("| fixture"))
    assert header.strip("|").split("|")[-1].strip() == "location"
    # the fixture's line is its decorator's: line 3 of test_a.py, line 8 of test_b.py
    assert sorted((row[-1], row[2]) for row in rows) == [
        ("`test_a.py:3`", "1"),
        ("`test_b.py:8`", "2"),
    ]


def test_a_pytest_run_inside_a_test_leaves_the_step_summary_alone(
    suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A suite whose tests run pytest (pytester, in process and in a subprocess), run under
    GitHub Actions: only that suite's own run reports to the step summary."""
    summary = suite.path / "step_summary.md"
    summary.write_text("kept\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.delenv("PYTEST_CURRENT_TEST")  # the suite's run is the CI job's own
    suite.pytester.makepyfile(
        test_nested="""
        pytest_plugins = ["pytester"]

        def test_runs_pytest_twice(pytester):
            pytester.makepyfile("import pytest\\n@pytest.fixture\\ndef f(): pass\\n"
                                "def test_inner(f): pass\\n")
            pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
            pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
        """
    )
    result, _ = suite.run("--fixture-perf-no-save", subprocess=True)
    result.assert_outcomes(passed=1)
    text = summary.read_text()
    assert text.startswith("kept\n")
    assert text.count(MARK) == 1
    assert "test_inner" not in text


def test_an_unwritable_step_summary_never_fails_the_run(
    suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(suite.path))  # a directory
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    suite.pytester.makepyfile(test_m=SUITE)
    result, _ = suite.run("--fixture-perf-no-save", "-W", "error", subprocess=True)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*fixture-perf: could not add to the step summary*"])


def test_the_markdown_option_writes_the_summary(suite: Suite) -> None:
    suite.pytester.makepyfile(test_m=SUITE)
    out = suite.path / "summary.md"
    result, _ = suite.run(f"--fixture-perf-markdown={out}", "--fixture-perf-no-save")
    result.assert_outcomes(passed=6)
    text = out.read_text()
    assert text.startswith(MARK)
    assert "### Fixture performance" in text
    # written again over its own earlier file
    result, _ = suite.run(f"--fixture-perf-markdown={out}", "--fixture-perf-no-save")
    result.assert_outcomes(passed=6)
    assert out.read_text().count(MARK) == 1


def test_a_file_that_is_not_a_summary_is_not_replaced(suite: Suite) -> None:
    suite.pytester.makepyfile(test_m=SUITE)
    out = suite.path / "README.md"
    out.write_text("# my project\n")
    result, _ = suite.run(f"--fixture-perf-markdown={out}", "--fixture-perf-no-save")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--fixture-perf-markdown*not a pytest-fixture-perf Markdown*"])
    assert out.read_text() == "# my project\n"


def test_the_summary_stays_within_its_limit_however_large_the_run(suite: Suite) -> None:
    names = [f"fixture_{i}_" + "x" * 3000 for i in range(40)]
    fixtures = "\n".join(f"@pytest.fixture\ndef {n}():\n    pass\n" for n in names)
    suite.pytester.makepyfile(
        test_big="import pytest\n" + fixtures + f"\ndef test_all({', '.join(names)}):\n    pass\n"
    )
    report = suite.path / "big.json"
    result, _ = suite.run(f"--fixture-perf-json={report}", "--fixture-perf-no-save",
                          json_report=False)  # fmt: skip
    result.assert_outcomes(passed=1)
    run = Run.from_json(report.read_bytes())
    stats = derive(run)
    whole = render(run, stats, insights(run, stats), top=40, limit=10**9)
    assert len(whole.encode()) < LIMIT  # long names are cut in the table
    rows = [line for line in whole.splitlines() if line.startswith("| `")]
    assert len(rows) == 20  # the most rows
    assert all(len(row) < 200 for row in rows)
    for limit in (len(whole.encode()) - 1, 2048):
        text = render(run, stats, insights(run, stats), top=40, limit=limit)
        assert len(text.encode()) <= limit
        assert "cut here" in text.splitlines()[-1]
