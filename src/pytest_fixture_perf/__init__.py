"""pytest-fixture-perf: what every pytest fixture costs, exactly, serial or under xdist."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# First: the plugin's modules are loaded by Python's own import system, not by pytest's
# assertion-rewriting hook, which costs 8 times as much (see import_natively).
from .collect.pytest_internals import import_natively

import_natively(__name__)

# isort: split
from ._version import __version__  # noqa: E402
from .problems import FixturePerfWarning  # noqa: E402

if TYPE_CHECKING:
    from .api import FixturePerformanceTracker, get_tracker, track_fixture_performance
    from .model import Definition, FormatError, Run

#: The public names loaded when first used (PEP 562): pytest loads this package for the
#: plugin, and a run that never asks for the API or the run model's classes by name does
#: not pay for importing them here (``benchmarks/RESULTS.md``, the fixed cost).
_LAZY = {
    "FixturePerformanceTracker": "api",
    "get_tracker": "api",
    "track_fixture_performance": "api",
    "Definition": "model",
    "FormatError": "model",
    "Run": "model",
}


def __getattr__(name: str) -> Any:
    """A public name, or a submodule (``pytest_fixture_perf.api``), loaded when first used."""
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value
    if not name.startswith("__"):
        try:
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise  # a submodule that needs what is not installed
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "Definition",
    "FixturePerfWarning",
    "FixturePerformanceTracker",
    "FormatError",
    "Run",
    "__version__",
    "get_tracker",
    "track_fixture_performance",
]
