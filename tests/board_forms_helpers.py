"""A person at the board's forms without a browser: sign in with a key, open a form, send it back with the
hidden fields the page gave (CSRF token, expected version), as a browser would."""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

HIDDEN = re.compile(r'<input type="hidden" name="([\w.\-]+)" value="([^"]*)">')
LINK = re.compile(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>(.*?)</a>', re.S)


def words(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


class Person:
    """One signed-in browser (its own cookie jar) on the app."""

    def __init__(self, app: Any, headers: dict[str, str]) -> None:
        self.client = TestClient(app)
        key = headers["Authorization"].removeprefix("Bearer ")
        signed = self.client.post("/board/sign-in", data={"key": key}, follow_redirects=False)
        assert signed.status_code == 303, signed.text

    def get(self, path: str) -> Response:
        return self.client.get(path)

    def hidden(self, path: str) -> dict[str, str]:
        page = self.client.get(path)
        assert page.status_code == 200, page.text
        return {name: html.unescape(value) for name, value in HIDDEN.findall(page.text)}

    def send(self, path: str, answers: dict[str, Any], hidden: dict[str, str] | None = None) -> Response:
        """Open the form at `path`, fill in `answers` and send it; follows the redirect after success."""
        fields = {**(self.hidden(path) if hidden is None else hidden), **{k: str(v) for k, v in answers.items()}}
        return self.client.post(path, data=fields)

    def offered(self, page_path: str, form: str, text: str = "") -> str:
        """The path of the form `form` (e.g. "declaration", "ruling/") that the page at `page_path` links
        this person to, with `text` in the link's words: the test fails when the page does not offer it."""
        page = self.client.get(page_path)
        assert page.status_code == 200, page.text
        found = [href for href, said in links(page.text) if f"/do/{form}" in href and text in said]
        assert found, f"{page_path} offers no form {form!r} ({text!r}): {sorted(set(links(page.text)))}"
        return found[0]

    def step(self, review_id: str, event: str, answers: dict[str, Any]) -> Response:
        """An event through the form the review page's "What can happen next" links to (fails if it does not)."""
        path = self.offered(f"/board/reviews/{review_id}", f"event/{event}")
        assert path == f"/board/reviews/{review_id}/do/event/{event}", path
        return self.fire(review_id, event, answers)

    def fire(self, review_id: str, event: str, answers: dict[str, Any]) -> Response:
        """A workflow event through its form: the answers, the check-answers page, then recording it."""
        path = f"/board/reviews/{review_id}/do/event/{event}"
        checked = self.send(path, answers)
        if checked.status_code != 200 or "Check your answers" not in checked.text:
            return checked
        hidden = {name: html.unescape(value) for name, value in HIDDEN.findall(checked.text)}  # as a browser reads them
        return self.client.post(path, data={**hidden, "step": "confirm"})


def links(page: str) -> list[tuple[str, str]]:
    """(href, the link's words) of every link on the page."""
    return [(html.unescape(href), words(said)) for href, said in LINK.findall(page)]


def day(iso: str, name: str) -> dict[str, str]:
    """The GOV.UK date input's three answers for a date."""
    year, month, day_ = iso.split("-")
    return {f"{name}-day": day_, f"{name}-month": month, f"{name}-year": year}


def moment(iso: str, name: str) -> dict[str, str]:
    """A date and time field's answers: "2026-02-05T10:00"."""
    on, time = iso.split("T")
    return {**day(on, name), f"{name}-time": time[:5]}


def banner(page: Response) -> str:
    found = re.search(r'<p class="govuk-notification-banner__heading">(.*?)</p>', page.text, re.S)
    return html.unescape(found.group(1).strip()) if found else ""


def error_summary(page: Response) -> list[str]:
    found = re.search(r'<div class="govuk-error-summary".*?<ul[^>]*>(.*?)</ul>', page.text, re.S)
    return [words(item) for item in re.findall(r"<li[^>]*>(.*?)</li>", found.group(1), re.S)] if found else []
