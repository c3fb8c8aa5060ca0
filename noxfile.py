"""The supported-pytest matrix (``nox -s tests``, ``make matrix``) and the fault matrix's cases
with other plugins (``nox -s plugins``, ``make test-plugins``)."""

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True

PYTEST_VERSIONS = ["8.0", "8.3", "9.2"]


@nox.session
@nox.parametrize("pytest", PYTEST_VERSIONS)
def tests(session: nox.Session, pytest: str) -> None:
    session.install(
        f"pytest~={pytest}.0",
        "pytest-xdist",
        "pytest-asyncio",
        "hypothesis",
        "freezegun",
        "pytest-forked",
        "-e",
        ".",
    )
    session.run("python", "-m", "pytest", *session.posargs)


#: Other plugins the fault matrix runs next to ours (``tests/reliability``; anyio brings its
#: pytest plugin).
OTHER_PLUGINS = [
    "pytest-rerunfailures",
    "pytest-randomly",
    "pytest-timeout",
    "time-machine",
    "django",
    "pytest-django",
    "anyio",
]


@nox.session
def plugins(session: nox.Session) -> None:
    """The tests marked ``plugins``, with those plugins installed."""
    session.install(
        "pytest", "pytest-xdist", "pytest-asyncio", "hypothesis", "freezegun", *OTHER_PLUGINS,
        "-e", ".",
    )  # fmt: skip
    session.run("python", "-m", "pytest", "-m", "plugins", "-p", "no:randomly", *session.posargs)


@nox.session
def dist(session: nox.Session) -> None:
    """Build the sdist and the wheel into dist/, and check them (twine, contents)."""
    import shutil

    shutil.rmtree("dist", ignore_errors=True)
    session.install("build", "twine")
    session.run("python", "-m", "build", "--outdir", "dist")
    session.run("python", "-m", "twine", "check", "--strict", "dist/*")
    session.run("python", "scripts/check_dist.py", "contents", "dist")


def interpreter(version: str) -> str:
    """``version`` as nox looks it up on PATH, or pyenv's installed interpreter of it when
    the PATH has none that runs (pyenv's shim answers for the global versions only)."""
    import glob
    import os
    import subprocess

    try:
        subprocess.run([f"python{version}", "-c", ""], check=True, capture_output=True)
        return version
    except (OSError, subprocess.CalledProcessError):
        pass
    pattern = os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")
    found = sorted(glob.glob(pattern))
    return found[-1] if found else version


#: The lowest and the highest supported Python and pytest.
WHEEL_ENVIRONMENTS = [(interpreter("3.10"), "8.0"), (interpreter("3.13"), "9.2")]


@nox.session
@nox.parametrize(
    ("python", "pytest"), WHEEL_ENVIRONMENTS, ids=["py3.10-pytest8.0", "py3.13-pytest9.2"]
)
def wheel(session: nox.Session, pytest: str) -> None:
    """The built wheel (``nox -s dist`` first), not the source tree, installed with only
    pytest into a fresh environment, running a small suite with its reports."""
    import glob

    wheels = glob.glob("dist/*.whl")
    if len(wheels) != 1:
        session.error(f"expected one wheel in dist/ (run `nox -s dist`), found {wheels}")
    session.install(f"pytest~={pytest}.0", wheels[0])
    session.run("python", "scripts/check_dist.py", "smoke")
