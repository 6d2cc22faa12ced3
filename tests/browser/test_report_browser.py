"""report.html in a real browser: headless Chromium through Playwright, with no network.

The page is opened from a ``file:`` URL and every request that is not ``file:`` or
``data:`` is recorded and refused, so the test fails if the report would fetch anything
from elsewhere. It uses the system's Chromium (Debian's ``chromium`` package), never a
browser downloaded by ``playwright install``.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip(
        "chromium not installed: apt-get install chromium (.ci/run does it as root)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright not installed: pip install -e '.[dev]'"
)

from tszoo.report import build_report  # noqa: E402

FAKE_RUN = Path(__file__).resolve().parents[1] / "unit" / "report" / "conftest.py"
LOCAL = ("file:", "data:")


def write_fake_run(run_dir: Path) -> Path:
    """The fake run of the report's unit tests (``tests/unit/report/conftest.py``)."""
    spec = importlib.util.spec_from_file_location("report_fake_run", FAKE_RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_fake_run(run_dir)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def opened(browser, tmp_path_factory):
    """The fake run's report, loaded; with the requests, console errors and page errors seen."""
    report = build_report(write_fake_run(tmp_path_factory.mktemp("browser") / "run"))
    seen = {"outside": [], "console": [], "errors": []}
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)

    def route(route):
        if route.request.url.startswith(LOCAL):
            route.continue_()
        else:
            seen["outside"].append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda r: r.url.startswith(LOCAL) or seen["outside"].append(r.url))
    page.on("console", lambda m: m.type == "error" and seen["console"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.goto(report.as_uri(), wait_until="load")
    page.wait_for_load_state("networkidle")
    yield page, seen
    context.close()


def test_report_loads_offline_without_errors(opened):
    page, seen = opened
    assert page.title().startswith("tszoo compare")
    assert seen["outside"] == [], "the report fetched something from outside the file"
    assert seen["console"] == []
    assert seen["errors"] == []


def test_every_image_is_decoded(opened):
    page, _ = opened
    images = page.evaluate(
        "Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth])"
    )
    assert len(images) >= 10
    broken = [alt for alt, complete, width in images if not (complete and width > 0)]
    assert broken == []


def column(table, header: str) -> list[str]:
    """A column's sort keys (its numbers) or texts, top to bottom, as the page shows them."""
    headers = table.locator("thead th").all_inner_texts()
    index = headers.index(header)
    return table.evaluate(
        "(t, i) => Array.from(t.tBodies[0].rows).map(r => r.cells[i].dataset.sort"
        " ?? r.cells[i].textContent)",
        index,
    )


def test_clicking_a_header_sorts_the_table(opened):
    page, _ = opened
    table = page.locator("table.sortable").nth(1)  # every model and seed
    before = [float(v) for v in column(table, "accuracy")]
    assert before != sorted(before), "the fake run's rows should start unsorted"
    header = table.locator("thead th", has_text=re.compile(r"^accuracy"))  # not "balanced"
    header.click()
    assert [float(v) for v in column(table, "accuracy")] == sorted(before)
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert [float(v) for v in column(table, "accuracy")] == sorted(before, reverse=True)
    table.locator("thead th", has_text=re.compile(r"^model")).click()
    models = column(table, "model")
    assert models == sorted(models)
