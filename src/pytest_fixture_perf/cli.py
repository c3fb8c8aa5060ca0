"""The ``fixture-perf`` command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ._version import __version__


def build_parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog="fixture-perf",
        description="Work with pytest-fixture-perf data. Fixture timing itself happens inside "
        "pytest: install the package and run pytest (see --fixture-perf-* in pytest --help).",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.parse_args(argv)
    parser.print_help()
    return 0
