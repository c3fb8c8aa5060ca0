"""The run as data: :class:`Run` *is* everything a pytest run recorded, in one format.

A run holds

* **definitions**: fixture definitions, interned by a stable key (``path::name``; the line
  is an attribute, so moving a fixture keeps its identity);
* **workers**: the processes that ran tests (``main`` serially, ``gw0``... under xdist),
  each with its clock anchor and its state;
* **tests**: node ids, interned;
* **events**: one row per real fixture setup or teardown, in columns (compact arrays);
* **test runs**: one row per run of a test, with its phase boundaries and outcome;
* **uses**: one row per (test run, fixture definition in that test's closure);
* **meta**: what the run was (versions, platform, git, CI, exit status...).

Times are integer nanoseconds. An event's or a test run's times are readings of its
worker's monotonic clock (``perf_counter_ns``); ``Worker.anchor_ns`` is the wall-clock
time at which that clock read zero, so ``anchor_ns + start_ns`` is an event's wall-clock
start, and every worker's events land on one timeline.

The same dictionary (:meth:`Run.to_dict`, JSON-safe, versioned by :data:`FORMAT_VERSION`)
carries a run everywhere: worker to controller (a *fragment*: what was added since the
last one), into the ``--fixture-perf-json`` file and back (:meth:`Run.from_json`).
:meth:`Run.merge` is exact, commutative and associative; equality (``==``) compares runs
as sets of facts, whatever the order in which they arrived.
"""

from __future__ import annotations

import json
import struct
from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final, NamedTuple

#: The version of the format of :meth:`Run.to_dict` (and of the JSON file's
#: ``schema_version``). Readers refuse other versions.
FORMAT_VERSION: Final = 2

SCOPES: Final = ("session", "package", "module", "class", "function")
PHASES: Final = ("setup", "teardown")
OUTCOMES: Final = ("ok", "error", "skipped")
TEST_OUTCOMES: Final = ("passed", "failed", "skipped", "error", "xfailed", "xpassed")

SETUP: Final = 0
TEARDOWN: Final = 1
OK: Final = 0
ERROR: Final = 1
SKIPPED: Final = 2
FUNCTION: Final = SCOPES.index("function")

#: ``param_index`` of an instance that is not parametrized.
NOT_PARAMETRIZED: Final = -1
#: ``test`` of an event recorded outside any test; ``cpu_ns`` when CPU time was not read.
NONE: Final = -1

MAIN_WORKER: Final = "main"
MANUAL_PATH: Final = "<manual>"


class FormatError(ValueError):
    """Data that is not a run of this format (the message is one line)."""


class Definition:
    """A fixture definition (immutable; a plain class rather than a dataclass, whose code
    generation every run would pay at import)."""

    #: The fields, in the format's order.
    FIELDS: Final = ("key", "name", "path", "line", "scope")
    __slots__ = FIELDS

    key: str
    """Stable identity: ``path::name`` (``path::Class::name`` for a fixture in a class)."""
    name: str
    path: str
    """Source file relative to rootdir (or to its ``sys.path`` entry), ``/``-separated."""
    line: int
    """Line of the fixture function's first decorator (0 when unknown)."""
    scope: str
    """The declared scope (an instance may run at another: see events' ``scope``)."""

    def __init__(self, key: str, name: str, path: str, line: int, scope: str) -> None:
        set_ = object.__setattr__
        set_(self, "key", key)
        set_(self, "name", name)
        set_(self, "path", path)
        set_(self, "line", line)
        set_(self, "scope", scope)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Definition is immutable: cannot set {name}")

    def as_tuple(self) -> tuple[str, str, str, int, str]:
        return (self.key, self.name, self.path, self.line, self.scope)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Definition):
            return NotImplemented
        return self.as_tuple() == other.as_tuple()

    def __hash__(self) -> int:
        return hash(self.as_tuple())

    def __repr__(self) -> str:
        return "Definition(key={!r}, name={!r}, path={!r}, line={!r}, scope={!r})".format(
            *self.as_tuple()
        )

    def __reduce__(self) -> tuple[type[Definition], tuple[str, str, str, int, str]]:
        return (Definition, self.as_tuple())

    @classmethod
    def make(cls, name: str, path: str, line: int, scope: str, qualifier: str = "") -> Definition:
        key = f"{path}::{qualifier}::{name}" if qualifier else f"{path}::{name}"
        return cls(key, name, path, line, scope)

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line > 0 else self.path

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "path": self.path, "line": self.line,
                "scope": self.scope}  # fmt: skip

    def merged(self, other: Definition) -> Definition:
        """The same key seen twice (e.g. two shards of different commits): the smaller line
        and the wider declared scope, so that merging is order-independent."""
        if other == self:
            return self
        return Definition(
            self.key, self.name, self.path, min(self.line, other.line),
            min(self.scope, other.scope, key=_scope_order),
        )  # fmt: skip


