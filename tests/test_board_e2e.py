"""The board in a real browser: headless Chromium (Debian's chromium and chromium-driver, driven by
Selenium) against a real server on a free local port, seeded through the HTTP API.

Sign in, see the breached review marked red, filter by type and by status, open the review and see its
workflow diagram drawn with the current state highlighted, open the calendar, sign out. A screenshot
of each page is saved under tests/artifacts/ for a person to look at. Skipped, saying why, only where
no Chromium can be had (`make install-test` installs it with apt-get as root).
"""

from __future__ import annotations

import base64
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from practice_review.api.app import create_app
from practice_review.bootstrap import build_services
from practice_review.config import Settings
from practice_review.services.keys import create_key

from .conftest import TODAY, WORKFLOWS
from .helpers import Api
from .server import served_in_thread
from .test_api_clocks import pause

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
)
WAIT = 20  # seconds a page may take to show what is looked for
POLL = 0.05  # seconds between looks (selenium looks every 0.5 s by default: most of a walk-through's time)


def _webdriver() -> Any:
    """The selenium module, or a skip that says what is missing."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        pytest.skip(
            f"no headless browser: {', '.join(missing)} missing; `make install-test` installs Debian's chromium "
            "and chromium-driver (apt-get, as root)"
        )
    try:
        from selenium import webdriver
    except ImportError:
        pytest.skip("the selenium package is not installed: `make install-test` installs the test extras")
    return webdriver


@dataclass
class Board:
    url: str
    key: str
    red: dict[str, Any]  # a rapid review at its rapid review meeting, its 15-working-day clock breached
    amber: dict[str, Any]  # a rapid review whose screening is due in 3 working days
    green: dict[str, Any]  # an LCSPR, its reviewer due in 5 working days
    other: dict[str, Any]  # a serious offence review, due in 4 working days


def _seed(api: Api) -> Board:
    red = api.new_review_at("hold_meeting", child_reference="Child A")
    api.link_external(red["id"], "coroner", "INQ-2026-113")
    amber = api.create_review(received_on="2026-02-26", child_reference="Child B")
    green = api.create_review(review_type="lcspr", received_on="2026-02-23", child_reference="Child C")
    api.ok(pause(api, green["id"], "completion", "2026-02-27", "Criminal trial (§8)"))
    other = api.create_review(review_type="serious_offence", received_on="2026-02-27", child_reference="Child D")
    return Board("", "", red, amber, green, other)


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Board]:
    """A migrated SQLite database, the app served by uvicorn on a free port (today is TODAY), seeded."""
    path = tmp_path_factory.mktemp("board") / "board.db"
    shutil.copyfile(sqlite_template, path)
    services = build_services(Settings(database_url=f"sqlite:///{path}", workflows_dir=WORKFLOWS))
    services.today = lambda: TODAY
    key = create_key(services, "SSCP Business Unit", "business_unit").secret
    chair = create_key(services, "Panel chair", "chair").secret
    try:
        with served_in_thread(create_app(services=services)) as url, httpx.Client(base_url=url, timeout=60) as client:
            seeded = _seed(Api(client, {"Authorization": f"Bearer {key}"}, {"Authorization": f"Bearer {chair}"}))
            seeded.url, seeded.key = url, key
            yield seeded
    finally:
        services.db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium, or a skip saying what is missing (before any server is started)."""
    webdriver = _webdriver()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="board-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# ---------------------------------------------------------------- helpers


def wait_for(driver: Any, css: str) -> Any:
    """The first element matching `css`, once the page shows it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT, poll_frequency=POLL).until(
        lambda d: (d.find_elements(By.CSS_SELECTOR, css) or [None])[0]
    )


def all_of(driver: Any, css: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(driver.find_elements(By.CSS_SELECTOR, css))


def screenshot(driver: Any, name: str) -> Path:
    """The whole page (not only the window) as tests/artifacts/NAME.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": math.ceil(size["height"]), "scale": 1},
        },
    )
    target = ARTIFACTS / f"{name}.png"
    target.write_bytes(base64.b64decode(shot["data"]))
    return target


def sign_in(driver: Any, board: Board, key: str | None = None) -> None:
    driver.get(f"{board.url}/board/sign-in")
    field = wait_for(driver, "input#key")
    field.clear()
    field.send_keys(key or board.key)
    wait_for(driver, "form.stack button[type=submit]").click()


def open_board(driver: Any, board: Board) -> None:
    """The board's first page, signing in first if the browser is not signed in."""
    driver.get(f"{board.url}/board")
    if "/sign-in" in driver.current_url:
        sign_in(driver, board)
    wait_for(driver, "#reviews-body tr")


def rows(driver: Any) -> dict[str, Any]:
    """The board's rows by review reference."""
    return {row.get_attribute("data-reference"): row for row in all_of(driver, "#reviews-body tr[data-reference]")}


