"""One strategy per role: a serial run, an xdist worker, an xdist controller.

The plugin object (``plugin.py``) picks the role at session start and registers it: the
role implements the hooks that matter in its process (a test's boundaries, the xdist
hooks) and the plugin object forwards the session's end to it.

* :class:`Serial` runs the tests and reports: it records into its run, and at the end
  writes the reports.
* :class:`Worker` runs tests for a controller: it records into its run and, at the end of
  each test (and after a setup that set up a fixture cached across tests), hands on what
  the run gained since: a local worker appends it to its spool file (``store/spool.py``);
  a remote one attaches it to the test's report as a *fragment* of the run format. At its
  end the rest, and its final state, go into ``workeroutput``. It also publishes its
  tallies to the live store that local workers share.
* :class:`Controller` runs no test: it merges what its workers hand on into its run (a
  local worker's spool when the worker is down, finished or crashed), notes crashed
  workers, and at the end writes the reports.

A fragment is taken from a mark (row counts) up to now and the mark is then moved, so
asking for a summary, which moves the recorder's buffer into the run, can neither drop nor
double what the next report will carry.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from . import wire
from .collect.clock import CLOCK
from .collect.definitions import IdRules
from .collect.recorder import Recorder
from .model.run import MAIN_WORKER, FormatError, Mark, Run, dumps_compact
from .model.totals import Entry, Totals
from .options import Options
from .problems import warn

if TYPE_CHECKING:
    from .model.derive import RunStats
    from .model.insights import Insight
    from .model.intake import Intake
    from .store.folder import RunFolder
    from .store.live import LiveWriter
    from .store.spool import SpoolReader, SpoolWriter
    from .verdict import Verdict

# What a run needs only in some roles or at its end (the live store's SQLite, the
# controller's intake, the JSON file, the run's meta) is imported where it is used: a
# serial run does not pay for it at start-up.

#: Buffered fixture events that make a serial run move them into its run at a test start.
FLUSH_THRESHOLD = 4096


def worker_sort_key(worker: str) -> tuple[int, int, str]:
    """``main`` first, then ``gw0, gw1, ..., gw10`` numerically, then anything else."""
    if worker.startswith("gw") and worker[2:].isdigit():
        return (1, int(worker[2:]), worker)
    return (0 if worker == MAIN_WORKER else 2, 0, worker)


def sorted_workers(workers: Sequence[str] | set[str]) -> list[str]:
    return sorted(workers, key=worker_sort_key)


class Role:
    """What every role does with the hooks: nothing, unless it says otherwise."""

    name = "inactive"

    def __init__(self, config: pytest.Config, options: Options) -> None:
        self.config = config
        self.options = options
        self.run = Run()
        self.totals = Totals(self.run)
        self.complete = False
        self._started_perf = CLOCK.perf_ns()
        self._started_at = CLOCK.wall()

    # forwarded by the plugin object
    def collection_finished(self, nodeids: Sequence[str]) -> None:
        pass

    def finish(self, session: pytest.Session, exitstatus: int) -> None:
        pass

    def terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        pass

    # the API's calls
    def record_manual(
        self, phase: str, name: str, scope: str, duration_ns: int, outcome: str
    ) -> bool:
        """Record a measurement made by hand; False where this role cannot."""
        return False

    def is_timing_setup(self) -> bool:
        return False

    def summary(self) -> dict[str, Any]:
        """The summary of the run so far (the tracker's ``get_performance_summary``)."""
        from .report.summary import build_summary

        self.totals.update()
        return build_summary(
            self.totals.entries(),
            workers=sorted_workers(self.run.worker_ids()),
            complete=self.complete,
            scope="run",
            workers_lost=sorted_workers({w.id for w in self.run.workers if w.lost}),
        )


class Reporting(Role):
    """The roles that report the whole run at its end (serial and controller)."""

    _stats: RunStats | None = None
    verdict: Verdict | None = None
    insights: Sequence[Insight] = ()
    #: Outputs (the JSON file, the history) that could not be written, and whether that
    #: fails the session (--fixture-perf-strict, or -W error, which swallowed the warning).
    output_failures: tuple[str, ...] = ()
    outputs_fail_session = False
    #: Warnings that ``-W error`` swallowed: said in the terminal summary.
    unsaid: Sequence[str] = ()

    def finish(self, session: pytest.Session, exitstatus: int) -> None:
        from .collect import meta

        run = self.run
        ended = CLOCK.perf_ns()
        run.meta.update(
            run_id=os.urandom(16).hex(),
            mode=self.name,
            started_at=self._started_at,
            ended_at=self._started_at + (ended - self._started_perf) / 1e9,
            session_seconds=(ended - self._started_perf) / 1e9,
            exit_status=int(exitstatus),
            interrupted=exitstatus == pytest.ExitCode.INTERRUPTED,
            **meta.environment(self.config),
            **self.execution(),
            git=meta.git_safe(self.config.rootpath, dirty=self.writes_anything()),
            ci=meta.ci(),
        )
        self.complete = True
        from . import verdict

        stats = self.stats()
        self.verdict = verdict.evaluate(run, stats, self.options, self.config.rootpath)
        if self.verdict.failed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
            run.meta["exit_status"] = int(pytest.ExitCode.TESTS_FAILED)

        from .model.insights import insights

        try:
            self.insights = insights(run, stats)
        except Exception as exc:  # a bug of ours: said, and the run goes on
            warn(f"insights not made: {type(exc).__name__}: {exc}")
        from .report.outputs import WRITERS, Reports

        reports = Reports(run, stats, self.insights, self.verdict, self.options.top,
                          lambda: self.trend(run, stats))  # fmt: skip
        failures, notes = [], []
        for kind in WRITERS:
            path = getattr(self.options, f"{kind}_path")
            if path is None:
                continue
            try:
                reports.write(kind, path)
            except OSError as exc:  # FileExistsError: a file not ours, never replaced
                failures.append(f"could not write {path}: {exc.strerror or exc}")
            except Exception as exc:  # a bug of ours: the partial file is removed
                failures.append(f"could not write {path}: {type(exc).__name__}: {exc}")
        summary = self.options.step_summary
        if summary is not None:  # asked for by the CI, not by the user: never fails a run
            from .report.markdown import append_step_summary

            try:
                append_step_summary(summary, reports.markdown())
            except OSError as exc:
                notes.append(f"could not add to the step summary {summary}: "
                             f"{exc.strerror or exc}")  # fmt: skip
        unsaved = verdict.save(run, stats, self.options, self.verdict)
        if unsaved is not None:
            failures.append(unsaved)
        self.output_failed(session, failures, notes)

    def trend(self, run: Run, stats: RunStats) -> dict[str, Any] | None:
        """Each fixture's mean setup over the stored runs and this one (None without a
        history; a history that cannot be read was said by the verdict)."""
        if self.options.db_path is None:
            return None
        from .store.history import HistoryError, read_trend

        try:
            return read_trend(self.options.db_path, run, stats)
        except HistoryError:
            return None

    def output_failed(
        self, session: pytest.Session, failures: list[str], notes: Sequence[str] = ()
    ) -> None:
        """A failed write is a warning, shown again in the summary; it fails the session
        under --fixture-perf-strict, or when ``-W error`` turned the warning into an error
        (which must not fail a test, and is swallowed). ``notes``: writes nobody asked for
        (the CI's step summary), said the same way, that never fail it."""
        for note in notes:
            warn(note)
        shown = [warn(message) for message in failures]
        self.output_failures = (*failures, *notes)
        self.outputs_fail_session = bool(failures) and (self.options.strict or not all(shown))
        if self.outputs_fail_session and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def writes_anything(self) -> bool:
        """Whether the run is written somewhere (a JSON file, the history)."""
        return self.options.json_path is not None or (
            self.options.save and self.options.db_path is not None
        )

    def stats(self) -> RunStats:
        """The run's statistics, derived once the run is complete."""
        if self._stats is None:
            from .model.derive import derive

            self._stats = derive(self.run, self.totals)
        return self._stats

    def execution(self) -> dict[str, Any]:
        """How the tests were spread (worker count, ``--dist`` mode) and selected."""
        return {}

    def terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        from .report.terminal import (
            write_insights,
            write_output_failures,
            write_terminal_summary,
            write_verdict,
        )
        from .verdict import Verdict

        verdict = self.verdict or Verdict()
        if self.options.top is not None:
            write_terminal_summary(
                terminalreporter, self.run, self.stats(), self.options.top, verdict, self.insights
            )
        else:
            write_insights(terminalreporter, self.insights)
            write_verdict(terminalreporter, verdict, table=False)
        write_output_failures(terminalreporter, self.output_failures, self.outputs_fail_session)
        write_output_failures(terminalreporter, self.unsaid, False)


def selection(nodeids: Sequence[str]) -> dict[str, Any]:
    """Which tests were collected: their number and a digest of their sorted node ids."""
    import hashlib

    digest = hashlib.sha256("\n".join(sorted(nodeids)).encode()).hexdigest()[:16]
    return {"tests": len(nodeids), "digest": digest}


class Local(Role):
    """The roles that run tests (serial and worker): they own a recorder."""

    def __init__(self, config: pytest.Config, options: Options, worker: str) -> None:
        super().__init__(config, options)
        self.recorder = Recorder(
            self.run, worker, config.rootpath, cpu_all=options.cpu, id_rules=IdRules.of(config)
        )
        self.worker = self.run.workers[self.recorder.worker]
        self._warned = False
        config.pluginmanager.register(self.recorder, "fixture_perf_recorder")
        self.forked: ForkedTests | None = None
        if config.getoption("forked", False):
            self._watch_forks()

    def _watch_forks(self) -> None:
        self.forked = ForkedTests(self)
        self.config.pluginmanager.register(self.forked, "fixture_perf_forked")

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Tests marked ``forked`` (pytest-forked) run in child processes: watch for them
        only when some will (the watching costs a little at every test)."""
        forks = self.config.pluginmanager.has_plugin("pytest_forked")
        if self.forked is None and forks and any(i.get_closest_marker("forked") for i in items):
            self._watch_forks()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Before the test's fixtures are set up."""
        recorder = self.recorder
        recorder.begin_test(item.nodeid)
        if len(recorder.buffer) >= FLUSH_THRESHOLD:
            recorder.flush()  # bound the buffer
        if recorder.error is not None:
            self._check()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        """After the test ran, before its fixtures are torn down."""
        recorder = self.recorder
        recorder.begin_teardown(item)
        if recorder.error is not None:
            self._check()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.forked is not None and self.forked.take(report):
            return  # the phase ran in a child process, which recorded it
        self.recorder.end_phase(report)

    def _check(self) -> None:
        if self.recorder.error and not self._warned:
            self._warned = True
            warn(f"fixture timing disabled for the rest of the run: {self.recorder.error}")

    def record_manual(
        self, phase: str, name: str, scope: str, duration_ns: int, outcome: str
    ) -> bool:
        if not self.recorder.enabled:
            return False
        self.recorder.record_manual(phase, name, scope, duration_ns, outcome)
        return True

    def is_timing_setup(self) -> bool:
        return self.recorder.is_timing_setup()

    def close_worker(self) -> None:
        """At the end: everything recorded is in the run, and the worker's state too."""
        self.recorder.flush()
        self.worker.finished = True
        self.worker.tracking_error = self.recorder.error
        if self.forked is not None and self.forked.lost:
            lost = (
                f"the fixtures of {self.forked.lost} forked test(s) are not counted: their "
                "process ended without handing its records back (pytest-forked)"
            )
            warn(lost)
            self.worker.tracking_error = "; ".join(filter(None, (self.recorder.error, lost)))
        self.worker.open_setups = self.recorder.open_setups

    def entries(self) -> list[Entry]:
        self.recorder.flush()
        self.totals.update()
        return self.totals.entries()


class ForkedTests:
    """pytest-forked (``--forked``, ``@pytest.mark.forked``) runs a test in a child process
    that dies after it: what the child records must reach this process.

    Before the fork, this process moves its buffer into its run and notes the run's row
    counts; the child, at each phase's report, attaches what its run gained since then (a
    stand-alone document of the run format) to the report, which pytest-forked hands back
    here whole; here :meth:`take` merges it. Registered only when some test is forked.
    """

    def __init__(self, role: Local) -> None:
        self.role = role
        self.pid = os.getpid()
        self.mark = Mark()
        self._received = False
        #: Forked tests whose process ended without handing back its records.
        self.lost = 0

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        self.role.recorder.flush()
        self.mark = self.role.run.mark()
        self._received = False
        result = yield
        forked = item.config.getoption("forked", False) or item.get_closest_marker("forked")
        if forked and not self._received and os.getpid() == self.pid:
            self.lost += 1  # its process crashed, or pytest-forked could not report
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if os.getpid() != self.pid:  # in the child: nobody else will see these records
            recorder, run = self.role.recorder, self.role.run
            try:
                recorder.end_phase(report)
                recorder.flush()
                document = run.fragment(self.mark)
                self.mark = run.mark()
                blob = "" if document is None else dumps_compact(document)
            except Exception as exc:
                recorder.disable(exc)
                blob = ""
            setattr(report, wire.FORKED_ATTRIBUTE, blob)
        return report

    def take(self, report: pytest.TestReport) -> bool:
        """Merge what a child recorded for this report; False for a report made here."""
        blob = report.__dict__.pop(wire.FORKED_ATTRIBUTE, None)
        if blob is None:
            return False
        self._received = True
        if blob:
            try:
                self.role.run.absorb_json(blob)
            except FormatError as exc:
                warn(f"ignored fixture records from a forked test: {exc}")
        return True


class Serial(Local, Reporting):
    """No xdist (or ``-n 0``): this process runs the tests and reports."""

    name = "serial"

    def __init__(self, config: pytest.Config, options: Options) -> None:
        super().__init__(config, options, MAIN_WORKER)
        self._selection: dict[str, Any] = {}

    def collection_finished(self, nodeids: Sequence[str]) -> None:
        self._selection = selection(nodeids)

    def execution(self) -> dict[str, Any]:
        return {"worker_count": 0, "dist": "no", "selection": self._selection}

    def finish(self, session: pytest.Session, exitstatus: int) -> None:
        self.close_worker()
        self.run.meta["tracking_error"] = self.worker.tracking_error
        super().finish(session, exitstatus)

    def summary(self) -> dict[str, Any]:
        from .report.summary import build_summary

        return build_summary(
            self.entries(), workers=[MAIN_WORKER], complete=self.complete, scope="run"
        )


class Worker(Local):
    """An xdist worker: each test's records go to its spool, or on its teardown report."""

    name = "worker"

    def __init__(self, config: pytest.Config, options: Options) -> None:
        workerinput: dict[str, Any] = config.workerinput  # type: ignore[attr-defined]
        super().__init__(config, options, str(workerinput["workerid"]))
        self.totals = Totals(self.run, track_changes=True)
        self._sent = Mark()  # handed on (to the spool, or on reports) up to here
        self.spool: SpoolWriter | None = None
        spool_path = workerinput.get(wire.SPOOL_PATH_KEY)
        if spool_path:
            from .store.spool import SpoolWriter

            try:
                self.spool = SpoolWriter(Path(spool_path))
            except OSError as exc:
                warn(f"no spool {spool_path} ({exc.strerror or exc}): this worker sends "
                     "its records with each test's report")  # fmt: skip
        self.live: LiveWriter | None = None
        path = workerinput.get(wire.LIVE_PATH_KEY)
        if path:
            import sqlite3

            from .store.live import LiveError, LiveWriter

            try:
                self.live = LiveWriter(Path(path), self.worker.id)
            except (sqlite3.Error, OSError, LiveError) as exc:
                self._live_failed(exc)

    def _fragment(self, *, final: bool = False) -> str | None:
        """What the run gained since the last hand-on, as JSON (None when nothing). The
        first and the last fragment of a series also say all that is known of this
        worker."""
        self.recorder.flush()
        fragment = self.run.fragment(
            self._sent, sender=self.worker.id, full_workers=final or self._sent == Mark()
        )
        if fragment is None:
            return None
        self._sent = self.run.mark()
        return dumps_compact(fragment)

    def _hand_on(self, report: pytest.TestReport) -> None:
        """What the run gained since the last hand-on: appended to the spool, or else
        attached to ``report`` as a fragment."""
        if self.spool is not None:
            self.recorder.flush()
            try:
                self._sent = self.spool.append(self.run, self._sent)
                return
            except OSError as exc:
                self._spool_failed(exc)
        blob = self._fragment()
        if blob is not None:
            setattr(report, wire.REPORT_ATTRIBUTE, blob)

    def _close_spool(self) -> SpoolWriter | None:
        """Close the spool, if one is open, and stop writing to it; the spool closed."""
        spool, self.spool = self.spool, None
        if spool is not None:
            with contextlib.suppress(OSError):
                spool.close()
        return spool

    def _spool_failed(self, exc: OSError) -> None:
        """From now on every fragment goes on a report, the first one with all that was
        recorded (the controller then leaves the spool unread)."""
        spool = self._close_spool()
        assert spool is not None
        self._sent = Mark()
        warn(f"could not write the spool {spool.path} ({exc.strerror or exc}): this worker sends "
             "its records with each test's report from now on")  # fmt: skip

    @pytest.hookimpl(tryfirst=True)  # before xdist sends the report on
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.forked is None or not self.forked.take(report):
            self.recorder.end_phase(report)
        # One fragment per test, on its last report; and on its setup's report too when that
        # set up a fixture cached across tests (a crash in the test then keeps those setups,
        # often the costliest; it loses the test's function-scoped ones).
        if report.when != "teardown" and not (
            report.when == "setup" and self.recorder.shared_setup
        ):
            return
        self.recorder.shared_setup = False
        try:
            self._hand_on(report)
        except Exception as exc:
            self.recorder.disable(exc)
            return
        self.publish_live()

    def finish(self, session: pytest.Session, exitstatus: int) -> None:
        self.close_worker()
        if self.spool is not None:
            # The last records (the teardowns after the last test) to the spool as well: a
            # controller interrupted (Ctrl-C) reads the spools but never gets workeroutput.
            # (not written whole: they go in workeroutput, with the worker's state)
            with contextlib.suppress(OSError):
                self._sent = self.spool.append(self.run, self._sent)
        workeroutput: dict[str, Any] = self.config.workeroutput  # type: ignore[attr-defined]
        workeroutput[wire.WORKEROUTPUT_KEY] = self._fragment(final=True)
        spool = self._close_spool()
        if spool is not None:
            workeroutput[wire.SPOOLED_KEY] = spool.records
        if self.live is not None:
            import sqlite3

            with contextlib.suppress(sqlite3.Error):
                self.publish_live(finished=True)
                self.live.close()
            self.live = None

    def publish_live(self, *, force: bool = False, finished: bool = False) -> None:
        """Publish the tallies that changed since the last write (throttled unless
        ``force`` or ``finished``)."""
        writer = self.live
        if writer is None or not (force or finished or writer.due()):
            return
        import sqlite3

        self.recorder.flush()
        self.totals.update()
        definitions = self.run.definitions
        rows = [(definitions[d], tally) for _, d, tally in self.totals.take_changed()]
        try:
            writer.publish(rows, finished=finished)
        except sqlite3.Error as exc:
            self._live_failed(exc)

    def _live_failed(self, exc: BaseException) -> None:
        import sqlite3

        if self.live is not None:
            with contextlib.suppress(sqlite3.Error):
                self.live.close()
        self.live = None
        warn(f"live view limited to this worker: {type(exc).__name__}: {exc}")

    def summary(self) -> dict[str, Any]:
        """The whole run so far, from the live store; this worker alone without one."""
        from .report.summary import build_summary

        me = self.worker.id
        if self.live is not None:
            self.publish_live(force=True)
        if self.live is not None:
            import sqlite3

            try:
                view = self.live.read()
            except sqlite3.Error as exc:
                self._live_failed(exc)
            else:
                return build_summary(
                    view.entries, workers=sorted_workers({*view.reporting, me}),
                    complete=False, scope="run",
                    workers_reporting=sorted_workers(view.reporting),
                    workers_started=sorted_workers({*view.started, me}),
                    workers_finished=sorted_workers(view.finished),
                    workers_lost=sorted_workers(view.lost),
                )  # fmt: skip
        return build_summary(self.entries(), workers=[me], complete=False, scope="worker")


class Controller(Reporting):
    """The xdist controller: runs no test; merges its workers' fragments and reports."""

    name = "controller"

    def __init__(self, config: pytest.Config, options: Options) -> None:
        super().__init__(config, options)
        from .model.intake import Intake

        self.intake: Intake = Intake(self.run)  # workers' fragments, merged in batches
        self.folder: RunFolder | None = None  # shared with local workers
        #: Local workers' spools, read when their worker is down (left unread for a worker
        #: whose reports carry its fragments).
        self.spools: dict[str, Path] = {}
        self._spool_count = 0
        self._outputs_taken: set[str] = set()  # workers whose workeroutput was merged
        self._worker_count = 0
        self._selection: dict[str, Any] = {}
        #: Problems met in xdist's hooks (pytest shows the warnings of the session's end,
        #: not theirs): said with the workers' refused records, at the next merge.
        self._problems: list[str] = []
        self.unsaid: list[str] = []

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        wid = node.gateway.id
        self.run.worker(wid)
        self._worker_count = int(node.workerinput.get("workercount", 0))
        if not node.gateway.spec.popen:
            return  # remote workers share no filesystem with us
        from .store.folder import RunFolder
        from .store.spool import path_for

        try:
            if self.folder is None:
                self.folder = RunFolder()
        except OSError as exc:
            self.options = self.options.replaced(live=False)
            self._problems.append(
                f"no per-run folder ({exc.strerror or exc}): workers send their records with "
                "each test's report, and there is no live view across workers"
            )
            return
        self._spool_count += 1
        self.spools[wid] = path_for(self.folder.path, self._spool_count)
        node.workerinput[wire.SPOOL_PATH_KEY] = str(self.spools[wid])
        if not self.options.live:
            return
        import sqlite3

        from .store import live

        try:
            path = self.folder.path / live.FILENAME
            if not path.exists():
                live.create(self.folder.path)
            node.workerinput[wire.LIVE_PATH_KEY] = str(path)
        except (OSError, sqlite3.Error) as exc:
            self.options = self.options.replaced(live=False)
            self._problems.append(f"no live view across workers: {type(exc).__name__}: {exc}")

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if not self._selection:
            self._selection = selection(ids)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        blob = getattr(report, wire.REPORT_ATTRIBUTE, None)
        if blob is not None:
            setattr(report, wire.REPORT_ATTRIBUTE, None)  # never counted twice
            # its worker sends its fragments this way (it has no spool, or could not write
            # it): its spool is not read (xdist names a report's worker in ``node``)
            gateway = getattr(getattr(report, "node", None), "gateway", None)
            self.spools.pop(str(getattr(gateway, "id", "")), None)
            self._ingest(blob)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        worker = self.run.worker(node.gateway.id)
        output = getattr(node, "workeroutput", None)
        if error is not None or output is None:
            worker.lost = str(error or "no output received")
        spool = self.spools.pop(worker.id, None)
        if spool is not None:  # what it recorded, up to its last test
            self._read_spool(worker.id, spool, output.get(wire.SPOOLED_KEY) if output else None)
        blob = output.get(wire.WORKEROUTPUT_KEY) if output else None
        if blob is not None and worker.id not in self._outputs_taken:  # the rest, its state
            self._outputs_taken.add(worker.id)  # (xdist says a worker is down twice when
            self._ingest(blob)  # it ended on a KeyboardInterrupt)

    def _read_spool(self, worker: str, path: Path, written: object = None) -> None:
        """Merge a worker's spool, document by document; a document refused is taken
        record by record, up to the first refused (what follows may depend on it).
        ``written``: the records the worker says it wrote (None when it did not say)."""
        from .store.spool import SpoolReader

        try:
            reader = SpoolReader(path, worker)
        except FileNotFoundError:
            if written:  # else the worker never made it (it could not, or never started)
                self._problems.append(f"the spool {path} is gone: its worker wrote {written} "
                                      "records to it")  # fmt: skip
            return
        except OSError as exc:
            self._problems.append(f"could not read the spool {path}: {exc.strerror or exc}")
            return
        self.intake.merge()  # what came before, so that a refusal is this spool's
        for records in reader:
            if self._take(reader, records, path, say=False):
                continue
            for record in records:
                if not self._take(reader, [record], path, say=True):
                    break
            break  # a record refused: said, with the reason
        else:
            if reader.problem is None and isinstance(written, int) and reader.records < written:
                self._problems.append(f"the spool {path} holds {reader.records} of the "
                                      f"{written} records its worker wrote to it")  # fmt: skip
        if reader.problem is not None:
            self.intake.errors.append(reader.problem)

    def _take(self, reader: SpoolReader, records: list[Any], path: Path, *, say: bool) -> bool:
        """Merge ``records`` of a spool now; False when they are refused (the reason kept
        in the intake's errors when ``say``)."""
        document = reader.document(records)
        before = len(self.intake.errors)
        try:
            self.intake.add(document)
        except FormatError as exc:
            self.intake.errors.append(exc)
        self.intake.merge()
        if len(self.intake.errors) == before:
            return True
        reader.refused(document)
        if say:
            self.intake.errors[before:] = [
                FormatError(f"spool {path}: a record refused: {self.intake.errors[before]}")
            ]
        else:
            del self.intake.errors[before:]
        return False

    def _ingest(self, blob: object) -> None:
        if isinstance(blob, str):
            self.intake.add_json(blob)
        else:
            self.intake.errors.append(
                FormatError(f"expected a JSON string, got {type(blob).__name__}")
            )

    def _merge(self) -> None:
        """Everything the workers sent, in the run (and a warning for what was not, and for
        the problems met since the last merge)."""
        self.intake.merge()
        errors = [f"ignored fixture records from a worker: {e}" for e in self.intake.errors]
        for message in [*self._problems, *errors]:
            if not warn(message):  # -W error: said in the terminal summary instead
                self.unsaid.append(message)
        self._problems.clear()
        self.intake.errors.clear()

    def summary(self) -> dict[str, Any]:
        self._merge()
        return super().summary()

    def execution(self) -> dict[str, Any]:
        return {
            "worker_count": self._worker_count,
            "dist": self.config.getoption("dist", None),
            "selection": self._selection,
        }

    def finish(self, session: pytest.Session, exitstatus: int) -> None:
        for wid, spool in self.spools.items():  # workers never said to be down
            self._read_spool(wid, spool)
        self.spools.clear()
        self._merge()
        for worker in self.run.workers:  # started, and neither finished nor said lost
            if not worker.finished and worker.lost is None:
                worker.lost = "no final report: the run was interrupted, or the worker hung"
        super().finish(session, exitstatus)
        if self.folder is not None:
            self.folder.remove()


def detect(config: pytest.Config) -> type[Role]:
    """The role of this process, from the config, never from ``PYTEST_XDIST_WORKER``
    (inherited by inner runs).

    Valid from ``pytest_sessionstart`` on: xdist registers its ``dsession`` plugin in a
    ``trylast`` ``pytest_configure`` (and not at all for ``-n 0`` or ``--collect-only``).
    """
    if hasattr(config, "workerinput"):
        return Worker
    if config.pluginmanager.get_plugin("dsession") is not None:
        return Controller
    return Serial
