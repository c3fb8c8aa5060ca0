"""The ``fixture-perf`` command line: the history, comparisons, ``combine`` and exports.

A thin layer: each sub-command reads its arguments, calls the history
(``store/history.py``), the model (``model/compare.py``, ``model/combine.py``) or a
reporter, and prints. Exit status: 0 ok, 1 a regression (``compare
--fail-on-regression``), 2 a usage or data error (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, NoReturn

from . import defaults
from ._version import __version__
from .model.budgets import (
    Budget,
    BudgetError,
    check,
    parse_budget,
    parse_count,
    parse_duration,
    parse_percent,
)
from .model.compare import REGRESSED, Rule, compare
from .model.derive import entry_seconds
from .model.run import FormatError, Run
from .model.stats import NS_PER_S, format_seconds
from .report.terminal import describe_breach, format_table
from .store.history import History, HistoryError, StoredRun

OK, REGRESSION, ERROR = 0, 1, 2
SORT_KEYS: Final[Mapping[str, Callable[[dict[str, Any]], Any]]] = MappingProxyType(
    {
        "total": lambda e: -entry_seconds(e),
        "mean": lambda e: -e["setup"]["mean"],
        "p95": lambda e: -e["setup"]["p95"],
        "max": lambda e: -e["setup"]["max"],
        "setups": lambda e: -e["setups"],
        "teardown": lambda e: -e["teardown"]["total"],
        "name": lambda e: e["name"],
    }
)


class CommandError(Exception):
    """A usage or data error: printed as one line, exit status 2."""


def find_db(start: Path) -> Path:
    """The history nearest ``start`` (there or in a parent folder), else the default path
    under ``start``."""
    for directory in (start, *start.parents):
        candidate = directory / defaults.HISTORY_PATH
        if candidate.exists():
            return candidate
    return start / defaults.HISTORY_PATH


def db_path(args: argparse.Namespace) -> Path:
    """The history ``--db`` names, or the one found from the working directory up."""
    return Path(args.db).expanduser() if args.db else find_db(Path.cwd())


def open_history(args: argparse.Namespace, *, create: bool = False) -> History:
    return History(db_path(args), create=create)


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


def _outcome(status: int | None) -> str:
    """pytest's exit status by its name: ``ok``, ``tests failed``, ``interrupted``..."""
    import pytest

    if status is None:
        return "-"
    try:
        return pytest.ExitCode(status).name.lower().replace("_", " ")
    except ValueError:
        return f"exit {status}"


def _print_rows(rows: Sequence[tuple[str, ...]], right_from: int) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [c.ljust(w) if i < right_from else c.rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]  # fmt: skip
        print("  ".join(cells).rstrip())


# -- sub-commands -------------------------------------------------------------------------
def cmd_runs(args: argparse.Namespace) -> int:
    with open_history(args) as history:
        runs = history.runs(limit=args.limit)
    if args.json:
        print(json.dumps([r.as_dict() for r in runs], indent=2))
        return OK
    if not runs:
        print("no runs stored yet")
        return OK
    header = ("run", "when", "commit", "branch", "workers", "tests", "setups", "fixture time",
              "outcome")  # fmt: skip
    rows: list[tuple[str, ...]] = [header]
    for r in runs:
        commit = (r.git_commit or "-")[:10] + ("+" if r.git_dirty else "")
        rows.append((
            str(r.seq), _when(r.started_at), commit, r.git_branch or "-",
            str(r.worker_count) if r.worker_count else "serial",
            "-" if r.tests is None else str(r.tests), str(r.setups),
            format_seconds(r.fixture_ns / NS_PER_S),
            "regressed" if r.regressed else _outcome(r.exit_status),
        ))  # fmt: skip
    _print_rows(rows, right_from=4)
    return OK


