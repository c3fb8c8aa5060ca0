"""At a run's end (serial run or xdist controller): check the budgets, compare the run with
the history, and save it. The result, a :class:`Verdict`, is what the terminal shows and
what decides whether the session fails.

Order: :func:`evaluate` (budgets; the runs stored *before* this one), then the session's
exit status is settled, then :func:`save` (with that status, and whether the gate failed).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .model.compare import TOO_FEW, Change, Rule, compare, regressions
from .model.derive import RunStats
from .model.run import Run
from .options import Options
from .problems import warn

if TYPE_CHECKING:
    from .model.budgets import Breach, Budget
    from .store.history import History, StoredRun


class Verdict:
    """What the history and the budgets say of a run (a plain class: imported at every
    run's end, where a dataclass would cost its code generation)."""

    def __init__(self, gate_pct: float | None = None) -> None:
        #: The stored runs this run was compared with (oldest first); empty: none.
        self.baseline: list[StoredRun] = []
        #: Why there is no comparison, or what to know about it.
        self.notes: list[str] = []
        #: (definition key, measure) -> the change against the baseline.
        self.changes: dict[tuple[str, str], Change] = {}
        #: Set when the session is gated on regressions (--fixture-perf-fail-on-regression).
        self.gate_pct = gate_pct
        self.regressions: list[Change] = []
        #: Measures the gate could not judge (too few samples: session fixtures...).
        self.too_few: list[Change] = []
        self.breaches: list[Breach] = []
        self.unmatched_budgets: list[Budget] = []
        #: The run's number in the history once saved.
        self.saved_as: int | None = None

    @property
    def failed(self) -> bool:
        return bool(self.regressions or self.breaches)


def evaluate(run: Run, stats: RunStats, options: Options, rootdir: Path) -> Verdict:
    """Check the budgets, and compare with the history (reading it only). A failure of the
    history is a warning and a note; it never drops what the budgets found."""
    verdict = Verdict(gate_pct=options.fail_on_regression)
    if options.budgets:
        from .model.budgets import check
        from .model.derive import fixture_entry

        entries = [fixture_entry(f) for f in stats.fixtures]
        verdict.breaches, verdict.unmatched_budgets = check(options.budgets, entries)
    path = options.db_path
    if path is None:
        return verdict
    if not path.exists():
        if options.fail_on_regression is not None or options.compare is not None:
            verdict.notes.append(f"no history yet at {path}: nothing to compare with")
        return verdict
    from .store.history import History, HistoryError

    try:
        with History(path, create=False) as history:
            _compare(history, run, stats, options, rootdir, verdict)
    except HistoryError as exc:
        _problem(verdict, f"history not used: {exc}")
    except Exception as exc:  # never a traceback, and the budgets' findings stay
        _problem(verdict, f"history not used: {type(exc).__name__}: {exc}")
    return verdict


def save(run: Run, stats: RunStats, options: Options, verdict: Verdict) -> str | None:
    """Save the run in the history (a run the gate failed is kept out of later baselines);
    why it could not be, or None."""
    path = options.db_path
    if path is None or not options.save:
        return None
    from .store.history import History, HistoryError

    try:
        with History(path, create=True) as history:
            saved = history.save(
                run, stats, keep_events=options.keep_events,
                regressed=bool(verdict.regressions),
            )  # fmt: skip
    except HistoryError as exc:
        return f"run not saved in the history: {exc}"
    except Exception as exc:
        return f"run not saved in the history: {type(exc).__name__}: {exc}"
    verdict.saved_as = saved.seq if saved is not None else None
    return None


def _problem(verdict: Verdict, message: str) -> None:
    if message not in verdict.notes:
        warn(message)
        verdict.notes.append(message)


def _compare(
    history: History, run: Run, stats: RunStats, options: Options, rootdir: Path,
    verdict: Verdict,
) -> None:  # fmt: skip
    from .store.history import Comparability, HistoryError

    current = Comparability.of(run.meta)
    if options.compare is not None:
        try:
            reference = history.run(options.compare, git_cwd=rootdir, baseline=True)
        except HistoryError as exc:
            verdict.notes.append(f"nothing to compare with: {exc}")
            return
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
