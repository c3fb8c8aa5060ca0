"""Setup/teardown counts against an independent ground truth (fixtures that log themselves)."""

from __future__ import annotations

import pytest

from conftest import Suite, by_name, reported, setup_show

CONFTEST = """
import pytest
from gtlog import gt

@pytest.fixture(scope="session")
def sess():
    gt("setup", "sess")
    yield "s"
    gt("teardown", "sess")

@pytest.fixture(scope="module")
def mod(sess):
    gt("setup", "mod")
    yield "m"
    gt("teardown", "mod")

@pytest.fixture(scope="class")
def cls_fix():
    gt("setup", "cls_fix")
    yield
    gt("teardown", "cls_fix")

@pytest.fixture
def func(mod):
    gt("setup", "func")
    yield
    gt("teardown", "func")

@pytest.fixture
def with_finalizer(request):
    gt("setup", "with_finalizer")
    request.addfinalizer(lambda: gt("teardown", "with_finalizer"))

@pytest.fixture(params=["x", "y", pytest.param(3, id="three")])
def fparam(request):
    gt("setup", "fparam")
    yield request.param
    gt("teardown", "fparam")

@pytest.fixture(scope="module", params=[1, 2])
def mparam(request):
    gt("setup", "mparam")
    yield request.param
    gt("teardown", "mparam")

@pytest.fixture
def dyn_inner():
    gt("setup", "dyn_inner")
    yield
    gt("teardown", "dyn_inner")

@pytest.fixture
def dyn_outer(request):
    gt("setup", "dyn_outer")
    request.getfixturevalue("dyn_inner")
    yield
    gt("teardown", "dyn_outer")

@pytest.fixture
def broken_setup():
    gt("setup", "broken_setup")
    raise RuntimeError("setup fails")

@pytest.fixture(scope="module")
def broken_module_setup():
    gt("setup", "broken_module_setup")
    raise RuntimeError("module setup fails")

@pytest.fixture
def broken_teardown():
    gt("setup", "broken_teardown")
    yield
    gt("teardown", "broken_teardown")
    raise RuntimeError("teardown fails")

@pytest.fixture
def skipping():
    gt("setup", "skipping")
    pytest.skip("fixture skips")
"""

PKG_CONFTEST = """
import pytest
from gtlog import gt

@pytest.fixture(scope="package")
def pkg():
    gt("setup", "pkg")
    yield
    gt("teardown", "pkg")
"""

TEST_A = """
def test_a1(sess, mod, func): pass
def test_a2(sess, mod, func, with_finalizer): pass
def test_a3(fparam, func): pass
def test_a4(mparam, dyn_outer): pass
def test_a5(mparam, func): pass
"""

TEST_B = """
import pytest

class TestB:
    def test_b1(self, cls_fix, func): pass
    def test_b2(self, cls_fix, dyn_outer): pass

class TestC:
    def test_c1(self, cls_fix): pass

@pytest.mark.parametrize("n", [1, 2, 3])
def test_direct(n, func): pass

def test_broken_setup(broken_setup): pass
def test_broken_module_1(broken_module_setup): pass
def test_broken_module_2(broken_module_setup): pass
def test_broken_teardown(broken_teardown): pass
def test_skipping(skipping): pass
"""

TEST_PKG = """
def test_p1(pkg, sess): pass
def test_p2(pkg, func): pass
"""

NAMES = {
    "sess", "mod", "cls_fix", "func", "with_finalizer", "fparam", "mparam", "dyn_inner",
    "dyn_outer", "broken_setup", "broken_module_setup", "broken_teardown", "skipping", "pkg",
}  # fmt: skip


@pytest.fixture
def full_suite(suite: Suite) -> Suite:
    return make_full_suite(suite)


def make_full_suite(suite: Suite) -> Suite:
    """The ground-truth suite: every scope, params, errors, a package (see CONFTEST)."""
    suite.pytester.makeconftest(CONFTEST)
    suite.pytester.makepyfile(test_a=TEST_A, test_b=TEST_B)
    pkg = suite.path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "conftest.py").write_text(PKG_CONFTEST)
    (pkg / "test_pkg.py").write_text(TEST_PKG)
    return suite


def test_counts_equal_ground_truth(full_suite: Suite) -> None:
    result, doc = full_suite.run()
    result.assert_outcomes(passed=18, skipped=1, errors=4)
    truth = full_suite.ground_truth()
    assert reported(doc, NAMES) == +truth
    # the suite exercises every case: make sure none silently vanished
    assert {name for _phase, name in truth} == NAMES


def test_counts_match_setup_show(full_suite: Suite) -> None:
    """pytest's own --setup-show agrees with the plugin's setup and teardown counts. It
    shows a teardown for every setup, with or without teardown code; the plugin records
    none for a setup that failed or skipped (nothing of its own to tear down)."""
    result, doc = full_suite.run("--setup-show")
    shown = setup_show(result, NAMES)
    assert shown[("setup", "func")] > 0
    failed = {"broken_setup", "broken_module_setup", "skipping"}
    for name in failed:
        assert shown[("teardown", name)] == shown[("setup", name)] > 0
        shown[("teardown", name)] = 0
    assert reported(doc, NAMES) == +shown


