"""A local xdist worker's spool: what it records, appended to a file test by test.

A worker that can write to the per-run folder (``folder.py``; popen workers, which share
the controller's filesystem) appends each test's records here, and sends the controller
only its final state, in ``workeroutput``. The controller reads the spool when the worker
is down, whether it finished or crashed: every test that ended before a crash is in it.

A spool is a series of records, one per fragment of the run (what the worker's run gained
since the previous one, numbered as in the worker's run), each written with one
``os.write`` as soon as it is made, so it is in the operating system's hands before the
next test starts:

* 8 bytes: the lengths of the two parts below (``<II``);
* a JSON object: ``rows`` (the number of new rows of each table, in the order of
  ``TABLES``), the new ``definitions`` and ``tests`` (as in a fragment of the run format),
  ``param_id`` when a new event has one, and ``workers`` when the run's workers changed;
* every integer column of each table (``TABLES``' order), the new rows' values as the
  machine's native array bytes (the file never leaves the machine that wrote it).

Making a record costs a few array slices and a small JSON object, about a fifth of a JSON
fragment (which formats every integer); reading it, a few ``frombytes``. :func:`read`
turns a spool into one document of the run format, which the controller checks whole
like any other. A record cut short or malformed ends the reading: what precedes it is
kept, and the problem is said.
"""

from __future__ import annotations

import json
import os
import struct
from array import array
from pathlib import Path
from typing import Any, Final

from ..model.run import FORMAT_VERSION, TABLES, FormatError, Mark, Run, dumps_compact, typecode

#: The spool of the ``{number}``-th worker the controller started, in the per-run folder
#: (numbered: a gateway id is the user's to choose, ``--tx=popen//id=...``, and is no
#: file name).
FILENAME: Final = "spool-{number}.bin"

_FRAME: Final = struct.Struct("<II")

#: per table: its integer columns, with their array typecodes, in the format's order
_INTEGERS: Final = {
    table: [(column, code) for column, kind in columns.items() if (code := typecode(kind))]
    for table, columns in TABLES.items()
}
_NAMES: Final = {table: [column for column, _ in columns] for table, columns in _INTEGERS.items()}
_STRINGS: Final = {
    table: [column for column, kind in columns.items() if typecode(kind) is None]
    for table, columns in TABLES.items()
}
assert all(strings in ([], ["param_id"]) for strings in _STRINGS.values())

#: Flags for creating a spool: a new file (never one already there, never through a link),
#: kept from child processes.
_FLAGS: Final = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND
    | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)  # fmt: skip


def path_for(folder: Path, number: int) -> Path:
    return folder / FILENAME.format(number=number)


class SpoolWriter:
    """Appends a run's records to a new spool file (``OSError`` when it cannot be made)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = os.open(path, _FLAGS, 0o600)
        self._workers = 0  # how many of the run's workers the spool has named

    def append(self, run: Run, since: Mark) -> Mark:
        """Write what ``run`` gained since ``since`` (nothing when it gained nothing), as
        one record; return the mark the next record starts from. ``OSError`` when it
        could not be written whole."""
        now = run.mark()
        if now == since and len(run.workers) == self._workers:
            return since
        header: dict[str, Any] = {"rows": [now[0] - since[0], now[1] - since[1],
                                           now[2] - since[2]]}  # fmt: skip
        if now.definitions > since.definitions:
            header["definitions"] = [d.as_dict() for d in run.definitions[since.definitions :]]
        if now.tests > since.tests:
            header["tests"] = run.tests[since.tests :]
        if len(run.workers) != self._workers:
            header["workers"] = [w.as_dict() for w in run.workers]
        param_ids = run.events.param_id[since.events : now.events]
        if param_ids.count(None) != len(param_ids):
            header["param_id"] = param_ids
        columns: list[bytes] = []
        for (table, names), start, end in zip(_NAMES.items(), since, now, strict=False):
            if end > start:
                rows = getattr(run, table)
                columns += [getattr(rows, name)[start:end].tobytes() for name in names]
        text = dumps_compact(header).encode()
        body = b"".join(columns)
        self._write(b"".join((_FRAME.pack(len(text), len(body)), text, body)))
        self._workers = len(run.workers)
        return now

    def _write(self, data: bytes) -> None:
        if self._fd is None:
            raise OSError(f"{self.path}: spool closed")
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


def read(path: Path, sender: str) -> tuple[dict[str, Any] | None, FormatError | None]:
    """The spool at ``path`` as one document of the run format, numbered as ``sender``'s
    run from its start (None when the spool is missing or empty), and what ended the
    reading early (a record cut short or malformed: the records before it are in the
    document). ``OSError`` when the file cannot be read."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, None
    reading = _Reading(data)
    problem = None
    while reading.offset < len(data):
        try:
            reading.record()
        except FormatError as exc:
            problem = FormatError(f"spool {path}: record at byte {reading.offset}: {exc}")
            break
    if not any(reading.counts) and not reading.workers:
        return None, problem
    document: dict[str, Any] = {
        "schema_version": FORMAT_VERSION,
        "sender": sender,
        "offsets": [0, 0],
        "workers": reading.workers,
        "definitions": reading.definitions,
        "tests": reading.tests,
    }
    for (table, columns), count, parts in zip(
        TABLES.items(), reading.counts, reading.parts, strict=True
    ):
        integers = iter(zip(_INTEGERS[table], parts, strict=True))
        section: list[Any] = [count]
        for column in columns:
            if column == "param_id":
                section.append(reading.param_ids)
            else:
                (_, code), pieces = next(integers)
                values = array(code)
                values.frombytes(b"".join(pieces))
                section.append(values.tolist())
        document[table] = section
    return document, problem


