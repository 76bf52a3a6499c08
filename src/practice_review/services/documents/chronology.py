"""The review's chronology of events: its history in the order things happened (C7: `occurred_on`),
each event in words. An event another organisation's record made is, for an agency, only what happened
and when (need_to_know.history_item has taken its data out)."""

from __future__ import annotations

from typing import Any

from ...board.words import human, partner, shown
from .record import ReviewRecord
from .render import html

TITLE = "Chronology of events"
KINDS = {
    "created": "Referral recorded",
    "meeting_recorded": "Meeting arranged",
    "attendance_recorded": "Attendance recorded",
    "declaration_recorded": "Declaration of interest",
    "declaration_ruled": "Chair's ruling on a declaration",
    "endorsement_recorded": "Endorsement",
    "information_requested": "Information requested",
    "information_returned": "Information returned",
    "action_added": "Action added to the plan",
    "action_updated": "Action updated",
    "action_overdue": "Action overdue",
    "clock_breached": "Deadline breached",
    "clock_paused": "Clock paused",
    "clock_resumed": "Clock resumed",
    "clock_extended": "Clock extended",
    "delay_reported": "Delay reported to the National Panel",
    "link_recorded": "Link recorded",
}
SHOWN_FIELDS = (
    "recommendation",
    "panel_view",
    "redirect_to",
    "reason",
    "clock",
    "new_due_on",
    "organisation",
    "kind",
    "due_on",
    "returned_on",
    "owner_organisation",
    "status",
    "party",
    "agrees",
    "ruling",
    "name",
)


def what(item: dict[str, Any]) -> str:
    if item["kind"] == "transition":
        return f"{human(item['event'])}: {human(item['from_state'])} → {human(item['to_state'])}"
    return KINDS.get(item["kind"], human(item["kind"]))


def by(item: dict[str, Any]) -> str:
    actor = item["actor"]
    who = actor.get("person_name") or actor.get("acting_for") or actor.get("key_name") or ""
    role = human(actor.get("role"))
    if actor.get("partner"):
        role = f"{role}, {partner(actor['partner'])}"
    return f"{who} ({role})" if who and who != "(withheld)" else role


def details(item: dict[str, Any]) -> str:
    if item.get("redacted"):
        return "(another organisation's record: withheld)"
    data = item["data"]
    parts = [f"{field.replace('_', ' ')}: {shown(data[field])}" for field in SHOWN_FIELDS if field in data]
    if item.get("note"):
        parts.append(f"note: {item['note']}")
    return "; ".join(parts)


def page(record: ReviewRecord) -> str:
    events = sorted(record.history, key=lambda item: (item["occurred_on"], item["seq"]))
    return html(
        "chronology.html",
        record.stamp,
        TITLE,
        review=record.review,
        type_title=record.type_title,
        events=[{**item, "what": what(item), "by": by(item), "details": details(item)} for item in events],
        landscape=True,
    )
