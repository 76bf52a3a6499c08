"""The service reads the board added: reviews by id as lists show them, a review's meetings, and a
deadlines cursor that starts after a date."""

from __future__ import annotations

from datetime import date

import pytest

from practice_review.errors import NotPermitted
from practice_review.roles import Caller
from practice_review.services.common import Services
from practice_review.services.deadlines import list_deadlines, starting_after
from practice_review.services.records import get_meeting, list_meetings
from practice_review.services.reviews import list_reviews, listed_reviews

from .helpers import PANEL, Api

BUSINESS_UNIT = Caller(1, "Business Unit", "business_unit")
SCHOOL = Caller(2, "School", "agency", organisation="Salford Primary School")


def test_listed_reviews_are_those_asked_for_as_list_reviews_shows_them(api: Api, services: Services) -> None:
    first = api.create_review(received_on="2026-02-02")
    second = api.create_review(received_on="2026-02-26")
    listed = listed_reviews(services, BUSINESS_UNIT, [second["id"], first["id"], "not-an-id", second["id"]])
    assert set(listed) == {first["id"], second["id"]}
    by_list = {item["id"]: item for item in list_reviews(services, BUSINESS_UNIT)["items"]}
    assert listed == {review_id: by_list[review_id] for review_id in listed}
    assert listed_reviews(services, BUSINESS_UNIT, []) == {}


def test_an_agency_gets_only_the_reviews_that_involve_it(api: Api, services: Services) -> None:
    asked = api.create_review(received_on="2026-02-26")
    other = api.create_review(received_on="2026-02-26")
    request = {"organisation": SCHOOL.organisation, "kind": "chronology", "requested_on": "2026-02-27"}
    api.ok(api.client.post(f"/reviews/{asked['id']}/information-requests", json=request, headers=api.bu), 201)
    assert set(listed_reviews(services, SCHOOL, [asked["id"], other["id"]])) == {asked["id"]}
    with pytest.raises(NotPermitted):
        listed_reviews(services, Caller(3, "Admin", "admin"), [asked["id"]])


def test_list_meetings_gives_each_meeting_with_its_quorum_and_declarations(api: Api, services: Services) -> None:
    review = api.new_review_at("hold_meeting")  # a quorate screening meeting, every attendee declared
    late = api.meeting(review["id"], "rapid_review", "2026-02-16T10:00:00+00:00", "2026-02-16T08:00:00+00:00")
    api.attend(review["id"], late["id"], PANEL[:2])
    meetings = list_meetings(services, BUSINESS_UNIT, review["id"])
    assert [(m["kind"], m["quorate"], m["missing_partners"]) for m in meetings] == [
        ("screening", True, []),
        ("rapid_review", False, ["police"]),
    ]
    assert meetings[1]["documents_shared_in_time"] is False
    assert meetings[1] == get_meeting(services, BUSINESS_UNIT, review["id"], late["id"])


def test_starting_after_a_date_lists_the_deadlines_due_after_it(api: Api, services: Services) -> None:
    for day in ("2026-02-02", "2026-02-16", "2026-02-26"):  # clocks due 9 Feb, 23 Feb, 5 Mar
        review = api.create_review(received_on=day)
    request = {"organisation": "Salford Primary School", "kind": "chronology", "requested_on": "2026-02-16"}
    api.ok(api.client.post(f"/reviews/{review['id']}/information-requests", json=request, headers=api.bu), 201)
    everything = list_deadlines(services, BUSINESS_UNIT)["items"]
    after = list_deadlines(services, BUSINESS_UNIT, cursor=starting_after(date(2026, 2, 9)))["items"]
    assert after == [i for i in everything if i["due_on"] > "2026-02-09"]
    assert {i["due_on"] for i in after} == {"2026-02-23", "2026-03-05"}  # the request, due 23 Feb, too
    assert list_deadlines(services, BUSINESS_UNIT, cursor=starting_after(date(2026, 3, 5)))["items"] == []