def cmd_show(args: argparse.Namespace) -> int:
    with open_history(args) as history:
        run = history.run(args.run, git_cwd=Path.cwd())
        every = history.fixtures(run)
    entries = sorted(every, key=SORT_KEYS[args.sort])
    if args.top:  # 0: every fixture, as pytest's --durations=0
        entries = entries[: args.top]
    if args.json:
        print(json.dumps({"run": run.as_dict(), "fixtures": entries}, indent=2))
    else:
        fixture_time = format_seconds(run.fixture_ns / NS_PER_S)
        print(f"run {run.seq} ({run.run_id[:12]}) of {_when(run.started_at)}: "
              f"{run.setups} setups, {fixture_time} in fixtures")  # fmt: skip
        if entries:
            for line in format_table(entries, width=_width()):
                print(line)
    return check_budgets(args.budget, every)


def cmd_compare(args: argparse.Namespace) -> int:
    rule = Rule(pct=args.fail_on_regression or 0.0, floor_ns=args.floor_ns)
    with open_history(args) as history:
        base = history.run(args.base, git_cwd=Path.cwd(), baseline=True)
        new = history.run(args.new, git_cwd=Path.cwd())
        window = [r for r in history.window(base, args.window, up_to=base.seq) if r != new]
        if not window:
            raise CommandError(f"nothing to compare run {new.seq} with: it is run {base.seq}")
        if not base.comparable(new):
            print(f"note: runs {base.seq} and {new.seq} ran other tests or in another "
                  "environment; compared per setup all the same", file=sys.stderr)  # fmt: skip
        changes = compare(history.samples(window), history.samples([new]), rule)
    regressed = [c for c in changes if c.status == REGRESSED]
    if args.json:
        print(json.dumps({
            "baseline": [r.seq for r in window], "run": new.seq,
            "changes": [{**c._asdict(), "mean_change": c.mean_change,
                         "median_change": c.median_change} for c in changes],
        }, indent=2))  # fmt: skip
    else:
        print(f"run {new.seq} against run(s) {', '.join(str(r.seq) for r in window)}, per setup:")
        header = ("fixture", "measure", "status", "before", "after", "median", "mean", "n", "p")
        rows: list[tuple[str, ...]] = [header]
        for c in sorted(changes, key=lambda c: (c.status != REGRESSED, c.name, c.measure)):
            rows.append((
                c.name, c.measure, c.status, format_seconds(c.before_median_ns / NS_PER_S),
                format_seconds(c.after_median_ns / NS_PER_S), _percent(c.median_change),
                _percent(c.mean_change), f"{c.before_n}->{c.after_n}",
                "-" if c.p is None else f"{c.p:.2g}",
            ))  # fmt: skip
        if changes:
            _print_rows(rows, right_from=3)
        else:
            print("no fixture measured in both")
    if args.fail_on_regression is not None and regressed:
        print(f"{len(regressed)} fixture measure(s) regressed by >= {args.fail_on_regression:g}%",
              file=sys.stderr)  # fmt: skip
        return REGRESSION
    return OK


def _percent(change: float | None) -> str:
    return "-" if change is None else f"{round(change * 100):+d}%"


def cmd_combine(args: argparse.Namespace) -> int:
    from .model.combine import combine
    from .model.derive import derive, fixture_entry
    from .report.jsonfile import write_json

    inputs = []
    for name in args.files:
        try:
            inputs.append((name, Path(name).read_bytes()))
        except OSError as exc:
            raise CommandError(f"{name}: {exc.strerror or exc}") from None
    combined = combine(inputs)
    for line in combined.skipped:
        print(line, file=sys.stderr)
    run = combined.run
    stats = derive(run)
    output = Path(args.output)
    try:
        write_json(output, run, stats)
    except OSError as exc:
        raise CommandError(f"{output}: {exc.strerror or exc}") from None
    shards = len(run.meta.get("shards", []))
    print(f"combined {shards} run(s): {stats.total.setups} setups, "
          f"{format_seconds(stats.total.total_ns / NS_PER_S)} in fixtures -> {output}")  # fmt: skip
    if args.save:
        with open_history(args, create=True) as history:
            saved = history.save(run, stats)
        print(f"saved as run {saved.seq}" if saved else "already in the history")
    return check_budgets(args.budget, [fixture_entry(f) for f in stats.fixtures])


