"""The HTML report in a browser: Debian's Chromium (``/usr/bin/chromium``, never a
downloaded one) driven by Playwright (``make test-browser`` installs it into the venv).

A real run under xdist (``-n 2``) of a suite whose fixtures log their own setups and sleep
known times: the table's rows, sorting and filtering are checked against that log and
those sleeps, the timeline's lanes against the processes that logged, and the page must
fetch nothing and log no error. A generated run of 5,000 fixture definitions and 200,000
events must be ready in under a second. Screenshots go to ``reports/screenshots/``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_fixture_perf.model.derive import derive
from pytest_fixture_perf.model.insights import Insight
from pytest_fixture_perf.model.run import SCOPES, Definition, Run, Worker
from pytest_fixture_perf.report.html import write_html

from conftest import Suite

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"
#: How long the big page may take, from navigation start to drawn and interactive.
READY_WITHIN_MS = 1000

#: name -> (scope, setup sleep, teardown sleep): at least 5 ms apart, to be told apart
#: whatever the noise
SLEEPS = {
    "session_config": ("session", 0.060, 0.010),
    "module_db": ("module", 0.040, 0.005),
    "param_data": ("function", 0.025, 0.0),
    "class_cache": ("class", 0.015, 0.0),
    "function_db": ("function", 0.010, 0.002),
    "quick_value": ("function", 0.003, 0.0),
}


def fixture_source(name: str) -> str:
    scope, setup, teardown = SLEEPS[name]
    params = ', params=["a", "b", "c"]' if name == "param_data" else ""
    return f"""
@pytest.fixture(scope="{scope}"{params})
def {name}():
    gt("setup", "{name}", {setup})
    yield
    gt("teardown", "{name}", {teardown})
"""


CONFTEST = "import pytest\nfrom gtlog import gt\n" + "".join(map(fixture_source, SLEEPS))

TEST_ALPHA = """
import pytest

def test_a1(session_config, module_db, function_db): pass

@pytest.mark.parametrize("n", range(4))
def test_a2(n, quick_value, function_db): pass

def test_a3(param_data): pass

class TestCached:
    def test_c1(self, class_cache, quick_value): pass
    def test_c2(self, class_cache): pass
"""

TEST_BETA = """
import pytest

def test_b1(session_config, module_db): pass

@pytest.mark.parametrize("n", range(6))
def test_b2(n, function_db, quick_value): pass

def test_b3(param_data, module_db): pass
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


class Opened:
    """A report open in a tab, with every request it made and every error it logged."""

    def __init__(self, browser: Browser, path: Path) -> None:
        self.url = path.resolve().as_uri()
        self.page: Page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(self.url)
        self.page.wait_for_selector("body[data-ready]")

    def ready_ms(self) -> float:
        """From navigation start to the page's "ready" mark (all drawn, handlers set)."""
        mark: float = self.page.evaluate(
            "performance.getEntriesByName('fixture-perf-ready')[0].startTime"
        )
        return mark

    def names(self) -> list[str]:
        """The fixture table's rows, in order."""
        rows: list[str] = self.page.eval_on_selector_all(
            "#fixture-table tbody tr", "rows => rows.map(r => r.dataset.name)"
        )
        return rows

    def column(self, col: str) -> list[str]:
        """The shown rows' cells of column ``col``."""
        cells: list[str] = self.page.evaluate(
            """col => {
                const heads = [...document.querySelectorAll('#fixture-table th')];
                const i = heads.findIndex(th => th.dataset.col === col);
                return [...document.querySelectorAll('#fixture-table tbody tr')]
                    .map(r => r.cells[i].textContent);
            }""",
            col,
        )
        return cells

    def close(self) -> None:
        self.page.close()


def screenshot(opened: Opened, name: str, selector: str | None = None) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / name
    if selector is None:
        opened.page.evaluate("window.scrollTo(0, 0)")
        opened.page.screenshot(path=target, full_page=True)
    else:
        opened.page.locator(selector).screenshot(path=target)


