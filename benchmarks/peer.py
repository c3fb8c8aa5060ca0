"""Clean virtual environments for side-by-side benchmarks.

Each is made once, git-ignored, with the same pytest and pytest-xdist versions as the
running interpreter and nothing else that registers pytest hooks: ``benchmarks/.venv-ours``
holds this checkout (editable), ``benchmarks/.venv-peer`` the peer (pytest-durations),
without pytest-fixture-perf. A development venv also holds hypothesis, pytest-asyncio and
the example's anyio, whose hooks run in every mode and whose objects every garbage
collection walks: measured there, a plugin's cost depends on them.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PEER = "pytest-durations"
HERE = Path(__file__).resolve().parent


def clean_python(name: str, packages: list[str], editable: Path | None = None) -> Path | None:
    """The python of ``benchmarks/.venv-<name>``, made on first use with pytest and
    pytest-xdist pinned to this interpreter's versions, ``packages`` and, without its
    dependencies, the project at ``editable``; None (with a note) when it cannot be made."""
    venv = HERE / f".venv-{name}"
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if stamp.exists():
        return python
    try:
        pins = [f"pytest=={version('pytest')}", f"pytest-xdist=={version('pytest-xdist')}"]
    except PackageNotFoundError as exc:
        print(f"  (no {name} venv: {exc} is not installed here)")
        return None
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, *pins, *packages], check=True, stdout=subprocess.DEVNULL)
        if editable is not None:
            subprocess.run(
                [*pip, "--no-deps", "-e", str(editable)], check=True, stdout=subprocess.DEVNULL
            )
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"  (no {name} venv: could not make it: {exc})")
        return None
    stamp.touch()
    return python


def interpreters(*, with_peer: bool) -> dict[str, Path | str]:
    """``{"ours": a clean venv with this checkout}`` (this interpreter if it cannot be
    made), plus ``"peer"`` when wanted and available."""
    ours = clean_python("ours", [], editable=HERE.parent)
    pythons: dict[str, Path | str] = {"ours": ours or sys.executable}
    if with_peer:
        peer = clean_python("peer", [PEER])
        if peer is not None:
            pythons["peer"] = peer
    return pythons


def baseline_mode(which: str) -> str:
    """The mode a mode run with interpreter ``which`` is compared with: plugin-off in the
    same venv (the two venvs' start-up costs differ)."""
    return "peer-off" if which == "peer" else "off"
