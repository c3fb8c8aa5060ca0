"""How records cross from an xdist worker to the controller.

A *batch* is everything one worker recorded during one test phase (or left over at the
end): records and use counts, encoded as one compact JSON string. A ``str`` is the
cheapest thing execnet carries (it serializes long lists of tuples ~10x slower) and is
also safe for pytest-reportlog, which dumps report attributes as JSON. Each batch is
self-contained: fixture definitions and test ids are listed once per batch and referenced
by index, so batches can be decoded in any order and a lost one loses nothing else.

Both ends work on the recorder's raw records (no per-record objects): the worker encodes
its buffer as it is, the controller decodes straight into ``RunData.add_records``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from .aggregate import RawRecord
from .records import FixtureEvent, FixtureKey

FORMAT_VERSION = 2

#: Name of the attribute on a ``TestReport`` and of the key in ``workeroutput``.
ATTRIBUTE = "fixture_perf"

_dumps = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


class TransportError(ValueError):
    """A batch that cannot be decoded."""


class Definition(NamedTuple):
    """A fixture definition as a decoded batch names it (the ``info`` of its records)."""

    name: str
    location: str


class Batch(NamedTuple):
    worker: str
    records: list[RawRecord]
    uses: dict[FixtureKey, int]

    def events(self) -> list[FixtureEvent]:
        """The records as :class:`FixtureEvent` objects (for tests and tools)."""
        w = self.worker
        return [
            FixtureEvent(phase, info.name, info.location, scope, pi, pid, test, w, ns, outcome)
            for phase, info, scope, pi, pid, test, ns, outcome in self.records
        ]


def encode_batch(worker: str, records: Iterable[RawRecord], uses: Mapping[FixtureKey, int]) -> str:
    """One JSON string for ``records`` (the recorder's raw buffer entries, whose ``info``
    has ``name`` and ``location``) and ``uses``."""
    # id(info) -> (index, info): holding the info keeps its id from being reused meanwhile
    definitions: dict[int, tuple[int, object]] = {}
    names: list[tuple[str, str]] = []
    tests: dict[str, int] = {}
    rows = []
    for phase, info, scope, param_index, param_id, test, duration_ns, outcome in records:
        known = definitions.get(id(info))
        if known is None:
            known = definitions[id(info)] = (len(names), info)
            names.append((info.name, info.location))
        d = known[0]
        t = tests.get(test)
        if t is None:
            t = tests[test] = len(tests)
        rows.append((phase, d, scope, param_index, param_id, t, duration_ns, outcome))
    payload = {
        "v": FORMAT_VERSION,
        "w": worker,
        "d": names,
        "t": list(tests),
        "e": rows,
        "u": [(name, location, n) for (name, location), n in uses.items()],
    }
    return _dumps(payload)


def encode_events(
    worker: str, events: Iterable[FixtureEvent], uses: Mapping[FixtureKey, int]
) -> str:
    """:func:`encode_batch` for :class:`FixtureEvent` objects."""
    infos: dict[FixtureKey, Definition] = {}
    records: list[RawRecord] = [
        (e.phase, infos.setdefault(e.key, Definition(e.name, e.location)), e.scope,
         e.param_index, e.param_id, e.test, e.duration_ns, e.outcome)
        for e in events
    ]  # fmt: skip
    return encode_batch(worker, records, uses)


def decode_batch(blob: str, known: dict[FixtureKey, Definition] | None = None) -> Batch:
    """The :class:`Batch` that :func:`encode_batch` encoded.

    ``known`` interns definitions across batches (the controller passes one dict for the
    whole run), so a batch costs a lookup per definition rather than a new object.
    """
    if known is None:
        known = {}
    try:
        payload = json.loads(blob)
        if payload["v"] != FORMAT_VERSION:
            raise TransportError(f"unsupported batch format {payload['v']!r}")
        worker = payload["w"]
        if not isinstance(worker, str):
            raise TransportError(f"worker id is not a string: {worker!r}")
        definitions = []
        for name, location in payload["d"]:
            definition = known.get((name, location))
            if definition is None:
                definition = known[(name, location)] = Definition(name, location)
            definitions.append(definition)
        tests = payload["t"]
        records: list[RawRecord] = [
            (phase, definitions[d], scope, param_index, param_id, tests[t], duration_ns,
             outcome)
            for phase, d, scope, param_index, param_id, t, duration_ns, outcome in payload["e"]
        ]  # fmt: skip
        uses = {(name, location): n for name, location, n in payload["u"]}
    except TransportError:
        raise
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise TransportError(f"malformed batch: {exc}") from exc
    return Batch(worker, records, uses)