def _scope_order(scope: str) -> int:
    return SCOPES.index(scope) if scope in SCOPES else len(SCOPES)


class Worker:
    """A process that ran tests, and what is known of its state (a plain class: see
    :class:`Definition`)."""

    #: The fields, in the format's order.
    FIELDS: Final = ("id", "pid", "host", "anchor_ns", "finished", "lost", "tracking_error",
                     "open_setups")  # fmt: skip
    __slots__ = FIELDS

    def __init__(
        self, id: str, pid: int | None = None, host: str | None = None,
        anchor_ns: int | None = None, finished: bool = False, lost: str | None = None,
        tracking_error: str | None = None, open_setups: int = 0,
    ) -> None:  # fmt: skip
        self.id = id
        self.pid = pid
        self.host = host
        #: Wall-clock time (ns since the epoch) at which the worker's clock read zero: add
        #: it to its events' and test runs' times for wall-clock times.
        self.anchor_ns = anchor_ns
        #: The worker's session ended normally: its data is complete.
        self.finished = finished
        #: Why the worker is gone before its session ended (xdist's error text), if it is.
        self.lost = lost
        #: Why recording was turned off on this worker, if it was.
        self.tracking_error = tracking_error
        #: Fixture instances set up and never torn down when the worker ended.
        self.open_setups = open_setups

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in Worker.FIELDS}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Worker):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "Worker(" + ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items()) + ")"

    def merged(self, other: Worker) -> Worker:
        return Worker(
            self.id,
            _least(self.pid, other.pid),
            _least(self.host, other.host),
            _least(self.anchor_ns, other.anchor_ns),
            self.finished or other.finished,
            _least(self.lost, other.lost),
            _least(self.tracking_error, other.tracking_error),
            max(self.open_setups, other.open_setups),
        )


def _least(a: Any, b: Any) -> Any:
    """None is "not known"; two known values that disagree keep the smaller."""
    if a is None:
        return b
    if b is None or a == b:
        return a
    return min(a, b)


class Mark(NamedTuple):
    """Row counts of a run at one moment: what :meth:`Run.fragment` has already sent."""

    events: int = 0
    test_runs: int = 0
    uses: int = 0
    definitions: int = 0
    tests: int = 0


class Events:
    """Fixture setups and teardowns, one column per field (see :data:`EVENT_COLUMNS`)."""

    __slots__ = (
        "cpu_ns", "definition", "exclusive_ns", "inclusive_ns", "outcome", "param_id",
        "param_index", "phase", "scope", "start_ns", "test", "worker",
    )  # fmt: skip

    def __init__(self) -> None:
        self.worker = array("i")
        self.definition = array("i")
        self.phase = array("b")
        self.scope = array("b")
        self.param_index = array("i")
        self.param_id: list[str | None] = []
        self.test = array("i")
        self.start_ns = array("q")
        self.exclusive_ns = array("q")
        self.inclusive_ns = array("q")
        self.cpu_ns = array("q")
        self.outcome = array("b")

    def __len__(self) -> int:
        return len(self.phase)


class TestRuns:
    """One row per run of a test: when each phase began, when it ended, the outcome."""

    __slots__ = ("call_ns", "end_ns", "outcome", "setup_ns", "teardown_ns", "test", "worker")

    def __init__(self) -> None:
        self.test = array("i")
        self.worker = array("i")
        self.setup_ns = array("q")
        self.call_ns = array("q")
        self.teardown_ns = array("q")
        self.end_ns = array("q")
        self.outcome = array("b")

    def __len__(self) -> int:
        return len(self.test)


