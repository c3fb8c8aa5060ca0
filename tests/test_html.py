"""The HTML report (``report/html.py``) without a browser: one self-contained file, nothing
fetched from the network, its embedded data counted against the suite's own log, the
timeline's sampling and idle time against runs built by hand, and a file that is not ours
never replaced. (``tests/browser`` opens the page in Chromium.)"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_fixture_perf.model.derive import derive
from pytest_fixture_perf.model.insights import Insight
from pytest_fixture_perf.model.run import Definition, Run, Worker
from pytest_fixture_perf.report import html
from pytest_fixture_perf.report.html import HTML, write_html
from pytest_fixture_perf.store.files import foreign_file

from conftest import Suite

#: A param id that would end the data's <script> element if it were written as it is.
TRICKY_ID = "</script><!--x"

CONFTEST = f"""
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
    gt("setup", "func")
    yield
    gt("teardown", "func")

@pytest.fixture(params=["plain", pytest.param(2, id={TRICKY_ID!r})])
def tricky(request):
    gt("setup", "tricky")
    yield request.param
    gt("teardown", "tricky")
"""

TESTS = """
def test_one(func): pass
def test_two(tricky, func): pass

class TestThree:
    def test_a(self, mod): pass
    def test_b(self, sess): pass
"""


@pytest.fixture
def page_suite(suite: Suite) -> Suite:
    suite.pytester.makeconftest(CONFTEST)
    suite.pytester.makepyfile(test_page=TESTS)
    return suite


def embedded(path: Path) -> dict[str, Any]:
    """The page's data, read the way the browser reads it."""
    text = path.read_text(encoding="utf-8")
    found = re.search(
        r'<script type="application/json" id="fixture-perf-data">(.*?)</script>', text, re.S
    )
    assert found is not None
    assert "</" not in found.group(1)
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def written(run: Run, path: Path, **kwargs: Any) -> dict[str, Any]:
    write_html(path, run, derive(run), kwargs.get("insights", []), kwargs.get("trend"))
    return embedded(path)


def test_the_page_is_one_offline_file_with_every_fixture(page_suite: Suite) -> None:
    result, _doc = page_suite.run("-p", "no:asyncio")
    outcomes = result.parseoutcomes()
    truth = page_suite.ground_truth()
    run = Run.from_json((page_suite.path / "fixture-perf.json").read_bytes())
    page = page_suite.path / "report.html"
    insight = Insight("workers", "one insight", ("a detail",), "some advice", {"n": 1})
    data = written(run, page, insights=[insight])
    text = page.read_text(encoding="utf-8")

    assert text.startswith("<!doctype html>\n")
    assert b'<meta name="generator" content="pytest-fixture-perf' in page.read_bytes()[:8192]
    assert foreign_file(page, HTML) is None  # ours: an earlier report may be replaced
    # nothing from the network: no URL at all, no src=, no link but a data: one
    assert "http://" not in text
    assert "https://" not in text
    assert re.search(r"\bsrc\s*=", text) is None
    assert re.findall(r'\bhref\s*=\s*"([^"]*)"', text) == ["data:,"]
    assert "default-src 'none'" in text  # and the page's policy forbids any fetch

    # one table entry per fixture the suite logged, with its setups and teardowns
    fixtures = {f["name"]: f for f in data["fixtures"]}
    assert len(fixtures) == len(data["fixtures"])
    assert set(fixtures) == {name for _phase, name in truth}
    for (phase, name), n in truth.items():
        assert fixtures[name][f"{phase}s"] == n, (phase, name)

    # the timeline: every test run, and every fixture setup and teardown, by name
    tl = data["timeline"]
    assert tl["total"] == tl["shown"] == len(tl["s"])
    kinds = Counter(tl["k"])
    assert kinds[html.TEST] == outcomes["passed"] == 5
    counted: Counter[tuple[str, str]] = Counter()
    for kind, label in zip(tl["k"], tl["l"], strict=True):
        if kind != html.TEST:
            phase = "setup" if kind == html.SETUP_SLICE else "teardown"
            counted[(phase, tl["labels"][label].split("[")[0])] += 1
    assert counted == truth
    assert f"tricky[{TRICKY_ID}]" in tl["labels"]  # escaped in the file, whole when read
    # function-scoped fixtures on the tests track, the others on the shared one
    for kind, track, label in zip(tl["k"], tl["t"], tl["l"], strict=True):
        if kind != html.TEST:
            name = tl["labels"][label].split("[")[0]
            shared = name in ("sess", "mod")
            assert track == (html.SHARED_TRACK if shared else html.TESTS_TRACK), name
    assert data["insights"] == [
        {"kind": "workers", "title": "one insight", "details": ["a detail"],
         "advice": "some advice", "numbers": {"n": 1}}
    ]  # fmt: skip
    assert data["run"]["test_runs"] == outcomes["passed"]
    assert data["trend"] is None


