"""``--fixture-perf-otlp``: the run as OpenTelemetry traces, in the OTLP file format.

The file follows the OpenTelemetry "OTLP File Exporter" serialization
(https://opentelemetry.io/docs/specs/otel/protocol/file-exporter/): JSON Lines, each line
one ``ExportTraceServiceRequest`` (``{"resourceSpans": [...]}``) in the OTLP/JSON encoding
of the OTLP specification (opentelemetry-proto ``docs/specification.md``, "JSON Protobuf
Encoding"): lowerCamelCase keys, ``traceId``/``spanId`` as lowercase hex (16 and 8 bytes,
never all zero), 64-bit integers (``startTimeUnixNano``, ``intValue``) as decimal strings,
enums (``kind``, ``status.code``) as integers. No OpenTelemetry package is needed to write
it; an OpenTelemetry Collector reads it with its ``otlpjsonfile`` receiver (set
``start_at: beginning``), and from there Jaeger, Tempo, Honeycomb...

A line holds at most :data:`MAX_SPANS_PER_LINE` spans and about :data:`MAX_LINE_BYTES`
bytes: the Collector's file reader cuts longer lines (its ``max_log_size`` is 1 MiB by
default), which would leave them unreadable. The lines are made as they are written.

One trace per run; its ids derive from the run's ``run_id`` (a re-export gives the same
ids). The spans (all ``SPAN_KIND_INTERNAL``)::

    pytest session                      the run, from its first record to its last
    └─ pytest worker <id>               one per worker (``main``, ``gw0``...)
       ├─ <node id>                     a test run, from its setup's start to its end
       │  ├─ setup / call / teardown    its phases
       │  │  └─ <fixture> setup         function-scoped fixtures, in the phase they ran in
       │  │     └─ <fixture> setup      ... set up inside it (``getfixturevalue``)
       └─ <fixture> setup / teardown    fixtures cached across tests (session, package,
                                        module, class scope): they belong to no one test

A fixture cached across tests hangs from its worker (or from the shared fixture whose
setup requested it at run time), not from the test whose setup happened to trigger it:
each test span instead *links* to the instances it used (link attribute
``pytest.fixture.relation``: ``triggered`` for the test that set up or tore down the
instance, ``used`` for the tests that used the definition while that instance was the
latest set up on their worker). Nesting is by time containment on one worker's clock, so
every span lies within its parent. Times are wall clock: the worker's anchor plus its
clock readings (a worker without an anchor starts at the run's ``started_at``).

Attributes follow the semantic conventions where they have a name for the thing:

* resource: ``service.name`` (``pytest``), ``service.version`` (pytest's),
  ``service.instance.id`` (the run id), ``process.runtime.name``/``.version``,
  ``host.name``, ``os.description``, ``vcs.ref.head.revision``/``.name`` (git commit and
  branch), ``cicd.pipeline.run.id`` (the CI build);
* tests: ``test.case.name`` (node id), ``test.case.result.status`` (``pass``, ``fail``, and
  ``skipped`` for skipped and xfailed tests: the registry's well-known values are only
  pass and fail), ``test.suite.name`` (the node id's parent); the session span has
  ``test.suite.run.status`` (success, failure, aborted);
* fixtures: the *stable* code attributes ``code.function.name`` (the fixture's name,
  class-qualified for a fixture defined in a class), ``code.file.path`` (relative to the
  rootdir) and ``code.line.number`` -- not ``code.function``/``code.filepath``/
  ``code.lineno``, deprecated by the code registry -- and the ``pytest.fixture.*``
  namespace: ``name``, ``scope``, ``param`` (the parameter's id, when parametrized),
  ``phase``, ``outcome``, ``worker``, ``exclusive_ns``, ``inclusive_ns``, ``cpu_ns`` (when
  recorded) and ``triggered_by`` (the node id, for a shared fixture).

A fixture or test that errored has status ``ERROR`` (2) with a message; others leave the
status unset, as the tracing API asks of instrumentation.
"""

from __future__ import annotations

import hashlib
import json
import math
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final

from .._version import __version__
from ..model.run import (
    ERROR,
    FUNCTION,
    NONE,
    NOT_PARAMETRIZED,
    OUTCOMES,
    PHASES,
    SCOPES,
    SETUP,
    TEST_OUTCOMES,
    Run,
)
from ..store.files import PRODUCER, Kind, write_ours

