"""The documented commands are written ``--opt=value`` (issue 12 #10: ``make demo`` ran
``--fixture-perf-json reports/x.json``; once that file existed, pytest took it for a test
path while it looked for the rootdir, and a second run switched to another ini file)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ["README.md", "Makefile", ".ci/run"]

#: Options that take a value: the plugin's, and the fixture-perf command's.
VALUED = re.compile(
    r"(--fixture-perf-(?:top|json|trace|live|db|compare|fail-on-regression)"
    r"|--(?:db|json|trace|output|keep|window|limit|top|sort|budget|floor|fail-on-regression))"
    r"[ \t]+(?!-)(\S+)"
)


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
        if line.startswith("```"):
            in_block = not in_block
        elif in_block:
            found.append(line)
    return found


@pytest.mark.parametrize("name", DOCUMENTS)
def test_documented_commands_use_opt_equals_value(name: str) -> None:
    spaced = [
        match.group(0)
        for line in commands((ROOT / name).read_text())
        for match in VALUED.finditer(line)
    ]
    assert spaced == [], f"{name}: write these --opt=value: {spaced}"


def test_the_check_catches_the_old_demo_recipe() -> None:
    old = (
        "\t$(BIN)/python -m pytest $(EXAMPLE) -n auto --fixture-perf-json reports/fixture-perf.json"
    )
    assert [m.group(0) for line in commands(old) for m in VALUED.finditer(line)]