def test_the_page_is_the_same_for_the_same_run(page_suite: Suite) -> None:
    page_suite.run("-p", "no:asyncio")
    run = Run.from_json((page_suite.path / "fixture-perf.json").read_bytes())
    first, second = page_suite.path / "a.html", page_suite.path / "b.html"
    write_html(first, run, derive(run), [], None)
    write_html(second, run, derive(run), [], None)
    assert first.read_bytes() == second.read_bytes()


def test_a_file_that_is_not_a_report_is_never_replaced(tmp_path: Path) -> None:
    run = Run()
    stats = derive(run)
    precious = tmp_path / "notes.html"
    precious.write_text("<!doctype html>\n<p>mine</p>\n")
    with pytest.raises(FileExistsError, match="not a pytest-fixture-perf HTML report"):
        write_html(precious, run, stats, [], None)
    assert precious.read_text() == "<!doctype html>\n<p>mine</p>\n"
    empty = tmp_path / "empty.html"
    empty.touch()
    page = tmp_path / "report.html"
    for target in (empty, page, page):  # empty, new, then ours: written
        write_html(target, run, stats, [], None)
        assert embedded(target)["fixtures"] == []


# -- runs built by hand -------------------------------------------------------------------------
MS = 1_000_000


def hand_made(
    tests: dict[str, list[tuple[int, int]]],
    anchors: dict[str, int],
    setups: Sequence[tuple[int, int]] = (),
) -> Run:
    """Per worker, its test runs (start, end on its clock, ns); ``setups``: one fixture
    setup (start, duration) inside each of the first worker's tests, in order."""
    run = Run()
    definition = run.definition_id(Definition.make("fix", "conftest.py", 3, "function"))
    for wid, runs in tests.items():
        w = run.worker_id(Worker(wid, anchor_ns=anchors[wid]))
        rows = []
        for start, end in runs:
            test = run.test_id(f"test_x.py::test_{wid}_{start}")
            rows.append((test, start, start + 1, end - 1, end, 0))
        run.add_test_runs(rows, w)
    first = next(iter(tests))
    run.add_events(
        [
            (definition, 0, 4, -1, None, run.test_id(f"test_x.py::test_{first}_{test_start}"),
             start, duration, duration, -1, 0)
            for (test_start, _), (start, duration) in zip(tests[first], setups, strict=False)
        ],
        run.worker_id(first),
    )  # fmt: skip
    return run


def test_idle_time_is_the_span_less_each_workers_tests(tmp_path: Path) -> None:
    # gw0: tests at 0-10 ms and 20-30 ms; gw1's clock starts 5 ms later: 5-40 ms on gw0's
    base = 1_700_000_000 * 10**9
    run = hand_made(
        {"gw0": [(0, 10 * MS), (20 * MS, 30 * MS)], "gw1": [(0, 35 * MS)]},
        {"gw0": base, "gw1": base + 5 * MS},
    )
    data = written(run, tmp_path / "r.html")
    tl = data["timeline"]
    assert tl["span_ms"] == 40
    assert tl["gaps"] == [[[10, 10], [30, 10]], [[0, 5]]]
    assert tl["idle_ms"] == [20, 5]
    assert [w["idle_seconds"] for w in data["workers"]] == [0.02, 0.005]
    assert sorted(tl["s"]) == [0, 5, 20]  # each worker's anchor added