#: The file's kind: every line starts with ``resourceSpans``, whose resource names the
#: producer in its second attribute.
OTLP: Final = Kind("OTLP file", (b'"resourceSpans"', PRODUCER.encode()))

#: At most this many spans on one line (one ``ExportTraceServiceRequest``).
MAX_SPANS_PER_LINE = 10_000
#: A line is cut before it would exceed this many bytes (unless it holds one span).
MAX_LINE_BYTES = 1_000_000

SPAN_KIND_INTERNAL: Final = 1
STATUS_ERROR: Final = 2

TEST_PHASES: Final = ("setup", "call", "teardown")
#: ``test.case.result.status`` of each of ``TEST_OUTCOMES``
_RESULT_STATUS: Final = {
    "passed": "pass", "xpassed": "pass", "failed": "fail", "error": "fail",
    "skipped": "skipped", "xfailed": "skipped",
}  # fmt: skip

# What a span is, with its index: the root, a worker, a test run, a phase of a test run
# (index 3 * test run + phase), a fixture event.
ROOT, WORKER, TEST, PHASE, FIXTURE = range(5)
_KIND_NAMES: Final = ("session", "worker", "test", "phase", "fixture")

Ref = tuple[int, int]


def write_otlp(path: Path, run: Run) -> None:
    """Write the run's trace to ``path`` as OTLP JSON Lines; FileExistsError when ``path``
    is a file that is not one of ours (it is never replaced)."""
    write_ours(path, chunks(run), OTLP)


def chunks(run: Run) -> Iterator[str]:
    """The file's lines, each one ``ExportTraceServiceRequest``, made as they are asked
    for. A run with nothing recorded and no start time gives none (an empty file: OTLP
    senders should send no empty envelopes)."""
    resource = {"attributes": _attributes(resource_attributes(run))}
    scope = {"name": PRODUCER, "version": __version__}
    head = (
        '{"resourceSpans":[{"resource":' + _dumps(resource)
        + ',"scopeSpans":[{"scope":' + _dumps(scope) + ',"spans":['
    )  # fmt: skip
    tail = "]}]}]}\n"
    budget = MAX_LINE_BYTES - len(head) - len(tail)
    batch: list[str] = []
    size = 0
    for span in spans(run):
        text = _dumps(span)  # ASCII (json escapes the rest): characters are bytes
        if batch and (len(batch) >= MAX_SPANS_PER_LINE or size + len(text) > budget):
            yield head + ",".join(batch) + tail
            batch, size = [], 0
        batch.append(text)
        size += len(text) + 1
    if batch:
        yield head + ",".join(batch) + tail


_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), allow_nan=False)


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def resource_attributes(run: Run) -> list[tuple[str, Any]]:
    """The resource's attributes: ``service.name`` first, then the producer (the file's
    mark, in its first bytes), then what the run's meta knows."""
    meta = run.meta
    git: dict[str, Any] = meta["git"] if isinstance(meta.get("git"), dict) else {}
    ci: dict[str, Any] = meta["ci"] if isinstance(meta.get("ci"), dict) else {}
    return [
        ("service.name", "pytest"),
        ("pytest.fixture_perf.producer", f"{PRODUCER} {__version__}"),
        ("service.version", meta.get("pytest_version")),
        ("service.instance.id", meta.get("run_id")),
        ("process.runtime.name", meta.get("python_implementation")),
        ("process.runtime.version", meta.get("python")),
        ("host.name", meta.get("host")),
        ("os.description", meta.get("platform")),
        ("vcs.ref.head.revision", git.get("commit")),
        ("vcs.ref.head.name", git.get("branch")),
        ("vcs.ref.type", "branch" if git.get("branch") else None),
        ("cicd.pipeline.run.id", ci.get("build_id")),
        ("pytest.fixture_perf.recorded_by", meta.get("plugin_version")),
    ]


def _attributes(pairs: Iterable[tuple[str, Any]]) -> list[dict[str, Any]]:
    """OTLP ``KeyValue`` list (``AnyValue`` typed by the value's type; None is left out)."""
    found = []
    for key, value in pairs:
        if value is None:
            continue
        if isinstance(value, bool):
            typed: dict[str, Any] = {"boolValue": value}
        elif isinstance(value, int):
            typed = {"intValue": str(value)}
        elif isinstance(value, float):
            if not math.isfinite(value):
                continue
            typed = {"doubleValue": value}
        else:
            typed = {"stringValue": str(value)}
        found.append({"key": key, "value": typed})
    return found


