"""Insights: each fires on a suite built to trigger it, with numbers that match the suite's
own log and its known sleeps, and stays silent on a suite that does not call for it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_fixture_perf.cli import main as cli

from conftest import Suite


def found(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [i for i in doc["insights"] if i["kind"] == kind]


SESSION_SUITE = """
import pytest
from gtlog import gt

@pytest.fixture(scope="session")
def engine():
    gt("setup", "engine", {sleep})
    yield
    gt("teardown", "engine")

@pytest.mark.parametrize("i", range(8))
def test_uses_engine(engine, i):
    pass
"""


def pids(suite: Suite, name: str) -> set[str]:
    lines = (suite.path / "gt.log").read_text().split("\n")
    return {line.split()[2] for line in lines if line.startswith(f"setup {name} ")}


def test_a_costly_session_fixture_on_every_worker_is_said(suite: Suite) -> None:
    suite.pytester.makepyfile(test_s=SESSION_SUITE.format(sleep=0.3))
    result, doc = suite.run("-n", "2", "--fixture-perf-no-save")
    result.assert_outcomes(passed=8)
    [insight] = found(doc, "duplicated-session")
    truth = len(pids(suite, "engine"))  # one setup per worker process that ran a test
    assert truth == 2
    numbers = insight["numbers"]
    assert (numbers["workers"], numbers["setups"]) == (2, truth)
    assert numbers["median_s"] >= 0.3
    assert numbers["repeated_s"] == pytest.approx((truth - 1) * numbers["median_s"])
    assert insight["title"].startswith("engine (session) set up on 2 workers")
    # the terminal says it too
    result.stdout.fnmatch_lines(["insights:", "- engine (session) set up on 2 workers: *"])


@pytest.mark.parametrize(
    ("sleep", "xdist"), [(0.3, ()), (0.0, ("-n", "2"))], ids=["serial", "cheap"]
)
def test_no_duplicated_session_insight_serially_or_when_cheap(
    suite: Suite, sleep: float, xdist: tuple[str, ...]
) -> None:
    suite.pytester.makepyfile(test_s=SESSION_SUITE.format(sleep=sleep))
    result, doc = suite.run(*xdist, "--fixture-perf-no-save")
    result.assert_outcomes(passed=8)
    assert found(doc, "duplicated-session") == []


SCOPE_SUITE = """
import pytest
from gtlog import gt

@pytest.fixture
def client():
    gt("setup", "client", {sleep})

@pytest.mark.parametrize("i", range({tests}))
def test_uses_client(client, i):
    pass
"""


def test_a_costly_function_fixture_used_by_many_tests_is_a_scope_candidate(suite: Suite) -> None:
    suite.pytester.makepyfile(test_c=SCOPE_SUITE.format(sleep=0.02, tests=20))
    result, doc = suite.run("--fixture-perf-no-save")
    result.assert_outcomes(passed=20)
    [insight] = found(doc, "scope-candidate")
    setups = suite.ground_truth()[("setup", "client")]
    assert setups == 20
    numbers = insight["numbers"]
    assert numbers["setups"] == setups
    assert numbers["median_s"] >= 0.02
    # the estimate: set up once instead of 20 times
    assert numbers["saving_s"] == pytest.approx((setups - 1) * numbers["median_s"])
    assert "an estimate" in insight["title"]


@pytest.mark.parametrize(("sleep", "tests"), [(0.0, 20), (0.02, 3)], ids=["cheap", "few"])
def test_no_scope_candidate_when_cheap_or_used_by_few_tests(
    suite: Suite, sleep: float, tests: int
) -> None:
    suite.pytester.makepyfile(test_c=SCOPE_SUITE.format(sleep=sleep, tests=tests))
    result, doc = suite.run("--fixture-perf-no-save")
    result.assert_outcomes(passed=tests)
    assert found(doc, "scope-candidate") == []


def test_an_idle_worker_is_said(suite: Suite) -> None:
    suite.pytester.makepyfile(
        test_w="""
        import time

        def test_long():
            time.sleep(1.5)

        def test_short():
            pass
        """
    )
    result, doc = suite.run("-n", "2", "--fixture-perf-no-save")
    result.assert_outcomes(passed=2)
    [insight] = found(doc, "workers")
    rows = {r["worker"]: r for r in insight["numbers"]["workers"]}
    assert set(rows) == {"gw0", "gw1"}
    long_one = max(rows.values(), key=lambda r: r["busy_s"])
    short_one = min(rows.values(), key=lambda r: r["busy_s"])
    assert long_one["busy_s"] >= 1.5
    assert short_one["idle_tail_s"] >= 1.0  # it waited for the long test
    assert insight["numbers"]["wall_s"] >= 1.5


def test_busy_workers_are_not_said(suite: Suite) -> None:
    suite.pytester.makepyfile(
        test_w="""
        import time

        def test_one():
            time.sleep(1.0)

        def test_two():
            time.sleep(1.0)
        """
    )
    result, doc = suite.run("-n", "2", "--fixture-perf-no-save")
    result.assert_outcomes(passed=2)
    assert found(doc, "workers") == []


UNSTABLE_SUITE = """
import pytest
from gtlog import gt