def cmd_export(args: argparse.Namespace) -> int:
    from .model.derive import derive
    from .model.insights import insights
    from .report.outputs import Reports

    wanted = [(name, getattr(args, name.replace("-", "_"))) for name in EXPORTS]
    wanted = [(name, path) for name, path in wanted if path is not None]
    if not wanted:
        raise CommandError("say what to write: " + ", ".join(f"--{n}=PATH" for n in EXPORTS))
    run = _exported_run(args)
    stats = derive(run)

    def history_trend() -> dict[str, Any] | None:
        if Path(args.run).is_file():
            return None  # a JSON report: no stored runs to show it among
        from .store.history import read_trend

        return read_trend(db_path(args), run, stats)

    reports = Reports(run, stats, insights(run, stats), trend=history_trend)
    for name, path in wanted:
        try:
            said = ""
            if name == "test-durations":
                from .report.durations import write_test_durations

                written, kept = write_test_durations(Path(path), run, spread=args.spread)
                how = "spread over their users" if args.spread else "removed"
                kept_note = f"; {kept} other tests kept from the file" if kept else ""
                said = f" ({written} tests, shared fixtures' time {how}{kept_note})"
            else:
                reports.write(name, Path(path))
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from None
        print(f"wrote {path}{said}")
    return OK


#: What ``export`` writes (``--NAME=PATH``), with each one's help.
EXPORTS: Final = {
    "json": "the JSON report",
    "html": "the single-file HTML report",
    "trace": "the timeline (Chrome trace JSON, for Perfetto)",
    "otlp": "OpenTelemetry spans (OTLP JSON Lines)",
    "markdown": "the Markdown summary",
    "test-durations": "a pytest-split .test_durations file without the shared fixtures' bias",
}


def _exported_run(args: argparse.Namespace) -> Run:
    """The run to export: a JSON report (a file's path) or a stored run."""
    source = Path(args.run)
    if source.is_file():
        try:
            return Run.from_json(source.read_bytes())
        except OSError as exc:
            raise CommandError(f"{source}: {exc.strerror or exc}") from None
        except FormatError as exc:
            raise CommandError(f"{source}: {exc}") from None
    with open_history(args) as history:
        return history.load(history.run(args.run, git_cwd=Path.cwd()))


def cmd_accept(args: argparse.Namespace) -> int:
    with open_history(args) as history:
        run = history.run(args.run, git_cwd=Path.cwd())
        history.accept(run)
    print(f"run {run.seq} is the baseline: later runs are compared with it and the runs "
          "after it")  # fmt: skip
    return OK


def cmd_prune(args: argparse.Namespace) -> int:
    with open_history(args) as history:
        removed = history.prune(args.keep)
    print(f"removed {removed} run(s), kept the newest {args.keep}")
    return OK


def _width() -> int:
    import shutil

    return shutil.get_terminal_size((120, 24)).columns


# -- arguments ----------------------------------------------------------------------------
def _count(least: int) -> Callable[[str], int]:
    def count(text: str) -> int:
        try:
            return parse_count(text, least)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return count


_whole = _count(0)
_positive = _count(1)


