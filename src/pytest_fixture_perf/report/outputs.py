"""The run's report files, one writer per kind, for the run's end and ``fixture-perf
export`` alike. Each writer imports its reporter when asked for (a run pays only for the
files it writes) and raises OSError when the file cannot be written (FileExistsError: a
file that is not one of ours, never replaced)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..model.derive import RunStats
from ..model.run import Run

if TYPE_CHECKING:
    from ..model.insights import Insight
    from ..verdict import Verdict


class Reports:
    """What the reports are made of: the run, its statistics, its insights, the verdict
    (the run's end only), the terminal's row count and, for the HTML page, the trend over
    the history (asked for only when that page is written)."""

    def __init__(
        self, run: Run, stats: RunStats, insights: Sequence[Insight],
        verdict: Verdict | None = None, top: int | None = None,
        trend: Callable[[], dict[str, Any] | None] = lambda: None,
    ) -> None:  # fmt: skip
        self.run, self.stats, self.insights = run, stats, insights
        self.verdict, self.top, self.trend = verdict, top, trend

    def write(self, kind: str, path: Path) -> None:
        """Write the report of ``kind`` (a key of :data:`WRITERS`) to ``path``."""
        WRITERS[kind](self, path)

    def markdown(self) -> str:
        from .markdown import ROWS, render

        return render(self.run, self.stats, self.insights, self.verdict, self.top or ROWS)


def _json(r: Reports, path: Path) -> None:
    from .jsonfile import write_json

    write_json(path, r.run, r.stats, r.insights)


def _trace(r: Reports, path: Path) -> None:
    from .trace import write_trace

    write_trace(path, r.run)


def _html(r: Reports, path: Path) -> None:
    from .html import write_html

    write_html(path, r.run, r.stats, r.insights, r.trend())


def _otlp(r: Reports, path: Path) -> None:
    from .otlp import write_otlp

    write_otlp(path, r.run)


def _markdown(r: Reports, path: Path) -> None:
    from .markdown import write_markdown

    write_markdown(path, r.markdown())


#: Kind (the option's ``--fixture-perf-KIND``, the export's ``--KIND``) -> its writer.
WRITERS: Final[dict[str, Callable[[Reports, Path], None]]] = {
    "json": _json,
    "trace": _trace,
    "html": _html,
    "otlp": _otlp,
    "markdown": _markdown,
}
