"""``fixture-perf export RUN --test-durations=PATH``: a pytest-split ``.test_durations``
file (a JSON object: test node id -> seconds) without the shared-fixture bias (see
:mod:`pytest_fixture_perf.model.durations`).

An existing durations file is updated as pytest-split's ``--store-durations`` does: the
tests of the run get their new durations, the others keep theirs. A file that is not a
durations file is never replaced.
"""

from __future__ import annotations

import errno
import json
import stat
from pathlib import Path

from ..model.durations import shard_durations
from ..model.run import Run
from ..store.files import write_text


def read_durations(path: Path) -> dict[str, float]:
    """The durations in ``path``: pytest-split's object (node id -> seconds) or its older
    list of ``[node id, seconds]`` pairs; empty when it is missing, empty or not a regular
    file (a FIFO, a device: written to, never read). FileExistsError when it is another
    kind of file (left untouched)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return {}
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        text = "\0"
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, list) and all(
        isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str) for pair in data
    ):
        data = dict(data)
    if not isinstance(data, dict) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in data.values()
    ):
        raise FileExistsError(
            errno.EEXIST, "not a test durations file (a JSON object of seconds): left untouched",
            str(path),
        )  # fmt: skip
    return {str(k): float(v) for k, v in data.items()}


def write_test_durations(path: Path, run: Run, *, spread: bool = False) -> tuple[int, int]:
    """Write the run's durations into ``path`` (kept: the file's other tests); returns
    (tests written, tests kept from the file)."""
    durations = read_durations(path)
    new = shard_durations(run, spread=spread)
    kept = len(set(durations) - set(new))
    durations.update(new)
    write_text(path, json.dumps(dict(sorted(durations.items())), indent=4) + "\n")
    return len(new), kept
