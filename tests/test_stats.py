"""Order statistics and the derived per-fixture numbers, against values computed here."""

from __future__ import annotations

import random
import statistics

import pytest

from pytest_fixture_perf.model import Definition, Run
from pytest_fixture_perf.model.derive import derive
from pytest_fixture_perf.model.run import NONE
from pytest_fixture_perf.model.stats import median, quantile, summarize


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


def test_derived_numbers_match_a_direct_computation() -> None:
    """derive() over a shuffled mix of workers, params and outcomes equals what plain
    loops over the same rows give."""
    rng = random.Random(11)
    rows = []  # (worker, name, phase, param, exclusive, inclusive, cpu, outcome)
    for i in range(400):
        rows.append((f"gw{i % 3}", rng.choice("ab"), rng.randrange(2), rng.choice([-1, 0, 1]),
                     rng.randrange(1, 10**7), 0, rng.choice([-1, rng.randrange(10**6)]),
                     rng.choice([0, 0, 0, 1, 2])))  # fmt: skip
    run = Run()
    for w, name, phase, param, excl, _incl, cpu, outcome in rows:
        d = run.definition_id(Definition.make(name, "c.py", 1, "function"))
        run.add_events(
            [(d, phase, 4, param, None if param < 0 else f"p{param}", NONE, 0, excl,
              excl + 7, cpu, outcome)],
            run.worker_id(w),
        )  # fmt: skip
    stats = derive(run)
    assert [f.definition.name for f in stats.fixtures] == sorted(
        "ab", key=lambda n: -sum(r[4] for r in rows if r[1] == n)
    )
    for f in stats.fixtures:
        mine = [r for r in rows if r[1] == f.definition.name]
        setups = sorted(r[4] for r in mine if r[2] == 0)
        teardowns = [r[4] for r in mine if r[2] == 1]
        assert f.tally.setups == len(setups)
        assert f.tally.teardowns == len(teardowns)
        assert f.setup["total"] == pytest.approx(sum(setups) / 1e9)
        assert f.setup["max"] == max(setups) / 1e9
        assert f.setup["median"] == pytest.approx(statistics.median(setups) / 1e9)
        assert f.setup_inclusive["total"] == pytest.approx((sum(setups) + 7 * len(setups)) / 1e9)
        cpu = [r[6] for r in mine if r[2] == 0 and r[6] >= 0]
        assert f.setup_cpu is not None
        assert f.setup_cpu["total"] == pytest.approx(sum(cpu) / 1e9)
        assert f.tally.setup_errors == sum(1 for r in mine if r[2] == 0 and r[7] == 1)
        assert f.tally.setup_skips == sum(1 for r in mine if r[2] == 0 and r[7] == 2)
        assert f.tally.teardown_errors == sum(1 for r in mine if r[2] == 1 and r[7] == 1)
        assert f.workers == {
            w: n for w in ("gw0", "gw1", "gw2")
            if (n := sum(1 for r in mine if r[0] == w and r[2] == 0))
        }  # fmt: skip
        for param in (0, 1):
            p = f.params[f"p{param}"]
            assert p.setups == sum(1 for r in mine if r[3] == param and r[2] == 0)
            assert p.teardowns == sum(1 for r in mine if r[3] == param and r[2] == 1)
    assert stats.total.setups == sum(1 for r in rows if r[2] == 0)
    assert [w.id for w in stats.workers] == ["gw0", "gw1", "gw2"]
