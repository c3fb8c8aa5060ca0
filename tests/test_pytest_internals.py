"""The private pytest attributes the plugin reads (``collect/pytest_internals.py``), checked
against the installed pytest: a pytest that changes them fails here, not in a user's
numbers."""

from __future__ import annotations

import pytest

CHECKS = """
import pytest
from pytest_fixture_perf.collect.pytest_internals import finalizers_of, item_memo, request_memo

SEEN = {}

@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    finalizers = finalizers_of(fixturedef)
    before = len(finalizers)
    memo = request_memo(request)
    memo_before = set(memo)
    result = yield
    SEEN[fixturedef.argname] = {
        "finalizers_is_list": isinstance(finalizers, list),
        "teardown_added": len(finalizers) - before,
        "memo_gained": sorted(set(memo) - memo_before),
        "memo_is_tests": memo is item_memo(request.node) if request.scope == "function" else None,
    }
    return result

@pytest.fixture(scope="module")
def dep():
    yield 1

@pytest.fixture(scope="class")
def holder(request):
    request.getfixturevalue("dep")  # at run time
    yield

@pytest.fixture
def func(holder):
    yield

def pytest_runtest_teardown(item):
    SEEN["memo:" + item.name] = sorted(set(item_memo(item) or {}) - {"request"})
"""

TESTS = """
from conftest import SEEN

class TestIt:
    def test_one(self, func):
        pass

    def test_two(self, func):
        pass

def test_check():
    assert SEEN["holder"]["finalizers_is_list"]
    assert SEEN["func"]["teardown_added"] == 1  # its yield teardown, through _finalizers
    assert SEEN["holder"]["memo_gained"] == ["dep"]  # run-time request: in the memo
    assert SEEN["func"]["memo_is_tests"] is True  # sub-requests share the test's memo
    assert SEEN["memo:test_one"] == ["dep", "func", "holder"]
    assert SEEN["memo:test_two"] == ["func", "holder"]  # holder came from cache
"""


def test_private_attributes_behave_as_assumed(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CHECKS)
    pytester.makepyfile(TESTS)
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:asyncio", "-p", "no:fixture_perf")
    result.assert_outcomes(passed=3)


PROBE = """
def check():
    assert 1 + 1 == 3, "the message only a rewritten assert would explain"
"""


@pytest.mark.parametrize("native", [False, True])
def test_import_natively_leaves_a_marked_package_to_python(
    pytester: pytest.Pytester, native: bool
) -> None:
    """A package marked for rewriting (as pytest marks every plugin's) is loaded by pytest's
    hook, its asserts rewritten; after ``import_natively`` it is loaded by Python's own
    import system, as if never marked. (The control, ``native=False``, shows the marking.)"""
    pytester.makepyfile(**{"fpx_probe/__init__.py": "", "fpx_probe/mod.py": PROBE})
    pytester.makepyfile(
        test_probe=f"""
        import sys
        import pytest
        from pytest_fixture_perf.collect.pytest_internals import import_natively

        def test_probe():
            sys.path.insert(0, {str(pytester.path)!r})
            pytest.register_assert_rewrite("fpx_probe")
            if {native}:
                assert import_natively("fpx_probe")
            from fpx_probe import mod
            loader = type(sys.modules["fpx_probe.mod"].__loader__).__name__
            with pytest.raises(AssertionError) as info:
                mod.check()
            rewritten = "1 + 1" in str(info.value)  # the rewritten assert shows the expression
            print("LOADER", loader, "REWRITTEN", rewritten)
        """
    )
    result = pytester.runpytest_subprocess("-s", "-p", "no:fixture_perf")
    result.assert_outcomes(passed=1)
    if native:
        result.stdout.fnmatch_lines(["*LOADER SourceFileLoader REWRITTEN False*"])
    else:
        result.stdout.fnmatch_lines(["*LOADER AssertionRewritingHook REWRITTEN True*"])


def test_the_plugin_is_loaded_natively(pytester: pytest.Pytester) -> None:
    """In a run that loads the plugin from its entry point (pytest marks an installed
    plugin's package for rewriting; before pytest 8.1 not an editable one), all its modules
    but the package and the one that unmarks it are loaded by Python's own import system."""
    pytester.makepyfile(
        """
        import sys

        def test_loaders():
            hooked = sorted(name for name, module in sys.modules.items()
                            if name.startswith("pytest_fixture_perf")
                            and type(module.__loader__).__name__ != "SourceFileLoader")
            native = [name for name, module in sys.modules.items()
                      if name.startswith("pytest_fixture_perf.")
                      and type(module.__loader__).__name__ == "SourceFileLoader"]
            print("HOOKED", ",".join(hooked) or "none", "NATIVE", len(native) >= 10)
        """
    )
    result = pytester.runpytest_subprocess("-s")
    result.assert_outcomes(passed=1)
    line = next(line for line in result.outlines if "HOOKED" in line)
    hooked = line.split("HOOKED ")[1].split(" NATIVE")[0]
    allowed = {"pytest_fixture_perf", "pytest_fixture_perf.collect",
               "pytest_fixture_perf.collect.pytest_internals"}  # fmt: skip
    assert hooked == "none" or set(hooked.split(",")) <= allowed, line
    assert line.endswith("NATIVE True"), line


ORDER = """
import pytest
from pytest_fixture_perf.collect.pytest_internals import finalizers_of

CALLS = []

@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    result = yield
    if fixturedef.argname == "held":
        finalizers = finalizers_of(fixturedef)
        finalizers.append(lambda: CALLS.append("first"))
        finalizers.insert(0, lambda: CALLS.append("last"))
    return result

@pytest.fixture
def held(request):
    request.addfinalizer(lambda: CALLS.append("addfinalizer"))
    yield
    CALLS.append("after yield")

@pytest.fixture
def dependent(held):
    yield
    CALLS.append("dependent")
"""


def test_finalizers_run_from_the_end_to_index_0(pytester: pytest.Pytester) -> None:
    """The recorder's teardown mark, appended after setup and inserted at index 0, is
    called before the fixture's own teardown (after its dependents') and after it."""
    pytester.makeconftest(ORDER)
    pytester.makepyfile(
        """
        from conftest import CALLS

        def test_uses(dependent):
            pass

        def test_order():
            assert CALLS == ["dependent", "first", "after yield", "addfinalizer", "last"]
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:fixture_perf", "-p", "no:asyncio")
    result.assert_outcomes(passed=2)


def test_naming_the_loaded_plugin_module_in_a_run_inside_a_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run started inside a test that loads the plugin by its module's name (plugin
    autoloading off, ``-p pytest_fixture_perf.plugin``) asks pytest to rewrite a module this
    process loaded natively: no "cannot be rewritten" warning (which ``-W error`` turns
    into an internal error)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest_inprocess(
        "-p", "pytest_fixture_perf.plugin", "-p", "no:asyncio",
        "-W", "error::pytest.PytestAssertRewriteWarning",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.OK, result.outlines
    result.assert_outcomes(passed=1)
