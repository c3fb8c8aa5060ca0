"""``combine``: the runs of the shards of one logical run (CI matrix jobs, pytest-split
groups, several machines) merged into one run.

Counts and durations add up exactly (every event is kept, so percentiles are recomputed
from the merged samples by whoever reads the run). Each shard's workers are kept apart,
renamed ``<shard>/<worker>`` (``s1/gw0``, ``s2/main``), each with its own clock anchor,
so timelines stay per shard. A file given twice (the same bytes, or the same run id) is
counted once. Documents of another format version are refused (:class:`FormatError`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..defaults import INT_LIMIT
from .intake import loads
from .run import FORMAT_VERSION, FormatError, Run

#: Meta keys of the shards that the combined run keeps when every shard agrees on them.
SHARED_META = (
    "python", "python_implementation", "pytest_version", "xdist_version", "plugin_version",
    "plugins", "platform", "rootdir", "dist", "git", "ci",
)  # fmt: skip


@dataclass
class Combined:
    run: Run
    #: One line per input left out, and why.
    skipped: list[str] = field(default_factory=list)


def combine(inputs: Sequence[tuple[str, bytes]]) -> Combined:
    """Merge the runs in ``inputs`` (name, content); FormatError names a bad input."""
    run = Run()
    result = Combined(run)
    seen_content: dict[str, str] = {}
    seen_runs: dict[str, str] = {}
    shards: list[dict[str, Any]] = []
    metas: list[dict[str, Any]] = []
    for name, content in inputs:
        digest = hashlib.sha256(content).hexdigest()
        if digest in seen_content:
            result.skipped.append(f"{name}: the same file as {seen_content[digest]}, counted once")
            continue
        seen_content[digest] = name
        try:
            document = loads(content)
            if not isinstance(document, dict):
                raise FormatError("expected a JSON object")
            version = document.get("schema_version")
            if version != FORMAT_VERSION:
                raise FormatError(
                    f"schema_version {version!r}, this version reads {FORMAT_VERSION} "
                    "(write it again with --fixture-perf-json of this version)"
                )
            meta = document.get("meta")
            meta = dict(meta) if isinstance(meta, dict) else {}
            ids = leaves(meta, digest)
            already = [i for i in ids if i in seen_runs]
            if already and len(already) == len(ids):
                result.skipped.append(
                    f"{name}: the same run as {seen_runs[already[0]]}, counted once"
                )
                continue
            if already:
                raise FormatError(
                    f"holds run {already[0]} of {seen_runs[already[0]]} among others: "
                    "combine the shards themselves"
                )
            for i in ids:
                seen_runs[i] = name
            label = f"s{len(shards) + 1}"
            workers = document.get("workers")
            if not isinstance(workers, list) or not all(
                isinstance(w, dict) and isinstance(w.get("id"), str) for w in workers
            ):
                raise FormatError("workers: expected a list of objects with an 'id'")
            shard = {**document, "meta": {},
                     "workers": [{**w, "id": f"{label}/{w['id']}"} for w in workers]}  # fmt: skip
            run.absorb(shard)
        except FormatError as exc:
            raise FormatError(f"{name}: {exc}") from None
        metas.append(meta)
        selection = meta.get("selection")
        for i in ids:
            shards.append({
                "shard": label, "file": name, "run_id": i,
                "started_at": meta.get("started_at"),
                "session_seconds": meta.get("session_seconds"),
                "worker_count": meta.get("worker_count"), "exit_status": meta.get("exit_status"),
                "tests": selection.get("tests") if isinstance(selection, dict) else None,
            })  # fmt: skip
    run.meta = combined_meta(metas, shards)
    return result


def combined_meta(metas: list[dict[str, Any]], shards: list[dict[str, Any]]) -> dict[str, Any]:
    """The meta of the combined run: what the shards share, their span and their sums."""
    meta: dict[str, Any] = {"mode": "combined", "shards": shards}
    ids = sorted(str(s["run_id"]) for s in shards)
    meta["run_id"] = hashlib.sha256("\n".join(ids).encode()).hexdigest()[:32]
    for key in SHARED_META:
        values = [m.get(key) for m in metas]
        if values and all(v == values[0] for v in values):
            meta[key] = values[0]
    starts = [m["started_at"] for m in metas if isinstance(m.get("started_at"), (int, float))]
    ends = [m["ended_at"] for m in metas if isinstance(m.get("ended_at"), (int, float))]
    if starts and ends:
        meta.update(started_at=min(starts), ended_at=max(ends),
                    session_seconds=max(ends) - min(starts))  # fmt: skip
    # a serial shard ran on one process (worker_count 0)
    meta["worker_count"] = sum(max(1, _count(m.get("worker_count"))) for m in metas)
    statuses = [_count(m.get("exit_status")) for m in metas if "exit_status" in m]
    if statuses:
        meta["exit_status"] = max(statuses)
    selections = [s if isinstance(s, dict) else {} for s in (m.get("selection") for m in metas)]
    digests = sorted(str(s.get("digest", "")) for s in selections)
    meta["selection"] = {
        "tests": sum(_count(s.get("tests")) for s in selections),
        "digest": hashlib.sha256("\n".join(digests).encode()).hexdigest()[:16],
    }
    return meta


def _count(value: object) -> int:
    """A count from a shard's meta (any JSON): a whole number >= 0, else 0."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < INT_LIMIT:
        return 0
    return value


def leaves(meta: dict[str, Any], fallback: str) -> list[str]:
    """The run ids a document stands for: its shards' when it was combined, else its own."""
    shards = meta.get("shards")
    if meta.get("mode") == "combined" and isinstance(shards, list) and shards:
        return [str(s.get("run_id")) for s in shards if isinstance(s, dict)]
    return [str(meta.get("run_id") or fallback)]
