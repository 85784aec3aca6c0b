"""report.html in a real browser: headless Chromium (Debian's package) driven by Playwright.

Playwright's own browser download is not used: ``make install`` installs Debian's ``chromium``
and the tests launch it through ``executable_path``. Without Chromium or Playwright the tests skip,
unless ``SENOTARGET_REQUIRE_BROWSER=1`` (set by ``.ci/run``), where a missing browser fails them.
Each test saves a full-page screenshot under its tmp folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from senotarget.report.html import REPORT_HTML
from senotarget.schema import RunResult

pytestmark = pytest.mark.browser

#: Read at import: the autouse fixture of conftest clears SENOTARGET_* variables before each test.
REQUIRE_BROWSER = os.environ.get("SENOTARGET_REQUIRE_BROWSER") == "1"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
#: Flags for a container without a display, GPU, or user namespaces, and with no network use.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-extensions",
    "--no-first-run",
]


def _chromium() -> str | None:
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _missing(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (SENOTARGET_REQUIRE_BROWSER=1): run `make install`")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    executable = _chromium()
    if executable is None:
        _missing("no chromium executable on PATH")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def _open(browser: Any, run: RunResult) -> tuple[Any, list[str]]:
    """Open a run's report.html offline and collect console errors and page errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, offline=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    page.goto((Path(run.run_dir) / REPORT_HTML).as_uri(), wait_until="load")
    return page, errors


def _column(page: Any, table: str, index: int) -> list[float]:
    values: list[float] = page.eval_on_selector_all(
        f"#{table} tbody tr:not([hidden]) td:nth-child({index})",
        "cells => cells.map(c => parseFloat(c.dataset.v))",
    )
    return values


def _check_report(browser: Any, run: RunResult, screenshot: Path, strategy: str) -> None:
    page, errors = _open(browser, run)
    try:
        images = page.eval_on_selector_all(
            "img.structure", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.alt])"
        )
        assert images, "no structure images on the page"
        broken = [alt for complete, width, alt in images if not (complete and width > 0)]
        assert broken == []

        table = f"table-{strategy}"
        ranks = _column(page, table, 1)
        assert ranks == sorted(ranks)
        page.click(f"#{table} th:text-is('Score')")
        ascending = _column(page, table, 4)
        assert ascending == sorted(ascending)
        page.click(f"#{table} th:text-is('Score')")
        descending = _column(page, table, 4)
        assert descending == sorted(ascending, reverse=True)
        page.click(f"#{table} th:text-is('Rank')")
        assert _column(page, table, 1) == ranks

        first_name = page.eval_on_selector(f"#{table} tbody tr td:nth-child(3)", "c => c.dataset.v")
        page.fill(f"input[data-filter='{table}']", first_name)
        shown = _column(page, table, 1)
        assert ranks[0] in shown
        assert len(shown) < len(ranks) or len(ranks) == 1
        page.fill(f"input[data-filter='{table}']", "")
        assert _column(page, table, 1) == ranks

        page.screenshot(path=str(screenshot), full_page=True)
        assert screenshot.stat().st_size > 10_000
        assert errors == []
    finally:
        page.context.close()


def test_fixture_report_in_chromium(browser: Any, fixture_run: RunResult, tmp_path: Path) -> None:
    _check_report(browser, fixture_run, tmp_path / "fixture_report.png", "senomorphic")


@pytest.mark.realdata
def test_real_report_in_chromium(browser: Any, real_run: RunResult, tmp_path: Path) -> None:
    _check_report(browser, real_run, tmp_path / "real_report.png", "senolytic")
