"""The seed's ORIGINAL helper, before pytest-fixture-perf (kept only for reproduce_flake.py).

A per-process global tracker fed by a decorator. Under pytest-xdist every worker has its
own ``_fixture_tracker`` and sees only the decorated fixtures it set up itself.
"""

from __future__ import annotations

import functools
import inspect
import os
import time
from collections.abc import Callable, Iterator
from typing import Any


def get_worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


class FixturePerformanceTracker:
    def __init__(self) -> None:
        self.worker_id = get_worker_id()
        self.setups: dict[str, list[float]] = {}
        self.scopes: dict[str, str] = {}

    def record_fixture_setup(self, name: str, duration: float, scope: str = "function") -> None:
        self.setups.setdefault(name, []).append(duration)
        self.scopes[name] = scope

    def get_performance_summary(self) -> dict[str, Any]:
        return {
            "worker_id": self.worker_id,
            "total_fixture_setups": sum(len(d) for d in self.setups.values()),
            "fixtures": {
                name: {"scope": self.scopes[name], "setups": len(d), "total_seconds": sum(d)}
                for name, d in self.setups.items()
            },
        }


_fixture_tracker = FixturePerformanceTracker()


def get_tracker() -> FixturePerformanceTracker:
    return _fixture_tracker


def track_fixture_performance(scope: str = "function") -> Callable[[Any], Any]:
    def decorate(func: Any) -> Any:
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def gen_wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
                start = time.perf_counter()
                gen = func(*args, **kwargs)
                value = next(gen)
                _fixture_tracker.record_fixture_setup(
                    func.__name__, time.perf_counter() - start, scope
                )
                yield value
                yield from gen

            return gen_wrapper

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            value = func(*args, **kwargs)
            _fixture_tracker.record_fixture_setup(func.__name__, time.perf_counter() - start, scope)
            return value

        return wrapper

    return decorate
