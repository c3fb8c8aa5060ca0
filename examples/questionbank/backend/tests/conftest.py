"""Suite-wide test settings.

The fixture modules under ``fixtures/`` are registered with ``pytest_plugins`` in the
conftest at the example's root (see there for why it cannot live in this file).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.app.config import Settings, get_settings
from backend.app.db import get_engine, get_sessionmaker

# Well below production's 600k, but still a real PBKDF2 run of several milliseconds.
TEST_PASSWORD_HASH_ITERATIONS = 40_000
TEST_SECRET_KEY = "questionbank-test-secret-key-not-for-production"


@pytest.fixture(scope="session", autouse=True)
def test_settings(database_path: Path) -> Iterator[Settings]:
    """Configure the app through its environment variables, as a deployment would."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QUESTIONBANK_DATABASE_URL", f"sqlite:///{database_path}")
        mp.setenv("QUESTIONBANK_SECRET_KEY", TEST_SECRET_KEY)
        mp.setenv("QUESTIONBANK_PASSWORD_HASH_ITERATIONS", str(TEST_PASSWORD_HASH_ITERATIONS))
        mp.setenv("QUESTIONBANK_ACCESS_TOKEN_TTL_SECONDS", "900")
        mp.setenv("QUESTIONBANK_CREATE_TABLES_ON_STARTUP", "false")
        get_settings.cache_clear()
        yield get_settings()
    for cached in (get_sessionmaker, get_engine, get_settings):
        cached.cache_clear()
