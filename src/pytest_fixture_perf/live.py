"""The live whole-run view: one SQLite file (WAL) shared by the local xdist workers.

The controller makes a per-run directory and hands its path to popen workers through
``workerinput``. Each worker keeps pending per-fixture totals in memory and upserts them
in one transaction between tests (never inside a timed region), at most every
``WRITE_INTERVAL`` seconds, and whenever a test asks for the summary. Readers only touch
the pre-aggregated table (a row per worker and fixture definition), and incrementally:
each read fetches only the rows written since the previous one.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .aggregate import FixtureTotals, RawRecord, RunData
from .records import FixtureKey

FILENAME = "live.sqlite"
#: ``workerinput`` key carrying the live store's path to local workers.
WORKERINPUT_KEY = "fixture_perf_live"
WRITE_INTERVAL = 0.25  # seconds between a worker's writes while tests run
BUSY_TIMEOUT_MS = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS fixture_totals (
    worker TEXT NOT NULL,
    name TEXT NOT NULL,
    location TEXT NOT NULL,
    scope TEXT NOT NULL,
    setups INTEGER NOT NULL DEFAULT 0,
    teardowns INTEGER NOT NULL DEFAULT 0,
    setup_ns INTEGER NOT NULL DEFAULT 0,
    teardown_ns INTEGER NOT NULL DEFAULT 0,
    max_setup_ns INTEGER NOT NULL DEFAULT 0,
    uses INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (worker, name, location)
);
CREATE INDEX IF NOT EXISTS fixture_totals_version ON fixture_totals (version);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('version', 0);
CREATE TABLE IF NOT EXISTS workers (
    worker TEXT PRIMARY KEY,
    pid INTEGER,
    started_at REAL NOT NULL,
    updated_at REAL,
    finished_at REAL
);
"""

UPSERT = """
INSERT INTO fixture_totals
    (worker, name, location, scope, setups, teardowns, setup_ns, teardown_ns, max_setup_ns, uses,
     version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (worker, name, location) DO UPDATE SET
    setups = setups + excluded.setups,
    teardowns = teardowns + excluded.teardowns,
    setup_ns = setup_ns + excluded.setup_ns,
    teardown_ns = teardown_ns + excluded.teardown_ns,
    max_setup_ns = MAX(max_setup_ns, excluded.max_setup_ns),
    uses = uses + excluded.uses,
    version = excluded.version,
    scope = CASE WHEN scope = '' THEN excluded.scope ELSE scope END
"""


@dataclass
class LiveView:
    """What the live store says about the run so far."""

    totals: list[FixtureTotals]
    #: Workers attached to the store (registered when their session started).
    started: list[str]
    #: Workers that have published totals at least once.
    reporting: list[str]
    #: Workers whose session has ended: their totals are final.
    finished: list[str]
    #: Workers whose process died before their session ended (a crash).
    lost: list[str]


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    return connection


def create(directory: Path) -> Path:
    """Create the live store in ``directory`` (controller side); return its path."""
    path = directory / FILENAME
    connection = connect(path)
    try:
        connection.executescript(SCHEMA)
    finally:
        connection.close()
    return path


