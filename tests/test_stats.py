"""Pure statistics and aggregation, without pytest sessions."""

from __future__ import annotations

import random
import statistics

import pytest

from pytest_fixture_perf.aggregate import aggregate
from pytest_fixture_perf.records import FixtureEvent
from pytest_fixture_perf.stats import median, quantile, summarize


def test_quantile_hand_computed() -> None:
    assert quantile([10], 0.95) == 10
    assert median([1, 3]) == 2
    assert median([1, 2, 9]) == 2
    # 5 values: rank (5-1)*0.95 = 3.8 -> 40 + 0.8*(200-40)
    assert quantile([10, 20, 30, 40, 200], 0.95) == pytest.approx(168.0)
    assert quantile([10, 20, 30, 40, 200], 0.0) == 10
    assert quantile([10, 20, 30, 40, 200], 1.0) == 200


def test_quantile_agrees_with_statistics_module() -> None:
    rng = random.Random(7)
    for n in (2, 3, 10, 101, 1000):
        values = sorted(rng.randrange(1, 10**9) for _ in range(n))
        cuts = statistics.quantiles(values, n=100, method="inclusive")
        assert quantile(values, 0.95) == pytest.approx(cuts[94])
        assert median(values) == pytest.approx(statistics.median(values))


def test_quantile_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="empty"):
        quantile([], 0.5)
    with pytest.raises(ValueError, match=r"within \[0, 1\]"):
        quantile([1], 1.5)


def test_summarize_seconds() -> None:
    stats = summarize([3_000_000_000, 1_000_000_000, 2_000_000_000])
    assert stats == {"total": 6.0, "mean": 2.0, "median": 2.0, "p95": 2.9, "max": 3.0}
    assert summarize([]) == {"total": 0.0, "mean": 0.0, "median": 0.0, "p95": 0.0, "max": 0.0}


def event(phase: str, name: str, ns: int, *, worker: str = "main", outcome: str = "ok",
          param: int = -1) -> FixtureEvent:  # fmt: skip
    return FixtureEvent(
        phase, name, f"conftest.py:{len(name)}", "function", param,
        None if param < 0 else f"p{param}", "t.py::test", worker, ns, outcome,
    )  # fmt: skip


def test_aggregate_is_order_independent_and_exact() -> None:
    events = [event("setup", "a", i * 1000, worker=f"gw{i % 3}") for i in range(1, 101)]
    events += [event("teardown", "a", 5) for _ in range(100)]
    events += [event("setup", "b", 7, outcome="error"), event("setup", "b", 9, outcome="skipped")]
    shuffled = events[:]
    random.Random(3).shuffle(shuffled)
    one, two = aggregate(events), aggregate(shuffled)
    a1, a2 = one.fixtures[("a", "conftest.py:1")], two.fixtures[("a", "conftest.py:1")]
    assert a1.setup.stats() == a2.setup.stats()
    assert a1.setup.count == 100
    assert a1.setups_by_worker == {"gw1": 34, "gw2": 33, "gw0": 33}
    assert one.total_setups == 102
    assert one.total_teardowns == 100
    assert one.total_setup_ns == sum(range(1, 101)) * 1000 + 16
    b = one.fixtures[("b", "conftest.py:1")]
    assert (b.setup.errors, b.setup.skipped) == (1, 1)
    assert one.workers == ["main", "gw0", "gw1", "gw2"]


def test_workers_sort_numerically() -> None:
    run = aggregate([event("setup", "a", 1, worker=w) for w in ("gw10", "gw2", "main", "gw1")])
    assert run.workers == ["main", "gw1", "gw2", "gw10"]


def test_params_and_uses() -> None:
    run = aggregate(
        [event("setup", "p", 10, param=0), event("setup", "p", 30, param=1),
         event("setup", "p", 20, param=0)],
        uses={("p", "conftest.py:1"): 5},
    )  # fmt: skip
    data = run.fixtures[("p", "conftest.py:1")]
    assert {k: v.count for k, v in data.params.items()} == {"p0": 2, "p1": 1}
    assert data.uses == 5
    assert run.by_scope() == {"function": {"setups": 3, "seconds": 60e-9}}


def test_raw_record_fast_path_matches_events() -> None:
    """RunData.add_records (the recorder's raw buffer) aggregates exactly like add_events."""
    from types import SimpleNamespace

    from pytest_fixture_perf.jsonreport import build_document

    infos = {n: SimpleNamespace(name=n, location=f"conftest.py:{len(n)}") for n in ("a", "bb")}
    raw = [
        (ph, infos[n], "module", p, None if p < 0 else f"p{p}", "t.py::x", ns, out)
        for ph, n, p, ns, out in [
            ("setup", "a", -1, 50, "ok"), ("setup", "bb", 0, 70, "error"),
            ("teardown", "a", -1, 5, "ok"), ("setup", "bb", 1, 90, "skipped"),
            ("teardown", "bb", 1, 9, "error"), ("setup", "a", -1, 30, "ok"),
        ]
    ]  # fmt: skip
    fast = aggregate([])
    fast.add_records(raw, "gw1")
    events = [
        FixtureEvent(ph, info.name, info.location, sc, p, pid, t, "gw1", ns, out)
        for ph, info, sc, p, pid, t, ns, out in raw
    ]
    assert build_document(fast, {}) == build_document(aggregate(events), {})
    assert fast.total_setups == 4


def test_events_from_a_generator_are_kept_apart() -> None:
    """Events made on the fly (freed after use) must not be confused with one another."""
    run = aggregate(event("setup", name, 10) for name in ["a", "bb", "a", "ccc", "bb"] * 50)
    counts = {data.name: data.setup.count for data in run.fixtures.values()}
    assert counts == {"a": 100, "bb": 100, "ccc": 50}
