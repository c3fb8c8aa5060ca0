"""Helpers for running inner pytest sessions and reading an independent ground truth.

Suites under test use ``GT_FIXTURES`` fixtures: each one appends ``<phase> <name> <pid>``
to ``gt.log`` in the suite's directory when it really sets up or tears down, without any
help from the plugin. Counts from the plugin are compared with that log.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["pytester"]

GT_HELPER = '''
import os, pathlib, time
GT_LOG = pathlib.Path(__file__).parent / "gt.log"

def gt(phase, name, seconds=0.0):
    """Ground truth: sleep ``seconds`` and log one real setup/teardown of ``name``."""
    if seconds:
        time.sleep(seconds)
    with open(GT_LOG, "a") as handle:
        handle.write(f"{phase} {name} {os.getpid()}\\n")
'''


def _asyncio_ini() -> str:
    """pytest-asyncio >= 0.24 warns unless the fixture loop scope is set; older ones warn
    when it is."""
    try:
        major, minor = (int(part) for part in version("pytest-asyncio").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return ""
    return "asyncio_default_fixture_loop_scope = function\n" if (major, minor) >= (0, 24) else ""


INI = "[pytest]\n" + _asyncio_ini()


class Suite:
    """A pytester suite with the ground-truth helper module ``gtlog.py``."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        pytester.makepyfile(gtlog=GT_HELPER)
        pytester.makeini(INI)
        pytester.syspathinsert()

    @property
    def path(self) -> Path:
        return self.pytester.path

    def run(
        self, *args: str, subprocess: bool = False, json_report: bool = True
    ) -> tuple[pytest.RunResult, dict[str, Any]]:
        """Run the suite (with a JSON report unless told not to); return the result and
        the parsed report ({} when none was written)."""
        report = self.path / "fixture-perf.json"
        report.unlink(missing_ok=True)
        (self.path / "gt.log").unlink(missing_ok=True)
        argv = ["-p", "no:cacheprovider", *args]
        if json_report:
            argv.append(f"--fixture-perf-json={report}")
        if subprocess:
            result = self.pytester.runpytest_subprocess(*argv)
        else:
            result = self.pytester.runpytest(*argv)
        doc = json.loads(report.read_text()) if report.exists() else {}
        return result, doc

    def ground_truth(self) -> Counter[tuple[str, str]]:
        """``(phase, name) -> count`` from gt.log."""
        log = self.path / "gt.log"
        counts: Counter[tuple[str, str]] = Counter()
        if log.exists():
            for line in log.read_text().splitlines():
                phase, name, _pid = line.split()
                counts[(phase, name)] += 1
        return counts


@pytest.fixture(autouse=True)
def _no_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs must not add to a real GitHub Actions step summary (tests that want one
    set their own)."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture
def suite(pytester: pytest.Pytester) -> Suite:
    return Suite(pytester)


def by_name(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The report's fixture entries by name (asserting names are unique)."""
    entries = {entry["name"]: entry for entry in doc["fixtures"]}
    assert len(entries) == len(doc["fixtures"]), "duplicate fixture names in this suite"
    return entries


def setup_show(result: pytest.RunResult, names: set[str]) -> Counter[tuple[str, str]]:
    """``(phase, name) -> count`` of ``names`` from pytest's own ``--setup-show`` lines."""
    counts: Counter[tuple[str, str]] = Counter()
    for line in result.outlines:
        words = line.split()
        if len(words) < 3 or words[0] not in ("SETUP", "TEARDOWN"):
            continue
        name = words[2].split("[")[0]
        while name not in names and name[-1:] in (".", "E", "s", "F"):  # -q progress letters
            name = name[:-1]
        if name in names:
            counts[(words[0].lower(), name)] += 1
    return counts


def reported(doc: dict[str, Any], names: set[str]) -> Counter[tuple[str, str]]:
    """``(phase, name) -> count`` from the JSON report, for ``names``."""
    counts: Counter[tuple[str, str]] = Counter()
    for entry in doc["fixtures"]:
        if entry["name"] in names:
            counts[("setup", entry["name"])] += entry["setups"]
            counts[("teardown", entry["name"])] += entry["teardowns"]
    return counts
