"""The per-run folder an xdist controller shares with its local workers: the live store
(``live.py``) and the workers' spools (``spool.py``) live in it. Made in the temporary
directory, ``fixture-perf-<pid>-*`` (``<pid>`` the controller's), and removed at the run's
end."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

#: The per-run folders in the temporary directory: ``fixture-perf-<pid>-*``,
#: ``<pid>`` the controller's.
PREFIX = "fixture-perf-"


class RunFolder:
    """The per-run folder, owned by the controller and named after it.

    Made after removing the folders of controllers that are gone (killed before they could
    remove theirs); removed at the run's end, and on SIGTERM (a CI job cancelled) just
    before the process ends as it would have. The handler is only installed where SIGTERM
    has its default action: a handler of the user's, or an ignored signal, stays theirs.
    """

    def __init__(self) -> None:
        remove_stale(Path(tempfile.gettempdir()))
        self.path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        self._handles_sigterm = False
        if threading.current_thread() is threading.main_thread():
            with contextlib.suppress(ValueError, OSError):
                if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
                    signal.signal(signal.SIGTERM, self._on_sigterm)
                    self._handles_sigterm = True

    def _on_sigterm(self, signum: int, frame: object) -> None:
        self.remove()  # restores the default action
        os.kill(os.getpid(), signal.SIGTERM)

    def remove(self) -> None:
        if self._handles_sigterm:
            self._handles_sigterm = False
            with contextlib.suppress(ValueError, OSError):
                if signal.getsignal(signal.SIGTERM) == self._on_sigterm:
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
        shutil.rmtree(self.path, ignore_errors=True)


#: Seconds a folder must have been left alone before it may be removed (a controller in
#: another PID namespace sharing ``/tmp`` looks gone, but its workers write all the time).
QUIET = 60.0


def remove_stale(tmpdir: Path, *, quiet: float = QUIET) -> list[Path]:
    """Remove the per-run folders whose controller process is gone and which nothing has
    written for ``quiet`` seconds; the folders removed."""
    removed: list[Path] = []
    try:
        candidates = [p for p in tmpdir.iterdir() if p.name.startswith(PREFIX)]
    except OSError:
        return removed
    for folder in candidates:
        pid_text = folder.name[len(PREFIX) :].partition("-")[0]
        if not pid_text.isdigit() or process_alive(int(pid_text)) or not folder.is_dir():
            continue
        try:
            if folder.is_symlink() or folder.stat().st_uid != os.getuid():
                continue  # never another user's, never through a link
            latest = max([folder.stat().st_mtime, *(p.stat().st_mtime for p in folder.iterdir())])
        except OSError:
            continue  # removed meanwhile, or unreadable: leave it
        if time.time() - latest < quiet:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` (a controller, a local worker) is still running. A zombie
    (exited, not yet reaped) is not. Where this cannot be told, it is assumed alive."""
    if os.name != "posix":
        return True  # os.kill(pid, 0) is no probe on Windows (0 is CTRL_C_EVENT)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # e.g. PermissionError (another user's: it exists), or cannot tell
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"
