"""Reading documents of the run format into a :class:`~pytest_fixture_perf.model.run.Run`.

:class:`Intake` takes documents one by one and merges them into a run in batches. The
controller of a large xdist run receives hundreds of thousands of small fragments, so the
work per document is kept to the minimum (parse it, check its shape, note what it adds to
its sender's numbering) and each column of a batch is then put together, checked and
translated into the run's numbering at once.

Every document is checked whole; one with anything wrong is left out whole, with a one-line
:class:`FormatError`, and the others are merged. A run never holds part of a document.
"""

from __future__ import annotations

import json
import struct
from array import array
from collections.abc import Callable, Mapping
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any, Final

from .run import (
    FORMAT_VERSION,
    NONE,
    SCOPES,
    TABLES,
    Definition,
    FormatError,
    Worker,
    typecode,
)

if TYPE_CHECKING:
    from .run import Run

#: Rules for numeric meta values that two merged runs both have. Otherwise two values that
#: differ keep the smaller (in JSON text order): deterministic, whatever the merge order.
META_RULES: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "started_at": min,
    "ended_at": max,
    "session_seconds": max,
}

#: How many documents an intake holds before merging them.
BATCH = 1000

_WORKER_FIELDS: Final = frozenset(Worker.FIELDS)
_DEFINITION_FIELDS: Final = Definition.FIELDS
_INT_MIN: Final = -(2**63)
_INT_MAX: Final = 2**63 - 1
_STRINGS: Final = frozenset({str, type(None)})
_MISSING: Final = object()
_SEQUENCES: Final = frozenset({list, array})
#: Every byte, in order.
_BYTES: Final = bytes(range(256))
#: The unsigned array type of each signed one of the same size.
_UNSIGNED: Final = {"b": "B", "h": "H", "i": "I", "l": "L", "q": "Q"}
#: In a sender's numbering: what a document that never came added.
_GONE: Final = -2

#: per table, per column in order: (name, array typecode or None for strings, the table
#: it indexes or None, number of codes of an enum column or 0)
_PLANS: Final = {
    table: [
        (column, typecode(kind), kind if kind in ("worker", "definition", "test") else None,
         int(kind[5:]) if kind.startswith("enum:") else 0)
        for column, kind in columns.items()
    ]
    for table, columns in TABLES.items()
}  # fmt: skip

# A numbering: the run's ids of a document's (or a sender's) workers, definitions and
# tests, by their position there.
Numbering = tuple[list[int], list[int], list[int]]


def loads(text: str | bytes) -> object:
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError) as exc:
        raise FormatError(f"not JSON: {exc}") from None


