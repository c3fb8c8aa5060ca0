"""The regression rule: Mann-Whitney p-values against brute-force enumeration, and the rule's
guards (sample sizes, percent, absolute floor) on constructed samples."""

from __future__ import annotations

import itertools
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_fixture_perf.model.compare import (
    IMPROVED,
    REGRESSED,
    TOO_FEW,
    UNCHANGED,
    Rule,
    Samples,
    compare,
    compare_measure,
    p_greater,
    smallest_p,
)

MS = 1_000_000


def brute_force_p(before: list[float], after: list[float]) -> float:
    """P(U >= U observed) over every way of labelling the pooled values (independent of the
    code under test: counts pairs directly, no ranks, no generating functions)."""

    def u_of(group: list[float], others: list[float]) -> float:
        return sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in group for b in others)

    pooled = before + after
    n = len(after)
    observed = u_of(after, before)
    hits = total = 0
    for chosen in itertools.combinations(range(len(pooled)), n):
        group = [pooled[i] for i in chosen]
        rest = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        total += 1
        hits += u_of(group, rest) >= observed - 1e-9
    return hits / total


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 10**6), min_size=1, max_size=7, unique=True).flatmap(
        lambda pool: st.tuples(st.just(pool), st.integers(1, len(pool)))
    ),
    st.randoms(use_true_random=False),
)
def test_exact_p_value_equals_enumeration(
    pool_split: tuple[list[int], int], rnd: random.Random
) -> None:
    pool, cut = pool_split
    values = list(pool)
    rnd.shuffle(values)
    before, after = values[:cut], values[cut:]
    if not after:
        return
    assert p_greater(before, after) == pytest.approx(brute_force_p(before, after), abs=1e-12)


def test_normal_approximation_is_close_to_enumeration_with_ties() -> None:
    rnd = random.Random(7)
    for _ in range(20):
        before = [rnd.choice([1, 2, 3, 4, 5]) for _ in range(7)]
        after = [rnd.choice([2, 3, 4, 5, 6]) for _ in range(6)]
        assert p_greater(before, after) == pytest.approx(brute_force_p(before, after), abs=0.06)


def test_large_samples_agree_with_textbook_values() -> None:
    # no overlap at all: the exact p-value is 1 / C(m + n, n)
    before = list(range(40))
    after = list(range(100, 130))
    assert p_greater(before, after) == pytest.approx(1 / math.comb(70, 30), rel=1e-9)
    # identical distributions interleaved: p about one half
    assert 0.3 < p_greater(list(range(0, 200, 2)), list(range(1, 201, 2))) < 0.6


def test_smallest_p_is_the_one_arrangement_of_all_after_values_on_top() -> None:
    assert smallest_p(1, 1) == 0.5
    assert smallest_p(5, 1) == pytest.approx(1 / 6)
    assert smallest_p(4, 4) == pytest.approx(1 / 70)
    # the bound is reached: all after values above all before values
    assert p_greater([1, 2, 3, 4], [5, 6, 7, 8]) == pytest.approx(1 / 70)


def _noisy(rnd: random.Random, median_ms: float, n: int) -> list[int]:
    """Durations around ``median_ms`` with CI-like noise: jitter and rare spikes."""
    values = []
    for _ in range(n):
        value = median_ms * MS * rnd.uniform(0.9, 1.2)
        if rnd.random() < 0.05:
            value += rnd.uniform(5, 40) * MS  # a noisy neighbour
        values.append(int(value))
    return values


def test_a_three_times_slower_fixture_regresses() -> None:
    rnd = random.Random(1)
    change = compare_measure(
        "k", "db", "setup", _noisy(rnd, 10, 150), _noisy(rnd, 30, 30), Rule(pct=20)
    )
    assert change.status == REGRESSED
    assert change.p is not None
    assert change.p < 1e-6
    assert change.median_change == pytest.approx(2.0, abs=0.3)


def test_same_distribution_never_regresses() -> None:
    rnd = random.Random(2)
    for _ in range(200):
        change = compare_measure(
            "k", "db", "setup", _noisy(rnd, 10, 150), _noisy(rnd, 10, 30), Rule(pct=10)
        )
        assert change.status == UNCHANGED


def test_a_tiny_fixture_cannot_fail_however_much_slower() -> None:
    # 0.2 ms -> 1.0 ms: five times slower and highly significant, but below the 5 ms floor
    before = [200_000 + i for i in range(100)]
    after = [1_000_000 + i for i in range(100)]
    change = compare_measure("k", "tiny", "setup", before, after, Rule(pct=10))
    assert change.p is not None
    assert change.p < 1e-20
    assert change.status == UNCHANGED
    # the floor is a rule parameter
    assert compare_measure("k", "t", "setup", before, after, Rule(pct=10, floor_ns=0)).status == (
        REGRESSED
    )