#: per table, the bytes of a row of each integer column
_SIZES: Final = [[array(code).itemsize for _, code in columns] for columns in _INTEGERS.values()]
_EVENT_BYTES, _RUN_BYTES, _USE_BYTES = (sum(sizes) for sizes in _SIZES)
assert list(TABLES) == ["events", "test_runs", "uses"]


class _Reading:
    """A spool being read: what its whole records held so far."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0
        self.counts = [0] * len(TABLES)
        #: per table, per integer column: the records' bytes
        self.parts: list[list[list[bytes]]] = [[[] for _ in sizes] for sizes in _SIZES]
        self.param_ids: list[str | None] = []
        self.definitions: list[Any] = []
        self.tests: list[Any] = []
        self.workers: list[Any] = []

    def record(self) -> None:
        """Take the record at ``offset`` (all of it or, on FormatError, none of it)."""
        data, offset = self.data, self.offset
        if offset + _FRAME.size > len(data):
            raise FormatError("cut short")
        text_size, body_size = _FRAME.unpack_from(data, offset)
        start = offset + _FRAME.size
        body = start + text_size
        end = body + body_size
        if end > len(data):
            raise FormatError("cut short")
        try:
            header = json.loads(data[start:body].decode())
        except (ValueError, RecursionError) as exc:  # (UnicodeDecodeError is a ValueError)
            raise FormatError(f"not JSON: {exc}") from None
        rows = header.get("rows") if type(header) is dict else None
        if type(rows) is not list or len(rows) != 3:
            raise FormatError("rows: expected the number of new rows of each table")
        events, runs, uses = rows
        if not (type(events) is type(runs) is type(uses) is int and min(rows) >= 0):
            raise FormatError("rows: expected the number of new rows of each table")
        if body_size != events * _EVENT_BYTES + runs * _RUN_BYTES + uses * _USE_BYTES:
            raise FormatError("columns: not as many bytes as the rows need")
        ids = header.get("param_id")
        if ids is None:
            ids = [None] * events
        definitions = header.get("definitions", [])
        tests = header.get("tests", [])
        workers = header.get("workers", [])
        if (
            type(ids) is not list or len(ids) != events or type(definitions) is not list
            or type(tests) is not list or type(workers) is not list
        ):  # fmt: skip
            raise FormatError("param_id, definitions, tests and workers are lists")
        position = body
        for n, sizes, parts in zip(rows, _SIZES, self.parts, strict=False):
            if n:
                for item, pieces in zip(sizes, parts, strict=False):
                    end_of_column = position + n * item
                    pieces.append(data[position:end_of_column])
                    position = end_of_column
        counts = self.counts
        counts[0] += events
        counts[1] += runs
        counts[2] += uses
        self.param_ids += ids
        self.definitions += definitions
        self.tests += tests
        if workers:
            self.workers = workers
        self.offset = end
