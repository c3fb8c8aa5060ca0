"""The history: every run's statistics (and the last runs' events) in one SQLite file.

Default ``.fixture-perf/history.db`` under the rootdir (the folder holds a ``.gitignore``
of ``*``, as ``.pytest_cache`` does). Only a serial run or the xdist controller writes, once
per run, in one transaction: a run is saved whole or not at all, and saving never rewrites
what is stored. Runs finishing at once against one file wait for each other (SQLite's busy
timeout, then retries); a run is stored once, under its ``run_id``.

A run is a row of ``runs`` (what the ``runs`` command lists, its meta as JSON, its fixture
statistics as compressed JSON: the JSON file's ``fixtures`` entries, and the run itself in
its format as compressed JSON while it is among the last ``keep_events`` runs) and a row
of ``fixtures`` per fixture definition with its per-setup durations as packed
little-endian int64 arrays, which comparisons read.

The schema is versioned (``PRAGMA user_version``) and migrated forward; a file that is not
SQLite, not ours, damaged or from a newer version raises :class:`HistoryError` (one line)
and is never written to.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import operator
import os
import sqlite3
import struct
import subprocess
import sys
import time
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, Final, NamedTuple

from ..defaults import HISTORY_PATH, INT_LIMIT, KEEP_EVENTS, TREND
from ..model.compare import MEASURES, Samples
from ..model.derive import RunStats, fixture_entry
from ..model.run import INTEGER_COLUMNS, ROW_BYTES, TABLES, FormatError, Run, dumps_compact

#: The folder of the default history, which gets a ``.gitignore``.
DIRECTORY: Final = PurePosixPath(HISTORY_PATH).parent.name
#: ``PRAGMA application_id``: marks the file as ours ("FPrf").
APPLICATION_ID: Final = 0x46507266
#: Seconds a run waits, in all, for other processes writing the history.
BUSY_TIMEOUT: Final = 30.0
#: Seconds SQLite itself waits for a lock before the write transaction is retried.
LOCK_WAIT: Final = 5.0
SQLITE_HEADER: Final = b"SQLite format 3\x00"

#: The history's schema version and, per version, the statements that migrate the version
#: before it (``0``: an empty file) to it. Never edit a released version: add one.
#: (None is released yet: 0.1.0, not yet published, will ship version 2.)
SCHEMA_VERSION: Final = 2
MIGRATIONS: Final[dict[int, tuple[str, ...]]] = {
    # 1: runs (meta, totals, the run's data while recent) and per-definition statistics
    # and samples
    1: (
        f"PRAGMA application_id = {APPLICATION_ID}",
        """CREATE TABLE runs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL UNIQUE,
            started_at REAL, ended_at REAL, session_seconds REAL,
            git_commit TEXT, git_branch TEXT, git_dirty INTEGER,
            worker_count INTEGER, dist TEXT, tests INTEGER,
            selection TEXT NOT NULL, fingerprint TEXT NOT NULL,
            exit_status INTEGER,
            regressed INTEGER NOT NULL,
            accepted INTEGER NOT NULL DEFAULT 0,
            setups INTEGER NOT NULL, teardowns INTEGER NOT NULL, fixture_ns INTEGER NOT NULL,
            meta TEXT NOT NULL,
            fixtures BLOB NOT NULL,
            data BLOB
        )""",
        "CREATE INDEX runs_comparable ON runs (fingerprint, selection, seq)",
        """CREATE TABLE fixtures (
            seq INTEGER NOT NULL,
            key TEXT NOT NULL,
            name TEXT NOT NULL,
            setup BLOB NOT NULL, teardown BLOB NOT NULL,
            setup_cpu BLOB NOT NULL, teardown_cpu BLOB NOT NULL,
            PRIMARY KEY (seq, key)
        )""",
    ),
    # 2: a run's data is stored packed (see PACKED); the runs stored before keep theirs as
    # zlib-compressed JSON, which this version still reads. No table changes: a file of
    # version 1 is read as it is and marked at its first save (History._stamp).
    2: (),
}

#: The start of a run's data stored packed (schema 2), followed by the zlib stream of: the
#: JSON head's length (``<I``), the JSON head (the run in its format without its tables,
#: plus ``rows``, each table's number of rows, and the events' ``param_id`` when one is
#: set), and every integer column (``INTEGER_COLUMNS``) as little-endian array bytes.
#: Formatting each integer as JSON cost about 80 M instructions a 1,000-test run.
PACKED: Final = b"FPrun\x01"
_HEAD: Final = struct.Struct("<I")
_SWAP: Final = sys.byteorder != "little"

#: What makes two runs comparable, besides the same test selection: the meta keys of the
#: environment fingerprint.
FINGERPRINT_KEYS: Final = (
    "python_implementation", "python", "pytest_version", "xdist_version", "plugin_version",
    "plugins", "worker_count", "dist",
)  # fmt: skip

_RUN_COLUMNS: Final = (
    "seq", "run_id", "started_at", "ended_at", "session_seconds", "git_commit", "git_branch",
    "git_dirty", "worker_count", "dist", "tests", "selection", "fingerprint", "exit_status",
    "regressed", "setups", "teardowns", "fixture_ns", "data IS NOT NULL",
)  # fmt: skip


class HistoryError(Exception):
    """The history cannot be read or written (the message is one line)."""


class StoredRun(NamedTuple):
    """A run in the history (what ``fixture-perf runs`` lists)."""

    seq: int
    run_id: str
    started_at: float | None
    ended_at: float | None
    session_seconds: float | None
    git_commit: str | None
    git_branch: str | None
    git_dirty: bool | None
    worker_count: int | None
    dist: str | None
    tests: int | None
    selection: str
    fingerprint: str
    exit_status: int | None
    #: The regression gate failed this run: it is left out of later baselines (until
    #: ``fixture-perf accept``).
    regressed: bool
    setups: int
    teardowns: int
    fixture_ns: int
    has_events: bool

    def comparable(self, other: StoredRun | Comparability) -> bool:
        return (self.fingerprint, self.selection) == (other.fingerprint, other.selection)

    def as_dict(self) -> dict[str, Any]:
        return self._asdict()


class Comparability(NamedTuple):
    """What a run must share with another to be compared with it."""

    fingerprint: str
    selection: str

    @classmethod
    def of(cls, meta: dict[str, Any]) -> Comparability:
        environment = {key: meta.get(key) for key in FINGERPRINT_KEYS}
        text = json.dumps(environment, sort_keys=True, default=str)
        selection = _object(meta.get("selection"))
        return cls(
            hashlib.sha256(text.encode()).hexdigest()[:16],
            str(selection.get("digest") or ""),
        )


def pack(values: Sequence[int]) -> bytes:
    return struct.pack(f"<{len(values)}q", *values)


def unpack(blob: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(blob) // 8}q", blob))


class History:
    """One history file, open. ``create``: make it (and its folder) when missing."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        self._check_file(create)
        try:
            self.db = sqlite3.connect(str(path), timeout=LOCK_WAIT, isolation_level=None)
        except sqlite3.Error as exc:
            raise HistoryError(f"{path}: {exc}") from None
        try:
            self._migrate()
        except sqlite3.Error as exc:
            self.db.close()
            raise HistoryError(f"{path}: {exc}") from None
        except BaseException:
            self.db.close()
            raise

    # -- opening ---------------------------------------------------------------------------
    def _check_file(self, create: bool) -> None:
        path = self.path
        try:
            if path.is_dir():
                raise HistoryError(f"{path}: is a directory")
            if not path.exists():
                if not create:
                    raise HistoryError(f"{path}: no such history (run pytest first)")
                made = not path.parent.exists()
                path.parent.mkdir(parents=True, exist_ok=True)
                if made and path.parent.name == DIRECTORY:
                    (path.parent / ".gitignore").write_text(
                        "# Created by pytest-fixture-perf automatically.\n*\n"
                    )
                return
            if not path.is_file():
                raise HistoryError(f"{path}: not a regular file")
            with open(path, "rb") as handle:
                header = handle.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise HistoryError(f"{path}: {exc.strerror or exc}") from None
        if header and header != SQLITE_HEADER:
            raise HistoryError(f"{path}: not a SQLite database (left untouched)")

    def _migrate(self) -> None:
        """Make the file's schema this version's, unless the versions since its own only
        change what new rows hold: then it is read as it is (a read-only file too), and
        the first save marks it (:meth:`_stamp`)."""
        version, application = self._versions()
        self._check_not_newer(version)
        if version == SCHEMA_VERSION or (version and not _changes_tables(version)):
            return
        with self._transaction():
            version, application = self._versions()  # another process may have migrated
            if (version == 0 and self._has_tables()) or (version and application != APPLICATION_ID):
                raise HistoryError(f"{self.path}: not a pytest-fixture-perf history")
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[target]:
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {target}")

    def _stamp(self) -> None:
        """In the write transaction of a save: the file says it holds rows of this schema
        (which versions that read only older schemas then refuse, rather than misread)."""
        version, _ = self._versions()
        self._check_not_newer(version)
        if version < SCHEMA_VERSION:
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _check_not_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.path}: written by a newer pytest-fixture-perf (history schema "
                f"{version}; this version reads up to {SCHEMA_VERSION})"
            )

    def _versions(self) -> tuple[int, int]:
        try:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            application = self.db.execute("PRAGMA application_id").fetchone()[0]
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: {exc}") from None
        if version and application != APPLICATION_ID:
            raise HistoryError(f"{self.path}: not a pytest-fixture-perf history")
        return version, application

    def _has_tables(self) -> bool:
        count: int = self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        return count > 0

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction, retried while another process holds the file, for
        ``BUSY_TIMEOUT`` seconds in all."""
        deadline = time.monotonic() + BUSY_TIMEOUT
        attempt = 0
        while True:
            try:
                self.db.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:
                busy = "locked" in str(exc) or "busy" in str(exc)
                if not busy or time.monotonic() >= deadline:
                    raise HistoryError(f"{self.path}: {exc}") from None
                attempt += 1
                pause = (0.05 + os.getpid() % 10 / 40) * min(attempt, 4)  # spread out
                time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise HistoryError(f"{self.path}: {exc}") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _query(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        try:
            return self.db.execute(sql, parameters).fetchall()
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: {exc}") from None

    # -- writing ---------------------------------------------------------------------------
    def save(
        self, run: Run, stats: RunStats, *, keep_events: int = KEEP_EVENTS,
        regressed: bool = False,
    ) -> StoredRun | None:  # fmt: skip
        """Store ``run`` (None when a run of its ``run_id`` is stored already)."""
        meta = run.meta
        git = _object(meta.get("git"))
        comparability = Comparability.of(meta)
        total = stats.total
        data = packed(run) if keep_events > 0 else None
        entries = _compressed(
            [json.dumps([fixture_entry(f) for f in stats.fixtures], separators=(",", ":"))]
        )
        fixtures = [
            (f.definition.key, f.definition.name,
             *(pack(getattr(f.samples, attribute)) for _, attribute in MEASURES))
            for f in stats.fixtures
        ]  # fmt: skip
        try:
            with self._transaction():
                self._stamp()
                cursor = self.db.execute(
                    "INSERT INTO runs (run_id, started_at, ended_at, session_seconds, "
                    "git_commit, git_branch, git_dirty, worker_count, dist, tests, selection, "
                    "fingerprint, exit_status, regressed, setups, teardowns, fixture_ns, meta, "
                    "fixtures, data) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (run_id) DO NOTHING",
                    (
                        str(meta.get("run_id")), _float(meta.get("started_at")),
                        _float(meta.get("ended_at")), _float(meta.get("session_seconds")),
                        _text(git.get("commit")), _text(git.get("branch")),
                        None if git.get("dirty") is None else bool(git.get("dirty")),
                        _int(meta.get("worker_count")), _text(meta.get("dist")),
                        _int(_object(meta.get("selection")).get("tests")),
                        comparability.selection, comparability.fingerprint,
                        _int(meta.get("exit_status")), int(regressed), total.setups,
                        total.teardowns, total.total_ns, json.dumps(meta, default=str), entries,
                        data,
                    ),
                )  # fmt: skip
                if cursor.rowcount == 0:
                    return None
                seq = cursor.lastrowid
                self.db.executemany(
                    "INSERT INTO fixtures (seq, key, name, setup, teardown, setup_cpu, "
                    "teardown_cpu) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(seq, *row) for row in fixtures],
                )
                self.db.execute(
                    "UPDATE runs SET data = NULL WHERE data IS NOT NULL AND seq NOT IN "
                    "(SELECT seq FROM runs ORDER BY seq DESC LIMIT ?)",
                    (max(0, keep_events),),
                )
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: {exc}") from None
        assert seq is not None
        return self.run(str(seq))

    def accept(self, run: StoredRun) -> None:
        """Take ``run`` as the new baseline (its slowdown was meant): later runs are compared
        with it and the runs after it only."""
        try:
            with self._transaction():
                self.db.execute(
                    "UPDATE runs SET regressed = 0, accepted = 1 WHERE seq = ?", (run.seq,)
                )
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: {exc}") from None

    def prune(self, keep: int) -> int:
        """Remove all but the newest ``keep`` runs; how many were removed."""
        try:
            with self._transaction():
                doomed = "SELECT seq FROM runs ORDER BY seq DESC LIMIT -1 OFFSET ?"
                self.db.execute(f"DELETE FROM fixtures WHERE seq IN ({doomed})", (keep,))
                removed = self.db.execute(f"DELETE FROM runs WHERE seq IN ({doomed})", (keep,))
                count = removed.rowcount
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: {exc}") from None
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("VACUUM")
        return count

    # -- reading ---------------------------------------------------------------------------
    def runs(self, *, limit: int | None = None) -> list[StoredRun]:
        """Stored runs, oldest first (the newest ``limit`` when given)."""
        rows = self._query(
            f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs ORDER BY seq DESC LIMIT ?",
            (-1 if limit is None else limit,),
        )
        return [_stored(row) for row in reversed(rows)]

    def run(self, ref: str, *, git_cwd: Path | None = None, baseline: bool = False) -> StoredRun:
        """The run ``ref`` names: ``last``, its number, a prefix of its run id, a branch
        (its latest run) or a git revision (the latest run of that commit). As a
        ``baseline``, ``last`` is the latest run the gate did not fail."""
        select = f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs"
        ref = ref.strip()
        queries: list[tuple[str, tuple[Any, ...]]] = []
        if ref == "last":  # as a baseline: the latest run the gate did not fail
            where = "WHERE regressed = 0" if baseline else ""
            queries.append((f"{select} {where} ORDER BY seq DESC LIMIT 1", ()))
        if ref.isdigit() and int(ref) <= INT_LIMIT:
            queries.append((f"{select} WHERE seq = ?", (int(ref),)))
        latest = "ORDER BY seq DESC LIMIT 1"
        if len(ref) >= 4 and all(c in "0123456789abcdef" for c in ref.lower()):
            prefix = ref.lower() + "%"
            queries.append((f"{select} WHERE run_id LIKE ? ORDER BY seq DESC", (prefix,)))
            queries.append((f"{select} WHERE git_commit LIKE ? {latest}", (prefix,)))
        queries.append((f"{select} WHERE git_branch = ? {latest}", (ref,)))
        for sql, parameters in queries:
            rows = self._query(sql, parameters)
            if len(rows) > 1 and "run_id LIKE" in sql:
                raise HistoryError(f"run {ref!r} is ambiguous: {len(rows)} run ids start with it")
            if rows:
                return _stored(rows[0])
        commit = _git_commit(ref, git_cwd) if git_cwd is not None else None
        if commit:
            rows = self._query(f"{select} WHERE git_commit = ? {latest}", (commit,))
            if rows:
                return _stored(rows[0])
        raise HistoryError(f"no stored run matches {ref!r} (see `fixture-perf runs`)")

    def window(
        self, like: StoredRun | Comparability, size: int, *, up_to: int | None = None
    ) -> list[StoredRun]:
        """The newest ``size`` runs comparable to ``like`` (up to run ``up_to``, which is
        always in), oldest first; runs the gate failed are left out, and runs before the
        newest accepted one (``accept``: a new baseline)."""
        rows = self._query(
            f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs WHERE fingerprint = ?1 AND "
            "selection = ?2 AND seq <= ?3 AND (regressed = 0 OR seq = ?4) AND seq >= "
            "(SELECT coalesce(max(seq), 0) FROM runs WHERE accepted = 1 AND "
            " fingerprint = ?1 AND selection = ?2 AND seq <= ?3) "
            "ORDER BY seq DESC LIMIT ?5",
            (
                like.fingerprint,
                like.selection,
                INT_LIMIT if up_to is None else up_to,
                -1 if up_to is None else up_to,
                size,
            ),
        )
        return [_stored(row) for row in reversed(rows)]

    def samples(self, runs: Sequence[StoredRun]) -> dict[str, Samples]:
        """Each definition's per-setup durations over ``runs``, pooled."""
        pooled: dict[str, Samples] = {}
        marks = ", ".join("?" * len(runs))
        rows = self._query(
            f"SELECT key, name, setup, teardown, setup_cpu, teardown_cpu FROM fixtures "
            f"WHERE seq IN ({marks}) ORDER BY seq",
            [r.seq for r in runs],
        )
        for key, name, setup, teardown, setup_cpu, teardown_cpu in rows:
            samples = pooled.get(key)
            if samples is None:
                samples = pooled[key] = Samples(name)
            samples.pool(
                Samples(name, unpack(setup), unpack(teardown), unpack(setup_cpu),
                        unpack(teardown_cpu))
            )  # fmt: skip
        return pooled

    def fixtures(self, run: StoredRun) -> list[dict[str, Any]]:
        """The run's fixture entries (the JSON file's), costliest first."""
        rows = self._query("SELECT fixtures FROM runs WHERE seq = ?", (run.seq,))
        try:
            entries = json.loads(zlib.decompress(rows[0][0])) if rows else []
        except (zlib.error, ValueError) as exc:
            raise HistoryError(f"{self.path}: run {run.seq} is damaged: {exc}") from None
        return list(entries)

    def meta(self, run: StoredRun) -> dict[str, Any]:
        rows = self._query("SELECT meta FROM runs WHERE seq = ?", (run.seq,))
        return dict(json.loads(rows[0][0])) if rows else {}

    def load(self, run: StoredRun) -> Run:
        """The run itself, with its events (kept for the newest ``keep_events`` runs)."""
        rows = self._query("SELECT data FROM runs WHERE seq = ?", (run.seq,))
        if not rows or rows[0][0] is None:
            raise HistoryError(
                f"run {run.seq} kept its statistics only (events are kept for the newest "
                "fixture_perf_keep_events runs)"
            )
        data = rows[0][0]
        try:
            if not isinstance(data, bytes):
                raise FormatError(f"its data is {type(data).__name__}, not bytes")
            if data.startswith(PACKED):
                return unpacked(data)
            return Run.from_json(zlib.decompress(data))  # stored by schema 1
        except (zlib.error, FormatError, MemoryError) as exc:
            problem = "too large to read" if isinstance(exc, MemoryError) else exc
            raise HistoryError(f"{self.path}: run {run.seq} is damaged: {problem}") from None