def test_the_report_of_an_xdist_run(suite: Suite, browser: Browser) -> None:
    suite.pytester.makeconftest(CONFTEST)
    suite.pytester.makepyfile(test_alpha=TEST_ALPHA, test_beta=TEST_BETA)
    result, _doc = suite.run("-p", "no:asyncio", "-n", "2")
    result.assert_outcomes(passed=20)
    truth = suite.ground_truth()
    names = {name for _phase, name in truth}
    assert names == set(SLEEPS)
    pids = {line.split()[2] for line in (suite.path / "gt.log").read_text().splitlines()}
    assert len(pids) == 2  # both workers set fixtures up

    run = Run.from_json((suite.path / "fixture-perf.json").read_bytes())
    stats = derive(run)
    keys = [f.definition.key for f in stats.fixtures]
    trend = {
        "runs": [{"seq": n, "started_at": 1.7e9 + n, "commit": f"{n:07x}"} for n in (1, 2, 3)],
        "fixtures": {key: [0.01, None if i % 2 else 0.012, 0.011] for i, key in enumerate(keys)},
    }
    advice = Insight("workers", "An insight to show", ("its detail",), "its advice")
    page_path = suite.path / "report.html"
    write_html(page_path, run, stats, [advice], trend)
    opened = Opened(browser, page_path)
    page = opened.page

    # every section, drawn
    for section in ("run", "insights", "costliest", "scopes", "fixtures", "timeline", "trend"):
        assert page.locator(f"#{section} h2, #{section} h1").count() == 1, section
        assert page.locator(f"#{section}").inner_text().count("\n") >= 1, section
    assert page.locator("#costliest-chart .bar").count() == len(names)
    assert page.locator("#scope-table tbody tr").count() == len({s for s, _, _ in SLEEPS.values()})
    assert page.locator(".insight").inner_text().startswith("An insight to show")
    assert page.locator("#trend-svg").get_attribute("data-points") == "3"
    assert "Wall time" in (page.locator("#run").text_content() or "")

    # the table: a row per fixture the suite logged, with its setups
    table = page.locator("#fixture-table")
    assert sorted(opened.names()) == sorted(names)
    assert table.get_attribute("data-matching") == str(len(names))
    setups = dict(zip(opened.names(), opened.column("setups"), strict=True))
    assert {name: int(n) for name, n in setups.items()} == {
        name: truth[("setup", name)] for name in names
    }
    # sorted by mean setup: the order of the sleeps, then reversed
    by_sleep = sorted(SLEEPS, key=lambda name: -SLEEPS[name][1])
    page.click("#fixture-table th[data-col=setup_mean]")
    assert table.locator("th[data-col=setup_mean]").get_attribute("aria-sort") == "descending"
    assert opened.names() == by_sleep
    page.click("#fixture-table th[data-col=setup_mean]")
    assert opened.names() == by_sleep[::-1]
    # filtered by name
    page.fill("#fixture-filter", "_db")
    assert sorted(opened.names()) == sorted(name for name in names if "_db" in name)
    assert page.inner_text("#fixture-count").startswith(f"2 of {len(names)} fixtures match")
    page.fill("#fixture-filter", "")
    assert len(opened.names()) == len(names)

    # the timeline: a lane per worker, each with function-scoped setups drawn in it
    view = page.locator("#timeline-view")
    assert view.get_attribute("data-lanes") == str(len(pids))
    assert page.locator("#timeline-view .lane").count() == len(pids)
    assert blue_pixels_per_lane(page) == [True] * len(pids)
    before = page.inner_text("#timeline-range")
    page.click("button[data-zoom=in]")
    assert page.inner_text("#timeline-range") != before

    screenshot(opened, "html-report.png")
    screenshot(opened, "html-timeline.png", "#timeline")
    # nothing but the file itself was asked for, and nothing went wrong
    assert opened.requests == [opened.url]
    assert opened.errors == []
    opened.close()


def blue_pixels_per_lane(page: Page) -> list[bool]:
    """Whether each lane of the timeline's canvas holds pixels of the function scope's
    colour (a function-scoped fixture's setup)."""
    found: list[bool] = page.evaluate(
        """() => {
            const canvas = document.getElementById('timeline-canvas');
            const ctx = canvas.getContext('2d');
            const ratio = canvas.width / canvas.clientWidth;
            const top = document.querySelector('#timeline-view .tl-labels').offsetTop;
            return [...document.querySelectorAll('#timeline-view .lane')].map(lane => {
                const y = Math.round((lane.offsetTop - top) * ratio);
                const h = Math.round(lane.offsetHeight * ratio);
                const pixels = ctx.getImageData(0, y, canvas.width, h).data;
                for (let i = 0; i < pixels.length; i += 4) {
                    if (pixels[i] === 47 && pixels[i + 1] === 111 && pixels[i + 2] === 186) {
                        return true;
                    }
                }
                return false;
            });
        }"""
    )
    return found


# -- a big run, made here ------------------------------------------------------------------------
US = 1000


