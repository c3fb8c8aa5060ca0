"""The pytest plugin (entry point ``fixture_perf``).

Reading order: ``pytest_addoption`` (``options.py``) -> ``pytest_configure`` (checks the
options, registers a :class:`FixturePerfPlugin`) -> at session start the plugin picks its
role (``roles.py``: serial, xdist worker or xdist controller) and registers it, then
forwards the session's end to it. The role's recorder (``collect/recorder.py``) makes the
records, its run (``model/run.py``) keeps them, and ``report/`` shows them.

PYTEST_DONT_REWRITE: the plugin's modules are loaded by Python's own import system (see
``collect.pytest_internals.import_natively``); this marker tells pytest so when it is
asked to rewrite this module once loaded (``-p pytest_fixture_perf.plugin`` in a run
inside a test), instead of warning that it cannot.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from .options import REPORTING_RUN, Options, addoption, disabled, runs_fixtures
from .problems import FixturePerfWarning

if TYPE_CHECKING:
    from .api import FixturePerformanceTracker
    from .roles import Role

# The recording machinery (roles, recorder, run model, API) is imported when a run records
# (pytest_configure, the tracker fixture): --help, --collect-only and
# --fixture-perf-disable load only the options.

PLUGIN_NAME = "fixture_perf_session"

__all__ = ["FixturePerfPlugin", "FixturePerfWarning", "fixture_performance_tracker"]


def pytest_addoption(parser: pytest.Parser) -> None:
    addoption(parser)


def pytest_configure(config: pytest.Config) -> None:
    if not runs_fixtures(config):
        return  # --collect-only, --setup-plan, --help...: no fixture runs
    if disabled(config):
        return  # --fixture-perf-disable: its options stay valid, nothing is checked or done
    # only the serial process or the controller writes files: a worker never judges paths
    options = Options.from_config(config, writes_files=not hasattr(config, "workerinput"))
    if options.step_summary is not None:  # runs started in its tests leave it alone
        os.environ[REPORTING_RUN] = str(os.getpid())
    config.pluginmanager.register(FixturePerfPlugin(config, options), PLUGIN_NAME)


def pytest_unconfigure(config: pytest.Config) -> None:
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if isinstance(plugin, FixturePerfPlugin):
        from .api import ACTIVE

        if plugin.role in ACTIVE:
            ACTIVE.remove(plugin.role)
        if plugin.options.step_summary is not None:
            os.environ.pop(REPORTING_RUN, None)


@pytest.fixture(scope="session")
def fixture_performance_tracker(pytestconfig: pytest.Config) -> FixturePerformanceTracker:
    """A tracker whose ``get_performance_summary()`` covers every fixture of the run so far."""
    from .api import DisabledTracker, FixturePerformanceTracker, RunTracker

    plugin = pytestconfig.pluginmanager.get_plugin(PLUGIN_NAME)
    if isinstance(plugin, FixturePerfPlugin):
        return RunTracker(plugin.role)
    if disabled(pytestconfig):
        return DisabledTracker()
    return FixturePerformanceTracker()


class FixturePerfPlugin:
    """One per pytest session: at its start picks the role of this process and registers
    it (the role implements the hooks of a test's boundaries and of xdist); forwards the
    session's end to it."""

    def __init__(self, config: pytest.Config, options: Options) -> None:
        from .roles import Role

        self.config = config
        self.options = options
        self.role: Role = Role(config, options)  # until the session starts

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self) -> None:
        from .api import ACTIVE
        from .roles import detect

        self.role = detect(self.config)(self.config, self.options)
        self.config.pluginmanager.register(self.role, PLUGIN_NAME + "_role")
        ACTIVE.append(self.role)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.role.collection_finished([item.nodeid for item in session.items])

    # trylast: fixtures left over by an interrupted run are torn down before this, and on a
    # worker xdist sends workeroutput after this (a plain impl, never a wrapper)
    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.role.finish(session, exitstatus)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        self.role.terminal_summary(terminalreporter)