class Intake:
    """Documents of the format, checked and merged into ``run`` in batches."""

    def __init__(self, run: Run) -> None:
        self.run = run
        #: Documents added and not yet merged (as JSON text where given so).
        self.pending: list[object] = []
        #: What went wrong with the documents left out.
        self.errors: list[FormatError] = []
        self._clear()

    def _clear(self) -> None:
        self._meta: list[dict[str, Any]] = []
        self._workers: list[Worker] = []  # to merge, in order (new ones first seen in order)
        self._new_workers: dict[str, int] = {}
        self._definitions: list[Definition] = []
        self._new_definitions: dict[str, int] = {}
        self._new_tests: dict[str, int] = {}
        #: numbering (by id) -> (numbering, table -> sections as [rows, *columns])
        self._groups: dict[int, tuple[Numbering, dict[str, list[list[Any]]]]] = {}
        #: sender -> its numbering's lengths before this batch (to undo a failed batch)
        self._senders: dict[str, tuple[int, int, int]] = {}

    def add_json(self, text: str | bytes) -> None:
        """Add a document given as JSON text (a malformed one is noted in ``errors``)."""
        try:
            self.add(loads(text), source=text)
        except FormatError as exc:
            self.errors.append(exc)

    def add(self, document: object, *, source: str | bytes | None = None) -> None:
        """Check ``document`` and hold it for the next merge; raise :class:`FormatError`
        (holding none of it) when anything is wrong. ``source``, its JSON text, is what is
        kept in case the batch must be merged document by document (parsed documents kept
        for long would cost the garbage collector dearly)."""
        if not isinstance(document, Mapping):
            raise FormatError(f"expected a JSON object, got {type(document).__name__}")
        version = document.get("schema_version")
        if version != FORMAT_VERSION:
            raise FormatError(
                f"unsupported schema_version {version!r}: this version of "
                f"pytest-fixture-perf reads version {FORMAT_VERSION}"
            )
        meta = document.get("meta", {})
        if not isinstance(meta, dict):
            raise FormatError("meta: expected an object")
        sections = {}
        for table, plan in _PLANS.items():
            section = document.get(table)
            if section is not None:
                sections[table] = _section(section, table, plan)
        workers = _list(document, "workers")
        definitions = [_definition(value) for value in _list(document, "definitions")]
        tests = _list(document, "tests")
        if not set(map(type, tests)) <= {str}:
            raise FormatError("tests: expected strings")
        sender = document.get("sender")
        if sender is None:  # numbered from 0 in this document
            numbering: Numbering = ([], [], [])
        else:  # numbered by its sender, continuing the sender's earlier documents
            numbering = self._numbering(sender, document.get("offsets"), workers)
        # Checked: from here on nothing can fail. Note what is new, in the numbering.
        if meta:
            self._meta.append(meta)
        self._add_workers(workers, numbering[0])
        self._add_definitions(definitions, numbering[1])
        self._add_tests(tests, numbering[2])
        group = self._groups.get(id(numbering))
        if group is None:
            group = self._groups[id(numbering)] = (numbering, {})
        held = group[1]
        for table, section in sections.items():
            held.setdefault(table, []).append(section)
        self.pending.append(document if source is None else source)
        if len(self.pending) >= BATCH:
            self.merge()

    def _numbering(self, sender: object, offsets: object, workers: list[Any]) -> Numbering:
        """The sender's numbering (kept by the run across documents), which a document
        numbered from ``offsets`` continues."""
        if type(sender) is not str:
            raise FormatError("sender: expected a string")
        numbering = self.run._senders.get(sender)
        if numbering is None:
            numbering = self.run._senders[sender] = ([], [], [])
        known = [len(numbering[1]), len(numbering[2])]
        if (
            type(offsets) is not list
            or len(offsets) != 2
            or not all(type(n) is int and n >= k for n, k in zip(offsets, known, strict=True))
        ):
            raise FormatError(
                f"offsets {offsets!r} of sender {sender!r}: expected at least {known} (a "
                "document of that sender came twice or out of order)"
            )
        if len(workers) < len(numbering[0]):
            raise FormatError(f"workers: sender {sender!r} named more workers before")
        if sender not in self._senders:
            self._senders[sender] = (len(numbering[0]), known[0], known[1])
        # What an earlier document of the sender added, if it never came (or was left
        # out): rows that refer to it are refused, the others are not affected.
        numbering[1].extend(repeat(_GONE, offsets[0] - known[0]))
        numbering[2].extend(repeat(_GONE, offsets[1] - known[1]))
        return numbering

    def _add_workers(self, values: list[Any], numbering: list[int]) -> None:
        """Workers of a checked document: merges to do, new ones numbered after the
        batch's; positions the numbering lacks are added to it."""
        known, batch = self.run._worker_ids, self._new_workers
        for position, value in enumerate(values):
            wid = value["id"]
            if len(value) > 1:
                self._workers.append(_worker(value))
            if position < len(numbering):
                continue
            index = known.get(wid)
            if index is None:
                index = batch.get(wid)
                if index is None:
                    index = batch[wid] = len(self.run.workers) + len(batch)
                    if len(value) == 1:
                        self._workers.append(Worker(wid))
            numbering.append(index)

    def _add_definitions(self, values: list[Definition], numbering: list[int]) -> None:
        known, batch = self.run._definition_ids, self._new_definitions
        for definition in values:
            self._definitions.append(definition)
            index = known.get(definition.key)
            if index is None:
                index = batch.get(definition.key)
                if index is None:
                    index = batch[definition.key] = len(self.run.definitions) + len(batch)
            numbering.append(index)

    def _add_tests(self, values: list[str], numbering: list[int]) -> None:
        known, batch = self.run._test_ids, self._new_tests
        for test in values:
            index = known.get(test)
            if index is None:
                index = batch.get(test)
                if index is None:
                    index = batch[test] = len(self.run.tests) + len(batch)
            numbering.append(index)

    def merge(self) -> None:
        """Merge what was added into the run."""
        if not self.pending:
            return
        try:
            columns = self._columns()
        except FormatError:  # something wrong that a batch shows: find the documents
            documents = self.pending
            self._undo()
            for document in documents:
                try:
                    self.add(loads(document) if isinstance(document, (str, bytes)) else document)
                    self._commit(self._columns())
                except FormatError as exc:
                    self.errors.append(exc)
                    self._undo()
            return
        self._commit(columns)

    def _undo(self) -> None:
        """Forget the batch, and what it added to its senders' numberings."""
        for sender, lengths in self._senders.items():
            for numbering, length in zip(self.run._senders[sender], lengths, strict=True):
                del numbering[length:]
        self.pending = []
        self._clear()

    def _columns(self) -> dict[tuple[str, str], Any]:
        """The batch's columns, put together from its documents and checked: as many
        values as rows, indexes into what their documents (or senders) numbered, integers
        in range, known codes, strings or null. (A column given as an array of its own
        type, as a spool's are, is in range by its type, and is kept an array.)"""
        held: dict[tuple[str, str], list[Any]] = {}  # each column's pieces
        for numbering, tables in self._groups.values():
            maps = dict(zip(("worker", "definition", "test"), numbering, strict=True))
            for table, sections in tables.items():
                counts, *given = zip(*sections, strict=True)  # column by column
                rows = sum(counts)
                for (column, code, index, _enum), parts in zip(_PLANS[table], given, strict=True):
                    values = _concatenate(parts, counts, code)
                    if len(values) != rows:
                        raise FormatError(f"{table}.{column}: not as many values as rows")
                    if index is not None and values:
                        values = _translate(values, maps[index], table, column, index)
                    held.setdefault((table, column), []).append(values)
        columns: dict[tuple[str, str], Any] = {}
        for (table, column), pieces in held.items():
            _name, code, _index, enum = next(p for p in _PLANS[table] if p[0] == column)
            if code is None:
                values = list(chain.from_iterable(pieces))
                if values.count(None) != len(values) and not set(map(type, values)) <= _STRINGS:
                    raise FormatError(f"{table}.{column}: expected strings or null")
                columns[(table, column)] = values
                continue
            checked = array(code)
            if all(type(piece) is array and piece.typecode == code for piece in pieces):
                for piece in pieces:
                    checked += piece
            else:
                values = list(chain.from_iterable(pieces))
                try:  # (a bool counts as an integer)
                    checked.frombytes(struct.pack(f"{len(values)}{code}", *values))
                except struct.error:
                    raise FormatError(f"{table}.{column}: expected integers in range") from None
            if enum and checked and not _codes_in_range(checked, enum):
                raise FormatError(f"{table}.{column}: codes out of 0..{enum - 1}")
            columns[(table, column)] = checked
        return columns

    def _commit(self, columns: dict[tuple[str, str], Any]) -> None:
        run = self.run
        current = run.meta
        for meta in self._meta:
            for key, value in meta.items():
                current[key] = (
                    _merge_meta_value(key, current[key], value) if key in current else value
                )
        for worker in self._workers:
            run.worker_id(worker)
        for definition in self._definitions:
            run.definition_id(definition)
        for test in self._new_tests:
            run.test_id(test)
        for (table, column), values in columns.items():
            getattr(getattr(run, table), column).extend(values)
        self.pending = []
        self._clear()


