"""What a run was: versions, platform, git checkout, CI build. Read once, at the end of the
run (never on the hot path), and bounded: git is read from its files, and only asked about
uncommitted changes, with a timeout, when the run is written somewhere."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pytest

from .._version import __version__
from .recorder import hostname

GIT_TIMEOUT = 2.0  # seconds, for `git status`

#: CI provider -> (environment variable that says it is this CI, variables of the build id)
CI_PROVIDERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "github-actions": ("GITHUB_ACTIONS", ("GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT")),
    "gitlab": ("GITLAB_CI", ("CI_PIPELINE_ID", "CI_JOB_ID")),
    "circleci": ("CIRCLECI", ("CIRCLE_WORKFLOW_ID", "CIRCLE_BUILD_NUM")),
    "azure-pipelines": ("TF_BUILD", ("BUILD_BUILDID",)),
    "buildkite": ("BUILDKITE", ("BUILDKITE_BUILD_ID", "BUILDKITE_JOB_ID")),
    "jenkins": ("JENKINS_URL", ("BUILD_TAG",)),
    "travis": ("TRAVIS", ("TRAVIS_BUILD_ID", "TRAVIS_JOB_ID")),
    "bitbucket": ("BITBUCKET_BUILD_NUMBER", ("BITBUCKET_BUILD_NUMBER",)),
    "teamcity": ("TEAMCITY_VERSION", ("BUILD_NUMBER",)),
}


def package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def xdist_version() -> str | None:
    """pytest-xdist's version: from the module when it is loaded (a run under xdist, or
    with xdist installed), else from its metadata (``importlib.metadata`` searches every
    ``sys.path`` entry, a cost worth avoiding at every run's end)."""
    loaded = getattr(sys.modules.get("xdist"), "__version__", None)
    return loaded if isinstance(loaded, str) else package_version("pytest-xdist")


def environment(config: pytest.Config) -> dict[str, Any]:
    """What the run ran on and with (the same for every run of one setup)."""
    return {
        "argv": list(config.invocation_params.args),
        "rootdir": str(config.rootpath),
        "python": platform.python_version(),
        "python_implementation": sys.implementation.name,
        "pytest_version": pytest.__version__,
        "xdist_version": xdist_version(),
        "plugin_version": __version__,
        "platform": platform_name(),
        "host": hostname(),
        "plugins": plugin_versions(config),
    }


def plugin_versions(config: pytest.Config) -> list[str]:
    """``name==version`` of every installed pytest plugin (setuptools entry points), read
    from the head of each distribution's metadata file (``importlib.metadata`` parses the
    whole file as e-mail headers for each field asked, at a cost worth avoiding at every
    run's end)."""
    found = set()
    for _plugin, dist in config.pluginmanager.list_plugin_distinfo():
        fields = {"name": "?", "version": "?"}
        try:
            text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
        except (OSError, AttributeError, UnicodeDecodeError):
            text = ""
        for line in text.splitlines():
            if not line:
                break  # the end of the headers
            key, _, value = line.partition(":")
            if key.lower() in fields and fields[key.lower()] == "?":
                fields[key.lower()] = value.strip()
        found.add(f"{fields['name']}=={fields['version']}")
    return sorted(found)


def platform_name() -> str:
    """``Linux-6.1.0-x86_64`` and the like: system, release and machine. (Not
    ``platform.platform()``, which runs ``uname -p`` in a subprocess to name the
    processor.)"""
    if hasattr(os, "uname"):
        system, _node, release, _version, machine = os.uname()
        return f"{system}-{release}-{machine}"
    return f"{platform.system()}-{platform.release()}-{platform.machine()}"


def ci(environ: Mapping[str, str] = os.environ) -> dict[str, Any] | None:
    """The CI provider and build id from the environment, or None outside CI."""
    for provider, (flag, ids) in CI_PROVIDERS.items():
        if environ.get(flag):
            build = "/".join(environ[name] for name in ids if environ.get(name))
            return {"provider": provider, "build_id": build or None}
    if environ.get("CI", "").lower() in ("1", "true", "yes"):
        return {"provider": "unknown", "build_id": None}
    return None


def git(rootpath: Path, *, dirty: bool) -> dict[str, Any] | None:
    """``{"commit", "branch", "dirty"}`` of the checkout holding ``rootpath``, or None."""
    found = _git_dir(rootpath)
    if found is None:
        return None
    top, git_dir = found
    common = git_dir
    commondir = git_dir / "commondir"
    if commondir.is_file():  # a linked worktree keeps its refs in the main repository
        common = (git_dir / commondir.read_text().strip()).resolve()
    head = (git_dir / "HEAD").read_text().strip()
    branch = commit = None
    if head.startswith("ref: "):
        ref = head[5:]
        branch = ref.removeprefix("refs/heads/")
        commit = _resolve_ref(common, ref)
    else:
        commit = head
    return {"commit": commit, "branch": branch, "dirty": _dirty(top) if dirty else None}


def _git_dir(start: Path) -> tuple[Path, Path] | None:
    for directory in (start, *start.parents):
        candidate = directory / ".git"
        if candidate.is_dir():
            return directory, candidate
        if candidate.is_file():  # a worktree or submodule: "gitdir: <path>"
            text = candidate.read_text().strip()
            if text.startswith("gitdir: "):
                return directory, (directory / text[8:]).resolve()
    return None


def _resolve_ref(common: Path, ref: str) -> str | None:
    loose = common / ref
    if loose.is_file():
        return loose.read_text().strip() or None
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text().splitlines():
            sha, _, name = line.partition(" ")
            if name == ref:
                return sha
    return None  # a branch with no commit yet


def _dirty(top: Path) -> bool | None:
    try:
        result = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=top, capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return bool(result.stdout.strip()) if result.returncode == 0 else None


def git_safe(rootpath: Path, *, dirty: bool) -> dict[str, Any] | None:
    """:func:`git`, or None when the checkout cannot be read."""
    try:
        return git(rootpath, dirty=dirty)
    except (OSError, UnicodeDecodeError):
        return None
