"""The versioned JSON report (schema documented in the README)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .aggregate import FixtureData, RunData
from .stats import NS_PER_S, summarize

SCHEMA_VERSION = 1


def _fixture_entry(data: FixtureData) -> dict[str, Any]:
    return {
        "name": data.name,
        "scope": data.scope,
        "location": data.location,
        "setups": data.setup.count,
        "teardowns": data.teardown.count,
        "setup_errors": data.setup.errors,
        "setup_skips": data.setup.skipped,
        "teardown_errors": data.teardown.errors,
        "uses": data.uses,
        "setup": data.setup.stats(),
        "teardown": data.teardown.stats(),
        "workers": dict(sorted(data.setups_by_worker.items())),
        "params": {
            param_id: {"setups": phase.count, "setup": summarize(phase.durations_ns)}
            for param_id, phase in data.params.items()
        },
    }


def build_document(run: RunData, run_info: dict[str, Any]) -> dict[str, Any]:
    """The JSON document for ``run``; ``run_info`` adds fields to its ``"run"`` object."""
    return {
        "schema_version": SCHEMA_VERSION,
        "run": {
            **run_info,
            "workers": run.workers,
            "total_fixture_setups": run.total_setups,
            "total_fixture_teardowns": run.total_teardowns,
            "total_setup_seconds": run.total_setup_ns / NS_PER_S,
            "total_teardown_seconds": run.total_teardown_ns / NS_PER_S,
            "by_scope": run.by_scope(),
        },
        "fixtures": [_fixture_entry(data) for data in run.recorded()],
    }


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and a
    rename, so that readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, run: RunData, run_info: dict[str, Any]) -> None:
    write_atomically(path, json.dumps(build_document(run, run_info), indent=2) + "\n")