def trend(history: History, run: Run, stats: RunStats, size: int) -> dict[str, Any]:
    """Each fixture's mean setup time (seconds) over the newest ``size`` stored runs before
    ``run`` (before its own number when it is stored) and ``run`` (last): ``{"runs":
    [{"seq", "started_at", "commit"}...], "fixtures": {key: [mean or None, one per run]}}``."""
    every = history.runs()
    this = next((r.seq for r in every if r.run_id == run.meta.get("run_id")), None)
    stored = [r for r in every if this is None or r.seq < this][-size:] if size else []
    git = run.meta.get("git") or {}
    points = [{"seq": r.seq, "started_at": r.started_at, "commit": r.git_commit} for r in stored]
    points.append({"seq": None, "started_at": run.meta.get("started_at"),
                   "commit": git.get("commit")})  # fmt: skip
    series: dict[str, list[float | None]] = {}
    n = len(points)
    for i, stored_run in enumerate(stored):
        for entry in history.fixtures(stored_run):
            series.setdefault(entry["key"], [None] * n)[i] = entry["setup"]["mean"]
    for f in stats.fixtures:
        series.setdefault(f.definition.key, [None] * n)[-1] = f.setup["mean"]
    return {"runs": points, "fixtures": series}


def read_trend(path: Path, run: Run, stats: RunStats, size: int = TREND) -> dict[str, Any] | None:
    """:func:`trend` from the history at ``path``; None when there is none yet
    (HistoryError when it cannot be read)."""
    if not path.exists():
        return None
    with History(path, create=False) as history:
        return trend(history, run, stats, size)


