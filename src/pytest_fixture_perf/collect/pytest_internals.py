"""The private pytest attributes the plugin reads, all in one place.

pytest has no public API for these; ``tests/test_pytest_internals.py`` checks each
assumption below against the installed pytest, so a pytest that changes them fails that
test instead of quietly skewing numbers.

* ``FixtureDef._finalizers``: the fixture's teardown callbacks, a list run last-in-first-
  out by ``FixtureDef.finish``. The recorder appends its teardown mark there (through the
  public ``addfinalizer``) and wraps the callbacks the fixture registered while setting up,
  to learn whether its teardown failed.
* ``Item._request``: the test's ``TopRequest``.
* ``FixtureRequest._fixture_defs``: argname -> the ``FixtureDef`` that served it, for every
  fixture a test was given (set up or from cache, requested statically or at run time).
  Sub-requests share their test's dict, so during a fixture's setup it also gains what
  that fixture requests at run time.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

#: ``finalizers_of(fixturedef)``: the fixture's list of teardown callbacks.
finalizers_of = attrgetter("_finalizers")

#: ``request_memo(request)``: argname -> FixtureDef, shared by a test's requests.
request_memo = attrgetter("_fixture_defs")


def item_memo(item: object) -> dict[str, Any] | None:
    """The fixture memo of ``item``'s request, or None for items without one (doctests
    and other non-Python items have no fixture request of this kind)."""
    memo = getattr(getattr(item, "_request", None), "_fixture_defs", None)
    return memo if isinstance(memo, dict) else None
