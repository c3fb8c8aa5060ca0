"""The pytest plugin (entry point ``fixture_perf``): options, wiring and test boundaries.

Reading order: ``pytest_addoption`` -> ``pytest_configure`` (validates options, registers a
:class:`FixturePerfPlugin` and its :class:`~pytest_fixture_perf.recorder.Recorder`) ->
the per-test hooks of :class:`FixturePerfPlugin`, which move what the recorder buffered
into the run's :class:`~pytest_fixture_perf.aggregate.RunData` between tests ->
reporting at the end of the session.
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ._version import __version__
from .aggregate import RunData
from .api import FixturePerformanceTracker
from .jsonreport import write_json
from .recorder import Recorder
from .records import MAIN_WORKER
from .summary import build_summary
from .terminal import write_terminal_summary

DEFAULT_TOP = 10
PLUGIN_NAME = "fixture_perf_session"


class FixturePerfWarning(pytest.PytestWarning):
    """pytest-fixture-perf could not record or report (your tests are unaffected)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fixture-perf", "fixture timing (pytest-fixture-perf)")
    group.addoption(
        "--fixture-perf-top",
        metavar="N",
        default=None,
        help=f"Show the N costliest fixtures in the terminal summary "
        f"(default {DEFAULT_TOP}; 0 hides the section). Ini: fixture_perf_top.",
    )
    group.addoption(
        "--fixture-perf-json",
        metavar="PATH",
        default=None,
        help="Write the run's fixture timings as JSON (schema_version 1) to PATH. "
        "Ini: fixture_perf_json.",
    )
    parser.addini("fixture_perf_top", "Default for --fixture-perf-top.", default=None)
    parser.addini("fixture_perf_json", "Default for --fixture-perf-json.", default=None)


@dataclass(frozen=True)
class Options:
    top: int
    json_path: Path | None

    @classmethod
    def from_config(cls, config: pytest.Config) -> Options:
        """Read and validate the options; bad values raise a one-line ``UsageError``."""
        top_text, top_source = _option_or_ini(config, "fixture_perf_top")
        top = DEFAULT_TOP
        if top_text is not None:
            try:
                top = int(top_text)
            except ValueError:
                top = -1
            if top < 0:
                raise pytest.UsageError(
                    f"{top_source}: expected a whole number >= 0, got {top_text!r}"
                )
        json_text, json_source = _option_or_ini(config, "fixture_perf_json")
        json_path = None
        if json_text:
            json_path = Path(json_text).expanduser()
            if not json_path.is_absolute():
                json_path = Path(config.invocation_params.dir, json_path)
            problem = _unwritable(json_path)
            if problem:
                raise pytest.UsageError(f"{json_source}: cannot write {json_text!r}: {problem}")
        return cls(top=top, json_path=json_path)


def _option_or_ini(config: pytest.Config, name: str) -> tuple[str | None, str]:
    value = config.getoption(name)
    if value is not None:
        return str(value), "--" + name.replace("_", "-")
    ini = config.getini(name)
    if ini not in (None, "", []):
        return str(ini).strip(), f"ini option {name}"
    return None, name


def _unwritable(path: Path) -> str | None:
    """Why ``path`` cannot be written (its directories are created), or None."""
    if path.is_dir():
        return "it is a directory"
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is not a directory"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"directory {parent} is not writable"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is not writable"
    return None


_active: list[Recorder] = []


def active_recorder() -> Recorder | None:
    """The recorder of the innermost running pytest session in this process, if any."""
    return _active[-1] if _active else None


def pytest_configure(config: pytest.Config) -> None:
    if config.option.collectonly or config.getoption("setupplan", False):
        return  # no fixture runs
    options = Options.from_config(config)
    plugin = FixturePerfPlugin(config, options)
    config.pluginmanager.register(plugin, PLUGIN_NAME)
    config.pluginmanager.register(plugin.recorder, PLUGIN_NAME + "_recorder")
    _active.append(plugin.recorder)


