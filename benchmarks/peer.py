"""The peer's own virtual environment (pytest-durations), for side-by-side benchmarks.

It is made once in ``benchmarks/.venv-peer`` (git-ignored) with the same pytest and
pytest-xdist versions as the running interpreter and without pytest-fixture-perf, so the
peer is measured the way its users run it.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PEER = "pytest-durations"
VENV = Path(__file__).resolve().parent / ".venv-peer"


def peer_python() -> Path | None:
    """The peer venv's python, made on first use; None (with a note) when it cannot be."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    if stamp.exists():
        return python
    try:
        pins = [f"pytest=={version('pytest')}", f"pytest-xdist=={version('pytest-xdist')}"]
    except PackageNotFoundError as exc:
        print(f"  (no {PEER} comparison: {exc} is not installed here)")
        return None
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             *pins, PEER],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"  (no {PEER} comparison: could not make its venv: {exc})")
        return None
    stamp.touch()
    return python


def interpreters(*, with_peer: bool) -> dict[str, Path | str]:
    """``{"ours": this interpreter}``, plus ``"peer"`` when wanted and available."""
    pythons: dict[str, Path | str] = {"ours": sys.executable}
    if with_peer:
        peer = peer_python()
        if peer is not None:
            pythons["peer"] = peer
    return pythons


def baseline_mode(which: str) -> str:
    """The mode a mode run with interpreter ``which`` is compared with: plugin-off in the
    same venv (the two venvs' start-up costs differ)."""
    return "peer-off" if which == "peer" else "off"
