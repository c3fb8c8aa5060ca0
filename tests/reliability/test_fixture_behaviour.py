"""The fault matrix, fixtures that misbehave: the test outcomes are the same with the plugin
and without it, and every count equals the fixtures' own log."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from conftest import Suite, reported

ODD_FIXTURES = """
import pytest
from gtlog import gt

@pytest.fixture(params=["raise", "skip", "xfail", "fail"])
def setup_goes_wrong(request):
    gt("setup", "setup_goes_wrong")
    how = request.param
    if how == "raise":
        raise RuntimeError("setup")
    if how == "skip":
        pytest.skip("setup")
    if how == "xfail":
        pytest.xfail("setup")
    pytest.fail("setup")

@pytest.fixture(params=["raise", "skip", "xfail", "fail"])
def teardown_goes_wrong(request):
    gt("setup", "teardown_goes_wrong")
    yield
    gt("teardown", "teardown_goes_wrong")
    how = request.param
    if how == "raise":
        raise RuntimeError("teardown")
    if how == "skip":
        pytest.skip("teardown")
    if how == "xfail":
        pytest.xfail("teardown")
    pytest.fail("teardown")

@pytest.fixture
def yields_twice():
    gt("setup", "yields_twice")
    yield 1
    gt("teardown", "yields_twice")
    yield 2

@pytest.fixture
def deep(request):
    gt("setup", "deep")
    return request.getfixturevalue("level_1")

def _level(n):
    @pytest.fixture(name=f"level_{n}")
    def fixture(request):
        gt("setup", f"level_{n}")
        if n < 12:
            return request.getfixturevalue(f"level_{n + 1}") + 1
        return 0
    return fixture

for _n in range(1, 13):
    globals()[f"level_{_n}"] = _level(_n)

@pytest.fixture(params=range(MANY))
def many(request):
    gt("setup", "many")
    return request.param
"""

TESTS = """
def test_setup(setup_goes_wrong): pass
def test_teardown(teardown_goes_wrong): pass
def test_yields_twice(yields_twice): pass
def test_deep(deep): assert deep == 11
def test_many(many): pass
"""

#: Fixtures that log their teardown (the others have no teardown code: pytest still
#: finishes each instance it set up, and that is their teardown).
YIELDING = {"setup_goes_wrong", "teardown_goes_wrong", "yields_twice"}
LOGGED = {*YIELDING, "deep", "many", *(f"level_{n}" for n in range(1, 13))}


def counts(doc: dict[str, Any]) -> Counter[tuple[str, str]]:
    return +reported(doc, set(LOGGED))


@pytest.mark.parametrize("xdist", [(), ("-n", "2")])
@pytest.mark.parametrize("many", [200, pytest.param(10_000, marks=pytest.mark.slow)])
def test_misbehaving_fixtures_change_no_outcome_and_lose_no_record(
    suite: Suite, xdist: tuple[str, ...], many: int
) -> None:
    suite.pytester.makeconftest(f"MANY = {many}\n" + ODD_FIXTURES)
    suite.pytester.makepyfile(test_odd=TESTS)
    result, doc = suite.run("--fixture-perf-no-save", "-p", "no:randomly", *xdist,
                            subprocess=True)  # fmt: skip
    truth = +suite.ground_truth()
    plain, _ = suite.run("-p", "no:fixture_perf", "-p", "no:randomly", *xdist, subprocess=True,
                         json_report=False)  # fmt: skip
    mine = {k: v for k, v in result.parseoutcomes().items() if not k.startswith("warning")}
    assert mine == plain.parseoutcomes()
    assert truth[("setup", "many")] == many
    expected = Counter({k: v for k, v in truth.items() if k[1] in LOGGED})
    for name in LOGGED - YIELDING:  # finished once per setup
        expected[("teardown", name)] = truth[("setup", name)]
    assert counts(doc) == expected
    entries = {e["name"]: e for e in doc["fixtures"]}
    # each way a setup goes wrong is an error or a skip, never a teardown
    assert entries["setup_goes_wrong"]["setup_errors"] + entries["setup_goes_wrong"][
        "setup_skips"] == 4  # fmt: skip
    assert entries["teardown_goes_wrong"]["teardown_errors"] >= 2  # raise and fail at least
    assert entries["many"]["params"].keys() == {str(i) for i in range(many)}
    # the deepest fixture's inclusive time lies inside the outermost one's
    assert entries["deep"]["setup_inclusive"]["max"] >= entries["level_12"]["setup"]["max"]
