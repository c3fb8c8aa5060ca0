"""The documentation matches the plugin.

* Documented commands are written ``--opt=value`` (issue 12 #10: ``make demo`` ran
  ``--fixture-perf-json reports/x.json``; once that file existed, pytest took it for a test
  path while it looked for the rootdir, and a second run switched to another ini file). This
  holds for the README, the Makefile, ``.ci/run`` and every Markdown file under ``docs/``.
* Every option and ini key the plugin declares is on the docs' options page, every command
  and flag of ``fixture-perf`` on its page, and every key of the JSON file and of
  ``get_performance_summary()`` on theirs.

The names come from the plugin itself (its ``addoption``, the command's parser, a real
run), never from a list kept here: a new option must be documented to pass.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_fixture_perf.cli import build_parser
from pytest_fixture_perf.options import addoption

from conftest import INI

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DOCUMENTS = [
    "README.md",
    "Makefile",
    ".ci/run",
    *sorted(path.relative_to(ROOT).as_posix() for path in DOCS.rglob("*.md")),
]
OPTIONS_PAGE = DOCS / "options.md"
CLI_PAGE = DOCS / "cli.md"
JSON_PAGE = DOCS / "json-schema.md"
API_PAGE = DOCS / "api.md"


# -- what the plugin declares -------------------------------------------------------------
class _Recorder:
    """Stands in for pytest's parser and its option groups: notes what is declared."""

    def __init__(self) -> None:
        self.options: list[tuple[tuple[str, ...], dict[str, Any]]] = []
        self.ini: list[str] = []

    def getgroup(self, name: str, description: str = "", after: str | None = None) -> _Recorder:
        return self

    def addoption(self, *names: str, **kwargs: Any) -> None:
        self.options.append((names, kwargs))

    def addini(self, name: str, help: str, *args: Any, **kwargs: Any) -> None:
        self.ini.append(name)


def declared() -> _Recorder:
    recorder = _Recorder()
    addoption(recorder)  # type: ignore[arg-type]
    return recorder


FLAG_ACTIONS = ("store_true", "store_false", "store_const", "count", "help", "version")


def plugin_options() -> dict[str, bool]:
    """The plugin's options: name -> whether it takes a value."""
    return {
        name: kwargs.get("action") not in FLAG_ACTIONS
        for names, kwargs in declared().options
        for name in names
    }


def cli_commands() -> dict[str, dict[str, bool]]:
    """``fixture-perf``'s commands: name -> {option string -> whether it takes a value}."""
    parser = build_parser()
    (subparsers,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        name: {
            option: action.nargs != 0 for action in sub._actions for option in action.option_strings
        }
        for name, sub in subparsers.choices.items()
    }