def test_below_the_percentage_is_not_a_regression() -> None:
    before = [100 * MS + i for i in range(50)]
    after = [110 * MS + i for i in range(50)]  # +10 %, 10 ms, significant
    assert compare_measure("k", "f", "setup", before, after, Rule(pct=20)).status == UNCHANGED
    assert compare_measure("k", "f", "setup", before, after, Rule(pct=5)).status == REGRESSED


def test_one_sample_per_run_is_not_enough_history() -> None:
    # a session fixture on one worker, five runs in the window: C(6, 1) = 6 orders at most
    change = compare_measure("k", "s", "setup", [10 * MS] * 5, [100 * MS], Rule())
    assert change.status == TOO_FEW
    assert change.p is None


def test_faster_is_improved_not_regressed() -> None:
    before = [30 * MS + i for i in range(40)]
    after = [10 * MS + i for i in range(40)]
    assert compare_measure("k", "f", "setup", before, after, Rule(pct=20)).status == IMPROVED


def test_compare_pairs_measures_by_key_and_skips_missing_sides() -> None:
    before = {"a": Samples("a", setup=[1, 2, 3]), "gone": Samples("gone", setup=[1])}
    after = {
        "a": Samples("a", setup=[4, 5], teardown=[1]),
        "new": Samples("new", setup=[1]),
    }
    changes = compare(before, after, Rule())
    assert [(c.key, c.measure, c.before_n, c.after_n) for c in changes] == [("a", "setup", 3, 2)]


@given(
    st.lists(st.integers(1, 10**9), min_size=1, max_size=40),
    st.lists(st.integers(1, 10**9), min_size=1, max_size=40),
    st.integers(1, 10**9),
)
def test_p_value_is_a_probability_and_falls_when_after_shifts_up(
    before: list[int], after: list[int], shift: int
) -> None:
    p = p_greater(before, after)
    assert 0.0 <= p <= 1.0
    # up to the normal approximation's error (used with ties; checked above against
    # enumeration to 0.06): a shift can move a sample from the approximation to the exact
    # distribution
    assert p_greater(before, [a + shift for a in after]) <= p + 0.05


def _runs(medians_ms: list[float], n: int = 30) -> Samples:
    """A window pooled from runs whose durations sit tightly around the given medians."""
    pooled = Samples("f")
    for m in medians_ms:
        pooled.pool(Samples("f", setup=[int(m * MS) + i for i in range(n)]))
    return pooled


def test_one_slow_run_in_the_window_cannot_hide_a_regression() -> None:
    after = {"k": Samples("f", setup=[12 * MS + i for i in range(30)])}
    one_slow = compare({"k": _runs([4, 4, 4, 4, 12])}, after, Rule(pct=20))
    assert [c.status for c in one_slow] == [REGRESSED]
    # two slow runs of five: the slowdown is how these runs are now, not one run's accident
    two_slow = compare({"k": _runs([4, 4, 4, 12, 12])}, after, Rule(pct=20))
    assert [c.status for c in two_slow] == [UNCHANGED]


def test_runs_that_vary_raise_the_bar() -> None:
    # the window's runs themselves range from 4 to 9 ms: 9.5 ms is within that
    after = {"k": Samples("f", setup=[int(9.5 * MS) + i for i in range(30)])}
    varied = compare({"k": _runs([4, 4, 9, 9, 4])}, after, Rule(pct=20))
    assert [c.status for c in varied] == [UNCHANGED]
    calm = compare({"k": _runs([4, 4, 4, 4, 4])}, after, Rule(pct=20))
    assert [c.status for c in calm] == [REGRESSED]


@given(
    st.lists(st.integers(0, 20), min_size=1, max_size=40),
    st.lists(st.integers(0, 20), min_size=1, max_size=40),
)
def test_u_and_ties_equal_pair_counting(before: list[int], after: list[int]) -> None:
    """U by its definition (every pair, a tie counting a half) and the tie groups of the
    pooled sample, against the binary-search counting."""
    from itertools import groupby

    from pytest_fixture_perf.model.compare import rank_sums

    u, ties = rank_sums(before, after)
    assert u == sum((a > b) + (a == b) / 2 for a in after for b in before)
    groups = [len(list(g)) for _, g in groupby(sorted(before + after))]
    assert sorted(ties) == sorted(n for n in groups if n > 1)
