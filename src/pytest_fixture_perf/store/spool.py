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

Making a record costs a few array slices and a small JSON object, less than half of a JSON
fragment (which formats every integer). :class:`SpoolReader` makes the records into
documents of the run format, ``CHUNK`` records each, which the controller checks and
merges one by one like any other. A record cut short or malformed ends the reading; a
document refused is taken record by record up to the refused one: what precedes is kept,
and the problem is said.
"""

from __future__ import annotations

import json
import os
import struct
from array import array
from collections.abc import Callable, Iterator
from itertools import repeat
from json.scanner import make_scanner
from operator import add, mul
from pathlib import Path
from typing import Any, Final, NamedTuple

from ..model.run import (
    FORMAT_VERSION,
    INTEGER_COLUMNS,
    ROW_BYTES,
    TABLES,
    FormatError,
    Mark,
    Run,
    dumps_compact,
    typecode,
)

#: The spool of the ``{number}``-th worker the controller started, in the per-run folder
#: (numbered: a gateway id is the user's to choose, ``--tx=popen//id=...``, and is no
#: file name).
FILENAME: Final = "spool-{number}.bin"

_FRAME: Final = struct.Struct("<II")

assert [(t, c) for t, cs in TABLES.items() for c, k in cs.items() if not typecode(k)] == [
    ("events", "param_id")
]
assert list(TABLES) == ["events", "test_runs", "uses"]
#: per table, the bytes of a row of all its integer columns
_EVENT_BYTES, _RUN_BYTES, _USE_BYTES = ROW_BYTES.values()

#: Flags for creating a spool: a new file (never one already there, never through a link),
#: binary (Windows would otherwise write each newline byte as two), kept from child
#: processes.
_FLAGS: Final = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_BINARY", 0)
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
        self.records = 0  # written

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
        for (table, integers), start, end in zip(INTEGER_COLUMNS.items(), since, now, strict=False):
            if end > start:
                rows = getattr(run, table)
                columns += [getattr(rows, name)[start:end].tobytes() for name, _, _ in integers]
        text = dumps_compact(header).encode()
        body = b"".join(columns)
        self._write(b"".join((_FRAME.pack(len(text), len(body)), text, body)))
        self._workers = len(run.workers)
        self.records += 1
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


#: Records a document of :class:`SpoolReader` holds at most (a worker's run can be large:
#: its documents are merged one by one).
CHUNK: Final = 4096


class Record(NamedTuple):
    """A record's header, checked, and where its columns start."""

    rows: list[int]  # new rows of each table
    param_ids: list[str | None]
    definitions: list[Any]
    tests: list[Any]
    workers: list[Any]
    body: int


class SpoolReader:
    """Reads a spool (``OSError`` when it cannot be): iterate for its records in groups of
    at most ``chunk``; :meth:`document` makes a group into a document of the run format,
    numbered as ``sender``'s run, continuing the documents made before it. A record cut
    short or malformed ends the iteration and is said in ``problem``: the records before
    it are all there is."""

    def __init__(self, path: Path, sender: str, chunk: int = CHUNK) -> None:
        self.sender = sender
        self.chunk = chunk
        self.problem: FormatError | None = None
        self.records = 0  # read whole, so far
        self._path = path
        self._data = path.read_bytes()
        self._listed = [0, 0]  # definitions and tests the documents made so far listed
        self._workers: list[Any] = []

    def __iter__(self) -> Iterator[list[Record]]:
        data, offset, group = self._data, 0, []
        while offset < len(data):
            try:
                record, end = _record(data, offset)
            except FormatError as exc:
                self.problem = FormatError(f"spool {self._path}: record at byte {offset}: {exc}")
                break
            group.append(record)
            self.records += 1
            offset = end
            if len(group) == self.chunk:
                yield group
                group = []
        if group:
            yield group

    def document(self, records: list[Record]) -> dict[str, Any]:
        """``records`` as one document, numbered after the documents made before it.

        A column's values lie in every record, one piece each, where the record's earlier
        columns end: the pieces' bounds are computed for all records at once, column by
        column, and the pieces joined in C."""
        data = self._data
        param_ids: list[str | None] = []
        definitions: list[Any] = []
        tests: list[Any] = []
        for record in records:
            param_ids += record.param_ids
            definitions += record.definitions
            tests += record.tests
            if record.workers:
                self._workers = record.workers
        document: dict[str, Any] = {
            "schema_version": FORMAT_VERSION,
            "sender": self.sender,
            "offsets": list(self._listed),
            "workers": self._workers,
            "definitions": definitions,
            "tests": tests,
        }
        self._listed[0] += len(definitions)
        self._listed[1] += len(tests)
        starts = [record.body for record in records]  # of the next column, in each record
        rows_by_table = list(zip(*(record.rows for record in records), strict=True))
        if not records:
            rows_by_table = [()] * len(TABLES)
        for (table, columns), rows in zip(TABLES.items(), rows_by_table, strict=True):
            integers = iter(INTEGER_COLUMNS[table])
            section: list[Any] = [sum(rows)]
            for column in columns:
                if column == "param_id":
                    section.append(param_ids)
                    continue
                _, code, size = next(integers)
                ends = list(map(add, starts, map(mul, rows, repeat(size))))
                values = array(code)
                values.frombytes(b"".join(map(data.__getitem__, map(slice, starts, ends))))
                section.append(values)
                starts = ends
            document[table] = section
        return document

    def refused(self, document: dict[str, Any]) -> None:
        """``document`` was not taken: the next one is numbered as if it had not been made."""
        self._listed[0] -= len(document["definitions"])
        self._listed[1] -= len(document["tests"])


def _record(data: bytes, offset: int) -> tuple[Record, int]:
    """The record at ``offset``, checked, and the offset of the next one."""
    if offset + _FRAME.size > len(data):
        raise FormatError("cut short")
    text_size, body_size = _FRAME.unpack_from(data, offset)
    start = offset + _FRAME.size
    body = start + text_size
    end = body + body_size
    if end > len(data):
        raise FormatError("cut short")
    try:
        header = _json(data[start:body].decode())
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
    return Record(rows, ids, definitions, tests, workers, body), end


#: JSON's own scanner (a decoder's), called directly: a record's header is small, and
#: ``json.loads`` costs twice its parse in the calls around the scanner.
#: (typeshed types make_scanner's argument as the scanner itself: hence the ignore)
_SCAN: Final[Callable[[str, int], tuple[Any, int]]] = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def _json(text: str) -> Any:
    """``text`` as JSON: what ``json.loads`` gives (the writer's compact form through the
    scanner alone, anything else through ``json.loads``, which raises what is wrong)."""
    try:
        value, end = _SCAN(text, 0)
    except (StopIteration, ValueError):
        return json.loads(text)
    if end != len(text):
        return json.loads(text)
    return value
