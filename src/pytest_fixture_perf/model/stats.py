"""Order statistics over durations, without pytest.

Durations are integer nanoseconds; results are float seconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

NS_PER_S = 1_000_000_000


def quantile(sorted_values: Sequence[int], q: float) -> float:
    """The q-quantile (0 <= q <= 1) of ascending ``sorted_values`` by linear interpolation
    between closest ranks (the "inclusive" method: numpy's default, Excel's PERCENTILE.INC).

    Raises ValueError for an empty sequence or q outside [0, 1].
    """
    n = len(sorted_values)
    if n == 0:
        raise ValueError("quantile of an empty sequence")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must be within [0, 1], got {q}")
    position = (n - 1) * q
    lower = math.floor(position)
    upper = min(lower + 1, n - 1)
    fraction = position - lower
    low_value = sorted_values[lower]
    return low_value + (sorted_values[upper] - low_value) * fraction


def median(sorted_values: Sequence[int]) -> float:
    """The median (mean of the two middle values for an even count)."""
    return quantile(sorted_values, 0.5)


def summarize(durations_ns: Sequence[int]) -> dict[str, float]:
    """``{"total", "mean", "median", "p95", "max"}`` in seconds; all 0.0 when empty."""
    n = len(durations_ns)
    if n == 0:
        return {"total": 0.0, "mean": 0.0, "median": 0.0, "p95": 0.0, "max": 0.0}
    ordered = sorted(durations_ns)
    total = sum(ordered)
    return {
        "total": total / NS_PER_S,
        "mean": total / n / NS_PER_S,
        "median": median(ordered) / NS_PER_S,
        "p95": quantile(ordered, 0.95) / NS_PER_S,
        "max": ordered[-1] / NS_PER_S,
    }


def format_seconds(seconds: float) -> str:
    """Compact human duration: ``120ns``, ``812us``, ``12.3ms``, ``1.25s``, ``2m05s``."""
    if 0 < seconds < 1e-6:
        return f"{seconds * 1e9:.0f}ns"
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f}us"
    if seconds < 1:
        return f"{seconds * 1e3:.1f}ms"
    if seconds < 120:
        return f"{seconds:.2f}s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes:.0f}m{rest:02.0f}s"
