"""The plugin's options and ini keys: declared, read and checked in one place.

A bad value is a one-line ``pytest.UsageError`` that names the option (or ini key) and what
is wrong with it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pytest

from . import defaults

if TYPE_CHECKING:
    from .model.budgets import Budget


def addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fixture-perf", "fixture timing (pytest-fixture-perf)")
    group.addoption(
        "--fixture-perf-top",
        metavar="N",
        default=None,
        help=f"Show the N costliest fixtures in the terminal summary (default {defaults.TOP}; "
        "0 shows all, as --durations=0 does; 'off' hides the table). Ini: fixture_perf_top.",
    )
    group.addoption(
        "--fixture-perf-disable",
        action="store_true",
        default=None,
        help="Record and report nothing in this run; every --fixture-perf-* option stays "
        "valid and fixture_performance_tracker still works (its summary says disabled). "
        "Ini: fixture_perf_disable.",
    )
    group.addoption(
        "--fixture-perf-json",
        metavar="PATH",
        default=None,
        help="Write the run as JSON (schema_version 2: the run's data and per-fixture "
        "statistics) to PATH. Ini: fixture_perf_json.",
    )
    group.addoption(
        "--fixture-perf-trace",
        metavar="PATH",
        default=None,
        help="Write the run's timeline as Chrome trace-event JSON to PATH (open it in "
        "Perfetto or chrome://tracing). Ini: fixture_perf_trace.",
    )
    group.addoption(
        "--fixture-perf-html",
        metavar="PATH",
        default=None,
        help="Write a single-file HTML report to PATH (works offline: the fixture table, "
        "charts, a per-worker timeline, the trend over the history, insights). "
        "Ini: fixture_perf_html.",
    )
    group.addoption(
        "--fixture-perf-otlp",
        metavar="PATH",
        default=None,
        help="Write the run as OpenTelemetry spans to PATH (OTLP JSON Lines, the file "
        "exporter's format). Ini: fixture_perf_otlp.",
    )
    group.addoption(
        "--fixture-perf-markdown",
        metavar="PATH",
        default=None,
        help="Write a Markdown summary to PATH (it is added to $GITHUB_STEP_SUMMARY "
        "anyway when GitHub Actions sets it). Ini: fixture_perf_markdown.",
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
    group.addoption(
        "--fixture-perf-db",
        metavar="PATH",
        default=None,
        help=f"The history database (default {defaults.HISTORY_PATH} under the rootdir). "
        "Ini: fixture_perf_db.",
    )
    group.addoption(
        "--fixture-perf-no-save",
        action="store_true",
        default=False,
        help="Do not save this run in the history (it is still compared with it).",
    )
    group.addoption(
        "--fixture-perf-compare",
        metavar="RUN",
        nargs="?",
        const="last",
        default=None,
        help="Compare with this stored run (and the comparable runs before it): a run "
        "number, 'last', a run id prefix, a branch or a git revision (its latest run). "
        "Default: the latest comparable runs. Ini: fixture_perf_compare.",
    )
    group.addoption(
        "--fixture-perf-fail-on-regression",
        metavar="PCT",
        default=None,
        help="Fail the session (exit status 1) when a fixture's setup or teardown got "
        "slower per setup by PCT percent or more, beyond noise (see the docs' rule). "
        "Ini: fixture_perf_fail_on_regression.",
    )
    group.addoption(
        "--fixture-perf-strict",
        action="store_true",
        default=None,
        help="Fail the session (exit status 1) when an output file or the history cannot be "
        "written (a warning otherwise; -W error fails it too). Ini: fixture_perf_strict.",
    )
    parser.addini("fixture_perf_top", "Default for --fixture-perf-top.", default=None)
    parser.addini(
        "fixture_perf_disable", "Default for --fixture-perf-disable.", type="bool", default=False
    )
    parser.addini(
        "fixture_perf_strict", "Default for --fixture-perf-strict.", type="bool", default=False
    )
    parser.addini("fixture_perf_db", "Default for --fixture-perf-db.", default=None)
    parser.addini("fixture_perf_compare", "Default for --fixture-perf-compare.", default=None)
    parser.addini(
        "fixture_perf_fail_on_regression",
        "Default for --fixture-perf-fail-on-regression.",
        default=None,
    )
    parser.addini(
        "fixture_perf_regression_floor",
        f"A slower median counts only when it grew by at least this much (default "
        f"{defaults.FLOOR_NS // 1_000_000}ms).",
        default=None,
    )
    parser.addini(
        "fixture_perf_window",
        f"How many recent comparable runs a run is compared with (default {defaults.WINDOW}).",
        default=None,
    )
    parser.addini(
        "fixture_perf_keep_events",
        f"Keep the events of the newest N runs in the history; older runs keep statistics "
        f"(default {defaults.KEEP_EVENTS}).",
        default=None,
    )
    parser.addini(
        "fixture_perf_budgets",
        "Fixture budgets, one a line: PATTERN [setup|teardown] = [mean|median|p95|max|total <] "
        "DURATION, e.g. 'db_session = 50ms'. Exceeded budgets fail the session.",
        type="linelist",
        default=[],
    )
    parser.addini("fixture_perf_json", "Default for --fixture-perf-json.", default=None)
    parser.addini("fixture_perf_trace", "Default for --fixture-perf-trace.", default=None)
    parser.addini("fixture_perf_html", "Default for --fixture-perf-html.", default=None)
    parser.addini("fixture_perf_otlp", "Default for --fixture-perf-otlp.", default=None)
    parser.addini("fixture_perf_markdown", "Default for --fixture-perf-markdown.", default=None)
    parser.addini("fixture_perf_live", "Default for --fixture-perf-live.", default=None)
    parser.addini("fixture_perf_cpu", "Default for --fixture-perf-cpu.", type="bool", default=False)


#: Options under which no fixture runs, or pytest only prints something and exits.
NO_RUN_OPTIONS = ("collectonly", "setupplan", "help", "version", "showfixtures",
                  "show_fixtures_per_test", "markers")  # fmt: skip


def runs_fixtures(config: pytest.Config) -> bool:
    """Whether this pytest invocation runs fixtures (so the plugin has anything to do)."""
    return not any(config.getoption(name, False) for name in NO_RUN_OPTIONS)


#: Set while a run that reports to the CI's step summary is on: a pytest run started
#: inside it (pytester's, in process or not) leaves the step summary alone.
REPORTING_RUN = "PYTEST_FIXTURE_PERF_STEP_SUMMARY"


def nested() -> bool:
    """Whether this pytest run was started inside another one's test."""
    return "PYTEST_CURRENT_TEST" in os.environ or REPORTING_RUN in os.environ