calls = []

@pytest.fixture
def flaky_speed():
    calls.append(1)
    gt("setup", "flaky_speed", {slow} if len(calls) <= 2 else {fast})

@pytest.mark.parametrize("i", range(20))
def test_it(flaky_speed, i):
    pass
"""


def test_a_fixture_whose_setup_varies_widely_is_said(suite: Suite) -> None:
    suite.pytester.makepyfile(test_u=UNSTABLE_SUITE.format(slow=0.15, fast=0.002))
    result, doc = suite.run("--fixture-perf-no-save")
    result.assert_outcomes(passed=20)
    [insight] = found(doc, "unstable")
    numbers = insight["numbers"]
    assert numbers["setups"] == suite.ground_truth()[("setup", "flaky_speed")] == 20
    assert numbers["p95_s"] >= 0.15  # 2 of 20 setups slept 150 ms
    assert numbers["median_s"] < 0.05


def test_a_steady_fixture_is_not_unstable(suite: Suite) -> None:
    suite.pytester.makepyfile(test_u=UNSTABLE_SUITE.format(slow=0.02, fast=0.02))
    result, doc = suite.run("--fixture-perf-no-save")
    result.assert_outcomes(passed=20)
    assert found(doc, "unstable") == []


def test_shared_fixture_time_in_durations_is_said_when_tests_are_split(suite: Suite) -> None:
    """Two shards, combined: the session fixture's setup sits in each shard's first test."""
    suite.pytester.makepyfile(test_s=SESSION_SUITE.format(sleep=0.3))
    shards = []
    for k, index in enumerate(("0 or 1 or 2 or 3", "4 or 5 or 6 or 7")):
        out = suite.path / f"shard{k}.json"
        result, _doc = suite.run(
            "-k", index, f"--fixture-perf-json={out}", "--fixture-perf-no-save",
            json_report=False,
        )  # fmt: skip
        result.assert_outcomes(passed=4)
        shards.append(str(out))
    combined = suite.path / "combined.json"
    assert cli(["combine", *shards, f"--output={combined}"]) == 0
    doc = json.loads(combined.read_text())
    [insight] = found(doc, "durations-bias")
    # each shard's first test carries the setup, its last one the teardown
    assert insight["numbers"]["tests"] == 4
    assert insight["numbers"]["billed_s"] >= 2 * 0.3
    worst = {w["test"]: w["billed_s"] for w in insight["numbers"]["worst"][:2]}
    assert set(worst) == {"test_s.py::test_uses_engine[0]", "test_s.py::test_uses_engine[4]"}
    assert min(worst.values()) >= 0.3
    # one shard alone, not split: silent
    single = json.loads((suite.path / "shard0.json").read_text())
    assert found(single, "durations-bias") == []


def test_parametrized_fixtures_are_weighed_per_param(suite: Suite) -> None:
    """A session fixture with 3 params on 2 workers needs 3 setups a worker: only what one
    process would not do repeats; a function fixture with 10 params cannot go below 10
    setups; and setups that differ by param are not unstable."""
    suite.pytester.makepyfile(
        test_p="""
        import pytest
        from gtlog import gt

        @pytest.fixture(scope="session", params=[1, 2, 3])
        def backend(request):
            gt("setup", "backend", 0.2)

        @pytest.fixture(params=range(10))
        def payload(request):
            gt("setup", "payload", 0.005 * (request.param + 1) ** 2)

        @pytest.mark.parametrize("i", range(3))
        def test_it(backend, payload, i):
            pass
        """
    )
    result, doc = suite.run("-n", "2", "--fixture-perf-no-save")
    result.assert_outcomes(passed=90)
    truth = suite.ground_truth()
    setups = truth[("setup", "backend")]
    assert setups > 3  # both workers set up params of it
    [session] = found(doc, "duplicated-session")
    # one process would set up each of the 3 params once: the rest repeats
    assert session["numbers"]["setups"] == setups
    repeated = (setups - 3) * session["numbers"]["median_s"]
    assert session["numbers"]["repeated_s"] == pytest.approx(repeated)
    assert 0.2 * (setups - 3) <= repeated < 0.2 * (setups - 3) + 0.1
    assert [i for i in doc["insights"] if i["numbers"].get("fixture", "").endswith("payload")
            and i["kind"] == "unstable"] == []  # fmt: skip
    for candidate in found(doc, "scope-candidate"):
        numbers = candidate["numbers"]
        once = numbers["workers"] * numbers["params"]
        assert numbers["saving_s"] == pytest.approx(
            (numbers["setups"] - once) * numbers["median_s"]
        )


def test_a_cold_first_setup_is_not_a_scope_candidate(suite: Suite) -> None:
    """One slow setup (a cache warmed) and many quick ones: the saving is estimated from the
    median setup, far below what the mean would say."""
    suite.pytester.makepyfile(
        test_c="""
        import pytest
        from gtlog import gt

        calls = []

        @pytest.fixture
        def cached():
            calls.append(1)
            gt("setup", "cached", 0.25 if len(calls) == 1 else 0.005)

        @pytest.mark.parametrize("i", range(12))
        def test_it(cached, i):
            pass
        """
    )
    result, doc = suite.run("--fixture-perf-no-save")
    result.assert_outcomes(passed=12)
    assert found(doc, "scope-candidate") == []


def test_pytests_own_fixtures_are_not_scope_candidates(suite: Suite) -> None:
    suite.pytester.makepyfile(
        test_t="""
        import pytest

        @pytest.mark.parametrize("i", range(300))
        def test_it(tmp_path, i):
            pass
        """
    )
    result, doc = suite.run("--fixture-perf-no-save")
    result.assert_outcomes(passed=300)
    assert [i for i in found(doc, "scope-candidate") if "tmp_path" in i["title"]] == []


def test_serial_shards_combined_are_not_idle_workers(suite: Suite) -> None:
    """Two serial CI shards, combined: one process each is as it must be (no workers or
    duplicated-session insight), however their lengths differ."""
    suite.pytester.makepyfile(
        test_s="""
        import time, pytest
        from gtlog import gt

        @pytest.fixture(scope="session")
        def engine():
            gt("setup", "engine", 0.3)

        def test_long(engine):
            time.sleep(1.0)

        def test_short(engine):
            pass
        """
    )
    shards = []
    for k, name in enumerate(("long", "short")):
        out = suite.path / f"shard{k}.json"
        result, _ = suite.run("-k", name, f"--fixture-perf-json={out}", "--fixture-perf-no-save",
                              json_report=False)  # fmt: skip
        result.assert_outcomes(passed=1)
        shards.append(str(out))
    combined = suite.path / "combined.json"
    assert cli(["combine", *shards, f"--output={combined}"]) == 0
    doc = json.loads(combined.read_text())
    assert found(doc, "workers") == []
    assert found(doc, "duplicated-session") == []


def test_a_lost_worker_is_not_counted_as_idle(suite: Suite) -> None:
    suite.pytester.makepyfile(
        test_w="""
        import os, time

        def test_long():
            time.sleep(1.2)

        def test_crash():
            os._exit(1)
        """
    )
    result, doc = suite.run("-n", "2", "--fixture-perf-no-save", subprocess=True)
    assert result.ret == 1
    lost = [w["id"] for w in doc["workers"] if w["lost"]]
    assert len(lost) == 1
    for insight in found(doc, "workers"):
        assert lost[0] not in {r["worker"] for r in insight["numbers"]["workers"]}
