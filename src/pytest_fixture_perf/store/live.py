"""The live whole-run view: one SQLite file (WAL) shared by the local xdist workers.

The controller makes a per-run folder (``folder.py``) and hands the store's path to popen
workers through ``workerinput``. Each worker keeps its run's
:class:`~pytest_fixture_perf.model.Totals` and, between tests (never inside a timed
region), at most every ``WRITE_INTERVAL`` seconds (less often if writing would take over
``MAX_SHARE`` of its time) and whenever a test asks for the summary, replaces its rows for
the definitions whose tallies changed, in one transaction. Readers only touch those
pre-aggregated rows (one per worker and definition, stored in definition order), and
incrementally: each read asks only for the definitions whose rows were written since the
previous one, merged over workers by SQLite (sums, the largest setup, the setups per
worker), so that a first read of every definition fetches one row per definition.

A row holds a definition (its fields) and its tally on one worker (``Tally.FIELDS``, and
the setups per effective scope); the file carries the run format's version (``PRAGMA
user_version``) and is refused under another one.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..collect.clock import CLOCK
from ..model.run import FORMAT_VERSION, SCOPES, Definition
from ..model.totals import Entry, Tally
from .folder import process_alive

FILENAME = "live.sqlite"
WRITE_INTERVAL = 0.25  # seconds between a worker's writes while tests run, at least
#: The most of a worker's time its writes may take: after a write that took ``d`` seconds,
#: the next one waits ``d / MAX_SHARE`` if that is longer (a slow disk, or a machine slowed
#: down, as under valgrind, gets fewer writes rather than slower tests).
MAX_SHARE = 0.005
BUSY_TIMEOUT_MS = 10_000

_COLUMNS = ("worker", "key", "name", "path", "line", "scope", *Tally.FIELDS,
            *(f"in_{scope}" for scope in SCOPES))  # fmt: skip
_INSERT = (
    f"INSERT OR REPLACE INTO tallies ({', '.join(_COLUMNS)}, version)"
    f" VALUES ({', '.join('?' * (len(_COLUMNS) + 1))})"
)
# A read: per definition written since a version (every one when it is 0), its fields,
# its tallies merged over workers (Tally.to_row()'s columns) and its setups per worker.
_MERGED = (
    "SELECT key, name, path, min(line), min(scope), max(scope), "
    + ", ".join(
        f"max({column})" if column == "max_setup_ns" else f"sum({column})"
        for column in _COLUMNS[6:]
    )
    + ", group_concat(CASE WHEN setups > 0 THEN worker || char(31) || setups END, char(30))"
    + " FROM tallies{where} GROUP BY key"
)
_SELECT_ALL = _MERGED.format(where="")
_SELECT_SINCE = _MERGED.format(where=" WHERE key IN (SELECT key FROM tallies WHERE version > ?)")
_TALLY = slice(6, 6 + len(Tally.FIELDS) + len(SCOPES))  # a merged row's Tally.to_row()

SCHEMA = f"""
PRAGMA user_version = {FORMAT_VERSION};
CREATE TABLE IF NOT EXISTS tallies (
    worker TEXT NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL, path TEXT NOT NULL, line INTEGER NOT NULL, scope TEXT NOT NULL,
    {", ".join(f"{name} INTEGER NOT NULL" for name in Tally.FIELDS)},
    {", ".join(f"in_{scope} INTEGER NOT NULL" for scope in SCOPES)},
    version INTEGER NOT NULL,
    PRIMARY KEY (key, worker)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tallies_version ON tallies (version);
CREATE TABLE IF NOT EXISTS counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counter (name, value) VALUES ('version', 0);
CREATE TABLE IF NOT EXISTS workers (
    worker TEXT PRIMARY KEY,
    pid INTEGER,
    started_at REAL NOT NULL,
    updated_at REAL,
    finished_at REAL
);
"""


class LiveError(Exception):
    """The live store cannot be used (the message is one line)."""


class LiveView:
    """What the live store says about the run so far (a plain class: imported by every
    worker, where a dataclass would cost its code generation)."""

    __slots__ = ("entries", "finished", "lost", "reporting", "started")

    def __init__(
        self, entries: list[Entry], started: list[str], reporting: list[str],
        finished: list[str], lost: list[str],
    ) -> None:  # fmt: skip
        self.entries = entries
        #: Workers attached to the store (registered when their session started).
        self.started = started
        #: Workers that have published tallies at least once.
        self.reporting = reporting
        #: Workers whose session has ended: their tallies are final.
        self.finished = finished
        #: Workers whose process died before their session ended (a crash).
        self.lost = lost


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


def _open(path: Path) -> sqlite3.Connection:
    connection = connect(path)
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    if version != FORMAT_VERSION:
        connection.close()
        raise LiveError(f"{path}: live store of format {version}, expected {FORMAT_VERSION}")
    return connection


class LiveWriter:
    """A worker's side: publish its tallies, and read the whole run."""

    def __init__(self, path: Path, worker: str) -> None:
        self.worker = worker
        self._connection = _open(path)
        self._connection.execute(
            "INSERT OR REPLACE INTO workers (worker, pid, started_at) VALUES (?, ?, ?)",
            (worker, os.getpid(), CLOCK.wall()),
        )
        self._next_write = 0  # perf_counter_ns
        self._reader = LiveReader(self._connection)

    def due(self) -> bool:
        """Whether the throttle allows a write now."""
        return CLOCK.perf_ns() >= self._next_write

    def publish(self, rows: Iterable[tuple[Definition, Tally]], *, finished: bool = False) -> None:
        """Replace this worker's rows for ``rows``' definitions, in one transaction under a
        new version; ``finished`` marks this worker's tallies final."""
        values = [
            (self.worker, *definition.as_tuple(), *tally.to_row()) for definition, tally in rows
        ]
        if not values and not finished:
            return  # nothing to publish: no transaction, no new version
        connection = self._connection
        connection.execute("BEGIN IMMEDIATE")
        start = CLOCK.perf_ns()  # (a wait for another worker's write is not this write's cost)
        try:
            # Writers are serialized by the write lock, so versions follow commit order and
            # a reader that has seen version v has seen every change up to v.
            connection.execute("UPDATE counter SET value = value + 1 WHERE name = 'version'")
            (version,) = connection.execute(
                "SELECT value FROM counter WHERE name = 'version'"
            ).fetchone()
            connection.executemany(_INSERT, [(*row, version) for row in values])
            stamp = CLOCK.wall()
            if values:  # a worker "reports" once it has published something
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
        finally:
            end = CLOCK.perf_ns()
            wait = max(WRITE_INTERVAL, (end - start) / 1e9 / MAX_SHARE)
            self._next_write = end + int(wait * 1e9)

    def read(self) -> LiveView:
        """The whole run so far: tallies merged over workers, and the workers' states."""
        return self._reader.read()

    def close(self) -> None:
        self._connection.close()


class LiveReader:
    """Reads the whole run's tallies incrementally.

    It keeps the merged entry of each definition; a read asks only for the definitions
    whose rows were written since its last one (by version), merged by SQLite, so a
    summary costs what changed, not what is stored.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._version = 0
        self._entries: dict[str, Entry] = {}

    def read(self) -> LiveView:
        connection = self._connection
        connection.execute("BEGIN")  # one snapshot for every query
        try:
            (version,) = connection.execute("SELECT max(version) FROM tallies").fetchone()
            changed = []
            if version is not None and version > self._version:
                changed = (
                    connection.execute(_SELECT_SINCE, (self._version,))
                    if self._version
                    else connection.execute(_SELECT_ALL)
                ).fetchall()
            merged = [self._entry(row) for row in changed]
            states = connection.execute(
                "SELECT worker, pid, updated_at, finished_at FROM workers"
            ).fetchall()
        finally:
            connection.execute("COMMIT")
        for entry in merged:
            self._entries[entry.definition.key] = entry
        if changed:  # only once they are kept: a read that failed is asked for again
            self._version = version
        started, reporting, finished, lost = [], [], [], []
        for worker, pid, updated_at, finished_at in states:
            started.append(worker)
            if updated_at is not None:
                reporting.append(worker)
            if finished_at is not None:
                finished.append(worker)
            elif pid is not None and not process_alive(pid):
                lost.append(worker)
        return LiveView(list(self._entries.values()), started, reporting, finished, lost)

    def _entry(self, row: tuple[Any, ...]) -> Entry:
        """A definition's entry from its merged row (``_MERGED``)."""
        key, name, path, line, scope, other_scope = row[:6]  # the smallest line
        if scope == other_scope:  # declared at one scope by every worker (nearly always)
            definition = Definition(key, name, path, line, scope)
        else:  # workers that disagree on its scope: merged as a run merges definitions
            scopes = self._connection.execute(
                "SELECT DISTINCT scope FROM tallies WHERE key = ?", (key,)
            ).fetchall()
            definition = functools.reduce(
                Definition.merged, (Definition(key, name, path, line, s) for (s,) in scopes)
            )
        workers = row[-1]
        return Entry(
            definition,
            Tally.from_row(row[_TALLY]),
            {
                worker: int(setups)
                for worker, setups in (pair.split("\x1f") for pair in workers.split("\x1e"))
            }
            if workers
            else {},
        )
