"""The run model without pytest sessions: the format's round trip, version refusal and
malformed input, merge laws (hypothesis), fragments, and the scope rule.

Runs are built here from plain rows the test writes itself, and every expectation about
their contents is computed from those rows, not by the model.
"""

from __future__ import annotations

import json
import random
from array import array
from collections import Counter
from itertools import permutations
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fixture_perf.model import FORMAT_VERSION, Definition, FormatError, Run, Worker
from pytest_fixture_perf.model.derive import derive
from pytest_fixture_perf.model.intake import Intake
from pytest_fixture_perf.model.run import NONE, SCOPES, TABLES, Mark, _json_column, typecode
from pytest_fixture_perf.model.totals import reported_scope

WORKERS = ["main", "gw0", "gw1", "gw2"]
NAMES = ["db", "client", "user", "data"]
PATHS = ["tests/conftest.py", "tests/test_a.py"]
TESTS = ["t.py::a", "t.py::b", "t.py::c[1]", "u.py::d"]

# an event row as the test describes it: worker, (name, path), phase, scope, param index,
# param id, test, start, exclusive, inclusive, cpu, outcome
Row = tuple[str, tuple[str, str], int, int, int, "str | None", int, int, int, int, int, int]

rows_strategy = st.tuples(
    st.sampled_from(WORKERS),
    st.tuples(st.sampled_from(NAMES), st.sampled_from(PATHS)),
    st.integers(0, 1),
    st.integers(0, len(SCOPES) - 1),
    st.integers(-1, 3),
    st.none() | st.sampled_from(["a", "b", "0.5"]),
    st.integers(NONE, len(TESTS) - 1),
    st.integers(0, 10**12),
    st.integers(0, 10**9),
    st.integers(0, 10**9),
    st.integers(NONE, 10**9),
    st.integers(0, 2),
)
workers_strategy = st.builds(
    Worker,
    st.sampled_from(WORKERS),
    pid=st.none() | st.integers(1, 5),
    host=st.none() | st.sampled_from(["h1", "h2"]),
    anchor_ns=st.none() | st.integers(0, 10**18),
    finished=st.booleans(),
    lost=st.none() | st.sampled_from(["crashed", "no output"]),
    tracking_error=st.none() | st.just("boom"),
    open_setups=st.integers(0, 3),
)
meta_strategy = st.dictionaries(
    st.sampled_from(["started_at", "ended_at", "host", "exit_status", "git"]),
    st.integers(0, 100) | st.sampled_from(["x", "y"]) | st.just({"commit": "abc"}),
    max_size=3,
)


def build(
    rows: list[Row],
    workers: list[Worker] = (),  # type: ignore[assignment]
    meta: dict[str, Any] | None = None,
    line: int = 1,
) -> Run:
    """A run holding exactly ``rows`` (and ``workers``' states, ``meta``)."""
    run = Run()
    run.meta.update(meta or {})
    for worker in workers:
        run.worker_id(worker)
    add(run, rows, line)
    return run


def add(run: Run, rows: list[Row], line: int = 1) -> None:
    """Add ``rows`` to ``run``, one by one."""
    for w, (name, path), phase, scope, pidx, pid, test, *rest in rows:
        d = run.definition_id(Definition.make(name, path, line, "function"))
        t = NONE if test < 0 else run.test_id(TESTS[test])
        run.add_events([(d, phase, scope, pidx, pid, t, *rest)], run.worker_id(w))


def facts(rows: list[Row]) -> Counter[tuple[Any, ...]]:
    """The rows as the multiset a run must hold (test indexes as node ids)."""
    return Counter(
        (w, f"{path}::{name}", *rest[:4], TESTS[rest[4]] if rest[4] >= 0 else None, *rest[5:])
        for w, (name, path), *rest in rows
    )


def held(run: Run) -> Counter[tuple[Any, ...]]:
    return Counter(
        (e["worker"], e["definition"].key, ["setup", "teardown"].index(e["phase"]),
         SCOPES.index(e["scope"]), e["param_index"], e["param_id"], e["test"], e["start_ns"],
         e["exclusive_ns"], e["inclusive_ns"], NONE if e["cpu_ns"] is None else e["cpu_ns"],
         ["ok", "error", "skipped"].index(e["outcome"]))
        for e in run.iter_events()
    )  # fmt: skip