def choose(driver: Any, select_id: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(wait_for(driver, f"select#{select_id}")).select_by_value(value)


def show(driver: Any, query: str) -> None:
    """Press the filter form's button; wait for the page it asks for (its address ends with `query`)."""
    from selenium.webdriver.support.ui import WebDriverWait

    wait_for(driver, "form.filters button[type=submit]").click()
    WebDriverWait(driver, WAIT, poll_frequency=POLL).until(lambda d: d.current_url.endswith(query))
    wait_for(driver, "#reviews-body tr")


# ---------------------------------------------------------------- the walk through


def test_signing_in_shows_the_breached_review_first_marked_red(browser: Any, board: Board) -> None:
    browser.get(f"{board.url}/board")
    wait_for(browser, "input#key")
    assert browser.current_url.startswith(f"{board.url}/board/sign-in")  # not signed in: sent to the form
    sign_in(browser, board, key="prk_not-a-key")
    alert = wait_for(browser, "[role=alert]")
    assert "unknown, revoked or expired" in alert.text
    assert wait_for(browser, "input#key").get_attribute("aria-invalid") == "true"
    screenshot(browser, "sign-in")

    sign_in(browser, board)
    wait_for(browser, "#reviews-body tr")
    assert browser.current_url == f"{board.url}/board"  # no key, nor any query, in the address
    assert board.key not in browser.current_url
    listed = rows(browser)
    assert set(listed) == {board.red["reference"], board.amber["reference"], board.green["reference"]} | {
        board.other["reference"]
    }
    first = all_of(browser, "#reviews-body tr[data-reference]")[0]
    assert first.get_attribute("data-reference") == board.red["reference"]  # most urgent first
    red = listed[board.red["reference"]].find_element("css selector", ".mark")
    assert "mark-red" in red.get_attribute("class") and "Breached" in red.text
    amber = listed[board.amber["reference"]].find_element("css selector", ".mark")
    assert "mark-amber" in amber.get_attribute("class") and "Due in 3 working days" in amber.text
    assert "mark-green" in listed[board.green["reference"]].find_element("css selector", ".mark").get_attribute("class")
    screenshot(browser, "board")


def test_filtering_by_type_and_by_status(browser: Any, board: Board) -> None:
    open_board(browser, board)
    choose(browser, "type", "lcspr")
    show(browser, "?type=lcspr&status=")
    assert set(rows(browser)) == {board.green["reference"]}

    choose(browser, "type", "")
    choose(browser, "status", "breached")
    show(browser, "?type=&status=breached")
    assert set(rows(browser)) == {board.red["reference"]}
    assert "Breached (red)" in wait_for(browser, "#reviews caption").text
    screenshot(browser, "board-breached")

    choose(browser, "type", "rapid")
    choose(browser, "status", "due_soon")
    show(browser, "?type=rapid&status=due_soon")
    assert set(rows(browser)) == {board.amber["reference"]}


def test_the_review_page_draws_its_workflow_with_the_current_state_highlighted(browser: Any, board: Board) -> None:
    open_board(browser, board)
    wait_for(browser, f"#reviews-body a[href='/board/reviews/{board.red['id']}']").click()
    wait_for(browser, "h1")
    assert browser.find_element("css selector", "h1").text.startswith(board.red["reference"])

    current = wait_for(browser, "pre.mermaid[data-rendered] svg g.current")  # Mermaid drew it, here
    assert "meeting_scheduled" in current.get_attribute("id")
    assert "Meeting scheduled" in current.text
    assert len(all_of(browser, "pre.mermaid svg g.current")) == 1
    assert "Current state: Meeting scheduled" in browser.find_element("css selector", "#workflow + p").text
    page = browser.find_element("css selector", "main").text
    assert "Breached" in page and "Coroner INQ-2026-113" in page
    assert "Quorate" in page and "Dana Okafor" in page  # the meetings, with quorum and who came
    assert "Screen in" in page and "Notify national panel" in page  # the timeline
    screenshot(browser, "review")


def test_the_calendar_shows_bank_holidays_and_due_dates(browser: Any, board: Board) -> None:
    open_board(browser, board)
    wait_for(browser, "nav a[href='/board/calendar']").click()
    wait_for(browser, "table.month")
    captions = [c.text for c in all_of(browser, "table.month caption")]
    assert captions == ["March 2026", "April 2026", "May 2026"]
    good_friday = wait_for(browser, "time[datetime='2026-04-03']").find_element("xpath", "ancestor::td")
    assert "Good Friday" in good_friday.text
    due = wait_for(browser, "time[datetime='2026-03-05']").find_element("xpath", "ancestor::td")
    assert board.amber["reference"] in due.text
    screenshot(browser, "calendar")


def test_the_table_refreshes_itself_in_place_without_taking_the_focus(browser: Any, board: Board) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    open_board(browser, board)
    browser.execute_script("window.loadedOnce = true;")
    with httpx.Client(base_url=board.url, headers={"Authorization": f"Bearer {board.key}"}) as client:
        body = {"review_type": "rapid", "child_reference": "Child E", "received_on": "2026-03-02"}
        created = client.post("/reviews", json={**body, "referrer_organisation": "Salford City Council"}).json()
    button = wait_for(browser, "button#refresh-now")
    button.click()  # what the timer does every minute
    listed = "return Array.from(document.querySelectorAll('#reviews-body tr'), row => row.dataset.reference)"
    WebDriverWait(browser, WAIT, poll_frequency=POLL).until(
        lambda d: created["reference"] in d.execute_script(listed)
    )  # read at once
    assert browser.execute_script("return window.loadedOnce === true")  # the same page, not a reload
    assert browser.switch_to.active_element == button


def test_signing_out_forgets_the_key(browser: Any, board: Board) -> None:
    open_board(browser, board)
    wait_for(browser, "form.sign-out button").click()
    wait_for(browser, "input#key")
    assert browser.current_url == f"{board.url}/board/sign-in"
    browser.get(f"{board.url}/board")
    wait_for(browser, "input#key")
    assert browser.current_url.startswith(f"{board.url}/board/sign-in")
