"""Writing the plugin's files without harming what is there.

:func:`write_text` replaces a regular file (or makes a new one) atomically, with the
permissions a new file gets from the umask or those the old file had. It never replaces
what is not a regular file: a character device (``/dev/null``), a FIFO or a symlink to one
is written to in place, and a symlink to a regular file keeps pointing at it.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Final, NamedTuple


def write_text(path: Path, text: str | Iterable[str]) -> None:
    """Write ``text`` (UTF-8; a string or pieces of one, written as they come) to
    ``path``, creating missing parent directories."""
    chunks = [text] if isinstance(text, str) else text
    target = Path(os.path.realpath(path))  # through symlinks: the link itself stays
    try:
        existing = target.stat()
    except FileNotFoundError:
        existing = None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise IsADirectoryError(f"{path} is a directory")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with open(target, "w", encoding="utf-8") as handle:  # a device, a FIFO: in place
            handle.writelines(chunks)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    # 0o666 less the umask for a new file, as any program's output file gets
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(chunks)
            if existing is not None:
                os.fchmod(handle.fileno(), stat.S_IMODE(existing.st_mode))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


#: The name every file of ours carries near its head (a trace's ``producer``, an OTLP
#: file's resource, the HTML page's generator tag, the Markdown summary's mark).
PRODUCER: Final = "pytest-fixture-perf"


class Kind(NamedTuple):
    """A kind of file the plugin writes: its name, what the head of every such file holds
    (how an earlier one is told from a file that is not ours) and how it starts."""

    name: str
    marks: tuple[bytes, ...]
    start: bytes = b"{"


def foreign_file(path: Path, kind: Kind) -> str | None:
    """Why writing a file of ``kind`` to ``path`` would replace a file that is not one: a
    regular file whose head does not hold the kind's marks (a source file, a
    database...). None when it may be written: missing, empty, one of ours, or not a
    regular file (a device, a FIFO: written in place)."""
    try:
        target = Path(os.path.realpath(path))
        if not target.is_file():
            return None
        with open(target, "rb") as handle:
            head = handle.read(8192)
    except OSError:
        return None  # the write itself will say what is wrong
    if not head or (head.lstrip().startswith(kind.start) and all(m in head for m in kind.marks)):
        return None
    return f"not a pytest-fixture-perf {kind.name} (left untouched)"


def write_ours(path: Path, text: str | Iterable[str], kind: Kind) -> None:
    """:func:`write_text`, unless ``path`` is a file that is not of ``kind``: then
    FileExistsError, and the file is never replaced."""
    problem = foreign_file(path, kind)
    if problem is not None:
        raise FileExistsError(errno.EEXIST, problem, str(path))
    write_text(path, text)