runs = st.builds(
    build,
    st.lists(rows_strategy, max_size=12),
    st.lists(workers_strategy, max_size=3),
    meta_strategy,
    st.integers(1, 3),
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.lists(rows_strategy, max_size=20))
def test_a_run_holds_exactly_what_was_added(rows: list[Row]) -> None:
    run = build(rows)
    assert held(run) == facts(rows)


@SETTINGS
@given(runs, runs)
def test_merge_is_commutative_and_exact(a: Run, b: Run) -> None:
    ab, ba = a.merge(b), b.merge(a)
    assert ab == ba
    assert held(ab) == held(a) + held(b)
    assert len(ab.events) == len(a.events) + len(b.events)


@SETTINGS
@given(runs, runs, runs)
def test_merge_is_associative(a: Run, b: Run, c: Run) -> None:
    assert a.merge(b).merge(c) == a.merge(b.merge(c))


@SETTINGS
@given(runs)
def test_empty_run_is_the_identity(a: Run) -> None:
    assert a.merge(Run()) == a == Run().merge(a)


@SETTINGS
@given(runs)
def test_json_round_trip(a: Run) -> None:
    text = a.to_json()
    back = Run.from_json(text)
    assert back == a
    assert back.to_dict() == a.to_dict()  # the same document, in the same order
    assert json.loads(text)["schema_version"] == FORMAT_VERSION


@given(
    st.sampled_from([("b", 7), ("i", 31)]).flatmap(
        lambda kind: st.tuples(
            st.just(kind[0]),
            st.lists(st.integers(-3, 40), max_size=60)  # small: from the table of texts
            | st.lists(st.integers(-(2 ** kind[1]), 2 ** kind[1] - 1), max_size=60)
            | st.lists(st.integers(-3, 40) | st.integers(-(2 ** kind[1]), 2 ** kind[1] - 1)),
        )
    )
)
def test_a_column_is_written_as_json_writes_its_values(column: tuple[str, list[int]]) -> None:
    typecode, values = column
    assert _json_column(array(typecode, values)) == json.dumps(values, separators=(",", ":"))


@SETTINGS
@given(runs)
def test_compact_chunks_round_trip(a: Run) -> None:
    """The history's form (a column whose rows all hold one value given as that value)
    reads back as the same run; the JSON file's form lists every value."""
    compact = "".join(a.json_chunks(compact=True))
    assert Run.from_json(compact) == a
    full = json.loads("".join(a.json_chunks()))
    for table in ("events", "test_runs", "uses"):
        section = full[table]
        assert all(type(v) is list and len(v) == section["rows"]
                   for k, v in section.items() if k != "rows")  # fmt: skip
    stored = json.loads(compact)
    scalars = [v for t in ("events", "test_runs", "uses") for k, v in stored[t].items()
               if k != "rows" and type(v) is not list]  # fmt: skip
    if len(a.events) > 1 and len(set(a.events.worker)) == 1:
        assert scalars  # one worker: its column is one value


@SETTINGS
@given(st.lists(rows_strategy, min_size=1, max_size=30), st.data())
def test_fragments_rebuild_the_run_in_any_order(rows: list[Row], data: st.DataObject) -> None:
    """A worker ships what its run gained since the last fragment; the controller merges
    fragments in whatever order they arrive and ends with the same run."""
    cuts = sorted(data.draw(st.lists(st.integers(0, len(rows)), max_size=5)))
    source = Run()
    fragments = []
    mark = source.mark()
    for start, end in zip([0, *cuts], [*cuts, len(rows)], strict=True):
        source.absorb(build(rows[start:end]).to_dict())
        fragment = source.fragment(mark)
        mark = source.mark()
        if fragment is not None:
            fragments.append(json.dumps(fragment))
    random.Random(data.draw(st.integers())).shuffle(fragments)
    target = Run()
    for fragment in fragments:
        target.absorb_json(fragment)
    assert held(target) == facts(rows)
    assert target == source


@SETTINGS
@given(st.lists(rows_strategy, min_size=1, max_size=30), st.data())
def test_a_senders_fragments_rebuild_the_run_in_order(rows: list[Row], data: st.DataObject) -> None:
    """How a worker ships: each fragment in the worker's own numbering, listing only the
    definitions and tests it adds; the controller takes them in order, one by one or in
    batches."""
    cuts = sorted(data.draw(st.lists(st.integers(0, len(rows)), max_size=5)))
    source, one_by_one, batched = Run(), Run(), Run()
    intake = Intake(batched)
    mark = Mark()
    for start, end in zip([0, *cuts], [*cuts, len(rows)], strict=True):
        source.absorb(build(rows[start:end]).to_dict())
        fragment = source.fragment(mark, sender="gw9")
        mark = source.mark()
        if fragment is not None:
            text = json.dumps(fragment)
            one_by_one.absorb_json(text)
            intake.add_json(text)
    intake.merge()
    assert intake.errors == []
    for target in (one_by_one, batched):
        assert held(target) == facts(rows)
        assert target == source


