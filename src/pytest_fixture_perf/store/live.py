"""The live whole-run view: one SQLite file (WAL) shared by the local xdist workers.

The controller makes a per-run folder (``folder.py``) and hands the store's path to popen
workers through ``workerinput``. Each worker keeps its run's
:class:`~pytest_fixture_perf.model.Totals` and, between tests (never inside a timed
region), at most every ``WRITE_INTERVAL`` seconds (less often if writing would take over
``MAX_SHARE`` of its time) and whenever a test asks for the summary, replaces its rows for
the definitions whose tallies changed, in one transaction. Readers only touch those
pre-aggregated rows (one per worker and definition), and incrementally: each read fetches
only the rows written since the previous one, and re-merges only the definitions they
belong to.

A row holds a definition (its fields) and its tally on one worker (``Tally.FIELDS``, and
the setups per effective scope); the file carries the run format's version (``PRAGMA
user_version``) and is refused under another one.
"""

from __future__ import annotations

import functools
import operator
import os
import sqlite3
from collections.abc import Iterable
from itertools import compress
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
_SELECT = f"SELECT version, {', '.join(_COLUMNS)} FROM tallies WHERE version > ?"
# Where a fetched row's parts are (``_SELECT``'s columns).
_VERSION = operator.itemgetter(0)
_WORKER, _KEY = 1, 2
_DEFINITION = slice(2, 7)  # Definition.FIELDS
_TALLY = slice(7, None)  # Tally.to_row(): Tally.FIELDS, then setups per scope
_SETUPS = 7 + Tally.FIELDS.index("setups")
_MAX = Tally.FIELDS.index("max_setup_ns")  # in the tally's part

SCHEMA = f"""
PRAGMA user_version = {FORMAT_VERSION};
CREATE TABLE IF NOT EXISTS tallies (
    worker TEXT NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL, path TEXT NOT NULL, line INTEGER NOT NULL, scope TEXT NOT NULL,
    {", ".join(f"{name} INTEGER NOT NULL" for name in Tally.FIELDS)},
    {", ".join(f"in_{scope} INTEGER NOT NULL" for scope in SCOPES)},
    version INTEGER NOT NULL,
    PRIMARY KEY (worker, key)
);
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

    It keeps every (worker, definition) row it has seen, as fetched, and the merged entry
    of each definition; a read fetches only the rows written since its last one (by
    version) and re-merges only their definitions, so a summary costs what changed, not
    what is stored. A definition's rows are merged column by column (sums, and the largest
    setup), in C: a first read of every row costs little more than fetching them.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._version = 0
        #: key -> worker -> the row as fetched (``_SELECT``'s columns, version first)
        self._rows: dict[str, dict[str, tuple[Any, ...]]] = {}
        self._entries: dict[str, Entry] = {}
        self._definitions: dict[tuple[Any, ...], Definition] = {}  # one object per definition

    def read(self) -> LiveView:
        connection = self._connection
        connection.execute("BEGIN")  # one snapshot for both queries
        try:
            changed = connection.execute(_SELECT, (self._version,)).fetchall()
            states = connection.execute(
                "SELECT worker, pid, updated_at, finished_at FROM workers"
            ).fetchall()
        finally:
            connection.execute("COMMIT")
        if changed:
            self._version = max(self._version, max(map(_VERSION, changed)))
            rows = self._rows
            for row in changed:
                cells = rows.get(row[_KEY])
                if cells is None:
                    cells = rows[row[_KEY]] = {}
                cells[row[_WORKER]] = row
            for key in {row[_KEY] for row in changed}:
                self._entries[key] = self._merge(rows[key])
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

    def _merge(self, cells: dict[str, tuple[Any, ...]]) -> Entry:
        """One definition's entry from its rows on every worker (their columns summed in
        C; the largest setup their largest; the definitions, nearly always one, merged)."""
        columns = list(zip(*cells.values(), strict=True))
        known = self._definitions
        definitions = []
        for fields in set(zip(*columns[_DEFINITION], strict=True)):
            definition = known.get(fields)
            if definition is None:
                definition = known[fields] = Definition(*fields)
            definitions.append(definition)
        counts = list(map(sum, columns[_TALLY]))
        counts[_MAX] = max(columns[_TALLY][_MAX])
        setups = columns[_SETUPS]
        return Entry(
            functools.reduce(Definition.merged, definitions),
            Tally.from_row(counts),
            dict(compress(zip(columns[_WORKER], setups, strict=True), setups)),  # with setups
        )
