"""The terminal table read as a user reads it, against known sleeps and the suite's own
log: setups and uses apart, setup statistics per setup, the teardown total apart, a dash
where nothing was recorded, and the rows of ``--fixture-perf-top``."""

from __future__ import annotations

import pytest

from conftest import Suite

SUITE = """
import time, pytest
from gtlog import gt

@pytest.fixture(scope="session")
def warm_cache():
    gt("setup", "warm_cache", 0.06)

@pytest.fixture
def tmp_db(warm_cache):
    gt("setup", "tmp_db", 0.03)
    yield
    gt("teardown", "tmp_db", 0.02)

@pytest.mark.parametrize("i", range(3))
def test_it(tmp_db, i):
    pass
"""

HEADERS = ("fixture", "scope", "setups", "uses", "setup total", "setup mean", "setup p95",
           "setup max", "teardown total", "location")  # fmt: skip


def table(lines: list[str]) -> dict[str, dict[str, str]]:
    """The table's rows by fixture name, each cell under its header (with the group heading
    over setup and teardown columns)."""
    start = next(i for i, line in enumerate(lines) if line.startswith("top "))
    heading, header = lines[start + 1], lines[start + 2]
    assert "setup" in heading
    assert "teardown" in heading
    names = header.split()
    groups = ["setup"] * 4 + ["teardown"]
    named = [*names[:4], *(f"{g} {n}" for g, n in zip(groups, names[4:9], strict=True)),
             *names[9:]]  # fmt: skip
    assert tuple(named) == HEADERS
    rows = {}
    for line in lines[start + 3 :]:
        cells = line.split()
        if len(cells) != len(HEADERS):
            break
        rows[cells[0]] = dict(zip(HEADERS, cells, strict=True))
    return rows


def seconds(cell: str) -> float:
    for unit, factor in (("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9), ("s", 1.0)):
        if cell.endswith(unit):
            return float(cell[: -len(unit)]) * factor
    raise AssertionError(f"not a duration: {cell!r}")


def test_the_table_reads_against_known_sleeps(suite: Suite) -> None:
    suite.pytester.makepyfile(test_t=SUITE)
    result, _ = suite.run("--fixture-perf-no-save", "-p", "no:asyncio")
    result.assert_outcomes(passed=3)
    truth = suite.ground_truth()
    rows = table(result.outlines)
    db, cache = rows["tmp_db"], rows["warm_cache"]
    # setups against the log; uses = test runs that had the fixture
    assert int(db["setups"]) == truth[("setup", "tmp_db")] == 3
    assert int(cache["setups"]) == truth[("setup", "warm_cache")] == 1
    assert (db["uses"], cache["uses"]) == ("3", "3")
    # setup statistics per setup: 3 setups of 30 ms (the cache's 60 ms is not in them)
    assert 0.09 <= seconds(db["setup total"]) < 0.09 + 0.05
    assert 0.03 <= seconds(db["setup mean"]) < 0.03 + 0.02
    assert seconds(db["setup mean"]) <= seconds(db["setup max"])
    assert 0.06 <= seconds(cache["setup total"]) < 0.06 + 0.03
    # the teardown total apart: 3 teardowns of 20 ms
    assert 0.06 <= seconds(db["teardown total"]) < 0.06 + 0.03
    assert db["location"].endswith("test_t.py:8")  # its decorator's line


def test_a_dash_where_nothing_was_recorded(suite: Suite) -> None:
    """A fixture set up and never torn down (its worker crashed in a later test): no
    teardown to show."""
    suite.pytester.makepyfile(
        test_t="""
        import os, pytest

        @pytest.fixture(scope="session")
        def held():
            yield

        def test_first(held):
            pass

        def test_crash(held):
            os._exit(1)
        """
    )
    result, _ = suite.run("--fixture-perf-no-save", "-p", "no:asyncio", "-n", "1",
                          subprocess=True)  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    rows = table(result.outlines)
    assert rows["held"]["setups"] == "1"
    assert rows["held"]["teardown total"] == "\u2013"
