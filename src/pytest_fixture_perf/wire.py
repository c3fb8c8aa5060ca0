"""Everything that crosses between an xdist controller and its workers, named once.

Only plain data crosses: JSON strings of the run format (``model.run``) and file paths.

* ``REPORT_ATTRIBUTE``: on a remote worker's teardown report of a test (and on its setup
  report when that set up a fixture cached across tests), the fragment of the run (fixture
  events, test run, uses) recorded since the previous fragment, as JSON. A local worker
  appends the same records to its spool file instead (``store/spool.py``), which the
  controller reads when the worker is down.
* ``WORKEROUTPUT_KEY``: in a worker's ``workeroutput``, the last fragment: what was recorded
  after its last report or spool record, and the worker's final state (finished, tracking
  error, open setups).
* ``LIVE_PATH_KEY``: in a local worker's ``workerinput``, the path of the live store.
* ``SPOOL_PATH_KEY``: in a local worker's ``workerinput``, the path of its spool file.
* ``SPOOLED_KEY``: in the ``workeroutput`` of a worker that wrote its spool to the end, the
  number of records it wrote (the controller says so when it reads fewer).
* ``FORKED_ATTRIBUTE``: on a test report made in a child process of pytest-forked
  (``--forked``), what the child recorded during that phase, as a stand-alone document of
  the run format (JSON; empty when nothing), for the process that forked it.
"""

from __future__ import annotations

from typing import Final

REPORT_ATTRIBUTE: Final = "fixture_perf"
WORKEROUTPUT_KEY: Final = "fixture_perf"
LIVE_PATH_KEY: Final = "fixture_perf_live"
SPOOL_PATH_KEY: Final = "fixture_perf_spool"
SPOOLED_KEY: Final = "fixture_perf_spooled"
FORKED_ATTRIBUTE: Final = "fixture_perf_forked"