def pytest_unconfigure(config: pytest.Config) -> None:
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if isinstance(plugin, FixturePerfPlugin) and plugin.recorder in _active:
        _active.remove(plugin.recorder)


@pytest.fixture(scope="session")
def fixture_performance_tracker(pytestconfig: pytest.Config) -> FixturePerformanceTracker:
    """A tracker whose ``get_performance_summary()`` covers every fixture of the run so far."""
    plugin = pytestconfig.pluginmanager.get_plugin(PLUGIN_NAME)
    if isinstance(plugin, FixturePerfPlugin):
        return RunTracker(plugin)
    return FixturePerformanceTracker()


class RunTracker(FixturePerformanceTracker):
    """The tracker the ``fixture_performance_tracker`` fixture returns: a view of the run."""

    def __init__(self, plugin: FixturePerfPlugin) -> None:
        super().__init__()
        self._plugin = plugin

    def _record(self, phase: str, name: str, scope: str, duration_ns: int, outcome: str) -> None:
        self._plugin.recorder.record_manual(phase, name, scope, duration_ns, outcome)

    def reset(self) -> None:
        raise RuntimeError("the run's fixture_performance_tracker cannot be reset")

    def get_performance_summary(self) -> dict[str, Any]:
        return self._plugin.summary()


class FixturePerfPlugin:
    """One per pytest session: moves records from the recorder into the run's data between
    tests, and reports at the end."""

    def __init__(self, config: pytest.Config, options: Options) -> None:
        self.config = config
        self.options = options
        worker = getattr(config, "workerinput", {}).get("workerid", MAIN_WORKER)
        self.recorder = Recorder(config.rootpath, worker)
        self.run = RunData()
        self.complete = False
        self._started = time.perf_counter()
        self._started_at = time.time()
        self.session_seconds = 0.0
        self._warned = False

    # -- test boundaries -------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self) -> None:
        self._started = time.perf_counter()
        self._started_at = time.time()

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.recorder.current_test = nodeid

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        try:
            if call.when == "teardown":
                self.recorder.count_uses(item)
            self.flush()
        except Exception as exc:
            self.recorder.disable(exc)
        self._warn_if_disabled()
        return report

    def flush(self) -> None:
        """Move what the recorder buffered into the run's data."""
        recorder = self.recorder
        if recorder.buffer or recorder.uses:
            events, uses = recorder.drain()
            self.run.add_events(events)
            self.run.add_uses(uses)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        # trylast: fixtures left over by an interrupted run are torn down before this.
        try:
            self.flush()
        except Exception as exc:
            self.recorder.disable(exc)
        self.session_seconds = time.perf_counter() - self._started
        self.complete = True
        self.run.add_worker(self.recorder.worker)
        if self.options.json_path is not None and not hasattr(self.config, "workerinput"):
            try:
                write_json(self.options.json_path, self.run, self.run_info())
            except OSError as exc:
                self._warn(f"could not write {self.options.json_path}: {exc}")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.options.top:
            write_terminal_summary(terminalreporter, self)

    # -- reading ---------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """The summary of the run so far, including what is still buffered."""
        if self.recorder.buffer or self.recorder.uses:
            self.flush()
        return build_summary(self.run, complete=self.complete, scope="run")

    def run_info(self) -> dict[str, Any]:
        return {
            "started_at": self._started_at,
            "session_seconds": self.session_seconds,
            "pytest_version": pytest.__version__,
            "plugin_version": __version__,
            "open_setups": self.recorder.open_setups,
            "tracking_error": self.recorder.error,
        }

    # -- problems --------------------------------------------------------------------------
    def _warn_if_disabled(self) -> None:
        if self.recorder.error and not self._warned:
            self._warned = True
            self._warn(f"fixture timing disabled for the rest of the run: {self.recorder.error}")

    def _warn(self, message: str) -> None:
        with contextlib.suppress(Exception):  # -W error: never fail the user's test
            warnings.warn(FixturePerfWarning(message), stacklevel=2)
