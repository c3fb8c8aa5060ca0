"""How records cross from an xdist worker to the controller.

A *batch* is everything one worker recorded during one test phase (or left over at the
end): events and use counts, encoded as one compact JSON string. A ``str`` is the cheapest
thing execnet carries (it serializes long lists of tuples ~10x slower) and is also safe
for pytest-reportlog, which dumps report attributes as JSON. Each batch is
self-contained: fixture definitions and test ids are listed once per batch and referenced
by index, so batches can be decoded in any order and a lost one loses nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from .records import FixtureEvent, FixtureKey

FORMAT_VERSION = 1

#: Name of the attribute on a ``TestReport`` and of the key in ``workeroutput``.
ATTRIBUTE = "fixture_perf"


class TransportError(ValueError):
    """A batch that cannot be decoded."""


def encode_batch(
    worker: str, events: Sequence[FixtureEvent], uses: Mapping[FixtureKey, int]
) -> str:
    definitions: dict[FixtureKey, int] = {}
    tests: dict[str, int] = {}
    rows = []
    for e in events:
        d = definitions.setdefault((e.name, e.location), len(definitions))
        t = tests.setdefault(e.test, len(tests))
        rows.append([e.phase, d, e.scope, e.param_index, e.param_id, t, e.duration_ns, e.outcome])
    use_rows = [[definitions.setdefault(key, len(definitions)), n] for key, n in uses.items()]
    payload = {
        "v": FORMAT_VERSION,
        "w": worker,
        "d": [list(key) for key in definitions],
        "t": list(tests),
        "e": rows,
        "u": use_rows,
    }
    return json.dumps(payload, separators=(",", ":"))


def decode_batch(blob: str) -> tuple[str, list[FixtureEvent], dict[FixtureKey, int]]:
    """``(worker, events, uses)`` from :func:`encode_batch`'s output."""
    try:
        payload = json.loads(blob)
        if payload["v"] != FORMAT_VERSION:
            raise TransportError(f"unsupported batch format {payload['v']!r}")
        worker = payload["w"]
        definitions = [(name, location) for name, location in payload["d"]]
        tests = payload["t"]
        events = []
        for phase, d, scope, param_index, param_id, t, duration_ns, outcome in payload["e"]:
            name, location = definitions[d]
            events.append(
                FixtureEvent(
                    phase, name, location, scope, param_index, param_id, tests[t], worker,
                    duration_ns, outcome,
                )
            )  # fmt: skip
        uses = {definitions[d]: n for d, n in payload["u"]}
    except TransportError:
        raise
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise TransportError(f"malformed batch: {exc}") from exc
    return worker, events, uses
