"""The pytest plugin (entry point ``fixture_perf``): options, wiring and test boundaries.

Reading order: ``pytest_addoption`` -> ``pytest_configure`` (validates options, registers a
:class:`FixturePerfPlugin` and its :class:`~pytest_fixture_perf.recorder.Recorder`) ->
the per-test hooks of :class:`FixturePerfPlugin`, which move what the recorder buffered
into the run's :class:`~pytest_fixture_perf.aggregate.RunData` between tests ->
reporting at the end of the session.
"""

from __future__ import annotations

import contextlib
import enum
import os
import shutil
import sqlite3
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from . import live
from ._version import __version__
from .aggregate import RunData, worker_sort_key
from .api import FixturePerformanceTracker
from .jsonreport import write_json
from .live import LiveWriter
from .recorder import Recorder
from .records import MAIN_WORKER, FixtureKey
from .summary import build_summary
from .terminal import write_terminal_summary
from .transport import ATTRIBUTE, Definition, TransportError, decode_batch, encode_batch

DEFAULT_TOP = 10
#: Buffered records that make a serial run flush at the next test start.
FLUSH_THRESHOLD = 4096
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
    group.addoption(
        "--fixture-perf-live",
        choices=("auto", "off"),
        default=None,
        help="auto (default): local xdist workers share a live SQLite view of the run, so "
        "that fixture_performance_tracker sees every worker; off: each worker sees itself. "
        "Ini: fixture_perf_live.",
    )
    parser.addini("fixture_perf_top", "Default for --fixture-perf-top.", default=None)
    parser.addini("fixture_perf_live", "Default for --fixture-perf-live.", default=None)
    parser.addini("fixture_perf_json", "Default for --fixture-perf-json.", default=None)


@dataclass(frozen=True)
class Options:
    top: int
    json_path: Path | None
    live: bool = True

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
        live_text, live_source = _option_or_ini(config, "fixture_perf_live")
        if live_text not in (None, "auto", "off"):
            raise pytest.UsageError(f"{live_source}: expected 'auto' or 'off', got {live_text!r}")
        return cls(top=top, json_path=json_path, live=live_text != "off")


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


class Role(enum.Enum):
    SERIAL = "serial"  # no xdist (or -n 0): this process runs the tests and reports
    WORKER = "worker"  # an xdist worker: runs tests, ships records to the controller
    CONTROLLER = "controller"  # the xdist controller: runs no test, aggregates and reports


def detect_role(config: pytest.Config) -> Role:
    """From the config, never from ``PYTEST_XDIST_WORKER`` (inherited by inner runs).

    Valid from ``pytest_sessionstart`` on: xdist registers its ``dsession`` plugin in a
    ``trylast`` ``pytest_configure`` (and not at all for ``-n 0`` or ``--collect-only``).
    """
    if hasattr(config, "workerinput"):
        return Role.WORKER
    if config.pluginmanager.get_plugin("dsession") is not None:
        return Role.CONTROLLER
    return Role.SERIAL


def _sorted_workers(workers: Iterable[str]) -> list[str]:
    return sorted(workers, key=worker_sort_key)