def packed(run: Run) -> bytes:
    """``run`` as stored (``PACKED``)."""
    head = run.to_dict(tables=False)
    head["rows"] = [len(getattr(run, table)) for table in TABLES]
    param_ids = run.events.param_id
    if param_ids.count(None) != len(param_ids):
        head["param_id"] = param_ids
    text = dumps_compact(head).encode()
    compressor = zlib.compressobj(1)  # fast: a run can hold millions of values
    out = [PACKED, compressor.compress(_HEAD.pack(len(text))), compressor.compress(text)]
    for table, integers in INTEGER_COLUMNS.items():
        rows = getattr(run, table)
        for name, _, _ in integers:
            column = getattr(rows, name)
            if _SWAP:
                column = array(column.typecode, column)
                column.byteswap()
            out.append(compressor.compress(column))
    out.append(compressor.flush())
    return b"".join(out)


def unpacked(data: bytes) -> Run:
    """The run stored as ``data`` (``PACKED``), checked as any document of the format
    (``FormatError`` when it is damaged). Never more is decompressed than the layout
    says the run holds."""
    stream = zlib.decompressobj()
    try:
        tail = memoryview(data)[len(PACKED) :]
        (size,) = _HEAD.unpack(_inflate(stream, tail, _HEAD.size))
        head = json.loads(_inflate(stream, stream.unconsumed_tail, size))
    except (zlib.error, ValueError, RecursionError) as exc:
        raise FormatError(f"not a packed run: {exc}") from None
    rows = head.pop("rows", None) if type(head) is dict else None
    if (
        type(rows) is not list or len(rows) != len(TABLES)
        or any(type(n) is not int or n < 0 for n in rows)
    ):  # fmt: skip
        raise FormatError("rows: expected the number of rows of each table")
    try:
        body_size = sum(map(operator.mul, rows, ROW_BYTES.values()))
        body = _inflate(stream, stream.unconsumed_tail, body_size)
        if stream.decompress(stream.unconsumed_tail, 1) or not stream.eof or stream.unused_data:
            raise FormatError("more bytes than the tables' rows need")
    except zlib.error as exc:
        raise FormatError(f"not a packed run: {exc}") from None
    position = 0
    param_ids = head.pop("param_id", None)
    for (table, columns), n in zip(TABLES.items(), rows, strict=True):
        integers = iter(INTEGER_COLUMNS[table])
        section: dict[str, Any] = {"rows": n}
        for column in columns:
            if column == "param_id":
                section[column] = param_ids  # None: none set (one value for every row)
                continue
            _, code, item = next(integers)
            values = array(code)
            values.frombytes(body[position : position + n * item])
            if _SWAP:
                values.byteswap()
            section[column] = values.tolist()
            position += n * item
        head[table] = section
    return Run.from_dict(head)


