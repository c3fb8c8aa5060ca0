"""OTLP export: every line checked against the OTLP/JSON encoding (hex ids, uint64 as decimal
strings, integer enums, typed attributes), the span tree checked (one trace, parents that
exist and hold their children), and its test and fixture spans counted against the suite's
own logs."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pytest_fixture_perf.model.run import NONE, Definition, Run
from pytest_fixture_perf.report import otlp
from pytest_fixture_perf.report.otlp import OTLP, write_otlp
from pytest_fixture_perf.store.files import foreign_file
from test_counts import NAMES, make_full_suite

from conftest import Suite

Span = dict[str, Any]

# Tests with known sleeps and a failure, beside the ground-truth suite of test_counts.
TEST_SLOW = """
import pytest
from gtlog import gt

@pytest.fixture(scope="session")
def slow_sess():
    gt("setup", "slow_sess", 0.05)
    yield
    gt("teardown", "slow_sess")

@pytest.fixture
def slow_func():
    gt("setup", "slow_func", 0.05)
    yield
    gt("teardown", "slow_func")

def test_slow(slow_sess, slow_func): pass
def test_fails(slow_sess): assert False
"""

# A hook that logs every test run where it runs (each worker, or the one process).
TEST_LOG = """

import pathlib

def pytest_runtest_setup(item):
    with open(pathlib.Path(__file__).parent / "tests.log", "a") as handle:
        handle.write(item.nodeid + "\\n")
