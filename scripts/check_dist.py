"""Checks of the built distributions (``make dist-check``, run by nox).

``contents DIST_DIR``: the wheel and the sdist hold what an install needs (the plugin, its
HTML assets, ``py.typed``, the license, the entry points) and say what they are (name,
version, license, requirements).

``smoke``: run where only the built wheel and pytest are installed: a small suite with
fixtures that log their own setups runs with the plugin, whose JSON and HTML reports must
count those setups, from the installed package (not a source tree).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from email.parser import Parser
from pathlib import Path

NAME = "pytest_fixture_perf"


def fail(message: str) -> None:
    print(f"check_dist: {message}", file=sys.stderr)
    raise SystemExit(1)


def version() -> str:
    text = (Path(__file__).parents[1] / "src" / NAME / "_version.py").read_text()
    return text.split('"')[1]


def contents(dist: Path) -> None:
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        fail(f"expected one wheel and one sdist in {dist}, found {wheels + sdists}")
    expected = version()
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = set(wheel.namelist())
        info = f"{NAME}-{expected}.dist-info"
        needed = {
            f"{NAME}/plugin.py", f"{NAME}/py.typed", f"{NAME}/cli.py",
            f"{NAME}/report/html.py", f"{NAME}/report/html_assets/report.js",
            f"{NAME}/report/html_assets/report.css", f"{info}/METADATA",
            f"{info}/entry_points.txt", f"{info}/licenses/LICENSE",
        }  # fmt: skip
        missing = sorted(needed - names)
        if missing:
            fail(f"{wheels[0].name} lacks {', '.join(missing)}")
        stray = sorted(n for n in names if "__pycache__" in n or n.startswith(("tests/", "src/")))
        if stray:
            fail(f"{wheels[0].name} holds files it should not: {', '.join(stray[:5])}")
        meta = Parser().parsestr(wheel.read(f"{info}/METADATA").decode())
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
    checks = {
        "Name": meta["Name"] == "pytest-fixture-perf",
        "Version": meta["Version"] == expected,
        "License-Expression": meta["License-Expression"] == "MIT",
        "Requires-Python": meta["Requires-Python"] == ">=3.10",
        "Requires-Dist pytest": any(
            r.replace(" ", "").startswith("pytest>=8") for r in meta.get_all("Requires-Dist", [])
        ),
        "a description": "pytest-fixture-perf" in (meta.get_payload() or ""),
        "entry point fixture_perf": "fixture_perf = pytest_fixture_perf.plugin" in entry_points,
        "command fixture-perf": "fixture-perf = pytest_fixture_perf.cli:main" in entry_points,
    }
    wrong = [name for name, ok in checks.items() if not ok]
    if wrong:
        fail(f"{wheels[0].name}: wrong or missing {', '.join(wrong)}")
    with tarfile.open(sdists[0]) as sdist:
        members = {m.split("/", 1)[1] for m in sdist.getnames() if "/" in m}
    missing = sorted({"LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml",
                      f"src/{NAME}/plugin.py"} - members)  # fmt: skip
    if missing:
        fail(f"{sdists[0].name} lacks {', '.join(missing)}")
    print(f"check_dist: {wheels[0].name} and {sdists[0].name} hold what they should")


SUITE = """
import pytest

def log(name):
    with open("setups.log", "a") as handle:
        handle.write(name + "\\n")

@pytest.fixture(scope="session")
def engine():
    log("engine")
    yield

@pytest.fixture
def session(engine):
    log("session")

@pytest.mark.parametrize("i", range(5))
def test_it(session, i):
    pass
"""


def smoke() -> None:
    import pytest_fixture_perf

    where = Path(pytest_fixture_perf.__file__)
    if "site-packages" not in where.parts:
        fail(f"the plugin was imported from {where}, not from the installed wheel")
    if pytest_fixture_perf.__version__ != version():
        fail(f"installed version {pytest_fixture_perf.__version__} is not {version()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "test_smoke.py").write_text(SUITE)
        (folder / "pytest.ini").write_text("[pytest]\n")
        reports = ["--fixture-perf-json=report.json", "--fixture-perf-html=report.html"]
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *reports]
        result = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
        if result.returncode != 0 or "fixture performance" not in result.stdout:
            fail(f"the smoke suite failed:\n{result.stdout}\n{result.stderr}")
        logged: dict[str, int] = {}
        for name in (folder / "setups.log").read_text().split():
            logged[name] = logged.get(name, 0) + 1
        report = json.loads((folder / "report.json").read_text())
        reported = {f["name"]: f["setups"] for f in report["fixtures"]}
        for name, count in logged.items():
            if reported.get(name) != count:
                fail(f"{name}: the report says {reported.get(name)} setups, the suite {count}")
        if not (folder / "report.html").read_text().startswith("<!doctype html>"):
            fail("the HTML report was not written")
        cli = subprocess.run(
            [sys.executable, "-m", "pytest_fixture_perf.cli", "--version"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if version() not in cli.stdout + cli.stderr:
            fail(f"fixture-perf --version printed {cli.stdout!r} {cli.stderr!r}")
    import pytest

    print(f"check_dist: the wheel works under pytest {pytest.__version__}, Python "
          f"{sys.version.split()[0]}: {logged} setups counted")  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:2] == ["contents"] and len(sys.argv) == 3:
        contents(Path(sys.argv[2]))
    elif sys.argv[1:] == ["smoke"]:
        smoke()
    else:
        fail("usage: check_dist.py contents DIST_DIR | smoke")