class _Ids:
    """The trace's ids, deterministic from the run's id."""

    def __init__(self, run: Run) -> None:
        run_id = run.meta.get("run_id")
        if not isinstance(run_id, str) or not run_id:
            run_id = json.dumps(run.meta, sort_keys=True, default=str)
        digest = hashlib.sha256(run_id.encode()).digest()
        self.trace_id = _nonzero(digest[:16]).hex()
        self._key = digest[16:]

    def span(self, ref: Ref) -> str:
        kind, index = ref
        data = f"{_KIND_NAMES[kind]}:{index}".encode()
        return _nonzero(hashlib.blake2b(data, digest_size=8, key=self._key).digest()).hex()


def _nonzero(raw: bytes) -> bytes:
    return raw if any(raw) else raw[:-1] + b"\x01"


class _Tree:
    """Where every span goes and when: the clocks, each fixture event's parent, each test
    run's links."""

    def __init__(self, run: Run) -> None:
        self.run = run
        e, t = run.events, run.test_runs
        n_workers = len(run.workers)
        lo: list[int | None] = [None] * n_workers
        hi: list[int | None] = [None] * n_workers

        def see(w: int, start: int, end: int) -> None:
            lo_w, hi_w = lo[w], hi[w]
            lo[w] = start if lo_w is None or start < lo_w else lo_w
            hi[w] = end if hi_w is None or end > hi_w else hi_w

        # test runs: their phase boundaries, clamped into order
        self.phases: list[tuple[int, int, int, int]] = []
        for i in range(len(t)):
            setup = t.setup_ns[i]
            end = max(t.end_ns[i], setup)
            call = min(max(t.call_ns[i], setup), end)
            teardown = min(max(t.teardown_ns[i], call), end)
            self.phases.append((setup, call, teardown, end))
            see(t.worker[i], setup, end)
        self.ends = [s + max(d, 0) for s, d in zip(e.start_ns, e.inclusive_ns, strict=True)]
        for j in range(len(e)):
            see(e.worker[j], e.start_ns[j], self.ends[j])

        started_at = run.meta.get("started_at")
        start_ns = int(started_at * 1e9) if isinstance(started_at, (int, float)) else None
        #: what to add to each worker's clock readings for wall-clock time
        self.offsets = []
        for w, worker in enumerate(run.workers):
            if worker.anchor_ns is not None:
                self.offsets.append(worker.anchor_ns)
            else:
                first = lo[w] or 0
                self.offsets.append((start_ns if start_ns is not None else 0) - first)
        #: each worker's span (wall clock), for the workers that recorded anything
        self.workers: dict[int, tuple[int, int]] = {}
        for w in range(n_workers):
            lo_w, hi_w = lo[w], hi[w]
            if lo_w is not None and hi_w is not None:
                self.workers[w] = (lo_w + self.offsets[w], hi_w + self.offsets[w])
        self.session: tuple[int, int] | None = None
        if self.workers:
            self.session = (
                min(s for s, _ in self.workers.values()),
                max(end for _, end in self.workers.values()),
            )
        elif start_ns is not None:
            ended_at = run.meta.get("ended_at")
            end_ns = int(ended_at * 1e9) if isinstance(ended_at, (int, float)) else start_ns
            self.session = (start_ns, max(end_ns, start_ns))

        # each worker's test runs, by start
        self._runs: dict[int, list[int]] = {}
        for i in sorted(range(len(t)), key=lambda i: self.phases[i][0]):
            self._runs.setdefault(t.worker[i], []).append(i)
        self._run_starts = {w: [self.phases[i][0] for i in runs] for w, runs in self._runs.items()}
        self.parents = self._fixture_parents()
        self.links = self._links()

    def shared(self, j: int) -> bool:
        e = self.run.events
        return e.scope[j] < FUNCTION or e.test[j] == NONE

    def test_run_at(self, w: int, test: int, start: int, end: int) -> int | None:
        """The run of ``test`` on worker ``w`` that holds ``[start, end]``."""
        runs = self._runs.get(w)
        if not runs:
            return None
        k = bisect_right(self._run_starts[w], start) - 1
        if k < 0:
            return None
        i = runs[k]
        if self.run.test_runs.test[i] != test or end > self.phases[i][3]:
            return None
        return i

    def _fixture_parents(self) -> list[Ref]:
        """Each event's parent: a function-scoped fixture's is the phase of its test run that
        holds it (or the test run), a shared one's its worker; then, among the events
        with one parent, the innermost event that holds it, if any."""
        e = self.run.events
        groups: dict[Ref, list[int]] = {}
        for j in range(len(e)):
            w = e.worker[j]
            parent: Ref = (WORKER, w)
            if not self.shared(j):
                start, end = e.start_ns[j], self.ends[j]
                i = self.test_run_at(w, e.test[j], start, end)
                if i is not None:
                    parent = (TEST, i)
                    bounds = self.phases[i]
                    for p in range(len(TEST_PHASES)):
                        if bounds[p] <= start and end <= bounds[p + 1]:
                            parent = (PHASE, 3 * i + p)
                            break
            groups.setdefault(parent, []).append(j)
        parents: list[Ref] = [(ROOT, 0)] * len(e)
        starts, ends = e.start_ns, self.ends
        for parent, members in groups.items():
            members.sort(key=lambda j: (starts[j], -ends[j], j))
            stack: list[int] = []
            for j in members:
                # pop what does not hold this event: nothing after it can be in them alone
                while stack and ends[stack[-1]] < ends[j]:
                    stack.pop()
                parents[j] = (FIXTURE, stack[-1]) if stack else parent
                stack.append(j)
        return parents

    def _links(self) -> dict[int, dict[int, str]]:
        """Test run -> {shared fixture event: relation}: the instances it triggered, and the
        latest setup, on its worker, of each shared definition it used."""
        run = self.run
        e, t, u = run.events, run.test_runs, run.uses
        links: dict[int, dict[int, str]] = {}
        setups: dict[tuple[int, int], list[int]] = {}
        for j in range(len(e)):
            if not self.shared(j):
                continue
            if e.phase[j] == SETUP:
                setups.setdefault((e.worker[j], e.definition[j]), []).append(j)
            if e.test[j] != NONE:
                i = self.test_run_at(e.worker[j], e.test[j], e.start_ns[j], self.ends[j])
                if i is not None:
                    links.setdefault(i, {})[j] = "triggered"
        if not setups:
            return links
        for events in setups.values():
            events.sort(key=lambda j: e.start_ns[j])
        starts = {key: [e.start_ns[j] for j in events] for key, events in setups.items()}
        used: dict[tuple[int, int], set[int]] = {}
        for w, test, d in zip(u.worker, u.test, u.definition, strict=True):
            if (w, d) in setups:
                used.setdefault((w, test), set()).add(d)
        for i in range(len(t)):
            w = t.worker[i]
            for d in sorted(used.get((w, t.test[i]), ())):
                k = bisect_right(starts[(w, d)], self.phases[i][3]) - 1
                if k >= 0:
                    links.setdefault(i, {}).setdefault(setups[(w, d)][k], "used")
        return links