"""

HEX32 = re.compile(r"[0-9a-f]{32}")
HEX16 = re.compile(r"[0-9a-f]{16}")
UINT64 = re.compile(r"0|[1-9][0-9]*")
INT64 = re.compile(r"-?(0|[1-9][0-9]*)")
SPAN_FIELDS = {
    "traceId", "spanId", "parentSpanId", "traceState", "flags", "name", "kind",
    "startTimeUnixNano", "endTimeUnixNano", "attributes", "droppedAttributesCount", "events",
    "droppedEventsCount", "links", "droppedLinksCount", "status",
}  # fmt: skip
SPAN_KIND_INTERNAL = 1
STATUS_ERROR = 2


@pytest.fixture
def otlp_suite(suite: Suite) -> Suite:
    make_full_suite(suite)
    suite.pytester.makepyfile(test_slow=TEST_SLOW)
    conftest = suite.path / "conftest.py"
    conftest.write_text(conftest.read_text() + TEST_LOG)
    return suite


def run_suite(suite: Suite, *args: str) -> Run:
    """Run the suite, logging its tests; the run as its JSON file holds it."""
    (suite.path / "tests.log").unlink(missing_ok=True)
    suite.run("--fixture-perf-no-save", *args)
    return Run.from_json((suite.path / "fixture-perf.json").read_text())


def check_value(value: dict[str, Any]) -> None:
    """An ``AnyValue`` as OTLP/JSON writes it: one typed member, 64-bit ints as strings."""
    assert len(value) == 1, value
    (kind, v), *_ = value.items()
    if kind == "intValue":
        assert isinstance(v, str), value
        assert INT64.fullmatch(v), value
    elif kind == "stringValue":
        assert isinstance(v, str)
    elif kind == "boolValue":
        assert isinstance(v, bool)
    elif kind == "doubleValue":
        assert isinstance(v, (int, float))
        assert not isinstance(v, bool)
        assert math.isfinite(v)
    else:
        raise AssertionError(f"not an AnyValue of ours: {value}")


def check_attributes(attributes: Any) -> dict[str, Any]:
    """A ``KeyValue`` list; returned as a dict of the typed values (keys unique)."""
    assert isinstance(attributes, list)
    found: dict[str, Any] = {}
    for item in attributes:
        assert set(item) == {"key", "value"}, item
        assert isinstance(item["key"], str)
        assert item["key"] not in found
        check_value(item["value"])
        found[item["key"]] = item["value"]
    return found


def load(path: Path) -> list[Span]:
    """Every span of the file, each line checked as one ``ExportTraceServiceRequest``."""
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    found: list[Span] = []
    for line in text.splitlines():
        request = json.loads(line)
        assert list(request) == ["resourceSpans"]
        (resource_spans,) = request["resourceSpans"]
        assert set(resource_spans) == {"resource", "scopeSpans"}
        resource = check_attributes(resource_spans["resource"]["attributes"])
        assert resource["service.name"] == {"stringValue": "pytest"}
        (scope_spans,) = resource_spans["scopeSpans"]
        assert scope_spans["scope"]["name"] == "pytest-fixture-perf"
        assert scope_spans["spans"], "no empty envelopes"
        for span in scope_spans["spans"]:
            assert set(span) <= SPAN_FIELDS, set(span) - SPAN_FIELDS
            assert HEX32.fullmatch(span["traceId"])
            assert int(span["traceId"], 16)
            assert HEX16.fullmatch(span["spanId"])
            assert int(span["spanId"], 16)
            if "parentSpanId" in span:
                assert HEX16.fullmatch(span["parentSpanId"])
            assert span["kind"] == SPAN_KIND_INTERNAL
            assert isinstance(span["name"], str)
            assert span["name"]
            for key in ("startTimeUnixNano", "endTimeUnixNano"):
                assert isinstance(span[key], str), span
                assert UINT64.fullmatch(span[key]), span
            assert int(span["startTimeUnixNano"]) <= int(span["endTimeUnixNano"])
            span["attrs"] = check_attributes(span["attributes"])
            if "status" in span:
                assert isinstance(span["status"]["code"], int)
                assert span["status"]["code"] in (0, 1, 2)
            for link in span.get("links", []):
                assert HEX32.fullmatch(link["traceId"])
                assert HEX16.fullmatch(link["spanId"])
                check_attributes(link.get("attributes", []))
            found.append(span)
    return found


def attr(span: Span, key: str) -> Any:
    """The plain value of attribute ``key`` (None when absent)."""
    value = span["attrs"].get(key)
    return None if value is None else next(iter(value.values()))


class Tree:
    """The spans of one trace, checked as a tree."""

    def __init__(self, spans: list[Span]) -> None:
        assert len({s["traceId"] for s in spans}) == 1, "one trace per run"
        self.by_id = {s["spanId"]: s for s in spans}
        assert len(self.by_id) == len(spans), "span ids are unique"
        roots = [s for s in spans if "parentSpanId" not in s]
        assert len(roots) == 1
        self.root = roots[0]
        self.children: dict[str, list[Span]] = {}
        for span in spans:
            if span is self.root:
                continue
            parent = self.by_id[span["parentSpanId"]]  # exists, in this trace
            # a child lies within its parent, to the nanosecond
            assert int(parent["startTimeUnixNano"]) <= int(span["startTimeUnixNano"])
            assert int(span["endTimeUnixNano"]) <= int(parent["endTimeUnixNano"])
            self.children.setdefault(parent["spanId"], []).append(span)
            for link in span.get("links", []):
                assert link["traceId"] == span["traceId"]
                assert link["spanId"] in self.by_id
        self.workers = self.children[self.root["spanId"]]
        assert all(s["name"].startswith("pytest worker ") for s in self.workers)
        self.tests = [s for s in spans if "pytest.test.outcome" in s["attrs"]]
        self.fixtures = [s for s in spans if "pytest.fixture.name" in s["attrs"]]

    def parent(self, span: Span) -> Span:
        return self.by_id[span["parentSpanId"]]

    def ancestors(self, span: Span) -> list[Span]:
        found = []
        while "parentSpanId" in span:
            span = self.parent(span)
            found.append(span)
        return found

    def named(self, name: str) -> list[Span]:
        return [s for s in self.by_id.values() if s["name"] == name]


def duration_ns(span: Span) -> int:
    return int(span["endTimeUnixNano"]) - int(span["startTimeUnixNano"])


@pytest.mark.parametrize("xdist", [(), ("-n", "2")])
def test_the_export_is_otlp_json_and_counts_every_test_and_fixture(
    otlp_suite: Suite, xdist: tuple[str, ...]
) -> None:
    run = run_suite(otlp_suite, *xdist)
    out = otlp_suite.path / "trace.jsonl"
    write_otlp(out, run)
    assert foreign_file(out, OTLP) is None  # its head says it is ours
    tree = Tree(load(out))

    # one worker span per worker that ran tests, under the session span
    assert tree.root["name"] == "pytest session"
    assert len(tree.workers) == (2 if xdist else 1)
    # a test span per test run, named after its node id, under its worker
    logged = Counter((otlp_suite.path / "tests.log").read_text().splitlines())
    assert Counter(s["name"] for s in tree.tests) == logged
    assert len(logged) == 22 + 2  # test_counts' suite, and test_slow.py
    for test in tree.tests:
        assert tree.parent(test) in tree.workers
        assert attr(test, "test.case.name") == test["name"]
        phases = tree.children[test["spanId"]]
        assert [p["name"] for p in phases] == ["setup", "call", "teardown"]
        assert phases[0]["startTimeUnixNano"] == test["startTimeUnixNano"]
        assert phases[-1]["endTimeUnixNano"] == test["endTimeUnixNano"]
    results = {s["name"]: attr(s, "test.case.result.status") for s in tree.tests}
    assert results["test_slow.py::test_slow"] == "pass"
    assert results["test_slow.py::test_fails"] == "fail"
    assert results["test_b.py::test_broken_setup"] == "fail"
    assert results["test_b.py::test_skipping"] == "skipped"
    failed = next(s for s in tree.tests if s["name"] == "test_slow.py::test_fails")
    assert failed["status"]["code"] == STATUS_ERROR

    # a fixture span per setup and teardown the fixtures logged themselves
    truth = otlp_suite.ground_truth()
    assert {name for _, name in truth} == NAMES | {"slow_sess", "slow_func"}
    counted = Counter(
        (attr(s, "pytest.fixture.phase"), attr(s, "pytest.fixture.name")) for s in tree.fixtures
    )
    assert {key: counted[key] for key in truth} == dict(truth)
    for span in tree.fixtures:
        assert span["name"].endswith(" " + attr(span, "pytest.fixture.phase"))
        assert attr(span, "code.function.name") == attr(span, "pytest.fixture.name")
        assert INT64.fullmatch(span["attrs"]["code.line.number"]["intValue"])
        assert int(span["attrs"]["pytest.fixture.inclusive_ns"]["intValue"]) >= 0
        ancestors = tree.ancestors(span)
        owner = next(a for a in ancestors if "pytest.fixture.name" not in a["attrs"])
        if attr(span, "pytest.fixture.scope") == "function":
            # a function fixture hangs from the phase of its test that ran it
            assert "pytest.test.phase" in owner["attrs"], span
            assert tree.parent(owner) in tree.tests
        else:
            # a fixture cached across tests belongs to its worker, not to a test
            assert owner in tree.workers, span
            assert not any(a in tree.tests for a in ancestors)
    for name in ("func", "slow_func", "fparam"):
        for phase in ("setup", "teardown"):
            spans = [
                s for s in tree.fixtures
                if attr(s, "pytest.fixture.name") == name
                and attr(s, "pytest.fixture.phase") == phase
            ]  # fmt: skip
            assert spans
            assert all(tree.parent(s)["name"] == phase for s in spans), (name, phase)
    # dyn_outer requests dyn_inner in its body: its setup span holds dyn_inner's
    for inner in tree.named("dyn_inner setup"):
        assert tree.parent(inner)["name"] == "dyn_outer setup"
    for sess in tree.named("sess setup") + tree.named("slow_sess setup"):
        assert tree.parent(sess) in tree.workers
        assert attr(sess, "pytest.fixture.scope") == "session"
    # the known sleeps
    for name in ("slow_sess setup", "slow_func setup"):
        assert tree.named(name)
        assert all(duration_ns(s) >= 50_000_000 for s in tree.named(name))
    assert {attr(s, "pytest.fixture.param") for s in tree.fixtures
            if attr(s, "pytest.fixture.name") == "fparam"} == {"x", "y", "three"}  # fmt: skip
    # errors carry an error status
    (broken,) = tree.named("broken_setup setup")
    assert broken["status"]["code"] == STATUS_ERROR
    assert broken["status"]["message"]
    assert attr(broken, "pytest.fixture.outcome") == "error"
    assert "status" not in tree.named("slow_func setup")[0]
    # each test using slow_sess links to the instance set up on its worker
    for name in ("test_slow.py::test_slow", "test_slow.py::test_fails"):
        (test,) = [s for s in tree.tests if s["name"] == name]
        linked = [tree.by_id[link["spanId"]] for link in test.get("links", [])]
        sessions = [s for s in linked if s["name"] == "slow_sess setup"]
        assert len(sessions) == 1, name
        assert tree.parent(sessions[0]) is tree.parent(test), name


def test_lines_are_cut_at_the_span_limit_and_hold_every_span_once(
    otlp_suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = run_suite(otlp_suite)
    whole = otlp_suite.path / "whole.jsonl"
    write_otlp(whole, run)
    assert len(whole.read_text().splitlines()) == 1
    every = sorted(json.dumps(s, sort_keys=True) for s in load(whole))
    assert len(every) > 100
    monkeypatch.setattr(otlp, "MAX_SPANS_PER_LINE", 7)
    cut = otlp_suite.path / "cut.jsonl"
    write_otlp(cut, run)
    lines = cut.read_text().splitlines()
    assert len(lines) == math.ceil(len(every) / 7)
    assert all(len(json.loads(line)["resourceSpans"][0]["scopeSpans"][0]["spans"]) <= 7
               for line in lines)  # fmt: skip
    assert sorted(json.dumps(s, sort_keys=True) for s in load(cut)) == every
    monkeypatch.setattr(otlp, "MAX_SPANS_PER_LINE", 10_000)
    monkeypatch.setattr(otlp, "MAX_LINE_BYTES", 4000)
    write_otlp(cut, run)
    lines = cut.read_text().splitlines()
    assert len(lines) > 10
    for line in lines:
        spans = json.loads(line)["resourceSpans"][0]["scopeSpans"][0]["spans"]
        assert len(line.encode()) + 1 <= 4000 or len(spans) == 1
    assert sorted(json.dumps(s, sort_keys=True) for s in load(cut)) == every
    Tree(load(cut))


def test_a_re_export_gives_the_same_ids(otlp_suite: Suite) -> None:
    run = run_suite(otlp_suite)
    first, second = otlp_suite.path / "1.jsonl", otlp_suite.path / "2.jsonl"
    write_otlp(first, run)
    write_otlp(second, Run.from_json(run.to_json()))
    assert first.read_bytes() == second.read_bytes()
    run.meta["run_id"] = "another run"
    write_otlp(second, run)
    ids = {s["traceId"] for s in load(first)}, {s["traceId"] for s in load(second)}
    assert ids[0] != ids[1]


def test_a_file_that_is_not_ours_is_never_replaced(tmp_path: Path) -> None:
    run = hand_made_run()
    precious = tmp_path / "notes.jsonl"
    precious.write_text('{"resourceSpans": []}\n')  # OTLP, but not written by us
    with pytest.raises(FileExistsError, match="not a pytest-fixture-perf OTLP file"):
        write_otlp(precious, run)
    assert precious.read_text() == '{"resourceSpans": []}\n'
    ours = tmp_path / "ours.jsonl"
    for _ in range(2):  # a file of ours is replaced
        write_otlp(ours, run)
    assert len(load(ours)) == 1 + 1 + 4 + 4  # session, worker, test and phases, fixtures


def hand_made_run() -> Run:
    """A test run at clock readings 100..400 on a worker with no anchor; inside its setup
    (100..200) a fixture (110..160) holding a nested one (120..130), and a session fixture
    (105..135) its setup triggered; a teardown at 300..350."""
    run = Run()
    run.meta.update(run_id="r1", started_at=1_700_000_000.0)
    w = run.worker_id("main")
    t = run.test_id("t.py::test_x")
    outer = run.definition_id(Definition.make("outer", "conftest.py", 3, "function"))
    inner = run.definition_id(Definition.make("inner", "conftest.py", 9, "function"))
    sess = run.definition_id(Definition.make("db", "conftest.py", 20, "session", "TestDb"))
    # (definition, phase, scope, param_index, param_id, test, start, excl, incl, cpu, outcome)
    run.add_events(
        [(sess, 0, 0, -1, None, t, 105, 30, 30, 20, 0),
         (outer, 0, 4, -1, None, t, 110, 40, 50, NONE, 0),
         (inner, 0, 4, -1, None, t, 120, 10, 10, NONE, 1),
         (outer, 1, 4, -1, None, t, 300, 50, 50, NONE, 0)],
        w,
    )  # fmt: skip
    run.add_test_runs([(t, 100, 200, 300, 400, 0)], w)
    run.add_uses(w, [t, t, t], [outer, inner, sess])
    return run


def test_a_hand_made_run_gives_the_expected_tree(tmp_path: Path) -> None:
    out = tmp_path / "run.jsonl"
    write_otlp(out, hand_made_run())
    tree = Tree(load(out))
    zero = 1_700_000_000 * 10**9 - 100  # no anchor: the first record is at started_at

    def times(name: str) -> tuple[int, int]:
        (span,) = tree.named(name)
        return int(span["startTimeUnixNano"]) - zero, int(span["endTimeUnixNano"]) - zero

    assert times("pytest session") == times("pytest worker main") == (100, 400)
    assert times("t.py::test_x") == (100, 400)
    assert [times(p) for p in ("setup", "call", "teardown")] == [(100, 200), (200, 300),
                                                                  (300, 400)]  # fmt: skip
    assert times("outer setup") == (110, 160)
    assert times("inner setup") == (120, 130)
    assert times("db setup") == (105, 135)

    def parent(name: str) -> str:
        (span,) = tree.named(name)
        return str(tree.parent(span)["name"])

    assert parent("outer setup") == "setup"
    assert parent("inner setup") == "outer setup"
    assert parent("outer teardown") == "teardown"
    assert parent("db setup") == "pytest worker main"
    (db,) = tree.named("db setup")
    assert attr(db, "pytest.fixture.cpu_ns") == "20"
    assert attr(db, "pytest.fixture.triggered_by") == "t.py::test_x"
    assert attr(db, "code.function.name") == "TestDb.db"  # defined in a class
    assert attr(db, "code.line.number") == "20"
    assert attr(db, "code.file.path") == "conftest.py"
    (outer,) = tree.named("outer setup")
    assert "pytest.fixture.cpu_ns" not in outer["attrs"]  # not recorded
    assert attr(outer, "pytest.fixture.exclusive_ns") == "40"
    (inner,) = tree.named("inner setup")
    assert inner["status"]["code"] == STATUS_ERROR
    (test,) = tree.tests
    assert [(tree.by_id[x["spanId"]]["name"], x["attributes"]) for x in test["links"]] == [
        ("db setup", [{"key": "pytest.fixture.relation", "value": {"stringValue": "triggered"}}])
    ]
    head = out.read_bytes()[:200]
    assert head.startswith(b'{"resourceSpans"')
    assert b"pytest-fixture-perf" in head


def test_ids_are_never_all_zero() -> None:
    assert otlp._nonzero(bytes(8)) != bytes(8)
    assert len(otlp._nonzero(bytes(8))) == 8
    assert otlp._nonzero(b"\x01" * 8) == b"\x01" * 8


def test_a_run_with_nothing_recorded_writes_no_empty_envelope(tmp_path: Path) -> None:
    out = tmp_path / "empty.jsonl"
    write_otlp(out, Run())
    assert out.read_text() == ""


def test_the_option_and_the_export_write_the_same_file(otlp_suite: Suite) -> None:
    """``--fixture-perf-otlp`` at the run's end, and ``fixture-perf export`` of its JSON
    report (the run read back) later: the same spans, the same ids."""
    from pytest_fixture_perf.cli import main as cli

    live, exported = otlp_suite.path / "live.jsonl", otlp_suite.path / "exported.jsonl"
    report = otlp_suite.path / "run.json"
    result, _ = otlp_suite.run(
        f"--fixture-perf-otlp={live}", f"--fixture-perf-json={report}", "-n", "2",
        "--fixture-perf-no-save", json_report=False,
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # test_fails
    assert cli(["export", str(report), f"--otlp={exported}"]) == 0
    assert live.read_bytes() == exported.read_bytes()
    Tree(load(live))


def test_the_option_refuses_a_file_that_is_not_ours(otlp_suite: Suite) -> None:
    precious = otlp_suite.path / "events.jsonl"
    precious.write_text('{"event": "deploy"}\n')
    result, _ = otlp_suite.run(f"--fixture-perf-otlp={precious}", "--fixture-perf-no-save")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--fixture-perf-otlp*not a pytest-fixture-perf OTLP file*"])
    assert precious.read_text() == '{"event": "deploy"}\n'