class FixturePerfPlugin:
    """One per pytest session: moves records from the recorder into the run's data between
    tests (and, on an xdist worker, onto each test report for the controller), and
    reports at the end (serial run or controller)."""

    def __init__(self, config: pytest.Config, options: Options) -> None:
        self.config = config
        self.options = options
        worker = getattr(config, "workerinput", {}).get("workerid", MAIN_WORKER)
        self.recorder = Recorder(config.rootpath, worker)
        self.role = detect_role(config)  # final at pytest_sessionstart (see detect_role)
        self.run = RunData()
        self.complete = False
        self._started = time.perf_counter()
        self._started_at = time.time()
        self.session_seconds = 0.0
        self._warned = False
        #: Worker only: the live store shared by local workers, when there is one.
        self.live: LiveWriter | None = None
        #: Controller only: the per-run directory of the live store.
        self.live_dir: Path | None = None
        #: Controller only: fixture definitions named by workers' batches, interned.
        self._definitions: dict[FixtureKey, Definition] = {}
        #: Controller only: workers that died (id -> xdist's error text).
        self.lost_workers: dict[str, str] = {}
        #: Controller only: per worker, fixtures set up but never torn down.
        self.worker_open_setups: dict[str, int] = {}
        #: Controller only: workers whose recording was disabled (id -> cause).
        self.worker_errors: dict[str, str] = {}

    # -- test boundaries -------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self) -> None:
        self._started = time.perf_counter()
        self._started_at = time.time()
        self.role = detect_role(self.config)
        # Role-specific hooks are registered only where they are needed: a serial run pays
        # for two plain hook calls per test and nothing else.
        pluginmanager = self.config.pluginmanager
        if self.role is Role.CONTROLLER:
            from .xdist_hooks import ControllerHooks

            pluginmanager.register(ControllerHooks(self), PLUGIN_NAME + "_controller")
        else:
            self.run.add_worker(self.recorder.worker)
        if self.role is Role.WORKER:
            from .xdist_hooks import WorkerHooks

            pluginmanager.register(WorkerHooks(self), PLUGIN_NAME + "_worker")
            path = self.config.workerinput.get(live.WORKERINPUT_KEY)  # type: ignore[attr-defined]
            if path:
                try:
                    self.live = LiveWriter(Path(path), self.recorder.worker)
                except (sqlite3.Error, OSError) as exc:
                    self._live_failed(exc)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Before the test's fixtures are set up."""
        self.recorder.current_test = item.nodeid
        if len(self.recorder.buffer) >= FLUSH_THRESHOLD and self.role is not Role.WORKER:
            self.flush()  # bound the buffer (a worker flushes at every report)
        if self.recorder.error and not self._warned:
            self._warn_disabled()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        """After the test ran, before its fixtures are torn down: count what it used."""
        try:
            self.recorder.count_uses(item)
        except Exception as exc:
            self.recorder.disable(exc)
        if self.recorder.error and not self._warned:
            self._warn_disabled()

    def _warn_disabled(self) -> None:
        self._warned = True
        self._warn(f"fixture timing disabled for the rest of the run: {self.recorder.error}")

    def flush(self) -> str | None:
        """Move what the recorder buffered into the run's data. On a worker, also return
        it encoded for the controller (None when there was nothing)."""
        recorder = self.recorder
        if not (recorder.buffer or recorder.uses):
            return None
        try:
            records, uses = recorder.drain_raw()
            self.run.add_records(records, recorder.worker)
            self.run.add_uses(uses)
            if self.role is not Role.WORKER:
                return None
            if self.live is not None:
                self.live.add_records(records, uses)
            return encode_batch(recorder.worker, records, uses)
        except Exception as exc:
            recorder.disable(exc)
            return None

    def publish_live(self) -> None:
        """On a worker, between tests: publish totals to the live store (throttled)."""
        if self.live is not None:
            try:
                self.live.write()
            except sqlite3.Error as exc:
                self._live_failed(exc)

    def _live_failed(self, exc: BaseException) -> None:
        if self.live is not None:
            with contextlib.suppress(sqlite3.Error):
                self.live.close()
        self.live = None
        self._warn(f"live view limited to this worker: {type(exc).__name__}: {exc}")

    def ingest(self, blob: object) -> None:
        """On the controller: take in a batch from a worker."""
        try:
            if not isinstance(blob, str):
                raise TransportError(f"expected a str batch, got {type(blob).__name__}")
            batch = decode_batch(blob, self._definitions)
        except TransportError as exc:
            self._warn(f"ignored a batch of fixture records from a worker: {exc}")
            return
        self.run.add_records(batch.records, batch.worker)
        self.run.add_uses(batch.uses)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        # trylast: fixtures left over by an interrupted run are torn down before this, and
        # on a worker xdist sends workeroutput after this.
        blob = self.flush()
        if blob is not None:
            self.config.workeroutput[ATTRIBUTE] = blob  # type: ignore[attr-defined]
        if self.live is not None:
            with contextlib.suppress(sqlite3.Error):
                self.live.write(finished=True)
                self.live.close()
            self.live = None
        if self.role is Role.WORKER:
            workeroutput = self.config.workeroutput  # type: ignore[attr-defined]
            workeroutput[ATTRIBUTE + "_error"] = self.recorder.error
            workeroutput[ATTRIBUTE + "_open_setups"] = self.recorder.open_setups
            return
        self.session_seconds = time.perf_counter() - self._started
        self.complete = True
        if self.live_dir is not None:
            shutil.rmtree(self.live_dir, ignore_errors=True)
        if self.options.json_path is not None:
            try:
                write_json(self.options.json_path, self.run, self.run_info())
            except OSError as exc:
                self._warn(f"could not write {self.options.json_path}: {exc}")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.options.top and self.role is not Role.WORKER:
            write_terminal_summary(terminalreporter, self)

    # -- reading ---------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """The summary of the run so far, including what is still buffered.

        On a worker it covers every local worker through the live store, or this worker
        alone (``"scope": "worker"``) when there is none (remote workers, live off).
        """
        self.flush()
        if self.live is not None:
            try:
                self.live.write(force=True)
                view = self.live.read()
            except sqlite3.Error as exc:
                self._live_failed(exc)
            else:
                me = self.recorder.worker
                return build_summary(
                    view.totals, workers=_sorted_workers({*view.reporting, me}),
                    complete=False, scope="run",
                    workers_reporting=_sorted_workers(view.reporting),
                    workers_started=_sorted_workers({*view.started, me}),
                    workers_finished=_sorted_workers(view.finished),
                    workers_lost=_sorted_workers(view.lost),
                )  # fmt: skip
        scope = "worker" if self.role is Role.WORKER else "run"
        return build_summary(
            self.run.totals(), workers=self.run.workers, complete=self.complete, scope=scope,
            workers_lost=_sorted_workers(self.lost_workers),
        )  # fmt: skip

    def run_info(self) -> dict[str, Any]:
        return {
            "started_at": self._started_at,
            "session_seconds": self.session_seconds,
            "pytest_version": pytest.__version__,
            "plugin_version": __version__,
            "mode": self.role.value,
            "open_setups": self.recorder.open_setups + sum(self.worker_open_setups.values()),
            "lost_workers": dict(self.lost_workers),
            "tracking_error": self.recorder.error,
            "worker_errors": dict(self.worker_errors),
        }

    # -- problems --------------------------------------------------------------------------
    def _warn(self, message: str) -> None:
        with contextlib.suppress(Exception):  # -W error: never fail the user's test
            warnings.warn(FixturePerfWarning(message), stacklevel=2)