def disabled(config: pytest.Config) -> bool:
    """``--fixture-perf-disable`` (or the ini key): record and report nothing."""
    return bool(
        config.getoption("fixture_perf_disable", None) or _flag_ini(config, "fixture_perf_disable")
    )


#: The output files (``--fixture-perf-NAME``): the module and constant of their kind.
OUTPUTS: Final = {
    "json": (".report.jsonfile", "REPORT"),
    "trace": (".report.trace", "TRACE"),
    "html": (".report.html", "HTML"),
    "otlp": (".report.otlp", "OTLP"),
    "markdown": (".report.markdown", "MARKDOWN"),
}


class Options:
    """The run's checked options (a plain class: a dataclass's code generation would be
    paid at every start-up). Read-only by convention: :meth:`replaced` makes a changed
    copy."""

    __slots__ = ("budgets", "compare", "cpu", "db_path", "fail_on_regression", "floor_ns",
                 "html_path", "json_path", "keep_events", "live", "markdown_path",
                 "otlp_path", "save", "step_summary", "strict", "top", "trace_path",
                 "window")  # fmt: skip

    def __init__(
        self, *,
        top: int | None = defaults.TOP,
        json_path: Path | None = None,
        trace_path: Path | None = None,
        html_path: Path | None = None,
        otlp_path: Path | None = None,
        markdown_path: Path | None = None,
        step_summary: Path | None = None,
        live: bool = True,
        cpu: bool = False,
        db_path: Path | None = None,
        save: bool = True,
        keep_events: int = defaults.KEEP_EVENTS,
        compare: str | None = None,
        fail_on_regression: float | None = None,
        floor_ns: int = defaults.FLOOR_NS,
        window: int = defaults.WINDOW,
        budgets: tuple[Budget, ...] = (),
        strict: bool = False,
    ) -> None:  # fmt: skip
        #: The table's rows: 0 every fixture; None: no table.
        self.top = top
        self.json_path = json_path
        self.trace_path = trace_path
        self.html_path = html_path
        self.otlp_path = otlp_path
        self.markdown_path = markdown_path
        #: GitHub Actions' step summary, to add the Markdown summary to (None: not under
        #: GitHub Actions, or a pytest run inside a test, e.g. pytester's).
        self.step_summary = step_summary
        self.live = live
        self.cpu = cpu
        #: The history database; None where this process writes no file (a worker).
        self.db_path = db_path
        self.save = save
        self.keep_events = keep_events
        #: The run to compare with (as the user named it); None: the latest comparable runs.
        self.compare = compare
        #: Fail the session on a regression of this many percent; None: never.
        self.fail_on_regression = fail_on_regression
        self.floor_ns = floor_ns
        self.window = window
        self.budgets = budgets
        self.strict = strict

    def replaced(self, **changes: Any) -> Options:
        """A copy with ``changes``."""
        return Options(**{**{name: getattr(self, name) for name in Options.__slots__},
                          **changes})  # fmt: skip

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={getattr(self, name)!r}" for name in Options.__slots__)
        return f"Options({values})"

    @classmethod
    def from_config(cls, config: pytest.Config, *, writes_files: bool = True) -> Options:
        """Read and check the options; bad values raise a one-line ``UsageError``.

        Output paths are only checked where files are written (``writes_files``: a serial
        run or the xdist controller, never a worker, whose filesystem may not be ours).
        """
        top = _top(*_option_or_ini(config, "fixture_perf_top"))
        outputs: dict[str, Any] = {
            f"{name}_path": _output(config, f"fixture_perf_{name}", writes_files)
            for name in OUTPUTS
        }
        live_text, live_source = _option_or_ini(config, "fixture_perf_live")
        if live_text not in (None, "auto", "off"):
            raise pytest.UsageError(f"{live_source}: expected 'auto' or 'off', got {live_text!r}")
        cpu = bool(config.getoption("fixture_perf_cpu") or _flag_ini(config, "fixture_perf_cpu"))
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary and writes_files and not nested():
            outputs["step_summary"] = Path(summary)
        options = cls(top=top, live=live_text != "off", cpu=cpu, **outputs)
        if not writes_files:
            return options
        return options.replaced(**_history_options(config))