def test_a_fragment_needing_a_missing_one_is_refused() -> None:
    source = Run()
    fragments = []
    mark = Mark()
    for name in ("db", "client"):
        source.absorb(build([("gw0", (name, "c.py"), 0, 4, -1, None, 0, 1, 2, 2, -1, 0)]).to_dict())
        fragments.append(source.fragment(mark, sender="gw0"))
        mark = source.mark()
    assert [d["key"] for d in fragments[1]["definitions"]] == ["c.py::client"]  # only the new
    target = Run()
    # the second refers to the test the first introduced: it cannot be taken without it
    with pytest.raises(FormatError, match=r"events\.test: refers to a test of a document that"):
        target.absorb(fragments[1])
    assert len(target.events) == 0
    target.absorb(fragments[0])
    with pytest.raises(FormatError, match=r"offsets \[0, 0\] of sender 'gw0': expected at"):
        target.absorb(fragments[0])  # the same one again
    target.absorb(fragments[1])
    assert held(target) == held(source)


def test_other_versions_are_refused_with_one_line() -> None:
    document = build([("main", ("db", "c.py"), 0, 4, -1, None, 0, 1, 2, 2, -1, 0)]).to_dict()
    for version in (1, 3, "2", None):
        document["schema_version"] = version
        with pytest.raises(FormatError) as info:
            Run.from_dict(document)
        message = str(info.value)
        assert "\n" not in message
        assert f"unsupported schema_version {version!r}" in message
        assert "reads version 2" in message
    with pytest.raises(FormatError, match="not JSON"):
        Run.from_json("{")