def spans(run: Run) -> Iterator[dict[str, Any]]:
    """The trace's spans as OTLP/JSON ``Span`` objects: the session, the workers, the test
    runs and their phases, the fixtures."""
    tree = _Tree(run)
    if tree.session is None:
        return
    ids = _Ids(run)
    trace_id = ids.trace_id

    def span(
        ref: Ref, parent: Ref | None, name: str, start: int, end: int,
        attributes: Iterable[tuple[str, Any]], error: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        body: dict[str, Any] = {"traceId": trace_id, "spanId": ids.span(ref)}
        if parent is not None:
            body["parentSpanId"] = ids.span(parent)
        body.update(
            name=name, kind=SPAN_KIND_INTERNAL, startTimeUnixNano=str(start),
            endTimeUnixNano=str(end), attributes=_attributes(attributes),
        )  # fmt: skip
        if error is not None:
            body["status"] = {"code": STATUS_ERROR, "message": error}
        return body

    meta = run.meta
    exit_status = meta.get("exit_status")
    suite_status = None
    if meta.get("interrupted"):
        suite_status = "aborted"
    elif isinstance(exit_status, int):
        suite_status = "success" if exit_status in (0, 5) else "failure"
    failed = suite_status in ("aborted", "failure")
    yield span(
        (ROOT, 0), None, "pytest session", *tree.session,
        [("test.suite.run.status", suite_status), ("pytest.exit_status", exit_status),
         ("pytest.mode", meta.get("mode")), ("pytest.workers", len(tree.workers))],
        f"pytest exited with status {exit_status}" if failed else None,
    )  # fmt: skip

    for w, (start, end) in tree.workers.items():
        worker = run.workers[w]
        yield span(
            (WORKER, w), (ROOT, 0), f"pytest worker {worker.id}", start, end,
            [("pytest.worker", worker.id), ("host.name", worker.host),
             ("process.pid", worker.pid), ("pytest.worker.finished", worker.finished),
             ("pytest.worker.tracking_error", worker.tracking_error),
             ("pytest.worker.open_setups", worker.open_setups or None)],
            f"worker lost: {worker.lost}" if worker.lost else None,
        )  # fmt: skip

    t = run.test_runs
    for i in range(len(t)):
        w = t.worker[i]
        offset = tree.offsets[w]
        nodeid = run.tests[t.test[i]]
        outcome = _name(TEST_OUTCOMES, t.outcome[i])
        links = tree.links.get(i, {})
        test = span(
            (TEST, i), (WORKER, w), nodeid, tree.phases[i][0] + offset,
            tree.phases[i][3] + offset,
            [("test.case.name", nodeid),
             ("test.case.result.status", _RESULT_STATUS.get(outcome, outcome)),
             ("test.suite.name", nodeid.rpartition("::")[0] or None),
             ("code.file.path", nodeid.partition("::")[0]), ("pytest.test.outcome", outcome),
             ("pytest.worker", run.workers[w].id)],
            f"test {outcome}" if outcome in ("failed", "error") else None,
        )  # fmt: skip
        if links:
            test["links"] = [
                {"traceId": trace_id, "spanId": ids.span((FIXTURE, j)),
                 "attributes": _attributes([("pytest.fixture.relation", relation)])}
                for j, relation in links.items()
            ]  # fmt: skip
        yield test
        for p, phase in enumerate(TEST_PHASES):
            yield span(
                (PHASE, 3 * i + p), (TEST, i), phase, tree.phases[i][p] + offset,
                tree.phases[i][p + 1] + offset,
                [("pytest.test.phase", phase), ("test.case.name", nodeid)],
            )  # fmt: skip

    e = run.events
    for j in range(len(e)):
        w = e.worker[j]
        definition = run.definitions[e.definition[j]]
        phase, outcome = PHASES[e.phase[j]], _name(OUTCOMES, e.outcome[j])
        name = definition.name
        param = e.param_id[j] if e.param_index[j] != NOT_PARAMETRIZED else None
        if param is not None:
            name += f"[{param}]"
        qualifier = definition.key[len(definition.path) + 2 :].rpartition("::")[0]
        trigger = e.test[j]
        shared = tree.shared(j)
        yield span(
            (FIXTURE, j), tree.parents[j], f"{name} {phase}",
            e.start_ns[j] + tree.offsets[w], tree.ends[j] + tree.offsets[w],
            [("code.function.name",
              f"{qualifier.replace('::', '.')}.{definition.name}" if qualifier
              else definition.name),
             ("code.file.path", definition.path),
             ("code.line.number", definition.line if definition.line > 0 else None),
             ("pytest.fixture.name", definition.name),
             ("pytest.fixture.scope", _name(SCOPES, e.scope[j])),
             ("pytest.fixture.param", param), ("pytest.fixture.phase", phase),
             ("pytest.fixture.outcome", outcome),
             ("pytest.fixture.worker", run.workers[w].id),
             ("pytest.fixture.exclusive_ns", e.exclusive_ns[j]),
             ("pytest.fixture.inclusive_ns", e.inclusive_ns[j]),
             ("pytest.fixture.cpu_ns", e.cpu_ns[j] if e.cpu_ns[j] >= 0 else None),
             ("pytest.fixture.triggered_by",
              run.tests[trigger] if shared and trigger != NONE else None)],
            f"fixture {definition.name} {phase} raised" if e.outcome[j] == ERROR else None,
        )  # fmt: skip


def _name(names: tuple[str, ...], code: int) -> str:
    return names[code] if 0 <= code < len(names) else str(code)
