"""Every board page, as each role sees it, in headless Chromium with axe-core (npm `axe-core`, pinned by
tests/axe/package-lock.json, installed by `make install-test`) at 1280 and 320 CSS pixels wide (320 is
1280 at 400% zoom: WCAG 2.2 1.4.10 Reflow): no WCAG 2.2 A or AA violation, and at 320 px nothing wider
than the window (no sideways scrolling). Each role visits the board's pages and every review it may read;
the Business Unit also follows every link on those pages that stays on the board (the forms). A
screenshot of each page at each width, as the Business Unit sees it, is kept in tests/artifacts/a11y/.
Skipped, saying why, only where Chromium or axe-core cannot be had."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from practice_review.api.app import create_app
from practice_review.bootstrap import build_services
from practice_review.config import Settings
from practice_review.services.keys import create_key

from .conftest import TODAY, WORKFLOWS
from .helpers import Api, request_information
from .server import served_in_thread
from .test_api_clocks import pause
from .test_board_e2e import ARTIFACTS, CHROMIUM, FLAGS, _webdriver, screenshot, sign_in, wait_for

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 320)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
MOST_FOLLOWED = 30  # links followed from the pages, for the roles that act through forms
SCHOOL = "Salford Primary School"
NOT_PAGES = re.compile(r"/sign-out|/sign-in|\.(pdf|docx|xlsx|ics|csv)(\?|$)|/documents/|/static/")

# role -> (partner, organisation, person_id) of its key
ROLES: dict[str, tuple[str | None, str | None, str | None]] = {
    "business_unit": (None, None, None),
    "chair": (None, None, None),
    "independent_scrutineer": (None, None, None),
    "partner": ("local_authority", "Salford City Council", None),
    "agency": (None, SCHOOL, None),
    "reviewer": (None, None, "rev-1"),
    "read_only": (None, None, None),
}
FOLLOWS_LINKS = ("business_unit",)  # the forms are the same pages whoever opens them
PHOTOGRAPHED = ("business_unit",)  # a screenshot of each page at each width (they take time)


@dataclass
class World:
    url: str
    keys: dict[str, str]
    reviews: list[dict[str, Any]] = field(default_factory=list)


def _seed(api: Api) -> list[dict[str, Any]]:
    """A review of each kind of page: breached with meetings, links and a blocked event; an LCSPR with its
    reviewer, a paused clock, an overdue agency summary and an action; a withdrawn review; others."""
    red = api.new_review_at("hold_meeting", child_reference="Child A")
    api.link_external(red["id"], "coroner", "INQ-2026-113")
    request_information(api, red["id"], SCHOOL, "2026-02-19")
    lcspr = api.create_review(review_type="lcspr", received_on="2026-02-02", child_reference="Child L")
    reviewer = {"person_id": "rev-1", "name": "Morgan Hale", "organisation": "Hale Consultancy"}
    api.declare(lcspr["id"], reviewer, "2026-02-02")
    appointment = {"person_id": "rev-1", "name": "Morgan Hale", "contract_signed": True, "policy_confirmed": True}
    api.ok(api.fire(lcspr["id"], "appoint_reviewer", "2026-02-03", {"reviewer": appointment}))
    api.ok(pause(api, lcspr["id"], "completion", "2026-02-04", "Criminal trial (§8)"))
    request_information(api, lcspr["id"], SCHOOL, "2026-02-16", kind="agency_summary")
    action = {
        "recommendation": "Share chronologies earlier",
        "action": "Agree a chronology protocol",
        "owner_organisation": SCHOOL,
        "due_on": "2026-03-04",
        "intended_outcome": "Chronologies in time",
    }
    api.ok(api.client.post(f"/reviews/{lcspr['id']}/actions", json=action, headers=api.bu), 201)
    ended = api.create_review(child_reference="Child W", themes=["neglect", "domestic abuse"])
    api.ok(api.fire(ended["id"], "withdraw", "2026-02-03", {"reason": "Referred in error"}))
    amber = api.create_review(received_on="2026-02-26", child_reference="Child B")
    other = api.create_review(review_type="serious_offence", received_on="2026-02-27", child_reference="Child D")
    return [red, lcspr, ended, amber, other]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[World]:
    _webdriver()  # skip before starting anything if there is no browser
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed ({AXE} missing): `make install-test` runs npm ci in tests/axe")
    path = tmp_path_factory.mktemp("a11y") / "board.db"
    shutil.copyfile(sqlite_template, path)
    services = build_services(Settings(database_url=f"sqlite:///{path}", workflows_dir=WORKFLOWS))
    services.today = lambda: TODAY
    keys = {
        role: create_key(
            services, f"Test {role.replace('_', ' ')}", role, partner=p, organisation=o, person_id=i
        ).secret
        for role, (p, o, i) in ROLES.items()
    }
    try:
        with served_in_thread(create_app(services=services)) as url, httpx.Client(base_url=url, timeout=60) as client:
            api = Api(
                client,
                {"Authorization": f"Bearer {keys['business_unit']}"},
                {"Authorization": f"Bearer {keys['chair']}"},
            )
            yield World(url, keys, _seed(api))
    finally:
        services.db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    webdriver = _webdriver()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="board-a11y-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    from .test_board_e2e import CHROMEDRIVER

    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _width(driver: Any, width: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}
    )


def _axe(driver: Any) -> list[str]:
    """axe-core's WCAG 2.2 A and AA violations on the page, one line each."""
    if not driver.execute_script("return !!window.axe"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: "tag", values: arguments[0]}, resultTypes: ["violations"]})
          .then(r => done(r.violations.map(v => v.id + " (" + v.impact + "): " + v.help + " at "
                 + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))))
          .catch(e => done(["axe failed: " + e]));
        """,
        TAGS,
    )
    return list(found)


def _overflow(driver: Any) -> str | None:
    """At a narrow width: what is wider than the window, if anything."""
    wide = driver.execute_script(
        """
        const w = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= w) return null;
        const culprits = [...document.querySelectorAll("body *")]
          .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest(".scroll"))
          .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + "." + e.className);
        return document.documentElement.scrollWidth + " > " + w + ": " + culprits.join(", ");
        """
    )
    return str(wide) if wide else None


def _settled(driver: Any) -> None:
    """The page is drawn: its diagram, if it has one, rendered by Mermaid."""
    if driver.execute_script("return !!document.querySelector('pre.mermaid')"):
        wait_for(driver, "pre.mermaid[data-rendered]")


def _links(driver: Any, origin: str) -> list[str]:
    hrefs = driver.execute_script("return [...document.querySelectorAll('a[href]')].map(a => a.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if (
            f"{parts.scheme}://{parts.netloc}" == origin
            and parts.path.startswith("/board")
            and not NOT_PAGES.search(href)
        ):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def pages_for(role: str, world: World) -> list[str]:
    partner, organisation, _ = ROLES[role]
    pages = ["/board", "/board/calendar"]
    if role in ("business_unit", "agency"):  # pages that differ between roles by their menu only: two suffice
        pages += ["/board?status=breached", "/board/search?q=child", "/board/ended", "/board/calendar/2026-03-05"]
        pages += ["/board/rules", "/board/no-such-page"]
    if organisation:
        pages.append("/board/due")
    if role not in ("agency", "reviewer"):
        pages.append("/board/figures")
    reviews = world.reviews if role == "business_unit" else world.reviews[:2]  # the others' pages look alike
    return pages + [f"/board/reviews/{r['id']}" for r in reviews]


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")[:80] or "board"


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_has_no_wcag_violations_and_reflows_at_320_px(browser: Any, world: World, role: str) -> None:
    browser.delete_all_cookies()
    _width(browser, 1280)
    sign_in(browser, world, key=world.keys[role])  # type: ignore[arg-type]
    wait_for(browser, "main")
    problems: list[str] = []
    shots = ARTIFACTS / "a11y"
    shots.mkdir(parents=True, exist_ok=True)
    queue, seen = pages_for(role, world), set()
    for width in WIDTHS:
        _width(browser, width)
        todo = list(queue)
        while todo:
            path = todo.pop(0)
            if path in seen and width == WIDTHS[0]:
                continue
            seen.add(path)
            browser.get(world.url + path)
            wait_for(browser, "main")
            if "/sign-in" in browser.current_url:
                problems.append(f"{path}: signed out")
                continue
            _settled(browser)
            problems += [f"{path} at {width} px: {v}" for v in _axe(browser)]
            if width < 400 and (wide := _overflow(browser)):
                problems.append(f"{path} at {width} px scrolls sideways: {wide}")
            if role in PHOTOGRAPHED:
                screenshot(browser, f"a11y/{role}-{width}-{_slug(path)}")
            if width == WIDTHS[0] and role in FOLLOWS_LINKS and len(queue) < MOST_FOLLOWED:
                for link in _links(browser, world.url):
                    if link not in queue and len(queue) < MOST_FOLLOWED:
                        queue.append(link)
                        todo.append(link)
    assert not problems, f"{len(problems)} problems for {role}:\n" + "\n".join(problems)


def test_the_sign_in_page_has_no_wcag_violations_at_either_width(browser: Any, world: World) -> None:
    browser.delete_all_cookies()
    problems = []
    for width in WIDTHS:
        _width(browser, width)
        browser.get(world.url + "/board/sign-in")
        wait_for(browser, "main")
        problems += [f"sign-in at {width} px: {v}" for v in _axe(browser)]
        if width < 400 and (wide := _overflow(browser)):
            problems.append(f"sign-in at {width} px scrolls sideways: {wide}")
        screenshot(browser, f"a11y/signed-out-{width}-sign-in")
    assert not problems, "\n".join(problems)


def test_the_api_docs_draw_in_the_browser_from_the_package_alone(browser: Any, world: World) -> None:
    """Swagger UI and ReDoc render the spec with nothing but the service's own files (the browser may not
    reach the internet: any request elsewhere would fail and show)."""
    _width(browser, 1280)
    for path, drawn in (("/docs", ".swagger-ui .info .title"), ("/redoc", "#redoc h1")):
        browser.get(world.url + path)
        assert "practice-review" in wait_for(browser, drawn).text
        screenshot(browser, f"a11y/api-docs{path.replace('/', '-')}")
        requested = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert requested and all(n.startswith((world.url, "blob:", "data:")) for n in requested), requested