class Uses:
    """One row per (test run, fixture definition in the test's closure)."""

    __slots__ = ("definition", "test", "worker")

    def __init__(self) -> None:
        self.worker = array("i")
        self.test = array("i")
        self.definition = array("i")

    def __len__(self) -> int:
        return len(self.test)


# The columns of each table, in the format's order, with their kind: "worker",
# "definition" and "test" are indexes into those tables (remapped on merge; a test may be
# NONE), "int" 64-bit and "int32" 32-bit integers, "enum:N" codes below N, "str?" strings
# or null.
EVENT_COLUMNS: Final = {
    "worker": "worker",
    "definition": "definition",
    "phase": f"enum:{len(PHASES)}",
    "scope": f"enum:{len(SCOPES)}",
    "param_index": "int32",
    "param_id": "str?",
    "test": "test",
    "start_ns": "int",
    "exclusive_ns": "int",
    "inclusive_ns": "int",
    "cpu_ns": "int",
    "outcome": f"enum:{len(OUTCOMES)}",
}
TEST_RUN_COLUMNS: Final = {
    "test": "test",
    "worker": "worker",
    "setup_ns": "int",
    "call_ns": "int",
    "teardown_ns": "int",
    "end_ns": "int",
    "outcome": f"enum:{len(TEST_OUTCOMES)}",
}
USE_COLUMNS: Final = {"worker": "worker", "test": "test", "definition": "definition"}
TABLES: Final = {"events": EVENT_COLUMNS, "test_runs": TEST_RUN_COLUMNS, "uses": USE_COLUMNS}

#: The in-memory array type of each kind (None: a list).
_TYPECODES: Final = {"worker": "i", "definition": "i", "test": "i", "int": "q", "int32": "i"}


def typecode(kind: str) -> str | None:
    """The in-memory array type of a column kind (None: a list)."""
    if kind == "str?":
        return None
    return "b" if kind.startswith("enum:") else _TYPECODES[kind]


#: Per table, its integer columns' names, array typecodes and bytes a row, in the format's
#: order (the one other column is the events' ``param_id``): the columns a spool record and
#: a stored run hold as array bytes.
INTEGER_COLUMNS: Final = {
    table: [(column, code, array(code).itemsize)
            for column, kind in columns.items() if (code := typecode(kind))]
    for table, columns in TABLES.items()
}  # fmt: skip
#: Per table, the bytes of a row of all its integer columns.
ROW_BYTES: Final = {
    table: sum(size for _, _, size in integers) for table, integers in INTEGER_COLUMNS.items()
}