def _section(section: object, table: str, plan: list[Any]) -> list[Any]:
    """A table as ``[rows, *columns]`` (a column: a list of values, or one value for all)."""
    if type(section) is dict:  # {"rows": n, column: values, ...}
        missing = [column for column, *_ in plan if column not in section]
        if missing:
            raise FormatError(f"{table}.{missing[0]}: missing")
        section = [section.get("rows"), *(section[column] for column, *_ in plan)]
    elif type(section) is not list or len(section) != len(plan) + 1:
        raise FormatError(f"{table}: expected an object of columns or [rows, *columns]")
    rows = section[0]
    if type(rows) is not int or rows < 0:
        raise FormatError(f"{table}.rows: expected the number of rows")
    return section


def _concatenate(parts: tuple[Any, ...], counts: tuple[int, ...], code: str | None) -> Any:
    """One column of several sections, each a list, an array, or one value for its
    ``counts`` rows: an array when every part is an array of the column's ``code``, else
    a list."""
    kinds = set(map(type, parts))
    if kinds == {list}:
        return list(chain.from_iterable(parts))
    if kinds == {array} and all(part.typecode == code for part in parts):
        if len(parts) == 1:
            return parts[0]
        joined = array(code)  # type: ignore[arg-type]
        for part in parts:
            joined += part
        return joined
    if not kinds & _SEQUENCES:
        return list(chain.from_iterable(map(repeat, parts, counts)))
    pairs = zip(parts, counts, strict=True)
    return list(chain.from_iterable(p if type(p) in _SEQUENCES else repeat(p, n) for p, n in pairs))


