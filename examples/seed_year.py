"""Seed a small year (2025) of reviews through the API, then print that year's figures (policy §21).

    .venv/bin/python examples/seed_year.py            # on the configured database (default ./practice_review.db)

Six rapid review referrals, the reviews they lead to, and an action plan; every step goes through the
same HTTP API partner systems use (in-process), so every rule applies.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi.testclient import TestClient

from practice_review.api.app import create_app
from practice_review.bootstrap import build_services
from practice_review.config import Settings
from practice_review.services.common import Services
from practice_review.services.keys import create_key
from practice_review.storage.migrations import upgrade

T = TypeVar("T")

PANEL = [
    {"person_id": "la-1", "name": "Dana Okafor", "organisation": "Salford City Council", "partner": "local_authority"},
    {"person_id": "icb-1", "name": "Imran Shah", "organisation": "NHS Greater Manchester ICB", "partner": "icb"},
    {"person_id": "gmp-1", "name": "Pat Reilly", "organisation": "Greater Manchester Police", "partner": "police"},
]
PARTIES = [("local_authority", "la-1"), ("icb", "icb-1"), ("police", "gmp-1"), ("independent_scrutineer", "is-1")]
# S2: what the rapid review decision records besides its recommendation (F1: the family's involvement).
DECISION = {
    "immediate_safety_actions": "Siblings' safety plans reviewed",
    "national_review_recommended": False,
    "family_involvement": "involved",
}


class Seeder:
    def __init__(self, client: TestClient, key: str) -> None:
        self.client, self.headers = client, {"Authorization": f"Bearer {key}"}

    def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = self.client.request(method, path, json=body, headers=self.headers)
        if response.status_code != status:
            sys.exit(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    def fire(self, review: str, event: str, on: str, **data: Any) -> dict:
        return self.call("POST", f"/reviews/{review}/transitions", {"event": event, "occurred_on": on, "data": data})

    def meeting(self, review: str, kind: str, day: str) -> None:
        meeting = self.call(
            "POST",
            f"/reviews/{review}/meetings",
            {"kind": kind, "scheduled_for": f"{day}T10:00:00", "documents_shared_at": f"{day}T08:00:00"},
            201,
        )
        self.call("PUT", f"/reviews/{review}/meetings/{meeting['id']}/attendance", PANEL)
        for person in PANEL:
            self.call(
                "POST",
                f"/reviews/{review}/declarations",
                {
                    **{k: person[k] for k in ("person_id", "name", "organisation")},
                    "role": "panel member",
                    "has_interest": False,
                    "declared_on": day,
                },
                201,
            )

    def referral(self, received: str, referrer: str, themes: list[str]) -> str:
        return self.call(
            "POST",
            "/reviews",
            {
                "review_type": "rapid",
                "child_reference": f"CR-{received.replace('-', '')}",
                "received_on": received,
                "referrer_organisation": referrer,
                "themes": themes,
            },
            201,
        )["id"]

    def rapid_review(self, review: str, days: list[str], recommendation: str, panel_view: str) -> dict:
        """Screened in, notified, met (papers late: reading time), endorsed, submitted, answered."""
        screen, notify, schedule, meet, endorse, submit, answer = days
        self.meeting(review, "screening", screen)
        self.fire(review, "screen_in", screen)
        self.fire(review, "notify_national_panel", notify)
        self.fire(review, "schedule_meeting", schedule, meeting_on=meet)
        self.meeting(review, "rapid_review", meet)
        self.fire(review, "hold_meeting", meet, recommendation=recommendation, reading_time_allowed=True, **DECISION)
        self.endorse(review, endorse)
        self.fire(review, "submit_to_national_panel", submit)
        notes = (
            {"notes": "The Panel asks for a local child safeguarding practice review"}
            if panel_view == "disagrees"
            else {}
        )
        return self.fire(review, "record_panel_response", answer, panel_view=panel_view, **notes)

    def endorse(self, review: str, on: str) -> None:
        """Each party's endorsement, recorded by the Business Unit as a proxy with its evidence (S1), then endorse."""
        for party, person in PARTIES:
            body = {"party": party, "person_id": person, "name": person, "agrees": True, "endorsed_on": on}
            self.call(
                "POST", f"/reviews/{review}/endorsements", {**body, "proxy": {"evidence": f"e-mail of {on}"}}, 201
            )
        self.fire(review, "endorse", on)

    def reconsider(self, review: str, days: list[str], recommendation: str) -> dict:
        """S2: the Panel disagreed; the partners change their decision, endorse it again and resubmit."""
        reconsider, endorse, submit, answer = days
        self.fire(review, "reconsider_decision", reconsider, recommendation=recommendation)
        self.endorse(review, endorse)
        self.fire(review, "submit_to_national_panel", submit)
        return self.fire(review, "record_panel_response", answer, panel_view="agrees")

    def action(self, review: str, due: str, status: str | None = None, on: str | None = None) -> None:
        action = self.call(
            "POST",
            f"/reviews/{review}/actions",
            {
                "recommendation": "Strengthen multi-agency work on neglect",
                "action": f"Action due {due}",
                "owner_organisation": "Salford City Council",
                "due_on": due,
                "intended_outcome": "Neglect recognised earlier",
            },
            201,
        )
        if status:
            self.call(
                "PATCH",
                f"/reviews/{review}/actions/{action['id']}",
                {"status": status, "evidence": "Audit of cases", "reason": "Superseded", "completed_on": on},
            )