def _inflate(stream: Any, data: bytes | memoryview, size: int) -> bytes:
    """Exactly ``size`` bytes more of a zlib ``stream`` fed ``data`` (``FormatError`` when
    it holds fewer): a damaged file cannot make it inflate more."""
    out = stream.decompress(data, size) if size else b""
    if len(out) != size:
        raise FormatError("cut short: fewer bytes than its layout says")
    return out


def _changes_tables(version: int) -> bool:
    """Whether a schema after ``version`` changes the tables (not only what rows hold)."""
    return any(MIGRATIONS[target] for target in range(version + 1, SCHEMA_VERSION + 1))


def _compressed(pieces: Iterable[str]) -> bytes:
    """The pieces of a text, UTF-8 and zlib-compressed as they come (a run's format can be
    too large to hold as one string)."""
    compressor = zlib.compressobj(1)  # fast: a run can hold millions of values
    out = [compressor.compress(piece.encode()) for piece in pieces]
    out.append(compressor.flush())
    return b"".join(out)


def _stored(row: Sequence[Any]) -> StoredRun:
    values = list(row)
    values[7] = None if values[7] is None else bool(values[7])
    values[14] = bool(values[14])
    values[-1] = bool(values[-1])
    return StoredRun(*values)


def _int(value: object) -> int | None:
    """An integer from a run's meta, or None (meta may come from any JSON file)."""
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > INT_LIMIT:
        return None
    return value


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if abs(value) < 1e300 else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _git_commit(ref: str, cwd: Path) -> str | None:
    """The commit a git revision names in the checkout at ``cwd``, or None."""
    if ref.startswith("-"):
        return None
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
            cwd=cwd, capture_output=True, text=True, timeout=5, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None
