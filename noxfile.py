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