def _mutations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Documents each broken in one place."""
    broken = []

    def variant(change: Any) -> None:
        copy = json.loads(json.dumps(document))
        change(copy)
        broken.append(copy)

    variant(lambda d: d["events"]["definition"].__setitem__(0, 99))  # no such definition
    variant(lambda d: d["events"]["test"].__setitem__(0, 42))
    variant(lambda d: d["events"]["phase"].__setitem__(0, 2))
    variant(lambda d: d["events"]["start_ns"].__setitem__(0, "1"))
    variant(lambda d: d["events"]["start_ns"].__setitem__(0, 1.5))
    variant(lambda d: d["events"]["exclusive_ns"].__setitem__(0, 2**64))
    variant(lambda d: d["events"]["param_index"].__setitem__(0, 2**40))
    variant(lambda d: d["events"]["param_id"].__setitem__(0, 5))
    variant(lambda d: d["events"]["outcome"].pop())  # fewer values than rows
    variant(lambda d: d["events"].__setitem__("rows", 5))
    variant(lambda d: d["events"].pop("cpu_ns"))
    variant(lambda d: d.__setitem__("events", []))
    variant(lambda d: d["definitions"][0].__setitem__("scope", "galaxy"))
    variant(lambda d: d["definitions"][0].pop("key"))
    variant(lambda d: d["workers"][0].__setitem__("pid", "12"))
    variant(lambda d: d["workers"][0].__setitem__("finished", "yes"))
    variant(lambda d: d.__setitem__("tests", [1]))
    variant(lambda d: d.__setitem__("meta", []))
    variant(lambda d: d["uses"].__setitem__("definition", [7]))
    return broken


def test_malformed_documents_are_refused_and_change_nothing() -> None:
    rows: list[Row] = [
        ("gw0", ("db", "c.py"), 0, 4, -1, None, 0, 10, 5, 5, -1, 0),
        ("gw0", ("db", "c.py"), 1, 4, -1, None, 0, 20, 3, 3, -1, 0),
    ]
    source = build(rows)
    source.add_uses(0, [0], [0])
    document = source.to_dict()
    target = build([("main", ("other", "o.py"), 0, 4, -1, None, NONE, 1, 1, 1, -1, 0)])
    before = target.to_dict()
    for broken in _mutations(document):
        with pytest.raises(FormatError) as info:
            target.absorb(broken)
        assert "\n" not in str(info.value)
        assert target.to_dict() == before, broken  # nothing half-merged
    target.absorb(document)  # the intact document still merges
    assert held(target) == facts(rows) + held(Run.from_dict(before))


def _as_arrays(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with every integer column an array of its type, as a spool's documents
    hold them (``SpoolReader.document``)."""
    copy = json.loads(json.dumps(document))
    for table, columns in TABLES.items():
        for column, kind in columns.items():
            code = typecode(kind)
            if code is not None:
                copy[table][column] = array(code, copy[table][column])
    return copy


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("events", "definition", 99, "events.definition: no such definition"),
        ("events", "definition", -1, "events.definition: no such definition"),
        ("events", "test", 42, "events.test: no such test"),
        ("events", "test", -2, "events.test: no such test"),
        ("events", "worker", 1, "events.worker: no such worker"),
        ("events", "worker", -1, "events.worker: no such worker"),
        ("events", "phase", 2, r"events.phase: codes out of 0\.\.1"),
        ("events", "phase", -1, r"events.phase: codes out of 0\.\.1"),
        ("events", "outcome", 3, r"events.outcome: codes out of 0\.\.2"),
        ("test_runs", "outcome", -3, r"test_runs.outcome: codes out of"),
        ("uses", "definition", 7, "uses.definition: no such definition"),
        ("uses", "test", -2, "uses.test: no such test"),
    ],
)
@pytest.mark.parametrize("where", ["first row", "every row"])
def test_columns_given_as_arrays_are_checked_as_lists_are(
    table: str, column: str, value: int, message: str, where: str
) -> None:
    """A spool's documents hold arrays, which are in range for their type but may still
    name no such worker, definition or test, or hold unknown codes: refused as lists are,
    whether one row is wrong or all (a column of one value takes a shorter way)."""
    rows: list[Row] = [
        ("gw0", ("db", "c.py"), 0, 4, -1, None, 0, 10, 5, 5, -1, 0),
        ("gw0", ("db", "c.py"), 1, 4, -1, None, 0, 20, 3, 3, -1, 0),
        ("gw0", ("db", "c.py"), 0, 4, -1, None, NONE, 30, 2, 2, -1, 0),  # no test
    ]
    source = build(rows)
    source.add_uses(0, [0, 0], [0, 0])
    source.add_test_runs([(0, 1, 2, 3, 4, 0), (0, 5, 6, 7, 8, 1)], 0)
    document = source.to_dict()
    assert document["test_runs"]["rows"] == 2
    target = build([("main", ("other", "o.py"), 0, 4, -1, None, NONE, 1, 1, 1, -1, 0)])
    before = target.to_dict()
    for form in (json.loads(json.dumps(document)), _as_arrays(document)):
        values = form[table][column]
        for i in range(1 if where == "first row" else len(values)):
            values[i] = value
        with pytest.raises(FormatError, match=message):
            target.absorb(form)
        assert target.to_dict() == before  # nothing half-merged
    target.absorb(_as_arrays(document))  # intact, it merges: "no test" (-1) included
    assert held(target) == facts(rows) + held(Run.from_dict(before))
    assert target.uses.definition.tolist() == [1, 1]  # "db", after the target's "other"
    assert target.test_runs.outcome.tolist() == [0, 1]


@SETTINGS
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=20,
))  # fmt: skip
def test_arbitrary_json_is_a_format_error_or_a_run(value: Any) -> None:
    for document in (value, {"schema_version": 2, "events": value}, {"schema_version": 2,
                     "workers": value, "definitions": value, "tests": value}):  # fmt: skip
        try:
            Run.from_dict(document)
        except FormatError as exc:
            message = str(exc)
        else:
            message = ""
        assert "\n" not in message


def test_definitions_keep_their_identity_when_lines_move() -> None:
    a = build([("main", ("db", "c.py"), 0, 4, -1, None, NONE, 1, 5, 5, -1, 0)], line=10)
    b = build([("main", ("db", "c.py"), 0, 4, -1, None, NONE, 2, 7, 7, -1, 0)], line=11)
    for merged in (a.merge(b), b.merge(a)):
        assert [d.key for d in merged.definitions] == ["c.py::db"]
        assert merged.definitions[0].line == 10  # a key seen with two lines: the smaller
        assert len(merged.events) == 2


