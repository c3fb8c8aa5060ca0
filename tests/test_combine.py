"""``fixture-perf combine``: CI shards merged into one run, checked against the suite's own
setup log and against the unsharded run; bad inputs end in exit 2 with one line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fixture_perf.cli import main as cli

from conftest import Suite, by_name

SHARDED_SUITE = """
import pytest
from gtlog import gt

@pytest.fixture
def db():
    gt("setup", "db", 0.002)
    yield
    gt("teardown", "db")

@pytest.fixture
def client(db):
    gt("setup", "client")
    yield
    gt("teardown", "client")

@pytest.fixture(scope="module")
def schema():
    gt("setup", "schema", 0.005)

@pytest.mark.parametrize("i", range(7))
def test_alpha(client, schema, i): pass

@pytest.mark.parametrize("i", range(5))
def test_beta(db, schema, i): pass
"""

FUNCTION_FIXTURES = ("db", "client")


@pytest.fixture
def sharded(suite: Suite) -> Suite:
    suite.pytester.makepyfile(test_sharded=SHARDED_SUITE)
    return suite


def counts(document: dict[str, Any]) -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for name, entry in by_name(document).items():
        if name in FUNCTION_FIXTURES:
            found[("setup", name)] = entry["setups"]
            found[("teardown", name)] = entry["teardowns"]
    return found


def run_shard(suite: Suite, out: Path, *args: str) -> Counter[tuple[str, str]]:
    result, document = suite.run("--fixture-perf-no-save", *args)
    assert result.ret == 0
    out.write_text(json.dumps(document))
    truth = suite.ground_truth()
    return Counter({k: v for k, v in truth.items() if k[1] in FUNCTION_FIXTURES})


@pytest.mark.parametrize("xdist", [(), ("-n", "2")])
def test_two_shards_add_up_to_the_whole_run(
    sharded: Suite, tmp_path: Path, capsys: pytest.CaptureFixture[str], xdist: tuple[str, ...]
) -> None:
    whole = tmp_path / "whole.json"
    truth_whole = run_shard(sharded, whole, *xdist)
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    truth = run_shard(sharded, one, "-k", "alpha", *xdist)
    truth += run_shard(sharded, two, "-k", "not alpha", *xdist)
    assert truth == truth_whole  # the shards ran the same setups as the whole run
    out = tmp_path / "combined.json"
    assert cli(["combine", str(one), str(two), f"--output={out}"]) == 0
    combined = json.loads(out.read_text())
    assert counts(combined) == truth
    assert counts(combined) == counts(json.loads(whole.read_text()))
    # timelines stay per shard: each shard's workers are kept apart
    workers = [w["id"] for w in combined["workers"]]
    assert all(w.startswith(("s1/", "s2/")) for w in workers)
    assert {w.split("/")[0] for w in workers} == {"s1", "s2"}
    # percentiles come from the merged samples: the max over both shards
    single = [json.loads(p.read_text()) for p in (one, two)]
    assert by_name(combined)["db"]["setup"]["max"] == max(
        by_name(s)["db"]["setup"]["max"] for s in single
    )
    assert combined["meta"]["selection"]["tests"] == 12
    assert [s["shard"] for s in combined["meta"]["shards"]] == ["s1", "s2"]


def test_a_file_given_twice_counts_once(
    sharded: Suite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = tmp_path / "one.json"
    truth = run_shard(sharded, one, "-k", "alpha")
    copy = tmp_path / "copy.json"
    copy.write_bytes(one.read_bytes())
    reformatted = tmp_path / "reformatted.json"
    reformatted.write_text(json.dumps(json.loads(one.read_text()), indent=1))
    out = tmp_path / "combined.json"
    assert cli(["combine", str(one), str(copy), str(reformatted), f"--output={out}"]) == 0
    assert counts(json.loads(out.read_text())) == truth
    err = capsys.readouterr().err
    assert "copy.json: the same file as" in err
    assert "reformatted.json: the same run as" in err


def test_a_combined_file_and_one_of_its_shards_are_not_counted_twice(
    sharded: Suite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    truth = run_shard(sharded, one, "-k", "alpha")
    truth += run_shard(sharded, two, "-k", "not alpha")
    both = tmp_path / "both.json"
    assert cli(["combine", str(one), str(two), f"--output={both}"]) == 0
    again = tmp_path / "again.json"
    assert cli(["combine", str(both), str(one), str(two), f"--output={again}"]) == 0
    assert counts(json.loads(again.read_text())) == truth
    assert "one.json: the same run as" in capsys.readouterr().err
    # a combined file that holds a shard given before it cannot be split back: refused
    assert cli(["combine", str(one), str(both), f"--output={tmp_path / 'x.json'}"]) == 2
    assert "both.json: holds run" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


def test_combine_save_stores_the_combined_run_once(
    sharded: Suite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    run_shard(sharded, one, "-k", "alpha")
    run_shard(sharded, two, "-k", "not alpha")
    db = tmp_path / "history.db"
    out = tmp_path / "c.json"
    for _ in range(2):
        assert cli(["combine", str(one), str(two), f"-o={out}", "--save", f"--db={db}"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "already in the history"
    assert cli(["runs", f"--db={db}", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert len(runs) == 1
    assert runs[0]["tests"] == 12


def test_other_versions_and_bad_files_are_refused(
    sharded: Suite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.json"
    run_shard(sharded, good, "-k", "alpha")
    old = tmp_path / "old.json"
    old.write_text(json.dumps({**json.loads(good.read_text()), "schema_version": 1}))
    out = tmp_path / "out.json"
    for bad, message in [
        (old, "old.json: schema_version 1, this version reads 2"),
        (tmp_path / "missing.json", "missing.json: No such file or directory"),
        (tmp_path, "Is a directory"),
    ]:
        capsys.readouterr()
        assert cli(["combine", str(good), str(bad), f"--output={out}"]) == 2
        err = capsys.readouterr().err
        assert message in err, err
        assert err.count("\n") == 1, err
        assert not out.exists()


def test_the_command_runs_as_installed(sharded: Suite, tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    run_shard(sharded, one)
    result = subprocess.run(
        [sys.executable, "-m", "pytest_fixture_perf.cli", "combine", str(one), "-o",
         str(tmp_path / "out.json")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "combined 1 run(s)" in result.stdout


def _mutations() -> st.SearchStrategy[Any]:
    leaf = st.one_of(
        st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
        st.text(max_size=5),
    )  # fmt: skip

    def nest(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)

    return st.recursive(leaf, nest, max_leaves=8)


@pytest.fixture(scope="module")
def shard_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from pytest_fixture_perf.model.derive import derive
    from pytest_fixture_perf.model.run import Definition, Run
    from pytest_fixture_perf.report.jsonfile import build_document

    run = Run()
    w = run.worker_id("gw0")
    d = run.definition_id(Definition.make("db", "conftest.py", 3, "function"))
    t = run.test_id("test_x.py::test_x")
    run.add_events(
        [(d, 0, 4, -1, None, t, 10, 5, 5, -1, 0), (d, 1, 4, -1, None, t, 20, 3, 3, -1, 0)], w
    )
    run.meta = {"run_id": "abc"}
    return build_document(run, derive(run))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_hostile_documents_end_in_exit_2_never_a_traceback(
    shard_document: dict[str, Any], tmp_path: Path, data: st.DataObject
) -> None:
    document = json.loads(json.dumps(shard_document))
    # replace one value somewhere in the document with anything
    path: list[Any] = []
    node: Any = document
    while isinstance(node, (dict, list)) and node and data.draw(st.booleans()):
        key = data.draw(
            st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node)))
        )
        path.append(key)
        node = node[key]
    replacement = data.draw(_mutations())
    if path:
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = replacement
    else:
        document = replacement
    source = tmp_path / "hostile.json"
    text = data.draw(st.sampled_from(["json", "truncated"]))
    body = json.dumps(document)
    source.write_text(body if text == "json" else body[: len(body) // 2])
    out = tmp_path / "out.json"
    code = cli(["combine", str(source), f"--output={out}"])
    assert code in (0, 2)