def test_outcomes_errors_and_skips(full_suite: Suite) -> None:
    _result, doc = full_suite.run()
    entries = by_name(doc)
    assert entries["broken_setup"]["setup_errors"] == 1
    # cached exception: one real setup, two erroring tests
    assert entries["broken_module_setup"]["setups"] == 1
    assert entries["broken_module_setup"]["setup_errors"] == 1
    assert entries["broken_teardown"]["teardown_errors"] == 1
    assert entries["broken_teardown"]["setup_errors"] == 0
    assert entries["skipping"]["setup_skips"] == 1
    assert entries["skipping"]["setup_errors"] == 0
    clean = NAMES - {"broken_setup", "broken_module_setup", "broken_teardown", "skipping"}
    for name in clean:
        assert entries[name]["setup_errors"] == entries[name]["teardown_errors"] == 0, name


def test_uses_count_cache_hits_separately(full_suite: Suite) -> None:
    _result, doc = full_suite.run()
    entries = by_name(doc)
    # sess: one setup, served to every test that needs it (directly or through mod/func)
    assert entries["sess"]["setups"] == 1
    # through func or mod: a1, a2, a3 x3, a5 x2, b1, test_direct x3, p2; directly: p1
    tests_using_sess = 1 + 1 + 3 + 2 + 1 + 3 + 1 + 1
    assert entries["sess"]["uses"] == tests_using_sess
    assert entries["cls_fix"]["setups"] == 2
    assert entries["cls_fix"]["uses"] == 3
    assert entries["func"]["uses"] == entries["func"]["setups"]
    assert entries["dyn_inner"]["uses"] == 3  # requested dynamically: a4 x2, b2


def test_params_and_scopes(full_suite: Suite) -> None:
    _result, doc = full_suite.run()
    entries = by_name(doc)
    assert entries["fparam"]["params"].keys() == {"x", "y", "three"}
    assert all(p["setups"] == 1 for p in entries["fparam"]["params"].values())
    assert {k: v["setups"] for k, v in entries["mparam"]["params"].items()} == {"1": 1, "2": 1}
    scopes = {name: entries[name]["scope"] for name in ("sess", "pkg", "mod", "cls_fix", "func")}
    assert scopes == {
        "sess": "session", "pkg": "package", "mod": "module", "cls_fix": "class",
        "func": "function",
    }  # fmt: skip
    decorator_line = CONFTEST.lstrip("\n").splitlines().index("def func(mod):")  # 1-based - 1
    assert entries["func"]["location"] == f"conftest.py:{decorator_line}"
    assert entries["pkg"]["location"] == "pkg/conftest.py:5"
    # the pseudo-fixture of @pytest.mark.parametrize("n", ...) is not a fixture
    assert "n" not in by_name(doc)
    assert doc["run"]["workers"] == ["main"]


def test_builtin_fixtures_are_recorded(suite: Suite) -> None:
    suite.pytester.makepyfile("def test_one(tmp_path, monkeypatch): pass")
    _result, doc = suite.run()
    entries = by_name(doc)
    assert entries["tmp_path"]["setups"] == 1
    assert entries["tmp_path"]["location"].startswith("_pytest/tmpdir.py:")
    assert entries["monkeypatch"]["teardowns"] == 1


def test_setup_only_counts_setups(full_suite: Suite) -> None:
    _result, doc = full_suite.run("--setup-only")
    truth = full_suite.ground_truth()
    assert truth[("setup", "func")] > 0
    assert reported(doc, NAMES) == +truth


def test_setup_plan_records_nothing(full_suite: Suite) -> None:
    result, doc = full_suite.run("--setup-plan")
    assert full_suite.ground_truth() == {}
    assert doc == {}  # no fixture ran: no report is written
    assert "fixture performance" not in result.stdout.str()


def test_plugin_can_be_disabled(full_suite: Suite) -> None:
    result, doc = full_suite.run("-p", "no:fixture_perf", json_report=False)
    result.assert_outcomes(passed=18, skipped=1, errors=4)
    assert doc == {}
    assert "fixture performance" not in result.stdout.str()


def test_parametrize_can_override_a_fixture_scope(suite: Suite) -> None:
    """An indirect parametrize call decides the scope an instance really runs at: function
    scope when only some arguments are indirect, or its own ``scope=``."""
    suite.pytester.makepyfile(
        test_override="""
import pytest
from gtlog import gt

@pytest.fixture(scope="session")
def sess(request):
    gt("setup", "sess")
    yield request.param
    gt("teardown", "sess")

@pytest.fixture
def func(request):
    gt("setup", "func")
    yield request.param
    gt("teardown", "func")

@pytest.mark.parametrize("sess, x", [(1, 1), (2, 2), (3, 3)], indirect=["sess"])
def test_partly_indirect(sess, x): pass

@pytest.mark.parametrize("func", [1, 2], indirect=True, scope="module")
def test_module_scoped(func): pass
@pytest.mark.parametrize("func", [1, 2], indirect=True, scope="module")
def test_module_scoped_again(func): pass
"""
    )
    result, doc = suite.run()
    result.assert_outcomes(passed=7)
    truth = suite.ground_truth()
    fixtures = by_name(doc)
    assert fixtures["sess"]["setups"] == truth[("setup", "sess")] == 3
    assert fixtures["sess"]["scope"] == "function"  # run per test, whatever it declares
    assert fixtures["func"]["setups"] == truth[("setup", "func")] == 2
    assert fixtures["func"]["scope"] == "module"