def test_definition_keys() -> None:
    assert Definition.make("db", "tests/conftest.py", 3, "session").key == "tests/conftest.py::db"
    in_class = Definition.make("db", "tests/test_a.py", 9, "class", "TestA")
    assert in_class.key == "tests/test_a.py::TestA::db"
    assert in_class.location == "tests/test_a.py:9"
    assert Definition.make("x", "<manual>", 0, "function").location == "<manual>"


# -- the scope a definition is reported at -----------------------------------------------


@pytest.mark.parametrize(
    ("declared", "scopes", "expected"),
    [
        ("session", {}, "session"),  # no setup: the declared scope
        ("session", {"function": 3}, "function"),  # always run per test
        ("session", {"function": 2, "session": 1}, "function"),  # most setups
        ("session", {"function": 1, "session": 1}, "session"),  # tie: the declared one
        ("function", {"module": 2, "class": 2}, "module"),  # tie without it: the widest
    ],
)
def test_reported_scope_rule(declared: str, scopes: dict[str, int], expected: str) -> None:
    assert reported_scope(declared, scopes) == expected


def test_the_report_does_not_depend_on_arrival_order() -> None:
    """The same events, merged in every order, give the same statistics and scopes."""

    def part(scope: int, n: int, worker: str) -> Run:
        return build([(worker, ("fx", "c.py"), 0, scope, 0, "p", 0, i, 100 * (i + 1) * (scope + 1),
                       100, -1, 0) for i in range(n)])  # fmt: skip

    parts = [part(0, 1, "gw0"), part(4, 2, "gw1"), part(2, 2, "gw2")]  # session, function, module
    reports = []
    for order in permutations(parts):
        run = Run()
        for p in order:
            run.absorb(p.to_dict())
        stats = derive(run)
        (fixture,) = stats.fixtures
        reports.append((fixture.scope, fixture.tally.scopes, fixture.setup, stats.by_scope,
                        fixture.workers))  # fmt: skip
    assert all(report == reports[0] for report in reports)
    scope, scopes, setup, by_scope, workers = reports[0]
    # module and function tie at 2 setups, the declared scope (function) is among them
    assert (scope, scopes) == ("function", {"session": 1, "function": 2, "module": 2})
    assert setup["total"] == (100 + 500 + 1000 + 300 + 600) / 1e9
    assert by_scope == {"function": {"setups": 5, "seconds": setup["total"]}}
    assert workers == {"gw0": 1, "gw1": 2, "gw2": 2}


@SETTINGS
@given(st.lists(rows_strategy, max_size=30), st.lists(st.integers(0, 30), max_size=3))
def test_totals_count_the_rows_however_updated(rows: list[Row], splits: list[int]) -> None:
    """Each (worker, fixture) tally holds the counts, sums and maxima of its rows, computed
    here row by row, whether the rows arrive at once or between updates."""
    from pytest_fixture_perf.model.totals import Totals

    run = Run()
    totals = Totals(run, track_changes=True)
    changed: set[tuple[str, str]] = set()
    done = 0
    for cut in [*sorted(splits), len(rows)]:
        add(run, rows[done : max(cut, done)])
        done = max(cut, done)
        totals.update()
        changed |= {(run.workers[w].id, run.definitions[d].key)
                    for w, d, _ in totals.take_changed()}  # fmt: skip
    expected: dict[tuple[str, str], dict[str, Any]] = {}
    for w, (name, path), phase, scope, _, _, _, _, ns, _, _, outcome in rows:
        cell = expected.setdefault((w, f"{path}::{name}"), Counter())
        if phase == 0:
            cell["setups"] += 1
            cell["setup_ns"] += ns
            cell["max_setup_ns"] = max(cell["max_setup_ns"], ns)
            cell["setup_errors"] += outcome == 1
            cell["setup_skips"] += outcome == 2
            cell[SCOPES[scope]] += 1
        else:
            cell["teardowns"] += 1
            cell["teardown_ns"] += ns
            cell["teardown_errors"] += outcome == 1
    found = {
        (run.workers[w].id, run.definitions[d].key): tally
        for w, row in totals.cells.items()
        for d, tally in row.items()
    }
    assert set(found) == set(expected) == changed
    for cell, tally in found.items():
        want = expected[cell]
        for name in ("setups", "teardowns", "setup_ns", "teardown_ns", "max_setup_ns",
                     "setup_errors", "setup_skips", "teardown_errors"):  # fmt: skip
            assert getattr(tally, name) == want[name], (cell, name)
        assert tally.scopes == {s: want[s] for s in SCOPES if want[s]}, cell