def _pct(text: str) -> float:
    try:
        return parse_percent(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _budget(text: str) -> Budget:
    try:
        return parse_budget(text)
    except BudgetError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def check_budgets(budgets: Sequence[Budget], entries: Sequence[dict[str, Any]]) -> int:
    """Print the exceeded budgets (and those that matched nothing); exit status 1 or 0."""
    if not budgets:
        return OK
    breaches, unmatched = check(budgets, entries)
    for budget in unmatched:
        print(f"budget matched no fixture: {budget.line!r}", file=sys.stderr)
    if not breaches:
        print(f"{len(budgets)} budget(s) held")
        return OK
    print(f"FIXTURE BUDGET EXCEEDED: {len(breaches)} budget(s):")
    for breach in breaches:
        print("  " + describe_breach(breach))
    return REGRESSION


def _floor(text: str) -> int:
    try:
        return round(parse_duration(text) * 1e9)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fixture-perf",
        description="The history of pytest-fixture-perf runs: list, show, compare, combine "
        "CI shards, export, accept, prune. Fixture timing itself happens inside pytest (see "
        "--fixture-perf-* in pytest --help). Exit status: 0 ok, 1 regression or exceeded "
        "budget, 2 usage or data error, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, run: Callable[[argparse.Namespace], int], text: str) -> Any:
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument(
            "--db", metavar="PATH",
            help=f"the history database (default: the nearest {defaults.HISTORY_PATH})",
        )  # fmt: skip
        sub.set_defaults(handler=run)
        return sub

    def budgets(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--budget", type=_budget, action="append", default=[], metavar="LINE",
            help="check a budget, as a line of fixture_perf_budgets (repeatable): exit 1 when "
            "one is exceeded",
        )  # fmt: skip

    sub = command("runs", cmd_runs, "List the stored runs, oldest first.")
    sub.add_argument("--limit", type=_positive, metavar="N", help="only the newest N runs")
    sub.add_argument("--json", action="store_true", help="as JSON")

    run_help = "a run number, 'last', a run id prefix, a branch or a git revision"
    sub = command("show", cmd_show, "The per-fixture table of one run.")
    sub.add_argument("run", metavar="RUN", help=run_help)
    sub.add_argument("--json", action="store_true", help="as JSON (the JSON file's entries)")
    sub.add_argument("--sort", choices=sorted(SORT_KEYS), default="total", help="default: total")
    sub.add_argument("--top", type=_whole, metavar="N", help="only the first N fixtures (0: all)")
    budgets(sub)

    sub = command(
        "compare", cmd_compare,
        "Per-fixture changes per setup from BASE (and the comparable runs before it, with "
        "--window) to NEW, under the rule of --fixture-perf-fail-on-regression.",
    )  # fmt: skip
    sub.add_argument("base", metavar="BASE", help=run_help)
    sub.add_argument("new", metavar="NEW", nargs="?", default="last", help="default: last")
    sub.add_argument(
        "--window",
        type=_positive,
        default=1,
        metavar="N",
        help="compare with BASE and the N-1 comparable runs before it (default 1)",
    )
    sub.add_argument(
        "--fail-on-regression",
        type=_pct,
        metavar="PCT",
        help="exit 1 when a fixture got slower by PCT percent or more",
    )
    sub.add_argument(
        "--floor",
        type=_floor,
        dest="floor_ns",
        default=defaults.FLOOR_NS,
        metavar="DURATION",
        help=f"smallest change that counts (default {defaults.FLOOR_NS // 1_000_000}ms)",
    )
    sub.add_argument("--json", action="store_true", help="as JSON")

    sub = command(
        "combine", cmd_combine,
        "Merge the --fixture-perf-json files of the shards of one run (CI jobs, "
        "pytest-split groups, machines) into one file.",
    )  # fmt: skip
    sub.add_argument("files", metavar="FILE", nargs="+")
    sub.add_argument("-o", "--output", required=True, metavar="OUT.json")
    sub.add_argument("--save", action="store_true", help="also save the result in the history")
    budgets(sub)

    sub = command(
        "export", cmd_export,
        "Write a stored run (with its events), or a JSON report, as other files.",
    )  # fmt: skip
    sub.add_argument("run", metavar="RUN", help=run_help + ", or a JSON report's path")
    for name, what in EXPORTS.items():
        sub.add_argument(f"--{name}", metavar="PATH", help=f"{what} to write")
    sub.add_argument(
        "--spread", action="store_true",
        help="with --test-durations: share each shared fixture's time among the tests that "
        "used it (default: leave it out of every test)",
    )  # fmt: skip

    sub = command(
        "accept", cmd_accept,
        "Take a run as the new baseline (a slowdown the gate failed was meant): later runs "
        "are compared with it and the runs after it only.",
    )  # fmt: skip
    sub.add_argument("run", metavar="RUN", help=run_help)

    sub = command("prune", cmd_prune, "Remove all but the newest runs.")
    sub.add_argument("--keep", type=_whole, required=True, metavar="N")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return ERROR
    try:
        return int(args.handler(args))
    except (CommandError, HistoryError, FormatError, sqlite3.Error) as exc:
        print(f"fixture-perf {args.command}: error: {exc}", file=sys.stderr)
        return ERROR
    except BrokenPipeError:  # `fixture-perf runs | head`: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OK
    except OSError as exc:
        print(f"fixture-perf {args.command}: error: {exc}", file=sys.stderr)
        return ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["StoredRun", "build_parser", "main"]
