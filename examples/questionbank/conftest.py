"""Register the suite's fixture modules.

``pytest_plugins`` may only be set in a conftest that pytest loads before collection. From
here (the rootdir) that holds however the suite is started: ``pytest`` in this directory,
``pytest examples/questionbank`` from the repository root, or a single test file. In
``backend/tests/conftest.py`` it would fail for ``pytest examples/questionbank``, because
pytest only finds that conftest while collecting.
"""

pytest_plugins = [
    "backend.tests.fixtures.database",
    "backend.tests.fixtures.users",
    "backend.tests.fixtures.questions",
    "backend.tests.fixtures.reference_content",
]