def test_the_timeline_keeps_the_longest_slices_and_says_how_many(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 30 tests of 10 ms + i us, each with a fixture setup of (i + 1) * 10 us
    tests = [(i * 20 * MS, i * 20 * MS + 10 * MS + i * 1000) for i in range(30)]
    setups = [(start + 2 * MS, (i + 1) * 10_000) for i, (start, _) in enumerate(tests)]
    run = hand_made({"main": tests}, {"main": 0}, setups)
    monkeypatch.setattr(html, "MAX_SLICES", 40)
    tl = written(run, tmp_path / "r.html")["timeline"]
    assert (tl["total"], tl["shown"]) == (60, 40)
    assert Counter(tl["k"])[html.TEST] == 30  # every test is longer than any fixture
    kept = sorted(d for d, k in zip(tl["d"], tl["k"], strict=True) if k == html.SETUP_SLICE)
    longest = sorted(d / MS for _s, d in setups)[-10:]
    assert kept == longest
    assert tl["left_out_max_ms"] == sorted(d / MS for _s, d in setups)[-11]
    # kept in order: by worker, track, start
    assert tl["s"] == sorted(tl["s"])


def test_the_trend_keeps_this_runs_fixtures(tmp_path: Path) -> None:
    run = hand_made({"main": [(0, 10 * MS)]}, {"main": 0}, [(MS, MS)])
    runs = [{"seq": 1, "started_at": None, "commit": None}, {"seq": 2, "started_at": 1.0,
                                                            "commit": "abc"}]  # fmt: skip
    nan = float("nan")
    trend = {"runs": runs, "fixtures": {"conftest.py::fix": [0.001, nan], "gone.py::old": [1, 2]}}
    data = written(run, tmp_path / "r.html", trend=trend)
    # JSON has no NaN: a mean that is not a number is none
    assert data["trend"] == {"runs": runs, "fixtures": {"conftest.py::fix": [0.001, None]}}


def test_the_option_and_the_export_write_the_same_page(page_suite: Suite) -> None:
    """``--fixture-perf-html`` at the run's end, ``fixture-perf export REPORT --html`` later,
    and ``export RUN --html`` of the stored run, whose page adds the trend over the history."""
    from pytest_fixture_perf.cli import main as cli

    live, exported = page_suite.path / "live.html", page_suite.path / "exported.html"
    report = page_suite.path / "run.json"
    result, _ = page_suite.run(
        f"--fixture-perf-html={live}", f"--fixture-perf-json={report}", "-n", "2",
        "--fixture-perf-no-save", json_report=False,
    )  # fmt: skip
    result.assert_outcomes(passed=5)
    assert cli(["export", str(report), f"--html={exported}"]) == 0
    assert live.read_bytes() == exported.read_bytes()
    assert embedded(live)["trend"] is None
    # stored twice: the stored run's page has the trend of both runs
    db = page_suite.path / "history.db"
    for _ in range(2):
        page_suite.run(f"--fixture-perf-db={db}", json_report=False)
    truth = page_suite.ground_truth()  # of the last run
    stored = page_suite.path / "stored.html"
    assert cli(["export", "last", f"--db={db}", f"--html={stored}"]) == 0
    trend = embedded(stored)["trend"]
    assert len(trend["runs"]) == 2
    # an earlier run's page: the runs before it only, then it (oldest first)
    first = page_suite.path / "first.html"
    assert cli(["export", "1", f"--db={db}", f"--html={first}"]) == 0
    assert [r["seq"] for r in embedded(first)["trend"]["runs"]] == [None]
    setups = {f["name"]: f["setups"] for f in embedded(stored)["fixtures"]}
    assert setups["func"] == truth[("setup", "func")]


def test_the_option_refuses_a_file_that_is_not_a_report(page_suite: Suite) -> None:
    precious = page_suite.path / "index.html"
    precious.write_text("<!doctype html><title>my site</title>\n")
    result, _ = page_suite.run(f"--fixture-perf-html={precious}", "--fixture-perf-no-save")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--fixture-perf-html*not a pytest-fixture-perf HTML report*"])
    assert precious.read_text() == "<!doctype html><title>my site</title>\n"
