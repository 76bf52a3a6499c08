"""Who may do what besides firing events (event roles live in the workflow YAML).

Each action lists the roles that may take it; `partner` and `agency` callers are further limited
to their own partner's or organisation's records by the service that takes the action.
"""

from __future__ import annotations

from .errors import NotPermitted
from .roles import Caller

READERS = ("business_unit", "chair", "independent_scrutineer", "partner", "agency", "reviewer", "read_only")

ACTIONS: dict[str, tuple[str, ...]] = {
    "read_reviews": READERS,
    "read_reference": (*READERS, "admin"),  # calendar and workflow definitions: no review data
    "create_review": ("business_unit",),
    "record_meeting": ("business_unit", "chair"),
    "record_attendance": ("business_unit", "chair", "partner"),
    "record_declaration": ("business_unit", "chair"),
    "rule_on_declaration": ("chair",),
    "record_endorsement": ("business_unit", "partner", "independent_scrutineer"),
    "request_information": ("business_unit",),
    "record_information_return": ("business_unit", "agency"),
    "record_link": ("business_unit",),
    "plan_actions": ("business_unit", "chair"),
    "update_actions": ("business_unit", "chair", "partner", "agency"),
    "read_deadlines": ("business_unit", "chair", "independent_scrutineer", "partner", "reviewer", "read_only"),
    "sweep": ("business_unit",),
    "read_reports": ("business_unit", "chair", "independent_scrutineer", "partner", "read_only"),
    "manage_clocks": ("business_unit",),
    # An admin may see and stop subscriptions (configuration) but not make one: it would receive review data.
    "manage_subscriptions": ("business_unit", "partner", "admin"),
    "subscribe": ("business_unit", "partner"),
    "read_deliveries": ("business_unit", "partner"),  # payloads carry review data: not for admin
    "manage_keys": ("admin",),
    "confirm_drafts_deleted": ("business_unit",),  # issue 13, S5
    "own_calendar_feeds": READERS,  # issue 18: a feed of one's own deadlines (an admin owns none)
    "read_page_views": ("business_unit",),  # issue 17: who looked at a child's case
}


def allows(caller: Caller, action: str) -> bool:
    return caller.role in ACTIONS[action]


def require(caller: Caller, action: str) -> None:
    if not allows(caller, action):
        allowed = ", ".join(ACTIONS[action])
        raise NotPermitted(f"role '{caller.role}' may not {action.replace('_', ' ')} (allowed: {allowed})")
