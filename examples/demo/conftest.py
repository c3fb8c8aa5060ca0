"""A small demo suite with a realistic fixture profile (sleeps stand in for real work)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def database() -> Iterator[dict[str, list[str]]]:
    time.sleep(0.30)  # start a database, run migrations
    yield {"users": []}
    time.sleep(0.05)


@pytest.fixture(scope="module")
def seeded(database: dict[str, list[str]]) -> dict[str, list[str]]:
    time.sleep(0.05)  # load module-level reference data
    return database


@pytest.fixture
def db_session(seeded: dict[str, list[str]]) -> Iterator[dict[str, list[str]]]:
    time.sleep(0.004)  # begin a transaction
    yield seeded
    time.sleep(0.002)  # roll it back


@pytest.fixture
def user(db_session: dict[str, list[str]]) -> str:
    time.sleep(0.006)
    return "alice"


@pytest.fixture(params=["sqlite", "postgres"])
def dialect(request: pytest.FixtureRequest) -> str:
    time.sleep(0.003 if request.param == "sqlite" else 0.012)
    return str(request.param)


@pytest.fixture
def client(db_session: dict[str, list[str]], request: pytest.FixtureRequest) -> str:
    time.sleep(0.002)
    request.getfixturevalue("user")  # pulled in at run time: its time is not the client's
    return "client"
