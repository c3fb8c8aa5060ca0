"""Opt-in test-order shuffling: ``-p backend.tests.helpers.shuffle --shuffle-seed N``.

``reproduce_flake.py`` uses it to replay, one seed per run, the order-dependent way xdist
hands tests to workers (as pytest-randomly would). Every worker gets the same seed, so
their collections stay identical, which xdist requires.
"""

from __future__ import annotations

import random

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--shuffle-seed", type=int, default=None, help="Shuffle the collected tests with this seed."
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    seed = config.getoption("shuffle_seed")
    if seed is not None:
        random.Random(seed).shuffle(items)