def _top(text: str | None, source: str) -> int | None:
    """``--fixture-perf-top``: N rows, 0 for all (as ``--durations=0``), ``off`` for none."""
    if text is None:
        return defaults.TOP
    if text.strip().lower() == "off":
        return None
    from .model.budgets import parse_count

    try:
        return parse_count(text, 0)
    except ValueError as exc:
        raise pytest.UsageError(f"{source}: {exc} (or 'off')") from None


def _history_options(config: pytest.Config) -> dict[str, Any]:
    """The history's, the gate's and the budgets' options (read where reports are made)."""
    values: dict[str, Any] = {}
    values["save"] = save = not config.getoption("fixture_perf_no_save")
    values["strict"] = bool(
        config.getoption("fixture_perf_strict") or _flag_ini(config, "fixture_perf_strict")
    )
    db_text, db_source = _option_or_ini(config, "fixture_perf_db")
    if db_text:
        # as pytest's own ini paths: an ini value is relative to the ini file's folder
        base = None if db_source.startswith("--") else _ini_dir(config)
        db = values["db_path"] = output_path(config, db_text, db_source, writable=save, base=base)
        if db.exists() and not db.is_file():
            raise pytest.UsageError(f"{db_source}: {db_text!r} is not a regular file")
    else:
        values["db_path"] = Path(config.rootpath, defaults.HISTORY_PATH)
    values["keep_events"] = _whole_number(config, "fixture_perf_keep_events", defaults.KEEP_EVENTS)
    values["window"] = _whole_number(config, "fixture_perf_window", defaults.WINDOW, least=1)
    compare, compare_source = _option_or_ini(config, "fixture_perf_compare")
    if compare:
        values["compare"] = _stored_run(config, values["db_path"], compare, compare_source)
    pct_text, pct_source = _option_or_ini(config, "fixture_perf_fail_on_regression")
    if pct_text is not None:
        from .model.budgets import parse_percent

        try:
            values["fail_on_regression"] = parse_percent(pct_text)
        except ValueError as exc:
            raise pytest.UsageError(f"{pct_source}: {exc}") from None
    floor_text, floor_source = _option_or_ini(config, "fixture_perf_regression_floor")
    if floor_text is not None:
        from .model.budgets import parse_duration

        try:
            values["floor_ns"] = round(parse_duration(floor_text) * 1e9)
        except ValueError as exc:
            raise pytest.UsageError(f"{floor_source}: {exc}") from None
    lines = config.getini("fixture_perf_budgets")
    if lines:
        from .model.budgets import BudgetError, parse_budgets

        try:
            values["budgets"] = parse_budgets(lines)
        except BudgetError as exc:
            raise pytest.UsageError(f"ini option fixture_perf_budgets: {exc}") from None
    return values