class Run:
    """Everything one pytest run (or a part of it) recorded."""

    def __init__(self) -> None:
        self.meta: dict[str, Any] = {}
        self.definitions: list[Definition] = []
        self.workers: list[Worker] = []
        self.tests: list[str] = []
        self.events = Events()
        self.test_runs = TestRuns()
        self.uses = Uses()
        self._definition_ids: dict[str, int] = {}
        self._worker_ids: dict[str, int] = {}
        self._test_ids: dict[str, int] = {}
        #: sender -> the ids here of its workers, definitions and tests, by its numbering
        self._senders: dict[str, tuple[list[int], list[int], list[int]]] = {}

    # -- interning -------------------------------------------------------------------------
    def definition_id(self, definition: Definition) -> int:
        """The id of ``definition`` in this run (added, or merged with its key's)."""
        index = self._definition_ids.get(definition.key)
        if index is None:
            index = self._definition_ids[definition.key] = len(self.definitions)
            self.definitions.append(definition)
        elif self.definitions[index] != definition:
            self.definitions[index] = self.definitions[index].merged(definition)
        return index

    def worker_id(self, worker: Worker | str) -> int:
        """The index of ``worker`` (a :class:`Worker` is merged into what is known)."""
        wid = worker if isinstance(worker, str) else worker.id
        index = self._worker_ids.get(wid)
        if index is None:
            index = self._worker_ids[wid] = len(self.workers)
            self.workers.append(Worker(wid) if isinstance(worker, str) else worker)
        elif not isinstance(worker, str):
            self.workers[index] = self.workers[index].merged(worker)
        return index

    def worker(self, wid: str) -> Worker:
        """The worker called ``wid`` (added when new): to read, or to update in place."""
        return self.workers[self.worker_id(wid)]

    def test_id(self, nodeid: str) -> int:
        index = self._test_ids.get(nodeid)
        if index is None:
            index = self._test_ids[nodeid] = len(self.tests)
            self.tests.append(nodeid)
        return index

    # -- adding rows (the collector's batches) ----------------------------------------------
    def add_events(self, rows: Sequence[tuple[Any, ...]], worker: int) -> None:
        """Add fixture events of ``worker`` given as rows ``(definition, phase, scope,
        param_index, param_id, test, start_ns, exclusive_ns, inclusive_ns, cpu_ns,
        outcome)``."""
        if not rows:
            return
        e = self.events
        n = len(rows)
        columns = zip(*rows, strict=True)
        e.worker.extend(array("i", [worker]) * n)
        for target in (e.definition, e.phase, e.scope, e.param_index):
            _extend(target, next(columns))
        e.param_id.extend(next(columns))
        for target in (e.test, e.start_ns, e.exclusive_ns, e.inclusive_ns, e.cpu_ns, e.outcome):
            _extend(target, next(columns))

    def add_test_runs(self, rows: Sequence[tuple[int, ...]], worker: int) -> None:
        """Add runs of tests of ``worker`` given as rows ``(test, setup_ns, call_ns,
        teardown_ns, end_ns, outcome)``: when each phase began and when the test ended, as
        readings of the worker's clock, and the outcome."""
        if not rows:
            return
        r = self.test_runs
        columns = zip(*rows, strict=True)
        _extend(r.test, next(columns))
        r.worker.extend(array("i", [worker]) * len(rows))
        for target in (r.setup_ns, r.call_ns, r.teardown_ns, r.end_ns, r.outcome):
            _extend(target, next(columns))

    def add_uses(self, worker: int, tests: Sequence[int], definitions: Sequence[int]) -> None:
        """Add that runs of ``tests`` used ``definitions`` (one row each, pairwise)."""
        u = self.uses
        u.worker.extend(array("i", [worker]) * len(tests))
        _extend(u.test, tests)
        _extend(u.definition, definitions)

    # -- reading ---------------------------------------------------------------------------
    def mark(self) -> Mark:
        return Mark(
            len(self.events), len(self.test_runs), len(self.uses), len(self.definitions),
            len(self.tests),
        )  # fmt: skip

    def worker_ids(self) -> list[str]:
        return [w.id for w in self.workers]

    # -- the format ------------------------------------------------------------------------
    def to_dict(self, *, tables: bool = True) -> dict[str, Any]:
        """The run in the versioned format (JSON-safe); ``tables=False`` leaves out the
        row tables (events, test runs, uses)."""
        document: dict[str, Any] = {
            "schema_version": FORMAT_VERSION,
            "meta": dict(self.meta),
            "workers": [w.as_dict() for w in self.workers],
            "definitions": [d.as_dict() for d in self.definitions],
            "tests": list(self.tests),
        }
        if tables:
            for table, columns in TABLES.items():
                rows = getattr(self, table)
                document[table] = {
                    "rows": len(rows),
                    **{column: column_values(getattr(rows, column)) for column in columns},
                }
        return document

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    def json_chunks(
        self, head: Sequence[tuple[str, str]] = (), *, compact: bool = False
    ) -> Iterator[str]:
        """The run in its format as JSON text, in pieces made as they are asked for (a run
        can hold millions of values): one table column a line. ``head``: more members
        (key, JSON text) to put after ``schema_version``. ``compact``: a column whose rows
        all hold one value is given as that value (a form every reader accepts; the JSON
        file lists every value)."""
        yield f'{{\n  "schema_version": {FORMAT_VERSION}'
        for key, body in head:
            yield f",\n  {json.dumps(key)}: {body}"
        for key, value in self.to_dict(tables=False).items():
            if key != "schema_version":
                yield f",\n  {json.dumps(key)}: {dumps_compact(value)}"
        for table, columns in TABLES.items():
            rows = getattr(self, table)
            yield f',\n  "{table}": {{\n    "rows": {len(rows)}'
            for column in columns:
                values = getattr(rows, column)
                if compact and values and values.count(values[0]) == len(values):
                    text = dumps_compact(values[0])
                else:
                    text = _json_column(values)
                yield f",\n    {json.dumps(column)}: {text}"
            yield "\n  }"
        yield "\n}\n"

    @classmethod
    def from_dict(cls, document: object) -> Run:
        run = cls()
        run.absorb(document)
        return run

    @classmethod
    def from_json(cls, text: str | bytes) -> Run:
        from .intake import loads

        return cls.from_dict(loads(text))

    def absorb_json(self, text: str | bytes) -> None:
        """Merge a run or fragment given as JSON text into this run."""
        from .intake import loads

        self.absorb(loads(text))

    def absorb(self, document: object) -> None:
        """Merge a document of the format (a run or a fragment) into this run.

        The whole document is checked before anything is added: a malformed one raises
        :class:`FormatError` and leaves the run as it was. (Many documents: ``Intake``.)
        """
        from .intake import Intake

        intake = Intake(self)
        intake.add(document)
        intake.merge()
        if intake.errors:
            raise intake.errors[0]

    def fragment(
        self, since: Mark, *, sender: str | None = None, full_workers: bool = False
    ) -> dict[str, Any] | None:
        """What was added since ``since``, as a document of the format, or None when
        nothing was. Tables take the compact form ``[rows, *columns]``; a column whose rows
        all hold one value is given as that value. Workers are listed by id only, unless
        ``full_workers``.

        Without ``sender`` the document stands alone: it lists what its rows name and
        numbers it from 0. With ``sender`` it is one of a series: its rows use this run's
        own numbering, and it lists only the definitions and tests added since ``since``
        (from ``offsets`` on); the reader takes a sender's documents in order.
        """
        now = self.mark()
        if now[:3] == since[:3] and not full_workers:
            return None
        local: dict[str, dict[int, int]] | None = None
        if sender is None:
            local = {"worker": {}, "definition": {}, "test": {}}
        document: dict[str, Any] = {"schema_version": FORMAT_VERSION}
        for (table, columns), start, end in zip(TABLES.items(), since, now, strict=False):
            if start == end:
                continue
            rows = getattr(self, table)
            section: list[Any] = [end - start]  # the compact form: [rows, *columns]
            for column, kind in columns.items():
                values = getattr(rows, column)[start:end]
                values = column_values(values) if local is None else _local(values, local.get(kind))
                section.append(values[0] if values.count(values[0]) == len(values) else values)
            document[table] = section

        def worker_entry(w: Worker) -> dict[str, Any]:
            return w.as_dict() if full_workers else {"id": w.id}

        if local is None:
            document.update(
                sender=sender,
                offsets=[since.definitions, since.tests],
                workers=[worker_entry(w) for w in self.workers],
                definitions=[d.as_dict() for d in self.definitions[since.definitions :]],
                tests=self.tests[since.tests :],
            )
        else:
            if full_workers:
                for w in range(len(self.workers)):
                    local["worker"].setdefault(w, len(local["worker"]))
            document.update(
                workers=[worker_entry(self.workers[w]) for w in local["worker"]],
                definitions=[self.definitions[d].as_dict() for d in local["definition"]],
                tests=[self.tests[t] for t in local["test"]],
            )
        return document

    def merge(self, other: Run) -> Run:
        """A new run with everything in ``self`` and in ``other``."""
        merged = Run()
        merged.absorb(self.to_dict())
        merged.absorb(other.to_dict())
        return merged

    # -- equality as facts -----------------------------------------------------------------
    def canonical(self) -> tuple[Any, ...]:
        """The run as sorted facts, with indexes resolved to names: two runs that recorded
        the same things compare equal whatever the order they arrived in."""
        resolve: dict[str, Callable[[int], Any]] = {
            "worker": lambda i: self.workers[i].id,
            "definition": lambda i: self.definitions[i].key,
            "test": lambda i: "" if i < 0 else self.tests[i],
            "str?": lambda v: (v is None, v or ""),
        }
        tables = []
        for table, columns in TABLES.items():
            rows = getattr(self, table)
            resolved = [
                map(resolve[kind], getattr(rows, column)) if kind in resolve
                else getattr(rows, column)
                for column, kind in columns.items()
            ]  # fmt: skip
            tables.append(sorted(zip(*resolved, strict=True)))
        return (
            json.dumps(self.meta, sort_keys=True),
            sorted(astuple_worker(w) for w in self.workers),
            sorted(self.definitions, key=lambda d: d.key),
            sorted(self.tests),
            *tables,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Run):
            return NotImplemented
        return self.canonical() == other.canonical()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"<Run {len(self.workers)} workers, {len(self.definitions)} definitions, "
            f"{len(self.tests)} tests, {len(self.events)} events>"
        )

    def iter_events(self) -> Iterator[dict[str, Any]]:
        """Each event as a dict with names resolved (for tests and tools; slow)."""
        e = self.events
        for i in range(len(e)):
            yield {
                "worker": self.workers[e.worker[i]].id,
                "definition": self.definitions[e.definition[i]],
                "phase": PHASES[e.phase[i]],
                "scope": SCOPES[e.scope[i]],
                "param_index": e.param_index[i],
                "param_id": e.param_id[i],
                "test": None if e.test[i] < 0 else self.tests[e.test[i]],
                "start_ns": e.start_ns[i],
                "exclusive_ns": e.exclusive_ns[i],
                "inclusive_ns": e.inclusive_ns[i],
                "cpu_ns": None if e.cpu_ns[i] < 0 else e.cpu_ns[i],
                "outcome": OUTCOMES[e.outcome[i]],
            }


