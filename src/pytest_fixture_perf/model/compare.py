"""Did a fixture get slower? The regression rule, as pure functions over duration samples.

A fixture's *measure* (setup or teardown, wall or CPU time) is compared per setup, never in
totals (how often a fixture is set up changes with the selection, xdist, even pytest's
version). Its current samples (one duration per setup) are compared with the samples of a
*window* of recent comparable runs, pooled. It **regressed** when all of these hold:

1. the samples can show it: the smallest p-value the rank test could give for these sample
   sizes is below ``alpha`` (a session fixture gives one sample per worker and run: with
   too few, the answer is "not enough history", never a guess);
2. Mann-Whitney's one-sided rank test says the current durations are larger:
   ``p < alpha`` (default 0.002, as asv uses);
3. the median per setup grew by at least ``pct`` percent **and** by at least ``floor_ns``
   (default 5 ms), so a 0.2 ms fixture can never fail a build however noisy it is;
4. it grew that much beyond what the window's runs already vary by: against the second
   slowest of the window runs' own medians too (the slowest with fewer than three runs).
   Samples within a run share its machine's load, so one run's noise shows in all its
   samples at once; and no single slow run, a regression nobody gated, can hide the next.

The same rule, mirrored, says **improved**. Everything else is **unchanged**.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Final, NamedTuple

from ..defaults import ALPHA, FLOOR_NS
from .stats import median

#: Largest ``m * n`` for which p-values are exact (when there are no ties).
EXACT_LIMIT: Final = 10_000

REGRESSED: Final = "regressed"
IMPROVED: Final = "improved"
UNCHANGED: Final = "unchanged"
TOO_FEW: Final = "not enough history"

#: The measures compared, in order: ``(name, samples attribute)``.
MEASURES: Final = (
    ("setup", "setup"),
    ("teardown", "teardown"),
    ("setup cpu", "setup_cpu"),
    ("teardown cpu", "teardown_cpu"),
)


# Plain classes and named tuples, not dataclasses: this module is imported at every run's
# start (``derive`` keeps samples), and a dataclass costs a code generation at import.


class Rule(NamedTuple):
    """When a change counts: percent, absolute floor and significance."""

    pct: float = 0.0
    floor_ns: int = FLOOR_NS
    alpha: float = ALPHA


class Samples:
    """One fixture definition's durations in nanoseconds, one per setup (teardown), from
    one run or pooled from several (``run_medians``: each pooled run's median)."""

    __slots__ = ("name", "run_medians", "setup", "setup_cpu", "teardown", "teardown_cpu")

    def __init__(
        self, name: str, setup: list[int] | None = None, teardown: list[int] | None = None,
        setup_cpu: list[int] | None = None, teardown_cpu: list[int] | None = None,
    ) -> None:  # fmt: skip
        self.name = name
        self.setup = [] if setup is None else setup
        self.teardown = [] if teardown is None else teardown
        self.setup_cpu = [] if setup_cpu is None else setup_cpu
        self.teardown_cpu = [] if teardown_cpu is None else teardown_cpu
        #: measure attribute -> the median of each run pooled in (empty for one run)
        self.run_medians: dict[str, list[float]] = {}

    def pool(self, other: Samples) -> None:
        """Add a run's samples (and note its medians)."""
        for _, attribute in MEASURES:
            values = getattr(other, attribute)
            if values:
                getattr(self, attribute).extend(values)
                self.run_medians.setdefault(attribute, []).append(_median(values))


class Change(NamedTuple):
    """One fixture's one measure, before (the window) and after (this run)."""

    key: str
    name: str
    measure: str
    before_n: int
    after_n: int
    before_median_ns: float
    after_median_ns: float
    before_mean_ns: float
    after_mean_ns: float
    #: One-sided p-value in the direction of the change (None when not computed).
    p: float | None
    status: str

    @property
    def mean_change(self) -> float | None:
        """Relative change of the mean per setup (0.38 is +38%), None without a before."""
        if self.before_n == 0 or self.before_mean_ns <= 0:
            return None
        return self.after_mean_ns / self.before_mean_ns - 1

    @property
    def median_change(self) -> float | None:
        if self.before_n == 0 or self.before_median_ns <= 0:
            return None
        return self.after_median_ns / self.before_median_ns - 1


def rank_sums(before: Sequence[float], after: Sequence[float]) -> tuple[float, list[int]]:
    """Mann-Whitney's U of ``after`` (pairs where an ``after`` value is larger, ties
    counting a half) and the sizes of the groups of tied values (in any order).

    Counted against ``before`` sorted once (two binary searches per ``after`` value) rather
    than by ranking the pooled sample: the same U (the rank sum less ``n(n+1)/2``), for a
    small part of the work."""
    ordered = sorted(before)
    u = 0.0
    for value in after:
        below = bisect_left(ordered, value)
        u += below + (bisect_right(ordered, value, below) - below) / 2
    counts = Counter(before)
    counts.update(after)
    return u, [c for c in counts.values() if c > 1]


def _exact_upper_tail(u: float, m: int, n: int) -> float:
    """P(U >= u) for U of a group of ``n`` among ``m + n`` distinct values, all orders
    equally likely: the coefficients of the Gaussian binomial coefficient [m+n, n]."""
    small, large = sorted((m, n))
    # counts[k]: orders with U == k, built one element of the smaller group at a time
    # (the generating function prod_{i=1..small} (1 - q^(large+i)) / (1 - q^i))
    top = small * large
    counts = [0] * (top + 1)
    counts[0] = 1
    for i in range(1, small + 1):
        shift = large + i
        for k in range(top, shift - 1, -1):  # times (1 - q^shift)
            counts[k] -= counts[k - shift]
        for k in range(i, top + 1):  # divided by (1 - q^i)
            counts[k] += counts[k - i]
    total = math.comb(m + n, n)
    threshold = math.ceil(u - 1e-9)
    return sum(counts[threshold:]) / total


def p_greater(before: Sequence[float], after: Sequence[float]) -> float:
    """One-sided p-value of Mann-Whitney's U test that ``after`` tends to be larger than
    ``before``: exact for small samples without ties, else the normal approximation with
    tie and continuity corrections."""
    m, n = len(before), len(after)
    if m == 0 or n == 0:
        return 1.0
    u, ties = rank_sums(before, after)
    if not ties and m * n <= EXACT_LIMIT:
        return _exact_upper_tail(u, m, n)
    total = m + n
    tie_term = sum(t**3 - t for t in ties) / (total * (total - 1))
    variance = m * n / 12 * ((total + 1) - tie_term)
    if variance <= 0:
        return 1.0  # every value equal
    z = (u - m * n / 2 - 0.5) / math.sqrt(variance)
    return 0.5 * math.erfc(z / math.sqrt(2))


def smallest_p(m: int, n: int) -> float:
    """The smallest one-sided p-value the rank test can give for sample sizes m and n."""
    if m == 0 or n == 0:
        return 1.0
    return 1 / math.comb(m + n, n)


def _mean(values: Sequence[int]) -> float:
    return sum(values) / len(values) if values else 0.0


def _median(values: Sequence[int]) -> float:
    return median(sorted(values)) if values else 0.0


def compare_measure(
    key: str, name: str, measure: str, before: Sequence[int], after: Sequence[int], rule: Rule,
    run_medians: Sequence[float] = (),
) -> Change:  # fmt: skip
    """One measure of one fixture under ``rule``; ``run_medians``: the median of each run
    pooled in ``before``."""
    b_med, a_med = _median(before), _median(after)
    status, p = UNCHANGED, None
    if before and after:
        if smallest_p(len(before), len(after)) >= rule.alpha:
            status = TOO_FEW
        else:
            slower = a_med >= b_med
            p = p_greater(before, after) if slower else p_greater(after, before)
            # the pooled median, and the runs' own variation (one run aside)
            references = [b_med, _runs_bound(run_medians, b_med, high=slower)]
            if p < rule.alpha and all(
                _grew(ref, a_med, rule) if slower else _grew(a_med, ref, rule) for ref in references
            ):
                status = REGRESSED if slower else IMPROVED
    return Change(
        key, name, measure, len(before), len(after), b_med, a_med, _mean(before), _mean(after),
        p, status,
    )  # fmt: skip


def _runs_bound(run_medians: Sequence[float], pooled: float, *, high: bool) -> float:
    """The second slowest (fastest, for ``high=False``) run's median, or the slowest with
    fewer than three runs; the pooled median without runs."""
    if not run_medians:
        return pooled
    ordered = sorted(run_medians, reverse=high)
    return ordered[1] if len(ordered) >= 3 else ordered[0]


def _grew(low: float, high: float, rule: Rule) -> bool:
    return high - low >= rule.floor_ns and high >= low * (1 + rule.pct / 100)


def compare(
    before: Mapping[str, Samples], after: Mapping[str, Samples], rule: Rule
) -> list[Change]:
    """Every measure of every fixture in ``after`` that has samples on both sides."""
    changes = []
    for key, current in after.items():
        previous = before.get(key)
        if previous is None:
            continue
        for measure, attribute in MEASURES:
            b, a = getattr(previous, attribute), getattr(current, attribute)
            if b and a:
                medians = previous.run_medians.get(attribute, ())
                changes.append(compare_measure(key, current.name, measure, b, a, rule, medians))
    return changes


def regressions(changes: Sequence[Change]) -> list[Change]:
    return [c for c in changes if c.status == REGRESSED]
