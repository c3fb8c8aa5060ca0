"""The record: one fixture setup or teardown, as plain data.

:class:`FixtureEvent` (a ``NamedTuple`` of built-in types) is the record as the public API
and the tests see it. Inside the plugin the hot path keeps a leaner tuple per record (see
``recorder.RawRecord``) that refers to a cached definition instead of repeating its name
and location; ``aggregate.RunData`` and ``transport`` consume those tuples directly.
"""

from __future__ import annotations

from typing import Final, NamedTuple

SETUP: Final = "setup"
TEARDOWN: Final = "teardown"
PHASES: Final = (SETUP, TEARDOWN)

OK: Final = "ok"
ERROR: Final = "error"
SKIPPED: Final = "skipped"
OUTCOMES: Final = (OK, ERROR, SKIPPED)

#: Worker id used when the run is not distributed by pytest-xdist.
MAIN_WORKER: Final = "main"

#: ``param_index`` of a fixture that is not parametrized.
NOT_PARAMETRIZED: Final = -1

SCOPES: Final = ("session", "package", "module", "class", "function")


class FixtureEvent(NamedTuple):
    """One real setup or teardown of one fixture instance."""

    phase: str
    """``"setup"`` or ``"teardown"``."""
    name: str
    """The fixture's name (its argname)."""
    location: str
    """``path:line`` of the fixture function, relative to rootdir (or to its
    ``sys.path`` entry for fixtures defined outside rootdir)."""
    scope: str
    """Effective scope of this instance (``request.scope``)."""
    param_index: int
    """Index into the fixture's ``params``, or -1 when it is not parametrized."""
    param_id: str | None
    """Display id of the parameter (best effort), or None."""
    test: str
    """Node id of the test during which the setup or teardown ran."""
    worker: str
    """xdist worker id (``gw0``...) or ``"main"``."""
    duration_ns: int
    """Exclusive duration in nanoseconds."""
    outcome: str
    """``"ok"``, ``"error"`` or ``"skipped"``."""

    @property
    def key(self) -> FixtureKey:
        return (self.name, self.location)


#: Identity of a fixture definition: (name, location).
FixtureKey = tuple[str, str]
