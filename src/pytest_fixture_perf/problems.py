"""How the plugin reports its own problems: never by failing or changing a test."""

from __future__ import annotations

import warnings

import pytest


class FixturePerfWarning(pytest.PytestWarning):
    """pytest-fixture-perf could not record or report (your tests are unaffected)."""


def warn(message: str) -> bool:
    """Emit a :class:`FixturePerfWarning`. Under ``-W error`` it must not fail a test: the
    error is swallowed and False returned, for the caller to say it another way."""
    try:
        warnings.warn(FixturePerfWarning(message), stacklevel=3)
    except Exception:
        return False
    return True
