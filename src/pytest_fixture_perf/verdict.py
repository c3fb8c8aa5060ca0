"""At a run's end (serial run or xdist controller): compare it with the history, check the
budgets, save it. The result, a :class:`Verdict`, is what the terminal shows and what
decides whether the session fails.

Order: the run is compared with the runs stored *before* it, then saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .model import budgets
from .model.compare import TOO_FEW, Change, Rule, compare, regressions
from .model.derive import RunStats
from .model.run import Run
from .options import Options
from .problems import warn

if TYPE_CHECKING:
    from .store.history import History, StoredRun


@dataclass
class Verdict:
    #: The stored runs this run was compared with (oldest first); empty: none.
    baseline: list[StoredRun] = field(default_factory=list)
    #: Why there is no comparison, or what to know about it.
    notes: list[str] = field(default_factory=list)
    #: (definition key, measure) -> the change against the baseline.
    changes: dict[tuple[str, str], Change] = field(default_factory=dict)
    #: Set when the session is gated on regressions (``--fixture-perf-fail-on-regression``).
    gate_pct: float | None = None
    regressions: list[Change] = field(default_factory=list)
    #: Measures the gate could not judge (too few samples: session fixtures...).
    too_few: list[Change] = field(default_factory=list)
    breaches: list[budgets.Breach] = field(default_factory=list)
    unmatched_budgets: list[budgets.Budget] = field(default_factory=list)
    #: The run's number in the history once saved.
    saved_as: int | None = None

    @property
    def failed(self) -> bool:
        return bool(self.regressions or self.breaches)


def judge(run: Run, stats: RunStats, options: Options, rootdir: Path) -> Verdict:
    verdict = Verdict(gate_pct=options.fail_on_regression)
    verdict.breaches, verdict.unmatched_budgets = budgets.check(options.budgets, stats.fixtures)
    path = options.db_path
    if path is None or not (options.save or path.exists()):
        return verdict
    from .store.history import History, HistoryError

    try:
        history = History(path, create=options.save)
    except HistoryError as exc:
        warn(f"history not used: {exc}")
        verdict.notes.append(f"history not used: {exc}")
        return verdict
    try:
        try:
            _compare(history, run, stats, options, rootdir, verdict)
        except HistoryError as exc:
            warn(f"no comparison with the history: {exc}")
            verdict.notes.append(f"no comparison with the history: {exc}")
        if options.save:
            try:
                saved = history.save(run, stats, keep_events=options.keep_events)
            except HistoryError as exc:
                warn(f"run not saved in the history: {exc}")
                verdict.notes.append(f"run not saved in the history: {exc}")
            else:
                verdict.saved_as = saved.seq if saved is not None else None
    finally:
        history.close()
    return verdict


def _compare(
    history: History, run: Run, stats: RunStats, options: Options, rootdir: Path,
    verdict: Verdict,
) -> None:  # fmt: skip
    from .store.history import Comparability

    current = Comparability.of(run.meta)
    if options.compare is not None:
        reference = history.run(options.compare, git_cwd=rootdir)
        window = history.window(reference, options.window, up_to=reference.seq)
        if not reference.comparable(current):
            verdict.notes.append(
                f"run {reference.seq} ran other tests or in another environment than this "
                "run: compared per setup all the same"
            )
    else:
        window = history.window(current, options.window)
    if not window:
        if options.fail_on_regression is not None:
            verdict.notes.append(
                "no comparable run in the history yet (same tests, Python, pytest, plugins, "
                "workers, --dist): nothing to compare with"
            )
        return
    verdict.baseline = window
    before = history.samples(window)
    after = {f.definition.key: f.samples for f in stats.fixtures}
    rule = Rule(pct=options.fail_on_regression or 0.0, floor_ns=options.floor_ns)
    changes = compare(before, after, rule)
    verdict.changes = {(c.key, c.measure): c for c in changes}
    if options.fail_on_regression is not None:
        verdict.regressions = regressions(changes)
        verdict.too_few = [c for c in changes if c.status == TOO_FEW]