def seed(s: Seeder) -> None:
    a = s.referral("2025-01-13", "Salford City Council", ["neglect"])
    concluded = s.rapid_review(
        a,
        ["2025-01-15", "2025-01-16", "2025-01-17", "2025-01-28", "2025-01-30", "2025-02-05", "2025-02-20"],
        "lcspr",
        "agrees",
    )
    lcspr = concluded["links"][0]["review_id"]
    for due, status, on in [
        ("2025-06-30", "done", "2025-06-20"),
        ("2025-09-30", "done", "2025-10-14"),
        ("2025-11-28", None, None),
        ("2025-12-19", "dropped", "2025-12-01"),
    ]:
        s.action(lcspr, due, status, on)

    b = s.referral("2025-03-03", "Greater Manchester Police", ["domestic abuse", "neglect"])
    s.rapid_review(
        b,
        ["2025-03-05", "2025-03-06", "2025-03-07", "2025-03-18", "2025-03-20", "2025-03-27", "2025-04-10"],
        "other_review",
        "disagrees",
    )
    s.reconsider(b, ["2025-04-17", "2025-04-22", "2025-04-24", "2025-05-08"], "lcspr")

    c = s.referral("2025-05-12", "NHS Greater Manchester ICB", ["mental health"])
    s.rapid_review(
        c,
        ["2025-05-14", "2025-05-15", "2025-05-16", "2025-05-29", "2025-06-02", "2025-06-10", "2025-06-26"],
        "no_further_action",
        "agrees",
    )

    d = s.referral("2025-07-07", "Salford City Council", ["exploitation"])
    s.meeting(d, "screening", "2025-07-09")
    s.fire(d, "screen_out", "2025-07-09", redirect_to="serious_offence", reason="Serious offence, not an incident")

    e = s.referral("2025-09-15", "Salford Primary School", ["neglect"])
    s.meeting(e, "screening", "2025-09-24")  # screened late: the 5-working-day screening clock is breached
    s.fire(e, "close_no_further_action", "2025-09-24", reason="Threshold not met")

    f = s.referral("2025-12-22", "Greater Manchester Police", ["exploitation"])
    s.meeting(f, "screening", "2025-12-23")
    s.fire(f, "screen_in", "2025-12-23")
    s.fire(f, "withdraw", "2026-01-05", reason="Merged with another referral")


def with_seeder(use: Callable[[Seeder, Services], T]) -> T:
    """Run `use` with a seeder on the configured database (migrated first), through the API in-process."""
    settings = Settings.from_env()
    upgrade(settings.database_url)
    services = build_services(settings)
    try:
        with TestClient(create_app(services=services)) as client:
            return use(Seeder(client, create_key(services, "example seed", "business_unit").secret), services)
    finally:
        services.db.dispose()


def main() -> None:
    def seed_and_report(seeder: Seeder, _: Services) -> Any:
        seed(seeder)
        return seeder.call("GET", "/reports/summary?from=2025-01-01&to=2025-12-31")

    print(json.dumps(with_seeder(seed_and_report), indent=2))


if __name__ == "__main__":
    main()
