"""What an `agency` key is shown of a review it may read (domain.md "Who may see what"): its own
organisation's information requests, actions and declarations; no other organisation's names or
interests anywhere, history included. Every read the API and the board make goes through these, so
both show the same. Other roles see what they read whole."""

from __future__ import annotations

from typing import Any

from ..roles import Caller

WITHHELD = "(withheld)"
# History kinds about one organisation's record, and the field naming that organisation.
ORGANISATION_FIELD = {
    "information_requested": "organisation",
    "information_returned": "organisation",
    "action_added": "owner_organisation",
    "action_updated": "owner_organisation",
    "action_overdue": "owner_organisation",
    "declaration_recorded": "organisation",
}


def own_organisation(caller: Caller) -> str | None:
    """The organisation whose records alone the caller sees, or None when it sees every record."""
    return (caller.organisation or "") if caller.role == "agency" else None


def summary(caller: Caller, view: dict[str, Any]) -> dict[str, Any]:
    """A review's summary: another organisation's name (the referrer) and the workflow's facts withheld."""
    own = own_organisation(caller)
    if own is None:
        return view
    referrer = view["referrer_organisation"] if view["referrer_organisation"] == own else WITHHELD
    return {**view, "referrer_organisation": referrer, "facts": {}}


def review(caller: Caller, view: dict[str, Any], readable: set[str] | None = None) -> dict[str, Any]:
    """The review view: as `summary`, no available events (an agency fires none, and their refusals name
    people), and links only to reviews it may read (`readable`) or to external processes."""
    if own_organisation(caller) is None:
        return view
    links = [link for link in view["links"] if "review_id" not in link or link["review_id"] in (readable or set())]
    return {**summary(caller, view), "available_events": [], "links": links}


def history_item(caller: Caller, item: dict[str, Any]) -> dict[str, Any]:
    """A history event: whole if it is about the caller's own organisation's record; otherwise what
    happened and when, without its data, note or who (beyond their role), and marked `redacted`."""
    own = own_organisation(caller)
    if own is None:
        return item
    field = ORGANISATION_FIELD.get(item["kind"])
    if field and item["data"].get(field) == own:
        return item if item["actor"].get("key_id") == caller.key_id else {**item, "actor": _role_only(item)}
    return {**item, "actor": _role_only(item), "data": {}, "effects": {}, "note": None, "redacted": True}


def _role_only(item: dict[str, Any]) -> dict[str, Any]:
    return {"role": item["actor"].get("role"), "key_name": WITHHELD, "acting_for": None}


def meeting(caller: Caller, view: dict[str, Any], own_declarations: set[int]) -> dict[str, Any]:
    """A meeting: only the caller's organisation's attendees and their quorum notes; whether it was
    quorate and which statutory partners were missing (codes, not names) stay."""
    own = own_organisation(caller)
    if own is None:
        return view
    ours = {a["person_id"] for a in view["attendees"] if a["organisation"] == own}
    return {
        **view,
        "attendees": [a for a in view["attendees"] if a["person_id"] in ours],
        "excluded_attendees": [p for p in view["excluded_attendees"] if p in ours],
        "undeclared_attendees": [p for p in view["undeclared_attendees"] if p in ours],
        "interests_awaiting_ruling": [d for d in view["interests_awaiting_ruling"] if d in own_declarations],
    }
