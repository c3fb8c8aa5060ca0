"""A local xdist worker's spool: its fragments, appended to a file as it records them.

A worker that can write to the per-run folder (``folder.py``; popen workers, which share
the controller's filesystem) appends each test's fragment here instead of sending it on
the test's report, and sends its whole run once, at its end, in ``workeroutput``: the
controller then reads one document per worker rather than one per test. It reads a spool
only when its worker ended without that last document (a crash, a worker killed, an
interrupted run), and gets everything the worker recorded up to its last completed test.

One fragment a line (JSON text of the run format, in the order written). Each is written
with ``os.write`` as soon as it is made, so it is in the operating system's hands before
the next test starts: a process that dies keeps what it wrote. A line cut short (the
machine itself stopped) fails to parse and is said, like any other bad fragment.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The spool of worker ``{worker}`` in the per-run folder.
FILENAME = "spool-{worker}.jsonl"

#: Flags for creating a spool: a new file (never one already there, never through a link),
#: kept from child processes.
_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND
    | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)  # fmt: skip


def path_for(folder: Path, worker: str) -> Path:
    return folder / FILENAME.format(worker=worker)


class SpoolWriter:
    """Appends fragments to a new spool file (``OSError`` when it cannot be made)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = os.open(path, _FLAGS, 0o600)

    def append(self, text: str) -> None:
        """Write one fragment (``OSError`` when it could not be written whole)."""
        if self._fd is None:
            raise OSError(f"{self.path}: spool closed")
        data = memoryview((text + "\n").encode())
        while data:
            data = data[os.write(self._fd, data) :]

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


def read(path: Path) -> list[str]:
    """The fragments in a spool, in the order written (none when there is no such file)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return [line for line in text.split("\n") if line]