def _codes_in_range(codes: array[int], enum: int) -> bool:
    """Whether every code is in ``0..enum - 1`` (one byte each: their bytes, less those
    that are such codes, are none)."""
    if codes.itemsize == 1 and enum <= 128:
        return not codes.tobytes().translate(None, _BYTES[:enum])
    return min(codes) >= 0 and max(codes) < enum


def _translate(values: Any, ids: list[int], table: str, column: str, index: str) -> Any:
    """Indexes into a document's (or its sender's) table, as the run's ids (an array of
    the same type for an array)."""
    translated: array[int] | list[int]
    try:
        if type(values) is array and values.typecode in _UNSIGNED:
            translated = _translate_array(values, ids, index)
        else:
            translated = _translate_list(values, ids, index)
    except (IndexError, TypeError, OverflowError):
        raise FormatError(f"{table}.{column}: no such {index}") from None
    if _GONE in ids and min(translated) == _GONE:
        raise FormatError(f"{table}.{column}: refers to a {index} of a document that is missing")
    return translated


def _translate_list(values: Any, ids: list[int], index: str) -> list[int]:
    low = min(values)
    if low >= 0:
        return [ids[i] for i in values]
    if low == NONE and index == "test":  # no test
        return [NONE if i == NONE else ids[i] for i in values]
    raise IndexError(low)


def _translate_array(values: array[int], ids: list[int], index: str) -> array[int]:
    """As :func:`_translate_list`, in C: the values read as unsigned, a negative one is
    beyond ``ids`` (an IndexError) and sends the column to the list's way."""
    code = values.typecode
    if index == "worker" and values.count(values[0]) == len(values):  # (a spool's document)
        if values[0] < 0:
            raise IndexError(values[0])
        return array(code, [ids[values[0]]]) * len(values)
    translated = array(code)
    try:  # (``fromlist`` is about twice as fast as ``array(code, iterable)``)
        translated.fromlist(list(map(ids.__getitem__, array(_UNSIGNED[code], values.tobytes()))))
    except IndexError:  # out of range, or "no test"
        translated.fromlist(_translate_list(values, ids, index))
    return translated


def _list(document: Mapping[str, Any], key: str) -> list[Any]:
    value = document.get(key, [])
    if not isinstance(value, list):
        raise FormatError(f"{key}: expected a list")
    if key == "workers":
        for item in value:
            if type(item) is not dict or type(item.get("id")) is not str:
                raise FormatError("workers: expected objects with a string id")
            if len(item) > 1:
                _worker(item)
    return value


def _worker(value: dict[str, Any]) -> Worker:
    known = {k: v for k, v in value.items() if k in _WORKER_FIELDS}
    for name in ("pid", "anchor_ns", "open_setups"):
        v = known.get(name)
        if v is not None and (type(v) is not int or not _INT_MIN <= v <= _INT_MAX):
            raise FormatError(f"workers: {name} must be an integer or null")
    for name in ("host", "lost", "tracking_error"):
        v = known.get(name)
        if v is not None and type(v) is not str:
            raise FormatError(f"workers: {name} must be a string or null")
    if type(known.get("finished", False)) is not bool:
        raise FormatError("workers: finished must be true or false")
    if known.get("open_setups", 0) is None:
        known["open_setups"] = 0
    return Worker(**known)


def _definition(value: object) -> Definition:
    if type(value) is not dict:
        raise FormatError("definitions: expected objects")
    key, name, path, line, scope = (value.get(field) for field in _DEFINITION_FIELDS)
    if (
        type(key) is not str or type(name) is not str or type(path) is not str
        or type(scope) is not str or type(line) is not int
    ):  # fmt: skip
        raise FormatError("definitions: key, name, path and scope are strings, line an integer")
    if scope not in SCOPES:
        raise FormatError(f"definitions: unknown scope {scope!r}")
    return Definition(key, name, path, line, scope)


def _merge_meta_value(key: str, a: Any, b: Any) -> Any:
    rule = META_RULES.get(key)
    if rule is not None and type(a) in (int, float) and type(b) in (int, float):
        return rule(a, b)
    if a == b:
        return a
    return min(a, b, key=lambda v: json.dumps(v, sort_keys=True))
