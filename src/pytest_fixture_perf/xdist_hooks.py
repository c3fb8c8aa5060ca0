"""pytest-xdist hooks: one class per role, registered only in a process with that role.

Only plain data crosses from workers: a JSON string attached to each test report that has
records, and at a worker's end a last one in its ``workeroutput``. A worker that crashes
sends no ``workeroutput``: what its finished test phases recorded has already arrived on
their reports.
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from . import live
from .transport import ATTRIBUTE

if TYPE_CHECKING:
    from .plugin import FixturePerfPlugin


class WorkerHooks:
    """On a worker: ship each test phase's records on its report."""

    def __init__(self, plugin: FixturePerfPlugin) -> None:
        self.plugin = plugin

    @pytest.hookimpl(tryfirst=True)  # before xdist serializes the report for the controller
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        blob = self.plugin.flush()
        if blob is not None:
            setattr(report, ATTRIBUTE, blob)
        if report.when == "teardown":
            self.plugin.publish_live()


class ControllerHooks:
    """On the controller: hand the live store to local workers, take in their records."""

    def __init__(self, plugin: FixturePerfPlugin) -> None:
        self.plugin = plugin

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        blob = getattr(report, ATTRIBUTE, None)
        if blob is not None:
            setattr(report, ATTRIBUTE, None)  # never counted twice
            self.plugin.ingest(blob)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        plugin = self.plugin
        plugin.run.add_worker(node.gateway.id)
        if not (plugin.options.live and node.gateway.spec.popen):
            return  # remote workers share no filesystem with us
        try:
            if plugin.live_dir is None:
                plugin.live_dir = Path(tempfile.mkdtemp(prefix="fixture-perf-"))
                live.create(plugin.live_dir)
            node.workerinput[live.WORKERINPUT_KEY] = str(plugin.live_dir / live.FILENAME)
        except (OSError, sqlite3.Error) as exc:
            plugin.options = replace(plugin.options, live=False)
            plugin._warn(f"no live view across workers: {type(exc).__name__}: {exc}")

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        plugin = self.plugin
        worker = node.gateway.id
        plugin.run.add_worker(worker)
        output = getattr(node, "workeroutput", None)
        if error is not None or output is None:
            plugin.lost_workers[worker] = str(error or "no output received")
        if not output:
            return
        blob = output.get(ATTRIBUTE)
        if blob is not None:
            plugin.ingest(blob)
        open_setups = output.get(ATTRIBUTE + "_open_setups")
        if open_setups:
            plugin.worker_open_setups[worker] = int(open_setups)
        problem = output.get(ATTRIBUTE + "_error")
        if problem:
            plugin.worker_errors[worker] = str(problem)