def _stored_run(config: pytest.Config, db: Path, ref: str, source: str) -> str:
    """The number of the stored run ``ref`` names, checked now where it can be: a run
    named by mistake on the command line must not leave a gate comparing nothing (a usage
    error). Otherwise ``ref`` itself, judged and said at the end, and the tests run: when
    no history is there yet or it cannot be read (a fresh checkout, a CI job without its
    cache, a damaged file), or the name comes from the ini file."""
    from .store.history import History, HistoryError

    if not db.exists():
        return ref
    try:
        history = History(db, create=False)
    except HistoryError:
        return ref  # said once, at the end
    try:
        return str(history.run(ref, git_cwd=config.rootpath, baseline=True).seq)
    except HistoryError as exc:
        if not source.startswith("--"):
            return ref
        hint = ""
        if Path(config.invocation_params.dir, ref).exists():
            hint = f" (a test path? write --fixture-perf-compare=RUN {ref})"
        raise pytest.UsageError(f"{source}: {exc}{hint}") from None
    finally:
        history.close()


def _whole_number(config: pytest.Config, name: str, default: int, *, least: int = 0) -> int:
    text, source = _option_or_ini(config, name)
    if text is None:
        return default
    from .model.budgets import parse_count

    try:
        return parse_count(text, least)
    except ValueError as exc:
        raise pytest.UsageError(f"{source}: {exc}") from None


def _output(config: pytest.Config, name: str, writes_files: bool) -> Path | None:
    """An output file's path, checked (where files are written): writable, and not a
    file of another kind than the one written there (which is never replaced)."""
    text, source = _option_or_ini(config, name)
    if not text or not writes_files:
        return None
    path = output_path(config, text, source)
    import importlib

    from .store.files import foreign_file

    module, constant = OUTPUTS[name.removeprefix("fixture_perf_")]
    kind = getattr(importlib.import_module(module, __package__), constant)
    problem = foreign_file(path, kind)
    if problem is not None:
        raise pytest.UsageError(f"{source}: {text!r} is {problem}")
    return path


def _flag_ini(config: pytest.Config, name: str) -> bool:
    """A yes/no ini value; a one-line usage error naming it when it is neither."""
    try:
        return bool(config.getini(name))
    except (ValueError, pytest.UsageError) as exc:  # pytest 9 raises UsageError, 8 ValueError
        raise pytest.UsageError(f"ini option {name}: {exc}") from None


def _option_or_ini(config: pytest.Config, name: str) -> tuple[str | None, str]:
    value = config.getoption(name, None)
    if value is not None:
        return str(value), "--" + name.replace("_", "-")
    ini = config.getini(name)
    if ini not in (None, "", []):
        return str(ini).strip(), f"ini option {name}"
    return None, name


def _ini_dir(config: pytest.Config) -> Path:
    return config.inipath.parent if config.inipath is not None else config.rootpath


def output_path(
    config: pytest.Config, text: str, source: str, *, writable: bool = True,
    base: Path | None = None,
) -> Path:  # fmt: skip
    """``text`` as an absolute path (relative ones from ``base``, by default where pytest
    was started), checked to be writable (when ``writable``); a one-line ``UsageError``
    naming ``source`` otherwise."""
    try:
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = Path(base or config.invocation_params.dir, path)
        problem = _unwritable(path) if writable else None
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
