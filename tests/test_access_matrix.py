"""Who may call what: every endpoint × every role, as one table (docs/access.md is generated from it).

`MATRIX` below is the access table: for each endpoint (method, path) and role, `yes`, `no` or `own`.
`own` means the role may act only on its own things (its partner, its organisation, its events), as
the row's note in `OWN_NOTES` says; such cells are checked both ways (its own allowed, another's
refused). Forbidden cells must answer 403 `application/problem+json`; allowed cells anything but
401/403 (a 2xx, or a 4xx about the content: 404, 409, 422). A request refused by FastAPI's own
validation never reached the permission check, so it does not count as allowed.

The parametrised test groups the cells by endpoint (one set-up per endpoint and database); a cell
that is a known access-control bug is split out as its own strict xfail (`KNOWN_BUGS`).

docs/access.md is this module's `render()`; after changing the matrix, regenerate it with
`.venv/bin/python -m tests.test_access_matrix > docs/access.md`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from practice_review.api.app import create_app
from practice_review.config import PROJECT_ROOT
from practice_review.roles import role_allows
from practice_review.services.common import Services
from practice_review.services.keys import create_key
from practice_review.workflow.definitions import WorkflowDefinition, load_directory

from .helpers import PANEL, PROBLEM, SCREENING_AT, SCREENING_DOCS, Api, KeyFor

Endpoint = tuple[str, str]

ROLES = ("business_unit", "chair", "independent_scrutineer", "partner", "agency", "reviewer", "read_only", "admin")
YES, NO, OWN = "yes", "no", "own"


def cells(*values: str) -> dict[str, str]:
    assert len(values) == len(ROLES)
    return dict(zip(ROLES, values, strict=True))


# Columns in ROLES order: business_unit, chair, independent_scrutineer, partner, agency, reviewer, read_only, admin.
EVERYONE = cells(YES, YES, YES, YES, YES, YES, YES, YES)
READ_REVIEW = cells(YES, YES, YES, YES, OWN, OWN, YES, NO)
BUSINESS_UNIT = cells(YES, NO, NO, NO, NO, NO, NO, NO)
BU_AND_CHAIR = cells(YES, YES, NO, NO, NO, NO, NO, NO)
ADMIN = cells(NO, NO, NO, NO, NO, NO, NO, YES)
MANAGE_SUBSCRIPTIONS = cells(YES, NO, NO, OWN, NO, NO, NO, YES)  # admin: configuration, no review data
SUBSCRIBERS = cells(YES, NO, NO, YES, NO, NO, NO, NO)  # an admin never receives review data
READERS_OWN_THINGS = cells(YES, YES, YES, YES, YES, YES, YES, NO)  # issue 18: one's own calendar feeds
OWN_SUBSCRIPTIONS = cells(YES, NO, NO, OWN, NO, NO, NO, NO)  # delivery payloads carry review data

MATRIX: dict[Endpoint, dict[str, str]] = {
    ("GET", "/health"): EVERYONE,
    ("GET", "/rules"): EVERYONE,  # issue 19: the rule ids a 409 cites, and what each problem type means
    ("GET", "/rules/{rule_id}"): EVERYONE,
    ("GET", "/problems"): EVERYONE,
    ("GET", "/problems/{slug}"): EVERYONE,
    ("GET", "/livez"): EVERYONE,  # issue 19: probes need no key; /metrics (not in the spec) asks for its own token
    ("GET", "/readyz"): EVERYONE,
    ("GET", "/calendar/holidays"): EVERYONE,
    ("GET", "/calendar/working-days/add"): EVERYONE,
    ("GET", "/calendar/working-days/count"): EVERYONE,
    ("GET", "/workflows"): EVERYONE,
    ("GET", "/workflows/{review_type}"): EVERYONE,
    ("GET", "/workflows/{review_type}/diagram"): EVERYONE,
    ("GET", "/reviews"): READ_REVIEW,
    ("POST", "/reviews"): BUSINESS_UNIT,
    ("GET", "/reviews/{review_id}"): READ_REVIEW,
    ("PATCH", "/reviews/{review_id}"): BUSINESS_UNIT,
    ("GET", "/reviews/{review_id}/history"): READ_REVIEW,
    ("GET", "/reviews/{review_id}/views"): BUSINESS_UNIT,  # issue 17: who looked at a child's case
    ("POST", "/reviews/{review_id}/links"): BUSINESS_UNIT,
    ("POST", "/reviews/{review_id}/transitions"): cells(OWN, OWN, OWN, OWN, NO, OWN, NO, NO),
    ("POST", "/reviews/{review_id}/meetings"): BU_AND_CHAIR,
    ("GET", "/reviews/{review_id}/meetings/{meeting_id}"): READ_REVIEW,
    ("PUT", "/reviews/{review_id}/meetings/{meeting_id}/attendance"): cells(YES, YES, NO, OWN, NO, NO, NO, NO),
    ("GET", "/reviews/{review_id}/declarations"): READ_REVIEW,
    ("GET", "/reviews/{review_id}/declarations/{declaration_id}"): READ_REVIEW,  # issue 19: what Location names
    ("GET", "/reviews/{review_id}/endorsements/{endorsement_id}"): READ_REVIEW,
    ("GET", "/reviews/{review_id}/information-requests/{request_id}"): READ_REVIEW,
    ("GET", "/reviews/{review_id}/actions/{action_id}"): READ_REVIEW,
    ("GET", "/reviews/{review_id}/links/{link_id}"): READ_REVIEW,
    ("GET", "/subscriptions/{subscription_id}"): MANAGE_SUBSCRIPTIONS,
    ("GET", "/keys/{key_id}"): ADMIN,
    ("POST", "/reviews/{review_id}/declarations"): BU_AND_CHAIR,
    ("POST", "/reviews/{review_id}/declarations/{declaration_id}/ruling"): cells(NO, YES, NO, NO, NO, NO, NO, NO),
    ("GET", "/reviews/{review_id}/endorsements"): READ_REVIEW,
    ("POST", "/reviews/{review_id}/endorsements"): cells(YES, NO, OWN, OWN, NO, NO, NO, NO),
    ("GET", "/reviews/{review_id}/information-requests"): READ_REVIEW,
    ("POST", "/reviews/{review_id}/information-requests"): BUSINESS_UNIT,
    ("POST", "/reviews/{review_id}/information-requests/{request_id}/return"): cells(YES, NO, NO, NO, OWN, NO, NO, NO),
    ("GET", "/reviews/{review_id}/actions"): READ_REVIEW,
    # issue 18: documents made from the record, as the caller may see it
    ("GET", "/reviews/{review_id}/documents/meeting-report"): READ_REVIEW,
    ("GET", "/reviews/{review_id}/documents/action-plan"): READ_REVIEW,
    ("GET", "/reviews/{review_id}/documents/chronology"): READ_REVIEW,
    ("GET", "/reviews/{review_id}/meetings/{meeting_id}/minutes"): READ_REVIEW,
    # issue 18: deadline calendars
    ("GET", "/reviews/{review_id}/calendar.ics"): READ_REVIEW,
    ("POST", "/calendar-feeds"): READERS_OWN_THINGS,
    ("GET", "/calendar-feeds"): READERS_OWN_THINGS,
    ("DELETE", "/calendar-feeds/{feed_id}"): cells(YES, OWN, OWN, OWN, OWN, OWN, OWN, NO),
    ("GET", "/calendar-feeds/{token}.ics"): EVERYONE,  # no key needed: the URL's secret decides
    ("POST", "/reviews/{review_id}/actions"): BU_AND_CHAIR,
    ("PATCH", "/reviews/{review_id}/actions/{action_id}"): cells(YES, YES, NO, OWN, OWN, NO, NO, NO),
    ("POST", "/reviews/{review_id}/clocks/{name}/pause"): BUSINESS_UNIT,
    ("POST", "/reviews/{review_id}/drafts-deleted"): BUSINESS_UNIT,
    ("POST", "/reviews/{review_id}/clocks/{name}/resume"): BUSINESS_UNIT,
    ("POST", "/reviews/{review_id}/clocks/{name}/extend"): BUSINESS_UNIT,
    ("POST", "/reviews/{review_id}/clocks/{name}/delay-reported"): BUSINESS_UNIT,
    ("GET", "/deadlines"): cells(YES, YES, YES, YES, NO, OWN, YES, NO),
    ("POST", "/deadlines/sweep"): BUSINESS_UNIT,
    ("GET", "/reports/summary"): cells(YES, YES, YES, YES, NO, NO, YES, NO),
    ("GET", "/subscriptions"): MANAGE_SUBSCRIPTIONS,
    ("POST", "/subscriptions"): SUBSCRIBERS,
    ("DELETE", "/subscriptions/{subscription_id}"): MANAGE_SUBSCRIPTIONS,
    ("POST", "/subscriptions/{subscription_id}/secret/rotate"): OWN_SUBSCRIPTIONS,
    ("GET", "/subscriptions/{subscription_id}/deliveries"): OWN_SUBSCRIPTIONS,
    ("POST", "/subscriptions/{subscription_id}/deliveries/{event_id}/retry"): OWN_SUBSCRIPTIONS,
    ("GET", "/keys"): ADMIN,
    ("POST", "/keys"): ADMIN,
    ("POST", "/keys/{key_id}/revoke"): ADMIN,
}

REVIEWER_OWN = "reviewer: only a review it is appointed to (its key's or signed-in person_id is the reviewer "
AGENCY_SEES = (
    "; in it, only its own organisation's information requests, actions, declarations and attendees; other "
    "organisations' names withheld (the referrer, history events' data: `redacted`)"
)
READS_OWN = (
    "agency: only a review that asked its organisation for information or gave it an action; any other review: 404"
    + AGENCY_SEES
    + ". "
    + REVIEWER_OWN
    + "appoint_reviewer recorded); any other review: 404"
)
SUBSCRIPTION_OWN = "partner: only a subscription made with a key of its own partner; another's: 404"
OWN_NOTES: dict[Endpoint, str] = {
    ("GET", "/reviews"): "agency: lists only the reviews that asked its organisation for information or gave it an "
    "action; reviewer: only those it is appointed to; others are left out of the page (200)",
    ("GET", "/deadlines"): "reviewer: only the deadlines of the reviews it is appointed to (200)",
    ("GET", "/subscriptions"): "partner: lists only its own partner's subscriptions (200)",
    ("DELETE", "/subscriptions/{subscription_id}"): SUBSCRIPTION_OWN,
    ("POST", "/subscriptions/{subscription_id}/secret/rotate"): SUBSCRIPTION_OWN,
    ("GET", "/subscriptions/{subscription_id}/deliveries"): SUBSCRIPTION_OWN,
    ("POST", "/subscriptions/{subscription_id}/deliveries/{event_id}/retry"): SUBSCRIPTION_OWN,
    ("GET", "/reviews/{review_id}"): READS_OWN,
    ("GET", "/reviews/{review_id}/history"): READS_OWN,
    ("GET", "/reviews/{review_id}/meetings/{meeting_id}"): READS_OWN,
    ("GET", "/reviews/{review_id}/declarations"): READS_OWN,
    ("GET", "/reviews/{review_id}/declarations/{declaration_id}"): READS_OWN,
    ("GET", "/reviews/{review_id}/endorsements/{endorsement_id}"): READS_OWN,
    ("GET", "/reviews/{review_id}/information-requests/{request_id}"): READS_OWN,
    ("GET", "/reviews/{review_id}/actions/{action_id}"): READS_OWN,
    ("GET", "/reviews/{review_id}/links/{link_id}"): READS_OWN,
    ("GET", "/subscriptions/{subscription_id}"): SUBSCRIPTION_OWN,
    ("GET", "/reviews/{review_id}/endorsements"): READS_OWN,
    ("GET", "/reviews/{review_id}/actions"): READS_OWN,
    ("GET", "/reviews/{review_id}/information-requests"): READS_OWN,
    ("GET", "/reviews/{review_id}/documents/meeting-report"): READS_OWN,
    ("GET", "/reviews/{review_id}/documents/action-plan"): READS_OWN,
    ("GET", "/reviews/{review_id}/documents/chronology"): READS_OWN,
    ("GET", "/reviews/{review_id}/meetings/{meeting_id}/minutes"): READS_OWN,
    ("GET", "/reviews/{review_id}/calendar.ics"): READS_OWN,
    ("DELETE", "/calendar-feeds/{feed_id}"): "only a feed the caller made (its key, or its signed-in person); "
    "another's: 404",
    ("POST", "/reviews/{review_id}/transitions"): "only the events the role is given in workflows/*.yaml (see "
    '"Workflow events" below); another event: 403. partner: only a local_authority key, and only '
    "notify_national_panel. reviewer: only on a review it is appointed to (another: 404). business_unit may fire "
    "every event",
    ("PUT", "/reviews/{review_id}/meetings/{meeting_id}/attendance"): "partner: only attendees of its own partner "
    "(it replaces its own partner's attendees and keeps the others'); listing another partner's attendee: 403",
    ("POST", "/reviews/{review_id}/endorsements"): "partner: only with `party` = its own partner code; "
    "independent_scrutineer: only with `party` = independent_scrutineer; any other party: 403",
    ("POST", "/reviews/{review_id}/information-requests/{request_id}/return"): "agency: only a request made to its "
    "own organisation; another organisation's request: 404 (it does not see it)",
    ("PATCH", "/reviews/{review_id}/actions/{action_id}"): "partner, agency: only an action whose "
    "`owner_organisation` is the key's `organisation`; another organisation's action: 403 for a partner (which "
    "reads it), 404 for an agency (which does not)",
}

# Cells where the service does not do what domain.md says; each is checked as a strict xfail.
KNOWN_BUGS: dict[tuple[Endpoint, str], str] = {}

# ---------------------------------------------------------------- the people and things the probes use

AGENCY_ORG = "Salford Primary School"  # asked for information, and owns actions
OTHER_AGENCY_ORG = "Oldham Academy"  # asked for nothing
THIRD_ORG = "Salford Royal NHS Foundation Trust"  # asked for information too: an agency must not see it
PARTNER_ORG = "Salford City Council"  # the local_authority partner key's organisation, owns an action
OTHER_PARTNER_ORG = "Greater Manchester Police"

REVIEWER_ID, OTHER_REVIEWER_ID = "rev-1", "rev-2"
PERSONS = {"reviewer": REVIEWER_ID, "reviewer_other": OTHER_REVIEWER_ID}
# What an agency key must never see: other organisations' names, and other people's names and interests.
FOREIGN = (THIRD_ORG, PARTNER_ORG, OTHER_PARTNER_ORG, "Dana Okafor", "Manages it", "Morgan Hale")

# Key name -> (role, partner, organisation). `partner_other`/`agency_other` are the "another's" side of `own`.
KEYS: dict[str, tuple[str, str | None, str | None]] = {
    "business_unit": ("business_unit", None, None),
    "chair": ("chair", None, None),
    "independent_scrutineer": ("independent_scrutineer", None, None),
    "partner": ("partner", "local_authority", PARTNER_ORG),
    "partner_other": ("partner", "police", OTHER_PARTNER_ORG),
    "agency": ("agency", None, AGENCY_ORG),
    "agency_other": ("agency", None, OTHER_AGENCY_ORG),
    "reviewer": ("reviewer", None, None),  # person REVIEWER_ID: appointed to the `appointed` review
    "reviewer_other": ("reviewer", None, None),  # another person: appointed to nothing
    "read_only": ("read_only", None, None),
    "admin": ("admin", None, None),
}
WORKFLOWS: dict[str, WorkflowDefinition] = {d.review_type: d for d in load_directory(PROJECT_ROOT / "workflows")}
STATUTORY_PARTNERS = WORKFLOWS["rapid"].settings.statutory_partners  # T1: workflows/partnership.yaml
PROBED_TYPES = ("rapid", "lcspr")  # the review types the set-up creates, to fire events on


@dataclass(frozen=True)
class Probe:
    """One request: with this key, expecting `allowed`, `forbidden` (403), `absent` (404: another's thing, which
    the key may not know exists), `filtered` (200, only its own things) or `hidden` (200, none of the set-up's)."""

    key: str
    expect: str
    review: str = "rapid"  # which of the set-up's reviews the path names
    event: str = ""  # transitions: the event fired
    party: str = "local_authority"  # endorsements: the party endorsing

    @property
    def label(self) -> str:
        extra = self.event or (self.party if self.party != "local_authority" else "")
        return f"{self.key}{f' on {self.review}' if self.review != 'rapid' else ''}{f' ({extra})' if extra else ''}"


def events_for(key: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(review type, event) pairs the key may fire, and those it may not, among the probed types."""
    role, partner, _ = KEYS[key]
    allowed, refused = [], []
    for review_type in PROBED_TYPES:
        for event in WORKFLOWS[review_type].events:
            (allowed if role_allows(event.roles, role, partner) else refused).append((review_type, event.name))
    return allowed, refused


def transition_cell(role: str) -> str:
    """What workflows/*.yaml says the role's transitions cell is: every event, none, or some (own)."""
    codes = STATUTORY_PARTNERS if role == "partner" else (None,)
    verdicts = {role_allows(e.roles, role, code) for d in WORKFLOWS.values() for e in d.events for code in codes}
    return YES if verdicts == {True} else NO if verdicts == {False} else OWN


def transition_probes(key: str) -> list[Probe]:
    allowed, refused = events_for(key)
    if KEYS[key][0] == "reviewer":  # bound to its review: probed on the lcspr it is appointed to
        allowed = [("appointed", e) for t, e in allowed if t == "lcspr"]
        refused = [("appointed", e) for t, e in refused if t == "lcspr"]
    probes = [Probe(key, "allowed", review, event) for review, event in allowed[:1]]
    return probes + [Probe(key, "forbidden", review, event) for review, event in refused[:1]]


def other_expectation(endpoint: Endpoint, role: str) -> str:
    """What another partner's or organisation's key gets for an `own` cell: 404 where it may not even see
    the thing (an agency's reviews and records, a partner's subscriptions), else 403."""
    return "absent" if role == "agency" or endpoint[1].startswith("/subscriptions/") else "forbidden"


def default_probes(endpoint: Endpoint, role: str) -> list[Probe]:
    cell = MATRIX[endpoint][role]
    if role in ("partner", "agency"):
        return [
            Probe(role, "forbidden" if cell == NO else "allowed"),
            Probe(
                f"{role}_other",
                "allowed" if cell == YES else "forbidden" if cell == NO else other_expectation(endpoint, role),
            ),
        ]
    if role == "reviewer" and cell == OWN:
        return [
            Probe("reviewer", "allowed", review="appointed"),
            Probe("reviewer_other", "absent", review="appointed"),
            Probe("reviewer", "absent"),
        ]
    assert cell != OWN, f"{endpoint} {role}: an `own` cell needs probes in special_probes"
    return [Probe(role, "allowed" if cell == YES else "forbidden")]


def special_probes(endpoint: Endpoint, role: str) -> list[Probe] | None:
    """Probes for cells the defaults do not cover (None: use the defaults)."""
    path = endpoint[1]
    if path == "/reviews/{review_id}/transitions":
        if role == "reviewer":
            appointed = transition_probes(role)
            return appointed + [Probe("reviewer_other", "absent", "appointed", p.event) for p in appointed[:1]]
        if role not in ("partner", "agency"):
            return transition_probes(role)
        # The other partner (police) may not fire what the local_authority partner may.
        theirs = [Probe(f"{role}_other", "forbidden", r, e) for r, e in events_for(role)[0][:1]]
        if role == "agency":  # an agency reads its reviews (403: no events); another's review it cannot see (404)
            return transition_probes(role) + [
                Probe("agency_other", "absent", e.review, e.event) for e in transition_probes(role)
            ]
        return transition_probes(role) + (theirs or transition_probes(f"{role}_other"))
    if endpoint == ("POST", "/reviews/{review_id}/endorsements") and role == "independent_scrutineer":
        return [Probe(role, "allowed", party="independent_scrutineer"), Probe(role, "forbidden", party="police")]
    if endpoint == ("GET", "/reviews/{review_id}") and role == "agency":  # involved by an action only, too
        return [*default_probes(endpoint, role), Probe("agency", "allowed", review="lcspr")]
    if MATRIX[endpoint][role] == OWN and endpoint in (("GET", "/reviews"), ("GET", "/deadlines")):
        return [Probe(role, "filtered"), Probe(f"{role}_other", "hidden")]
    if endpoint == ("GET", "/subscriptions") and role == "partner":
        return [Probe(role, "filtered"), Probe(f"{role}_other", "hidden")]
    if endpoint == ("DELETE", "/calendar-feeds/{feed_id}") and MATRIX[endpoint][role] == OWN:  # the BU's feed
        return [Probe(key, "absent") for key in (role, f"{role}_other") if key in KEYS]
    if endpoint == ("GET", "/reviews/{review_id}/information-requests") and role == "agency":
        return [Probe("agency", "filtered"), Probe("agency_other", "absent")]
    return None


def probes_for(endpoint: Endpoint, role: str) -> list[Probe]:
    found = special_probes(endpoint, role)
    return default_probes(endpoint, role) if found is None else found


# ---------------------------------------------------------------- the set-up


@dataclass
class World:
    """One of everything, so every path has real ids, and a key for each of KEYS."""

    client: TestClient
    keys: dict[str, dict[str, str]]
    reviews: dict[str, str]  # rapid, and for some endpoints lcspr (the agency is involved in both) and withdrawn
    ids: dict[str, Any] = field(default_factory=dict)


def needs_everything(endpoint: Endpoint) -> bool:
    """Whether the endpoint's probes need more than the rapid review: the lcspr review (involving the
    agency by an action only), the withdrawn review (involving no agency), a subscription with a delivery."""
    path = endpoint[1]
    return path in ("/reviews", "/reviews/{review_id}", "/reviews/{review_id}/transitions") or path.startswith(
        "/subscriptions"
    )


def build_world(client: TestClient, services: Services, api: Api, key_for: KeyFor, endpoint: Endpoint) -> World:
    bu = api.bu
    keys = {"business_unit": bu, "chair": api.chair}
    for name, (role, partner, organisation) in KEYS.items():
        keys.setdefault(name, key_for(role, partner=partner, organisation=organisation, person_id=PERSONS.get(name)))

    def post(path: str, body: Any) -> Any:
        return api.ok(client.post(path, json=body, headers=bu), 201)

    action = {
        "recommendation": "Share chronologies earlier",
        "action": "Agree a protocol",
        "due_on": "2026-06-30",
        "intended_outcome": "Chronologies in time",
    }
    world = World(client, keys, {"rapid": api.create_review()["id"], "appointed": appointed_review(api)})
    rapid = world.reviews["rapid"]
    requests = [
        post(f"/reviews/{rapid}/information-requests", {"organisation": org, "kind": "chronology"})
        for org in (AGENCY_ORG, THIRD_ORG)
    ]
    world.ids = {
        "meeting_id": api.meeting(rapid, "screening", SCREENING_AT, SCREENING_DOCS)["id"],
        "declaration_id": api.declare(rapid, PANEL[0], "2026-02-05", has_interest=True, details="Manages it")["id"],
        "request_id": requests[0]["id"],
        "agency_action": post(f"/reviews/{rapid}/actions", {**action, "owner_organisation": AGENCY_ORG})["id"],
        "partner_action": post(f"/reviews/{rapid}/actions", {**action, "owner_organisation": PARTNER_ORG})["id"],
        "name": "screening",
        "review_type": "rapid",
        "key_id": create_key(services, "a key to revoke", "read_only").id,
        "rule_id": "Q1",
        "slug": "guard-failed",
        "endorsement_id": api.endorse(rapid, "police", "gmp-9", "Officer Nine")["id"],
        "link_id": api.link_external(rapid, "coroner", "COR-9")["id"],
    }
    if endpoint[1].startswith("/calendar-feeds"):  # the BU's feed to revoke; the agency's to read (no leaks)
        feeds = {
            who: post_as(client, api, keys[who], "/calendar-feeds", {"label": who})
            for who in ("business_unit", "agency")
        }
        world.ids |= {"feed_id": feeds["business_unit"]["id"], "token": token_of(feeds["agency"])}
    if needs_everything(endpoint):
        hook = {"url": "https://partner.example/hook", "kinds": ["transition"]}  # the local_authority partner's
        subscription = api.ok(client.post("/subscriptions", json=hook, headers=keys["partner"]), 201)["id"]
        world.reviews["lcspr"] = lcspr = api.create_review(review_type="lcspr", child_reference="Child C")["id"]
        post(f"/reviews/{lcspr}/actions", {**action, "owner_organisation": AGENCY_ORG})  # involves the agency
        world.reviews["withdrawn"] = withdrawn = api.create_review(child_reference="Child D")["id"]
        api.ok(api.fire(withdrawn, "withdraw", data={"reason": "referred in error"}))  # a delivery to `hook`
        deliveries = api.ok(client.get(f"/subscriptions/{subscription}/deliveries", headers=bu))
        world.ids |= {"subscription_id": subscription, "event_id": deliveries[0]["event_id"]}
    return world


def post_as(client: TestClient, api: Api, headers: dict[str, str], path: str, body: Any) -> Any:
    return api.ok(client.post(path, json=body, headers=headers), 201)


def token_of(feed: dict[str, Any]) -> str:
    return feed["path"].removeprefix("/calendar-feeds/").removesuffix(".ics")


def appointed_review(api: Api) -> str:
    """An LCSPR whose reviewer is the `reviewer` key's person (REVIEWER_ID), as appoint_reviewer recorded."""
    review = api.create_review(review_type="lcspr", child_reference="Child R")["id"]
    reviewer = {"person_id": REVIEWER_ID, "name": "Morgan Hale", "organisation": "Hale Consultancy"}
    api.declare(review, reviewer, "2026-02-02")
    appointment = {"reviewer": {**reviewer, "contract_signed": True, "policy_confirmed": True}}
    appointment["reviewer"].pop("organisation")
    api.ok(api.fire(review, "appoint_reviewer", "2026-02-03", appointment))
    return review


# ---------------------------------------------------------------- the requests

BODIES: dict[Endpoint, Callable[[World, Probe], Any]] = {
    ("POST", "/reviews"): lambda w, p: {
        "review_type": "rapid",
        "child_reference": "Child B",
        "received_on": "2026-02-16",
        "referrer_organisation": "Salford City Council",
    },
    ("PATCH", "/reviews/{review_id}"): lambda w, p: {"summary": "Corrected referral summary"},
    ("POST", "/reviews/{review_id}/links"): lambda w, p: {"external": {"kind": "coroner", "reference": "COR-1"}},
    ("POST", "/reviews/{review_id}/transitions"): lambda w, p: {"event": p.event, "data": {}},
    ("POST", "/reviews/{review_id}/meetings"): lambda w, p: {
        "kind": "rapid_review",
        "scheduled_for": "2026-03-09T10:00:00+00:00",
    },
    ("PUT", "/reviews/{review_id}/meetings/{meeting_id}/attendance"): lambda w, p: [PANEL[0]],  # local_authority
    ("POST", "/reviews/{review_id}/declarations"): lambda w, p: {
        "person_id": "icb-1",
        "name": "Imran Shah",
        "organisation": "NHS Greater Manchester ICB",
        "role": "panel member",
        "has_interest": False,
        "declared_on": "2026-02-20",
    },
    ("POST", "/reviews/{review_id}/declarations/{declaration_id}/ruling"): lambda w, p: {"ruling": "noted"},
    ("POST", "/reviews/{review_id}/endorsements"): lambda w, p: {
        "party": p.party,
        "person_id": "e-1",
        "name": "Jo Endorser",
        "agrees": True,
        "endorsed_on": "2026-02-20",
    },
    ("POST", "/reviews/{review_id}/information-requests"): lambda w, p: {
        "organisation": AGENCY_ORG,
        "kind": "agency_summary",
    },
    ("POST", "/reviews/{review_id}/information-requests/{request_id}/return"): lambda w, p: {},  # returned today
    ("POST", "/reviews/{review_id}/actions"): lambda w, p: {
        "recommendation": "Train staff",
        "action": "Run sessions",
        "owner_organisation": AGENCY_ORG,
        "due_on": "2026-09-30",
        "intended_outcome": "Better referrals",
    },
    ("PATCH", "/reviews/{review_id}/actions/{action_id}"): lambda w, p: {
        "status": "done",
        "evidence": "Audit shows the protocol in use",
        "completed_on": "2026-02-27",
    },
    ("POST", "/reviews/{review_id}/clocks/{name}/pause"): lambda w, p: {"reason": "Criminal proceedings (§8)"},
    ("POST", "/reviews/{review_id}/drafts-deleted"): lambda w, p: {"deleted_on": "2026-02-27"},
    ("POST", "/reviews/{review_id}/clocks/{name}/resume"): lambda w, p: {"reason": "Proceedings concluded"},
    ("POST", "/reviews/{review_id}/clocks/{name}/extend"): lambda w, p: {
        "new_due_on": "2026-04-30",
        "reason": "Awaiting the coroner",
    },
    ("POST", "/reviews/{review_id}/clocks/{name}/delay-reported"): lambda w, p: {"note": "Told the Panel"},
    ("POST", "/subscriptions"): lambda w, p: {"url": "https://other.example/hook", "kinds": ["breach"]},
    ("POST", "/keys"): lambda w, p: {"name": "made by a probe", "role": "read_only"},
    ("POST", "/calendar-feeds"): lambda w, p: {"label": "Made by a probe"},
}
PARAMS: dict[Endpoint, dict[str, str]] = {
    ("GET", "/calendar/holidays"): {"year": "2026"},
    ("GET", "/calendar/working-days/add"): {"start": "2026-03-02", "days": "5"},
    ("GET", "/calendar/working-days/count"): {"start": "2026-03-02", "end": "2026-03-31"},
    ("GET", "/reports/summary"): {"from": "2026-01-01", "to": "2026-03-31"},
}


def send(world: World, endpoint: Endpoint, probe: Probe) -> httpx.Response:
    method, path = endpoint
    action = world.ids["partner_action" if probe.key.startswith("partner") else "agency_action"]
    url = path.format(review_id=world.reviews[probe.review], action_id=action, **world.ids)
    body = BODIES.get(endpoint)
    return world.client.request(
        method,
        url,
        json=body(world, probe) if body else None,
        params=PARAMS.get(endpoint),
        headers=world.keys[probe.key],
    )


def mismatch(world: World, endpoint: Endpoint, probe: Probe, response: httpx.Response) -> str | None:
    """Why the response is not what the probe expects (None: it is)."""
    status, said = response.status_code, f"{response.status_code} {response.text[:300]}"
    is_problem = response.headers.get("content-type", "").startswith(PROBLEM)
    problem_type = response.json().get("type") if is_problem else None
    if probe.key.startswith("agency"):  # need to know: nothing of another organisation, in any answer
        leaked = [text for text in FOREIGN if text in response.text]
        if leaked:
            return f"shows another organisation's or person's {leaked} in {said}"
    if probe.expect == "forbidden":
        return None if status == 403 and problem_type else f"expected 403 problem+json, got {said}"
    if probe.expect == "absent":
        return None if status == 404 and problem_type else f"expected 404 problem+json, got {said}"
    if status in (401, 403) or status >= 500 or (problem_type or "").endswith("/problems/invalid-request"):
        return f"expected to be allowed, got {said}"
    if status == 404 and response.json().get("detail", "").startswith(("no review", "no subscription")):
        return f"expected to be allowed, got {said}"
    if probe.expect in ("filtered", "hidden"):
        return listed_wrongly(world, endpoint, probe, response)
    return None


def listed_wrongly(world: World, endpoint: Endpoint, probe: Probe, response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return f"expected 200, got {response.status_code} {response.text[:300]}"
    items = response.json()
    items = items["items"] if isinstance(items, dict) else items
    filtered = probe.expect == "filtered"
    if endpoint == ("GET", "/reviews"):
        seen = {i["id"] for i in items}
        theirs = {"rapid", "lcspr"} if probe.key.startswith("agency") else {"appointed"}
        wanted = {world.reviews[r] for r in theirs} if filtered else set()
    elif endpoint == ("GET", "/deadlines"):
        seen, wanted = {i["review_id"] for i in items}, {world.reviews["appointed"]} if filtered else set()
    elif endpoint == ("GET", "/subscriptions"):
        seen, wanted = {i["id"] for i in items}, {world.ids["subscription_id"]} if filtered else set()
    else:
        seen, wanted = {i["organisation"] for i in items}, {AGENCY_ORG}
    return None if seen == wanted else f"expected {sorted(wanted)}, got {sorted(seen)}"


def cases() -> list[Any]:
    """One case per endpoint with all its cells, plus one strict xfail per known bug's cell."""
    params = []
    for endpoint in MATRIX:
        method, path = endpoint
        bugs = {role for (e, role) in KNOWN_BUGS if e == endpoint}
        good = tuple(p for role in ROLES if role not in bugs for p in probes_for(endpoint, role))
        params.append(pytest.param(endpoint, good, id=f"{method} {path}"))
        for role in sorted(bugs):
            reason = KNOWN_BUGS[(endpoint, role)]
            probes = tuple(probes_for(endpoint, role))
            marks = pytest.mark.xfail(reason=reason, strict=True)
            params.append(pytest.param(endpoint, probes, id=f"{method} {path} [{role}]", marks=marks))
    return params


@pytest.mark.parametrize(("endpoint", "probes"), cases())
def test_access_matrix(
    endpoint: Endpoint,
    probes: tuple[Probe, ...],
    client: TestClient,
    services: Services,
    api: Api,
    key_for: KeyFor,
) -> None:
    world = build_world(client, services, api, key_for, endpoint)
    failures = []
    for probe in probes:
        found = mismatch(world, endpoint, probe, send(world, endpoint, probe))
        if found:
            failures.append(f"{probe.label}: {found}")
    assert not failures, f"{endpoint[0]} {endpoint[1]}:\n" + "\n".join(failures)


def test_need_to_know_holds_on_the_board(client: TestClient, services: Services, api: Api, key_for: KeyFor) -> None:
    """The board reads the services as the signed-in key: an agency sees nothing of other organisations
    there either, and a review it (or an unappointed reviewer) may not read is a 404 page."""
    world = build_world(client, services, api, key_for, ("GET", "/reviews/{review_id}"))

    def pages(key: str, *paths: str) -> list[httpx.Response]:
        client.cookies.clear()
        secret = world.keys[key]["Authorization"].removeprefix("Bearer ")
        assert client.post("/board/sign-in", data={"key": secret}, follow_redirects=False).status_code == 303
        return [client.get(path) for path in paths]

    rapid, lcspr, appointed = (f"/board/reviews/{world.reviews[r]}" for r in ("rapid", "lcspr", "appointed"))
    for response in pages("agency", "/board", rapid, lcspr, "/board/calendar"):
        assert response.status_code == 200
        assert not [text for text in FOREIGN if text in response.text], response.url
    assert "Child A" in pages("agency", rapid)[0].text  # it does see its review
    assert [r.status_code for r in pages("agency_other", rapid, lcspr)] == [404, 404]
    board, own, other = pages("reviewer", "/board", appointed, rapid)
    assert (own.status_code, other.status_code) == (200, 404)
    assert "Child R" in board.text and "Child A" not in board.text
    assert [r.status_code for r in pages("reviewer_other", appointed)] == [404]


# ---------------------------------------------------------------- no key, coverage, docs

NO_KEY_NEEDED = {("GET", "/health"), ("GET", "/livez"), ("GET", "/readyz")}
NO_KEY_NEEDED |= {("GET", "/rules"), ("GET", "/rules/{rule_id}"), ("GET", "/problems"), ("GET", "/problems/{slug}")}
SECRET_IN_URL = {("GET", "/calendar-feeds/{token}.ics")}  # issue 18: no key; an unknown secret is a 404
DOCS = ("/docs", "/redoc", "/openapi.json")
PLACEHOLDERS = {
    "review_id": "00000000-0000-4000-8000-000000000000",
    "meeting_id": 1,
    "declaration_id": 1,
    "request_id": 1,
    "action_id": 1,
    "name": "screening",
    "review_type": "rapid",
    "subscription_id": 1,
    "event_id": "00000000-0000-4000-8000-000000000000",
    "key_id": 1,
    "rule_id": "Q1",
    "slug": "guard-failed",
    "endorsement_id": 1,
    "link_id": 1,
    "feed_id": 1,
    "token": "prc_not-a-feed-anyone-made",
}


def openapi_endpoints() -> set[Endpoint]:
    return {(m.upper(), p) for p, ops in create_app().openapi()["paths"].items() for m in ops}


def test_every_endpoint_is_in_the_matrix_and_needs_a_key(client: TestClient) -> None:
    assert set(MATRIX) == openapi_endpoints(), "every endpoint needs a row in MATRIX (and docs/access.md)"
    assert all(set(row) == set(ROLES) for row in MATRIX.values())
    assert {e for e, row in MATRIX.items() for role in ROLES if row[role] == OWN} == set(OWN_NOTES)
    transitions = MATRIX[("POST", "/reviews/{review_id}/transitions")]
    assert transitions == {role: transition_cell(role) for role in ROLES}, "transitions row vs workflows/*.yaml"
    expected_doc = render()
    actual_doc = (PROJECT_ROOT / "docs" / "access.md").read_text(encoding="utf-8")
    assert actual_doc == expected_doc, "regenerate: .venv/bin/python -m tests.test_access_matrix > docs/access.md"

    wrong = []
    for method, path in sorted(MATRIX):
        url = path.format(**PLACEHOLDERS)
        for headers in ({}, {"Authorization": "Bearer prk_not-a-key"}):
            response = client.request(method, url, headers=headers, params=PARAMS.get((method, path)))
            if (method, path) in NO_KEY_NEEDED:
                ok = response.status_code == 200
            elif (method, path) in SECRET_IN_URL:
                ok = response.status_code == 404 and response.headers.get("content-type", "").startswith(PROBLEM)
            else:
                ok = (
                    response.status_code == 401
                    and response.headers.get("content-type", "").startswith(PROBLEM)
                    and response.headers.get("www-authenticate") == "Bearer"
                )
            if not ok:
                wrong.append(
                    f"{method} {path} {'with a bad key' if headers else 'without a key'}: {response.status_code}"
                )
    for path in DOCS:
        if client.get(path).status_code != 200:
            wrong.append(f"GET {path} without a key: not 200")
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------- docs/access.md

INTRO = """# Who may call what

Generated from `tests/test_access_matrix.py` (`MATRIX`), which checks every cell against the running
service on SQLite and PostgreSQL; regenerate with
`.venv/bin/python -m tests.test_access_matrix > docs/access.md`. Roles are those of domain.md
"Who is who"; which roles fire each workflow event is declared in `workflows/*.yaml`, everything else
in `src/practice_review/permissions.py`, and the `own` limits in the services.

How to read it:

- **No key** (or an unknown, revoked or expired one): **401** on every endpoint but the probes
  (`GET /health`, `/livez`, `/readyz`) and the API docs (`/docs`, `/redoc`, `/openapi.json`).
- **no**: the key's role may not do this: **403** `application/problem+json`, and nothing changes.
- **yes**: the role may: a **2xx**, or a 4xx about the content (404 unknown id, 409 conflict or unmet
  rule, 422 invalid data or an event the review's state does not allow), never 401 or 403.
- **own**: the role may, but only for its own partner, organisation or events, as the cell's note says;
  for anything else it gets 403 (or, for a list, its page leaves the rest out).
"""


def _footnotes() -> tuple[dict[Endpoint, int], dict[tuple[Endpoint, str], int], list[str]]:
    texts: list[str] = []

    def number(text: str) -> int:
        if text not in texts:
            texts.append(text)
        return texts.index(text) + 1

    own = {e: number(OWN_NOTES[e]) for e in sorted(MATRIX, key=_order) if e in OWN_NOTES}
    bugs = {
        cell: number(f"Intended; not yet so: {reason.removeprefix('BUG: ')}") for cell, reason in KNOWN_BUGS.items()
    }
    return own, bugs, texts


def _order(endpoint: Endpoint) -> tuple[str, int]:
    method, path = endpoint
    return path, ("GET", "POST", "PUT", "PATCH", "DELETE").index(method)


def _events_section() -> list[str]:
    lines = [
        "## Workflow events",
        "",
        "`POST /reviews/{review_id}/transitions` checks the event's roles in `workflows/*.yaml`",
        "(`partner:local_authority` is a partner key for that partner only). As loaded now:",
        "",
        "| role | events it may fire (review types) |",
        "| --- | --- |",
    ]
    for role in ROLES:
        codes = STATUTORY_PARTNERS if role == "partner" else (None,)
        fired: dict[str, list[str]] = {}
        for code in codes:
            for review_type, definition in sorted(WORKFLOWS.items()):
                for event in definition.events:
                    if role_allows(event.roles, role, code):
                        label = f"`{event.name}` ({{}}{'' if code is None else f'; a {code} key only'})"
                        if review_type not in fired.setdefault(label, []):
                            fired[label].append(review_type)
        if transition_cell(role) == YES:
            text = "every event of every workflow"
        elif not fired:
            text = "none"
        else:
            text = ", ".join(label.format(", ".join(types)) for label, types in sorted(fired.items()))
        lines.append(f"| {role} | {text} |")
    return lines


def render() -> str:
    own, bugs, notes = _footnotes()
    lines = [INTRO, "## Endpoints × roles", "", f"| endpoint | {' | '.join(ROLES)} |", "|---" * (len(ROLES) + 1) + "|"]
    for endpoint in sorted(MATRIX, key=_order):
        row = []
        for role in ROLES:
            cell = MATRIX[endpoint][role]
            if cell == OWN:
                cell += f"[^{own[endpoint]}]"
            if (endpoint, role) in bugs:
                cell += f"[^{bugs[(endpoint, role)]}]"
            row.append(cell)
        lines.append(f"| `{endpoint[0]} {endpoint[1]}` | {' | '.join(row)} |")
    lines += [
        "",
        "`GET /health`, `GET /livez` and `GET /readyz` need no key at all, nor does `GET /calendar-feeds/{token}.ics`,",
        "whose secret URL is the credential (an unknown or revoked one is a 404); it reads as the key that made it.",
        "`GET /metrics` (Prometheus, not in the spec) takes no API key: it asks for `PRACTICE_REVIEW_METRICS_TOKEN`",
        "as a bearer token when that is set, and otherwise answers only scrapers on the same host (403 to anyone",
        "else).",
        "",
    ]
    lines += [f"[^{i}]: {text}." for i, text in enumerate(notes, 1)]
    lines += ["", *_events_section(), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
