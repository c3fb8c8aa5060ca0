"""The plugin's options and ini keys: declared, read and checked in one place.

A bad value is a one-line ``pytest.UsageError`` that names the option (or ini key) and what
is wrong with it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

DEFAULT_TOP = 10


def addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fixture-perf", "fixture timing (pytest-fixture-perf)")
    group.addoption(
        "--fixture-perf-top",
        metavar="N",
        default=None,
        help=f"Show the N costliest fixtures in the terminal summary "
        f"(default {DEFAULT_TOP}; 0 hides the section). Ini: fixture_perf_top.",
    )
    group.addoption(
        "--fixture-perf-json",
        metavar="PATH",
        default=None,
        help="Write the run as JSON (schema_version 2: the run's data and per-fixture "
        "statistics) to PATH. Ini: fixture_perf_json.",
    )
    group.addoption(
        "--fixture-perf-live",
        choices=("auto", "off"),
        default=None,
        help="auto (default): local xdist workers share a live SQLite view of the run, so "
        "that fixture_performance_tracker sees every worker; off: each worker sees itself. "
        "Ini: fixture_perf_live.",
    )
    group.addoption(
        "--fixture-perf-cpu",
        action="store_true",
        default=None,
        help="Read CPU time for every fixture, not only for those cached across tests "
        "(session, package, module, class). Ini: fixture_perf_cpu.",
    )
    parser.addini("fixture_perf_top", "Default for --fixture-perf-top.", default=None)
    parser.addini("fixture_perf_json", "Default for --fixture-perf-json.", default=None)
    parser.addini("fixture_perf_live", "Default for --fixture-perf-live.", default=None)
    parser.addini("fixture_perf_cpu", "Default for --fixture-perf-cpu.", type="bool", default=False)


#: Options under which no fixture runs, or pytest only prints something and exits.
NO_RUN_OPTIONS = ("collectonly", "setupplan", "help", "version", "showfixtures",
                  "show_fixtures_per_test", "markers")  # fmt: skip


def runs_fixtures(config: pytest.Config) -> bool:
    """Whether this pytest invocation runs fixtures (so the plugin has anything to do)."""
    return not any(config.getoption(name, False) for name in NO_RUN_OPTIONS)


@dataclass(frozen=True)
class Options:
    top: int = DEFAULT_TOP
    json_path: Path | None = None
    live: bool = True
    cpu: bool = False

    @classmethod
    def from_config(cls, config: pytest.Config, *, writes_files: bool = True) -> Options:
        """Read and check the options; bad values raise a one-line ``UsageError``.

        Output paths are only checked where files are written (``writes_files``: a serial
        run or the xdist controller, never a worker, whose filesystem may not be ours).
        """
        top_text, top_source = _option_or_ini(config, "fixture_perf_top")
        top = DEFAULT_TOP
        if top_text is not None:
            try:
                top = int(top_text)
            except ValueError:
                top = -1
            if top < 0:
                raise pytest.UsageError(
                    f"{top_source}: expected a whole number >= 0, got {top_text!r}"
                )
        json_text, json_source = _option_or_ini(config, "fixture_perf_json")
        json_path = None
        if json_text and writes_files:
            json_path = output_path(config, json_text, json_source)
        live_text, live_source = _option_or_ini(config, "fixture_perf_live")
        if live_text not in (None, "auto", "off"):
            raise pytest.UsageError(f"{live_source}: expected 'auto' or 'off', got {live_text!r}")
        cpu = bool(config.getoption("fixture_perf_cpu") or config.getini("fixture_perf_cpu"))
        return cls(top=top, json_path=json_path, live=live_text != "off", cpu=cpu)


def _option_or_ini(config: pytest.Config, name: str) -> tuple[str | None, str]:
    value = config.getoption(name)
    if value is not None:
        return str(value), "--" + name.replace("_", "-")
    ini = config.getini(name)
    if ini not in (None, "", []):
        return str(ini).strip(), f"ini option {name}"
    return None, name


def output_path(config: pytest.Config, text: str, source: str) -> Path:
    """``text`` as an absolute path (relative ones from where pytest was started), checked
    to be writable; a one-line ``UsageError`` naming ``source`` otherwise."""
    try:
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = Path(config.invocation_params.dir, path)
        problem = _unwritable(path)
    except (OSError, RuntimeError, ValueError) as exc:  # no such user, name too long...
        problem = getattr(exc, "strerror", None) or str(exc)
    if problem:
        raise pytest.UsageError(f"{source}: cannot write {text!r}: {problem}")
    return path


def _unwritable(path: Path) -> str | None:
    """Why ``path`` cannot be written (its directories are created), or None."""
    if path.is_dir():
        return "it is a directory"
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is not a directory"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"directory {parent} is not writable"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is not writable"
    return None
