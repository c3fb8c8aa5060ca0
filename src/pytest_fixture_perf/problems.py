"""How the plugin reports its own problems: never by failing or changing a test."""

from __future__ import annotations

import contextlib
import warnings

import pytest


class FixturePerfWarning(pytest.PytestWarning):
    """pytest-fixture-perf could not record or report (your tests are unaffected)."""


def warn(message: str) -> None:
    """Emit a :class:`FixturePerfWarning`; under ``-W error`` it must not fail a test."""
    with contextlib.suppress(Exception):
        warnings.warn(FixturePerfWarning(message), stacklevel=3)
