"""WCAG 2.1 AA on every public page: axe-core in Debian's Chromium, driven by selenium.

Four pages: Swedish and English, during the plan period (with the municipality's logo) and
after it. axe-core is vendored (tests/fixtures/axe/, MPL-2.0) and injected over WebDriver; the
page itself runs no script (its Content-Security-Policy forbids them). Each page is also saved
as a full-page screenshot (PLANCAL_SCREENSHOTS, default .pytest_cache/screenshots).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.helpers import FIXTURES, SEED
from tests.helpers.web import Server, current_plan, start, stop

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
AXE = FIXTURES / "axe" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = Path(
    os.environ.get(
        "PLANCAL_SCREENSHOTS", Path(__file__).resolve().parents[2] / ".pytest_cache" / "screenshots"
    )
)
IDENTITY = """name_en: Test plan
municipality:
  name: Exempelkommun
  name_en: Example Municipality
  logo: logo.svg
contact: trygghetssamordnare
document: https://kommun.example/plan.pdf
"""


@pytest.fixture(scope="module")
def during(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A plan running now, with identity, logo, contact and document."""
    tmp = tmp_path_factory.mktemp("during")
    shutil.copy(FIXTURES / "page" / "logo.svg", tmp / "logo.svg")
    text = current_plan().replace("name: Minimal plan\n", "name: Minimal plan\n" + IDENTITY, 1)
    (tmp / "plan.yaml").write_text(text, encoding="utf-8")
    running = start(tmp, tmp / "plan.yaml", "--base-url", "https://kalender.example/")
    yield running
    stop(running)


@pytest.fixture(scope="module")
def after(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The seed plan, whose period (2022–2023) is over."""
    tmp = tmp_path_factory.mktemp("after")
    shutil.copy(SEED, tmp / "plan.yaml")
    running = start(tmp, tmp / "plan.yaml", "--base-url", "https://kalender.example/")
    yield running
    stop(running)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    assert os.path.exists(CHROMEDRIVER), "Debian's chromium-driver is needed (scripts/test)"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path_factory.mktemp('profile')}",
        "--window-size=900,1200",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()


def axe(driver: webdriver.Chrome) -> dict[str, Any]:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(JSON.stringify({violations: r.violations, passes: r.passes.length,"
        " version: axe.version})), e => done(JSON.stringify({error: String(e)})));",
        WCAG_21_AA,
    )
    result: dict[str, Any] = json.loads(found)
    return result


def screenshot(driver: webdriver.Chrome, name: str) -> Path:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(900, int(height) + 40)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    assert driver.save_screenshot(str(path))
    driver.set_window_size(900, 1200)
    return path


def summary(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:5]}"
        for v in violations
    )


@pytest.mark.parametrize("when", ["during", "after"])
@pytest.mark.parametrize(("lang", "path"), [("sv", "/"), ("en", "/en/")])
def test_every_page_has_no_wcag_21_aa_violation(
    request: pytest.FixtureRequest, browser: webdriver.Chrome, when: str, lang: str, path: str
) -> None:
    server: Server = request.getfixturevalue(when)
    browser.get(f"http://127.0.0.1:{server.port}{path}")
    assert browser.execute_script("return document.documentElement.lang") == lang
    result = axe(browser)
    assert "error" not in result, result
    assert result["version"] == "4.14.1" and result["passes"] > 10  # axe really ran its rules
    assert result["violations"] == [], summary(result["violations"])
    shot = screenshot(browser, f"page-{when}-{lang}")
    assert shot.stat().st_size > 10_000


def test_the_logo_shows_and_the_page_ran_no_script_of_its_own(
    during: Server, browser: webdriver.Chrome
) -> None:
    browser.get(f"http://127.0.0.1:{during.port}/en/")
    loaded = browser.execute_script(
        "const img = document.querySelector('img.logo');"
        "return img && img.complete && img.naturalWidth > 0 ? img.alt : null;"
    )
    assert loaded == "Logo of Example Municipality"
    assert browser.execute_script("return document.scripts.length") == 0


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A folder of plans served as a region: the index of municipalities at / and /en/."""
    from tests.helpers.region import write_region

    tmp = tmp_path_factory.mktemp("region")
    write_region(tmp / "plans", 3)
    running = start(tmp, tmp / "plans", "--base-url", "https://kalender.example/")
    yield running
    stop(running)


@pytest.mark.parametrize(("lang", "path"), [("sv", "/"), ("en", "/en/")])
def test_the_region_index_has_no_wcag_21_aa_violation(
    region: Server, browser: webdriver.Chrome, lang: str, path: str
) -> None:
    browser.get(f"http://127.0.0.1:{region.port}{path}")
    assert browser.execute_script("return document.documentElement.lang") == lang
    result = axe(browser)
    assert "error" not in result, result
    assert result["version"] == "4.14.1" and result["passes"] > 5  # axe really ran its rules
    assert result["violations"] == [], summary(result["violations"])
    assert browser.execute_script("return document.querySelectorAll('main li a').length") == 3
    screenshot(browser, f"region-index-{lang}")
    # the links lead to the plans' pages, in the same language
    browser.find_element("css selector", "main li a").click()
    assert browser.execute_script("return document.documentElement.lang") == lang
    assert "kommun000-2022-2023" in browser.current_url
