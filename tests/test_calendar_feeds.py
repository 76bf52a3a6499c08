"""Deadline calendars (issue 18): a secret, revocable feed URL of the deadlines a person or organisation
owns, parsed with `icalendar` as Outlook or Google Calendar would; an extended, paused or met clock keeps
its UID and comes with a higher SEQUENCE. SQLite and PostgreSQL (conftest)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import select

from practice_review.services.common import Services
from practice_review.services.keys import revoke_key
from practice_review.storage import models as m

from .helpers import Api, KeyFor, problem, request_information

SCHOOL, TRUST = "Salford Primary School", "Salford Royal NHS Foundation Trust"
ACTION = {
    "recommendation": "Share chronologies earlier",
    "action": "Agree a protocol",
    "due_on": "2026-06-30",
    "intended_outcome": "Chronologies in time",
}


def new_feed(client: TestClient, headers: dict[str, str], label: str = "My deadlines") -> dict[str, Any]:
    response = client.post("/calendar-feeds", json={"label": label}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def events(client: TestClient, path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The feed's events by UID, parsed as a calendar program would."""
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def clock_event(found: dict[str, Any], reference: str, clock: str) -> Any:
    return next(e for e in found.values() if str(e["SUMMARY"]).endswith(f"{reference}: {clock} due"))


def test_an_extended_clock_moves_with_the_same_uid_and_a_higher_sequence(
    api: Api, client: TestClient, services: Services
) -> None:
    review = api.new_review_at("submit_to_national_panel")  # the 15-working-day clock runs, due Fri 27 Feb
    feed = new_feed(client, api.bu)
    assert feed["url"].endswith(feed["path"]) and feed["path"].startswith("/calendar-feeds/prc_")
    before = clock_event(events(client, feed["path"]), review["reference"], "Rapid review")
    assert before.decoded("DTSTART").isoformat() == "2026-02-27"
    assert "/board/reviews/" + review["id"] in str(before["DESCRIPTION"])
    assert "Child A" not in str(before["DESCRIPTION"])  # a reference and a link, never case details
    body = {"new_due_on": "2026-03-13", "reason": "Awaiting the police chronology"}
    api.ok(client.post(f"/reviews/{review['id']}/clocks/rapid_review/extend", json=body, headers=api.bu))
    after = events(client, feed["path"])[str(before["UID"])]  # the same event, moved
    assert after.decoded("DTSTART").isoformat() == "2026-03-13"
    assert after["SEQUENCE"] > before["SEQUENCE"]
    api.ok(api.fire(review["id"], "submit_to_national_panel", "2026-03-02"))  # met
    met = events(client, feed["path"])[str(before["UID"])]
    assert str(met["SUMMARY"]).startswith("Met: ") and met["SEQUENCE"] > after["SEQUENCE"]
    with services.db.read() as session:  # the token is stored only as its hash
        stored = session.scalar(select(m.CalendarFeed.token_hash))
    token = feed["path"].removeprefix("/calendar-feeds/").removesuffix(".ics")
    assert stored != token and token not in stored and token != api.bu["Authorization"].removeprefix("Bearer ")


def test_a_paused_clock_is_marked_and_its_sequence_rises(api: Api, client: TestClient) -> None:
    review = api.create_review(review_type="lcspr", child_reference="Child C", received_on="2026-02-02")
    feed = new_feed(client, api.bu)
    before = clock_event(events(client, feed["path"]), review["reference"], "Completion")
    body = {"occurred_on": "2026-02-20", "reason": "Criminal proceedings (§8)"}
    api.ok(client.post(f"/reviews/{review['id']}/clocks/completion/pause", json=body, headers=api.bu))
    paused = events(client, feed["path"])[str(before["UID"])]
    assert str(paused["SUMMARY"]).startswith("Paused: ") and paused["SEQUENCE"] > before["SEQUENCE"]