def astuple_worker(worker: Worker) -> tuple[Any, ...]:
    return tuple("" if v is None else v for v in worker.as_dict().values())


def _extend(column: array[int], values: Sequence[int]) -> None:
    """Append ``values`` to ``column`` (several times faster than ``array.extend``)."""
    column.frombytes(struct.pack(f"{len(values)}{column.typecode}", *values))


#: The format's compact JSON (one encoder for every document and column: ``json.dumps``
#: with options makes one per call, which costs as much as encoding a small fragment).
dumps_compact: Final = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


#: The array types whose columns may be written from a table of texts (``_json_column``),
#: and the largest such table: index and code columns, not the times in nanoseconds.
SMALL_TYPECODES: Final = "bi"
SMALL_LIMIT: Final = 1 << 16
#: The text of every one-byte integer ``v`` at index ``v`` (a negative one from the end).
_BYTE_TEXTS: Final = [*map(str, range(128)), *map(str, range(-128, 0))]


def _json_column(values: array[int] | list[Any]) -> str:
    """A column as a JSON list.

    An array of small integers (codes, every one-byte value; indexes, each of magnitude
    below its count of rows and below ``SMALL_LIMIT``) is written from a table of their
    texts, each made once (a list's negative indexes give the negative ones): about twice
    as fast as formatting every value. Other arrays go through ``tolist``, faster than
    formatting each value in Python."""
    if not isinstance(values, array) or values.typecode not in SMALL_TYPECODES or not values:
        return dumps_compact(values.tolist() if isinstance(values, array) else values)
    if values.itemsize == 1:  # (no bounds to find: the table has every value)
        return "[" + ",".join(map(_BYTE_TEXTS.__getitem__, values)) + "]"
    low, high, bound = min(values), max(values), min(len(values), SMALL_LIMIT)
    if high >= bound or low < -bound:
        return dumps_compact(values.tolist())
    texts = [*map(str, range(max(high, -1) + 1)), *map(str, range(min(low, 0), 0))]
    return "[" + ",".join(map(texts.__getitem__, values)) + "]"


def column_values(column: array[int] | list[Any]) -> list[Any]:
    """A column's values as a JSON-ready list."""
    return column.tolist() if isinstance(column, array) else list(column)


def _local(column: array[int] | list[Any], ids: dict[int, int] | None) -> list[Any]:
    """A column slice for a fragment, with indexes renumbered into the fragment's own."""
    if ids is None:
        return column_values(column)
    return [NONE if i < 0 else ids.setdefault(i, len(ids)) for i in column]