class LiveWriter:
    """A worker's side: accumulate totals, write them in batches, read the whole run."""

    def __init__(self, path: Path, worker: str) -> None:
        self.worker = worker
        self._connection = connect(path)
        self._connection.executescript(SCHEMA)
        self._connection.execute(
            "INSERT OR REPLACE INTO workers (worker, pid, started_at) VALUES (?, ?, ?)",
            (worker, os.getpid(), time.time()),
        )
        self._pending = RunData()  # since the last write
        self._last_write = 0.0
        self._reader = LiveReader(self._connection)

    def add_records(self, records: Iterable[RawRecord], uses: Mapping[FixtureKey, int]) -> None:
        """Add a batch of the recorder's raw records (see ``RunData.add_records``)."""
        self._pending.add_records(records, self.worker)
        self._pending.add_uses(uses)

    def write(self, *, force: bool = False, finished: bool = False) -> None:
        """Upsert what is pending, in one transaction (throttled unless ``force``).
        ``finished`` marks this worker's totals as final (at its session's end)."""
        now = time.monotonic()
        if not (force or finished) and now - self._last_write < WRITE_INTERVAL:
            return
        if not finished and not self._pending.fixtures:
            return  # nothing to publish: no transaction, no new version
        self._last_write = now
        self.publish(self._pending.totals(), finished=finished)
        self._pending = RunData()

    def publish(self, totals: Iterable[FixtureTotals], *, finished: bool = False) -> None:
        """Add ``totals`` (this worker's, since its last write) to the store in one
        transaction, under a new version; ``finished`` marks this worker's totals final."""
        connection = self._connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            # Writers are serialized by the write lock, so versions follow commit order and
            # a reader that has seen version v has seen every change up to v.
            connection.execute("UPDATE meta SET value = value + 1 WHERE key = 'version'")
            (version,) = connection.execute(
                "SELECT value FROM meta WHERE key = 'version'"
            ).fetchone()
            rows = [
                (self.worker, t.name, t.location, t.scope, t.setups, t.teardowns,
                 t.setup_ns, t.teardown_ns, t.max_setup_ns, t.uses, version)
                for t in totals
            ]  # fmt: skip
            connection.executemany(UPSERT, rows)
            stamp = time.time()
            if rows:  # a worker "reports" once it has published something
                connection.execute(
                    "UPDATE workers SET updated_at = ? WHERE worker = ?", (stamp, self.worker)
                )
            if finished:
                connection.execute(
                    "UPDATE workers SET finished_at = ? WHERE worker = ?", (stamp, self.worker)
                )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def read(self) -> LiveView:
        """The whole run so far: totals summed over workers, and the workers' states."""
        return self._reader.read()

    def close(self) -> None:
        self._connection.close()


class LiveReader:
    """Reads the whole run's totals incrementally.

    It keeps every (worker, definition) row it has seen and the per-definition sums, and
    each read fetches only the rows written since its last one (by version), so a summary
    costs what changed, not what is stored.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._version = 0
        self._rows: dict[tuple[str, str, str], tuple[int, int, int, int, int]] = {}
        self._totals: dict[FixtureKey, FixtureTotals] = {}

    def read(self) -> LiveView:
        connection = self._connection
        connection.execute("BEGIN")  # one snapshot for both queries
        try:
            changed = connection.execute(
                "SELECT version, worker, name, location, scope, setups, teardowns, setup_ns,"
                " teardown_ns, max_setup_ns, uses FROM fixture_totals WHERE version > ?",
                (self._version,),
            ).fetchall()
            states = connection.execute(
                "SELECT worker, pid, updated_at, finished_at FROM workers"
            ).fetchall()
        finally:
            connection.execute("COMMIT")
        rows, totals = self._rows, self._totals
        for version, worker, name, location, scope, *counts in changed:
            self._version = max(self._version, version)
            setups, teardowns, setup_ns, teardown_ns, max_ns, uses = counts
            t = totals.get((name, location))
            if t is None:
                t = totals[(name, location)] = FixtureTotals(name, location, scope)
            old = rows.get((worker, name, location))
            if old is not None:  # replace this worker's previous totals
                t.setups -= old[0]
                t.teardowns -= old[1]
                t.setup_ns -= old[2]
                t.teardown_ns -= old[3]
                t.uses -= old[4]
            rows[(worker, name, location)] = (setups, teardowns, setup_ns, teardown_ns, uses)
            t.scope = t.scope or scope
            t.setups += setups
            t.teardowns += teardowns
            t.setup_ns += setup_ns
            t.teardown_ns += teardown_ns
            t.uses += uses
            t.max_setup_ns = max(t.max_setup_ns, max_ns)
            if setups:
                t.setups_by_worker[worker] = setups
        started, reporting, finished, lost = [], [], [], []
        for worker, pid, updated_at, finished_at in states:
            started.append(worker)
            if updated_at is not None:
                reporting.append(worker)
            if finished_at is not None:
                finished.append(worker)
            elif pid is not None and not process_alive(pid):
                lost.append(worker)
        return LiveView(list(totals.values()), started, reporting, finished, lost)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` (a local worker) is still running. A zombie (exited, not yet
    reaped by the controller) is not. Where this cannot be told, it is assumed alive."""
    if os.name != "posix":
        return True  # os.kill(pid, 0) is not a probe on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # e.g. PermissionError: it exists
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"