def test_an_organisation_s_feed_has_only_its_own_requests_and_actions(
    api: Api, client: TestClient, key_for: KeyFor
) -> None:
    review = api.new_review_at("hold_meeting")
    mine = request_information(api, review["id"], SCHOOL, "2026-02-17")
    request_information(api, review["id"], TRUST, "2026-02-17")
    for owner in (SCHOOL, TRUST):
        body = {**ACTION, "owner_organisation": owner}
        api.ok(client.post(f"/reviews/{review['id']}/actions", json=body, headers=api.bu), 201)
    school = key_for("agency", organisation=SCHOOL)
    found = events(client, new_feed(client, school)["path"])
    assert set(found) == {f"information-{mine['id']}@practice-review", "action-1@practice-review"}
    text = " ".join(str(e["SUMMARY"]) + str(e["DESCRIPTION"]) for e in found.values())
    assert TRUST not in text and SCHOOL in text
    assert found[f"information-{mine['id']}@practice-review"].decoded("DTSTART").isoformat() == mine["due_on"]
    # the Business Unit's own feed has every clock, request and action
    everything = events(client, new_feed(client, api.bu)["path"])
    assert len([uid for uid in everything if uid.startswith(("information-", "action-"))]) == 4
    assert any(uid.startswith("clock-") for uid in everything)


def test_a_feed_ends_when_revoked_or_when_its_key_is(
    api: Api, client: TestClient, services: Services, key_for: KeyFor
) -> None:
    api.new_review_at("notify_national_panel")
    first, second = new_feed(client, api.bu, "Office"), new_feed(client, api.bu, "Phone")
    listed = api.ok(client.get("/calendar-feeds", headers=api.bu))
    assert [f["label"] for f in listed] == ["Office", "Phone"] and "path" not in listed[0]
    chair = key_for("chair")
    problem(client.delete(f"/calendar-feeds/{first['id']}", headers=chair), 404)  # another's feed: unknown to it
    assert api.ok(client.get("/calendar-feeds", headers=chair)) == []
    assert api.ok(client.delete(f"/calendar-feeds/{first['id']}", headers=api.bu))["active"] is False
    problem(client.get(first["path"]), 404)
    events(client, second["path"])  # the other still works
    problem(client.get("/calendar-feeds/prc_not-a-real-token-at-all.ics"), 404)
    reader = key_for("read_only")
    third = new_feed(client, reader)
    events(client, third["path"])
    revoke_key(
        services, int(services.db.first(select(m.CalendarFeed.api_key_id).where(m.CalendarFeed.id == third["id"]))[0])
    )
    problem(client.get(third["path"]), 404)  # the key it reads as is revoked: so is the feed
    problem(client.post("/calendar-feeds", json={"label": "x" * 101}, headers=api.bu), 422)
    problem(client.post("/calendar-feeds", json={}, headers=key_for("admin")), 403)


def test_one_review_s_deadlines_as_an_ics_download(api: Api, client: TestClient, key_for: KeyFor) -> None:
    review = api.new_review_at("hold_meeting")
    other = api.new_review_at("hold_meeting", child_reference="Child B")
    request_information(api, review["id"], SCHOOL, "2026-02-17")
    response = client.get(f"/reviews/{review['id']}/calendar.ics", headers=api.bu)
    assert response.headers["content-disposition"] == f'attachment; filename="{review["reference"]}-deadlines.ics"'
    found = events(client, f"/reviews/{review['id']}/calendar.ics", api.bu)
    assert all(review["reference"] in str(e["SUMMARY"]) for e in found.values())
    assert other["reference"] not in str(response.content)
    assert any(uid.startswith("information-") for uid in found) and any(uid.startswith("clock-") for uid in found)
    school = events(client, f"/reviews/{review['id']}/calendar.ics", key_for("agency", organisation=SCHOOL))
    assert [uid.split("-")[0] for uid in school] == ["information"]
    problem(client.get(f"/reviews/{other['id']}/calendar.ics", headers=key_for("agency", organisation=SCHOOL)), 404)


def test_the_board_links_to_the_review_s_calendar(api: Api, client: TestClient) -> None:
    review = api.new_review_at("hold_meeting")
    secret = api.bu["Authorization"].removeprefix("Bearer ")
    assert client.post("/board/sign-in", data={"key": secret}, follow_redirects=False).status_code == 303
    link = f"/board/reviews/{review['id']}/calendar.ics"
    assert f'href="{link}"' in client.get(f"/board/reviews/{review['id']}").text
    found = events(client, link)
    assert any(str(e["SUMMARY"]).endswith(f"{review['reference']}: Rapid review due") for e in found.values())