def valued_pattern(names: set[str]) -> re.Pattern[str]:
    """An option of ``names`` followed by a space and a value."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])({alternatives})(?![\w=-])[ \t]+(?!-)(\S+)")


PLUGIN_VALUED = {name for name, valued in plugin_options().items() if valued}
COMMANDS = cli_commands()
#: Long options of the command that take a value wherever they appear. The others are
#: checked only in a line naming their command: ``--json`` is a flag of ``runs``, ``show``
#: and ``compare`` but takes a path in ``export``; ``-o`` is also pytest's own.
ALWAYS_VALUED = {
    option
    for options in COMMANDS.values()
    for option, valued in options.items()
    if valued and option.startswith("--") and all(o.get(option, True) for o in COMMANDS.values())
}
COMMAND_IN_LINE = re.compile(r"fixture-perf\s+(" + "|".join(map(re.escape, COMMANDS)) + r")\b")


def spaced_values(line: str) -> list[str]:
    """The ``--opt value`` forms of the plugin's and the command's options in ``line``."""
    names = PLUGIN_VALUED | ALWAYS_VALUED
    command = COMMAND_IN_LINE.search(line)
    if command is not None:
        names |= {o for o, valued in COMMANDS[command.group(1)].items() if valued}
    return [match.group(0) for match in valued_pattern(names).finditer(line)]


def commands(text: str) -> list[str]:
    """Lines that are commands: in code blocks and recipes, and inline code."""
    found = [
        line
        for line in text.splitlines()
        if line.startswith(("\t", "    ", "pytest", "fixture-perf", "make"))
    ]
    found += re.findall(r"`([^`]+)`", text)
    in_block = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_block = not in_block
        elif in_block:
            found.append(line)
    return found


# -- --opt=value --------------------------------------------------------------------------
@pytest.mark.parametrize("name", DOCUMENTS)
def test_documented_commands_use_opt_equals_value(name: str) -> None:
    spaced = [
        found for line in commands((ROOT / name).read_text()) for found in spaced_values(line)
    ]
    assert spaced == [], f"{name}: write these --opt=value: {spaced}"


def test_the_docs_are_checked() -> None:
    assert {"docs/options.md", "docs/cli.md", "docs/index.md"} <= set(DOCUMENTS)


@pytest.mark.parametrize(
    "text",
    [
        "\t$(BIN)/python -m pytest $(EXAMPLE) -n auto --fixture-perf-json reports/x.json",
        "```console\npytest --fixture-perf-top 20\n```",
        "`fixture-perf export last --html report.html`",
        "    fixture-perf combine a.json b.json -o out.json",
        "`fixture-perf compare 3 --window 5`",
    ],
)
def test_the_check_catches_spaced_values(text: str) -> None:
    assert [found for line in commands(text) for found in spaced_values(line)]


@pytest.mark.parametrize(
    "text",
    [
        "`fixture-perf runs --json`",
        "`fixture-perf show last --json | jq .fixtures`",
        "`pytest --fixture-perf-cpu tests/`",
        "`pytest --fixture-perf-json=report.json -n 2`",
        "`pytest -o fixture_perf_top=5 tests/`",
        "`fixture-perf export last --json=run.json --spread`",
    ],
)
def test_the_check_leaves_flags_and_equals_alone(text: str) -> None:
    assert [found for line in commands(text) for found in spaced_values(line)] == []


# -- every name is documented -------------------------------------------------------------
def mentioned(name: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None


def test_every_option_and_ini_key_is_on_the_options_page() -> None:
    text = OPTIONS_PAGE.read_text()
    recorder = declared()
    options = [name for names, _ in recorder.options for name in names]
    assert options
    assert all(name.startswith("--fixture-perf-") for name in options)
    assert recorder.ini
    assert all(name.startswith("fixture_perf_") for name in recorder.ini)
    missing = [name for name in [*options, *recorder.ini] if not mentioned(name, text)]
    assert missing == [], f"not documented in {OPTIONS_PAGE.relative_to(ROOT)}: {missing}"


def test_every_command_and_flag_is_on_the_cli_page() -> None:
    text = CLI_PAGE.read_text()
    missing = [f"fixture-perf {name}" for name in COMMANDS if f"fixture-perf {name}" not in text]
    missing += sorted(
        {
            option
            for options in COMMANDS.values()
            for option in options
            if option.startswith("--") and not mentioned(option, text)
        }
    )
    missing += [o for o in ("--version", "--help") if not mentioned(o, text)]
    assert missing == [], f"not documented in {CLI_PAGE.relative_to(ROOT)}: {missing}"


SUITE = """
import json

import pytest


@pytest.fixture(scope="session")
def shared():
    yield 1


@pytest.fixture(params=["a", "b"])
def param(request, shared):
    yield request.param


def test_one(param, fixture_performance_tracker, pytestconfig):
    summary = fixture_performance_tracker.get_performance_summary()
    (pytestconfig.rootpath / f"summary-{param}.json").write_text(json.dumps(summary))
"""

#: Maps keyed by data (worker ids, scopes, param ids, fixture names): their keys are not
#: names to document, their values' keys are. ``numbers`` holds an insight's figures.
DATA_KEYED = {"by_scope", "by_worker", "lost_workers", "worker_errors", "scopes", "workers",
              "params"}  # fmt: skip
NOT_WALKED = {"numbers"}


def keys(value: Any, data_keyed: bool = False) -> Iterator[str]:
    """Every dict key in ``value``, recursively, but those of maps keyed by data."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not data_keyed:
                yield key
            if key in NOT_WALKED:
                continue
            yield from keys(item, data_keyed=key in DATA_KEYED and isinstance(item, dict))
    elif isinstance(value, list):
        for item in value:
            yield from keys(item)


def quoted(name: str, text: str) -> bool:
    return re.search(rf"[`\"]{re.escape(name)}[`\"]", text) is not None


def test_every_json_and_summary_key_is_documented(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--fixture-perf-json=report.json", "--fixture-perf-no-save"
    )  # fmt: skip
    result.assert_outcomes(passed=2)
    report = json.loads((pytester.path / "report.json").read_text())
    summary = json.loads((pytester.path / "summary-b.json").read_text())
    assert report["fixtures"]
    assert summary["fixtures"]

    json_text = JSON_PAGE.read_text()
    missing = sorted({key for key in keys(report) if not quoted(key, json_text)})
    assert missing == [], f"JSON keys not documented in {JSON_PAGE.relative_to(ROOT)}: {missing}"

    # the summary's ``fixtures`` is keyed by fixture name: check its entries' keys
    entries = summary.pop("fixtures")
    found = set(keys(summary)) | {"fixtures"} | set(keys(list(entries.values())))
    api_text = API_PAGE.read_text()
    missing = sorted(key for key in found if not quoted(key, api_text))
    assert missing == [], f"summary keys not documented in {API_PAGE.relative_to(ROOT)}: {missing}"
