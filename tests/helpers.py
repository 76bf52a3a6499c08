"""A small driver for the API, so tests read as the steps a Business Unit takes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"
KeyFor = Callable[..., dict[str, str]]

PANEL = [
    {"person_id": "la-1", "name": "Dana Okafor", "organisation": "Salford City Council", "partner": "local_authority"},
    {"person_id": "icb-1", "name": "Imran Shah", "organisation": "NHS Greater Manchester ICB", "partner": "icb"},
    {"person_id": "gmp-1", "name": "Pat Reilly", "organisation": "Greater Manchester Police", "partner": "police"},
]
# People who are not on the happy path's panel.
POLICE_SUBSTITUTE = {
    "person_id": "gmp-2",
    "name": "Sam Ward",
    "organisation": "Greater Manchester Police",
    "partner": "police",
    "substitute": True,
}
LA_SECOND = {
    "person_id": "la-2",
    "name": "Chris Lowe",
    "organisation": "Salford City Council",
    "partner": "local_authority",
}
ENDORSERS = [
    ("local_authority", "la-1", "Dana Okafor"),
    ("icb", "icb-1", "Imran Shah"),
    ("police", "gmp-1", "Pat Reilly"),
    ("independent_scrutineer", "is-1", "Ingrid Scrutton"),
]

# The happy path of a rapid review, February 2026 (no bank holidays that month).
RECEIVED_ON = "2026-02-02"
SCREENING_AT, SCREENING_DOCS = "2026-02-05T10:00:00+00:00", "2026-02-04T09:00:00+00:00"
MEETING_AT, MEETING_DOCS = "2026-02-16T10:00:00+00:00", "2026-02-13T09:00:00+00:00"

# What the rapid review decision records besides its recommendation (S2, F1).
DECISION = {
    "immediate_safety_actions": "Sibling's safety plan reviewed; none further needed",
    "national_review_recommended": False,
    "family_involvement": "involved",
}
# S1: the Business Unit records a party's endorsement only as a proxy, with its evidence.
PROXY = {"evidence": "e-mail from the partner of 17 Feb 2026"}

HAPPY_PATH = [
    # (event, occurred_on, data)
    ("screen_in", "2026-02-05", {}),
    ("notify_national_panel", "2026-02-06", {}),
    ("schedule_meeting", "2026-02-09", {"meeting_on": "2026-02-16"}),
    ("hold_meeting", "2026-02-16", {"recommendation": "lcspr", **DECISION}),
    ("endorse", "2026-02-18", {}),
    ("submit_to_national_panel", "2026-02-20", {}),
    ("record_panel_response", "2026-02-27", {"panel_view": "agrees"}),
]


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is a problem document (RFC 9457) with this status; its body."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    assert response.headers["content-type"].split(";")[0].strip() == PROBLEM
    body = response.json()
    assert body["status"] == status
    for member in ("type", "title", "detail"):
        assert isinstance(body[member], str) and body[member], f"problem without {member}: {body}"
    return body


def blocked(response: httpx.Response, *rules: str) -> list[dict[str, str]]:
    """A 409 guard failure whose `blocked_by` names exactly these rules; its entries."""
    body = problem(response, 409)
    entries = body["blocked_by"]
    assert sorted({b["rule"] for b in entries}) == sorted(set(rules)), entries
    assert all(b["message"] for b in entries)
    return entries


def messages(entries: list[dict[str, str]], rule: str) -> str:
    return " | ".join(b["message"] for b in entries if b["rule"] == rule)


def field_errors(body: dict[str, Any]) -> set[str]:
    return {e["field"] for e in body["errors"]}


class Api:
    def __init__(self, client: TestClient | httpx.Client, business_unit: dict[str, str], chair: dict[str, str]) -> None:
        self.client = client
        self.bu = business_unit
        self.chair = chair

    @staticmethod
    def ok(response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, f"{response.status_code}: {response.text}"
        return response.json()

    def create_review(self, headers: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
        body = {
            "review_type": "rapid",
            "child_reference": "Child A",
            "received_on": RECEIVED_ON,
            "referrer_organisation": "Salford City Council",
            **fields,
        }
        return self.ok(self.client.post("/reviews", json=body, headers=headers or self.bu), 201)

    def review(self, review_id: str) -> dict[str, Any]:
        return self.ok(self.client.get(f"/reviews/{review_id}", headers=self.bu))

    def meeting(self, review_id: str, kind: str, scheduled_for: str, documents_shared_at: str | None) -> dict[str, Any]:
        body = {"kind": kind, "scheduled_for": scheduled_for, "documents_shared_at": documents_shared_at}
        return self.ok(self.client.post(f"/reviews/{review_id}/meetings", json=body, headers=self.bu), 201)

    def attend(self, review_id: str, meeting_id: int, attendees: list[dict[str, Any]] = PANEL) -> dict[str, Any]:
        return self.ok(
            self.client.put(f"/reviews/{review_id}/meetings/{meeting_id}/attendance", json=attendees, headers=self.bu)
        )

    def declare(
        self, review_id: str, person: dict[str, Any], declared_on: str, has_interest: bool = False, details: str = ""
    ) -> dict[str, Any]:
        body = {
            "person_id": person["person_id"],
            "name": person["name"],
            "organisation": person["organisation"],
            "role": "panel member",
            "has_interest": has_interest,
            "details": details,
            "declared_on": declared_on,
        }
        return self.ok(self.client.post(f"/reviews/{review_id}/declarations", json=body, headers=self.bu), 201)

    def rule(self, review_id: str, declaration_id: int, ruling: str) -> dict[str, Any]:
        return self.ok(
            self.client.post(
                f"/reviews/{review_id}/declarations/{declaration_id}/ruling",
                json={"ruling": ruling},
                headers=self.chair,
            )
        )

    def endorse(
        self,
        review_id: str,
        party: str,
        person_id: str,
        name: str,
        agrees: bool = True,
        endorsed_on: str = "2026-02-17",
        headers: dict[str, str] | None = None,
        decision: str | None = None,
    ) -> dict[str, Any]:
        """An endorsement: by the party's own key (`headers`), else by the Business Unit as a proxy (S1)."""
        body: dict[str, Any] = {
            "party": party,
            "person_id": person_id,
            "name": name,
            "agrees": agrees,
            "endorsed_on": endorsed_on,
        }
        if headers is None:
            body["proxy"] = PROXY
        if decision is not None:
            body["decision"] = decision
        response = self.client.post(f"/reviews/{review_id}/endorsements", json=body, headers=headers or self.bu)
        return self.ok(response, 201)

    def link_external(self, review_id: str, kind: str, reference: str, relation: str = "parallel") -> dict[str, Any]:
        body = {"external": {"kind": kind, "reference": reference}, "relation": relation}
        return self.ok(self.client.post(f"/reviews/{review_id}/links", json=body, headers=self.bu), 201)

    def fire(
        self,
        review_id: str,
        event: str,
        occurred_on: str | None = None,
        data: dict[str, Any] | None = None,
        expected_version: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {"event": event, "data": data or {}}
        if occurred_on:
            body["occurred_on"] = occurred_on
        if expected_version is not None:
            body["expected_version"] = expected_version
        return self.client.post(f"/reviews/{review_id}/transitions", json=body, headers=headers or self.bu)

    def prepare(self, review_id: str, event: str) -> None:
        """Record what the happy path needs before `event`: its meeting, attendance, declarations, endorsements."""
        if event == "screen_in":
            meeting = self.meeting(review_id, "screening", SCREENING_AT, SCREENING_DOCS)
            self.attend(review_id, meeting["id"])
            for person in PANEL:
                self.declare(review_id, person, "2026-02-05")
        elif event == "hold_meeting":
            meeting = self.meeting(review_id, "rapid_review", MEETING_AT, MEETING_DOCS)
            self.attend(review_id, meeting["id"])
        elif event == "endorse":
            for party, person_id, name in ENDORSERS:
                self.endorse(review_id, party, person_id, name)

    def walk(
        self, review_id: str, until: str | None = None, path: list[tuple[str, str, dict[str, Any]]] = HAPPY_PATH
    ) -> dict[str, Any]:
        """Fire the path's events from the review's state on, stopping before `until` (None: to the end)."""
        review = self.review(review_id)
        events = [e for e, _, _ in path]
        available = {a["event"] for a in review["available_events"]}
        start = next((i for i, e in enumerate(events) if e in available), len(events))
        for event, occurred_on, data in path[start:]:
            if event == until:
                break
            self.prepare(review_id, event)
            review = self.ok(self.fire(review_id, event, occurred_on, data))
        return review

    def new_review_at(self, until: str | None = None, **fields: Any) -> dict[str, Any]:
        """A new rapid review, walked along the happy path up to (not including) `until`."""
        review = self.create_review(**fields)
        return self.walk(review["id"], until)


def history(api: Api, review_id: str) -> list[dict[str, Any]]:
    return api.ok(api.client.get(f"/reviews/{review_id}/history", headers=api.bu))["items"]


@contextmanager
def unchanged(api: Api, review_id: str) -> Iterator[None]:
    """What the block does leaves the review exactly as it was (A2)."""
    review, events = api.review(review_id), history(api, review_id)
    yield
    after, after_events = api.review(review_id), history(api, review_id)
    assert (after["version"], after["state"], len(after_events)) == (review["version"], review["state"], len(events))
    assert after == review
    assert after_events == events


def review_count(api: Api) -> int:
    return len(api.ok(api.client.get("/reviews", params={"limit": 200}, headers=api.bu))["items"])


def working_day(api: Api, start: str, days: int) -> str:
    """The calendar endpoint's answer: the `days`-th working day after `start` (C2)."""
    body = api.ok(api.client.get("/calendar/working-days/add", params={"start": start, "days": days}, headers=api.bu))
    return body["date"]


def request_information(
    api: Api, review_id: str, organisation: str, requested_on: str, kind: str = "chronology"
) -> dict[str, Any]:
    body = {"organisation": organisation, "kind": kind, "requested_on": requested_on}
    return api.ok(api.client.post(f"/reviews/{review_id}/information-requests", json=body, headers=api.bu), 201)


def record_return(
    api: Api, review_id: str, request_id: int, returned_on: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return api.client.post(
        f"/reviews/{review_id}/information-requests/{request_id}/return",
        json={"returned_on": returned_on},
        headers=headers or api.bu,
    )