def big_run(definitions: int = 5000, events: int = 200_000, workers: int = 4) -> Run:
    """A run of ``definitions`` fixture definitions (50 session-, 200 module-scoped, the
    rest function-scoped) and at least ``events`` setups and teardowns: each test sets two
    function-scoped fixtures up (and tears them down), every 25th a module-scoped one;
    each worker sets every session-scoped one up first."""
    rng = random.Random(20240601)
    run = Run()
    run.meta.update(
        run_id="0123456789abcdef0123456789abcdef", started_at=1_767_000_000.0,
        worker_count=workers, dist="load", python="3.11.7", pytest_version="9.2.0",
        git={"commit": "0123456789abcdef0123456789abcdef01234567", "branch": "main",
             "dirty": False},
    )  # fmt: skip
    scopes = ["session"] * 50 + ["module"] * 200 + ["function"] * (definitions - 250)
    ids = [
        run.definition_id(
            Definition.make(f"fixture_{i:04d}", f"tests/pkg{i % 40}/conftest.py", 10 + i, scope)
        )
        for i, scope in enumerate(scopes)
    ]
    session, module, function = ids[:50], ids[50:250], ids[250:]
    scope_code = {name: SCOPES.index(name) for name in SCOPES}
    worker_ids = [
        run.worker_id(Worker(f"gw{w}", anchor_ns=1_767_000_000 * 10**9 + w * 3_000 * US))
        for w in range(workers)
    ]
    rows: list[list[tuple[Any, ...]]] = [[] for _ in worker_ids]
    test_rows: list[list[tuple[int, ...]]] = [[] for _ in worker_ids]
    clocks = [5_000 * US for _ in worker_ids]
    total, n = 2 * len(session) * workers, 0

    def fixture(w: int, d: int, scope: str, test: int, start: int, length: int) -> int:
        """A setup at ``start`` of ``length`` and, right after, its teardown: the end."""
        code = scope_code[scope]
        rows[w].append((d, 0, code, -1, None, test, start, length, length, -1, 0))
        teardown = length // 5
        rows[w].append((d, 1, code, -1, None, test, start + length, teardown, teardown, -1, 0))
        return start + length + teardown

    for w in worker_ids:  # each worker's session fixtures, before its first test
        for d in session:
            clocks[w] = fixture(w, d, "session", -1, clocks[w], rng.randint(50, 3_000) * US)
    while total < events:
        w = n % workers
        test = run.test_id(f"tests/pkg{n % 40}/test_mod{n // 400}.py::test_{n}")
        start = clocks[w]
        at = start + 20 * US
        if n % 25 == 0:  # a module-scoped fixture, on the shared track
            d = module[(n // 25) % len(module)]
            at = fixture(w, d, "module", test, at, rng.randint(200, 20_000) * US)
            total += 2
        a, b = picked = [function[(2 * n + k) % len(function)] for k in (0, 1)]
        la, lb = (int(rng.expovariate(1 / 800)) * US + 5 * US for _ in picked)
        code = scope_code["function"]  # b is requested by a: its setup nests in a's
        rows[w].append((a, 0, code, -1, None, test, at, la, la + lb, -1, 0))
        rows[w].append((b, 0, code, -1, None, test, at + la // 2, lb, lb, -1, 0))
        at += la + lb
        call = at
        at += rng.randint(10, 2_000) * US
        teardown = at
        for d in (b, a):
            length = rng.randint(5, 300) * US
            rows[w].append((d, 1, code, -1, None, test, at, length, length, -1, 0))
            at += length
        end = at + 30 * US
        outcome = 1 if n % 997 == 0 else 0
        test_rows[w].append((test, start, call, teardown, end, outcome))
        run.add_uses(w, [test, test], picked)
        clocks[w] = end + rng.randint(20, 400) * US
        total += 4
        n += 1
    for w in worker_ids:
        run.add_events(rows[w], w)
        run.add_test_runs(test_rows[w], w)
    run.meta["session_seconds"] = max(clocks) / 1e9 + 0.5
    return run


def test_a_run_of_5000_fixtures_and_200000_events_is_ready_in_under_a_second(
    browser: Browser, tmp_path: Path
) -> None:
    run = big_run()
    stats = derive(run)
    assert len(run.definitions) == len(stats.fixtures) == 5000  # every one was set up
    assert len(run.events) >= 200_000
    started = time.perf_counter()
    page_path = tmp_path / "big.html"
    write_html(page_path, run, stats, [], None)
    written_s = time.perf_counter() - started
    opened = Opened(browser, page_path)
    page = opened.page
    ready = opened.ready_ms()
    table = page.locator("#fixture-table")
    assert table.get_attribute("data-matching") == "5000"
    assert page.locator("#fixture-table tbody tr").count() == 200
    assert page.inner_text("#fixture-count") == "5,000 fixtures \u00b7 showing the first 200"
    slices = len(run.events) + len(run.test_runs)
    assert f"of {slices:,} slices" in page.inner_text("#timeline-note")
    assert page.locator("#timeline-view .lane").count() == 4
    # interactive: sorting all 5,000 and filtering redraw at once
    sort_ms = page.evaluate(
        """() => { const t = performance.now();
            document.querySelector('#fixture-table th[data-col=setup_p95]').click();
            return performance.now() - t; }"""
    )
    filter_ms = page.evaluate(
        """() => { const t = performance.now(), box = document.getElementById('fixture-filter');
            box.value = 'fixture_12'; box.dispatchEvent(new Event('input'));
            return performance.now() - t; }"""
    )
    assert table.get_attribute("data-matching") == str(
        sum("fixture_12" in d.name for d in run.definitions)
    )
    zoom_ms = page.evaluate(
        """() => { const t = performance.now();
            document.querySelector('button[data-zoom=in]').click();
            return performance.now() - t; }"""
    )
    screenshot(opened, "html-big-timeline.png", "#timeline")
    print(
        f"\nbig report: {page_path.stat().st_size / 1e6:.1f} MB written in {written_s:.2f} s; "
        f"ready {ready:.0f} ms after navigation start; sort {sort_ms:.0f} ms, "
        f"filter {filter_ms:.0f} ms, zoom {zoom_ms:.0f} ms"
    )
    assert opened.errors == []
    assert opened.requests == [opened.url]
    assert ready < READY_WITHIN_MS
    opened.close()
