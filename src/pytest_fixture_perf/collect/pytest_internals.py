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
* ``AssertionRewritingHook._must_rewrite`` and ``._marked_for_rewrite_cache``: the names
  whose modules pytest's import hook loads (see :func:`import_natively`).
"""

from __future__ import annotations

import sys
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


def import_natively(package: str) -> bool:
    """Have pytest's assertion-rewriting import hook leave the modules of ``package`` (not
    imported yet) to Python's own import system; False when no such hook is found.

    pytest marks every plugin distribution's modules for rewriting, and its hook loads
    each module's cached code with ``marshal.load`` on a file object, which reads the file
    one object at a time: about 8 times the instructions of Python's own import (60 M per
    process for this plugin's modules, ``benchmarks/RESULTS.md``). The plugin has no
    assertion whose message a user would see, so nothing is lost.
    """
    rewrite = sys.modules.get("_pytest.assertion.rewrite")
    hook_type = getattr(rewrite, "AssertionRewritingHook", None)
    found = False
    for finder in sys.meta_path:
        if hook_type is None or not isinstance(finder, hook_type):
            continue
        marked = getattr(finder, "_must_rewrite", None)
        cache = getattr(finder, "_marked_for_rewrite_cache", None)
        if isinstance(marked, set) and isinstance(cache, dict):
            marked.discard(package)
            prefix = package + "."
            for name in [n for n in cache if n == package or n.startswith(prefix)]:
                del cache[name]
            found = True
    return found
