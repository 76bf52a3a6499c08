"""What the signed-in caller may do on a review's page: the events it may fire, each with what blocks it
for this caller and where to put that right (the chair's ruling next to a D2 blocker), what is still to
record (the workflow's tasks: S5, N1, X1), the forms its role is shown, and the banner after a form was
recorded (post/redirect/get).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..roles import Caller
from ..services.common import Services
from .form_catalogue import FORMS, REFERRAL, Act, clock_changes, may_fire, may_update_action, own_party
from .words import human

PATH = "/board/reviews"
# The forms that put a blocker right, by its rule: (form, words). D2's are the declarations' rulings.
FIXES = {
    "Q1": [("meeting", "Record a meeting")],
    "Q2": [("meeting", "Record a meeting")],
    "Q3": [("meeting", "Record a meeting")],
    "D1": [("declaration", "Record a declaration of interest")],
    "§19": [("endorsement", "Record an endorsement")],
    "L6": [("endorsement", "Record a sign-off (endorsement)")],
    "S3": [("endorsement", "Record an endorsement")],
    "S4": [("endorsement", "Record an endorsement of the decision")],
    "L5": [("information-request", "Ask an agency for its factual-accuracy comments")],
    "L9": [("action", "Add an action to the plan")],
    "§5.4": [("description", "Describe the good outcome (§5.4)")],
    # The workflow's tasks (they block nothing, but are still to record).
    "N1": [("description", "Record the notifications"), ("link", "Link the Safeguarding Adults Review referral")],
    "X1": [("description", "Record where it happened and who leads")],
    "S5": [("drafts-deleted", "Confirm the draft reports were deleted")],
}


@dataclass(frozen=True)
class Fix:
    href: str
    words: str


@dataclass(frozen=True)
class Step:
    event: str
    to: str
    allowed: bool
    blocked_by: list[dict[str, Any]]  # {"rule", "message", "fixes": [Fix]}

    @property
    def href(self) -> str:
        return f"do/event/{self.event}"


@dataclass
class Offers:
    steps: list[Step] = field(default_factory=list)
    others: list[tuple[str, str]] = field(default_factory=list)  # (event, the roles that fire it), in words
    # What is still to record, {"rule", "message", "fixes": [Fix]}: this caller's own endorsement others
    # wait for (S1), the chair's rulings (D2), the workflow's tasks (S5, N1, X1).
    tasks: list[dict[str, Any]] = field(default_factory=list)
    can: dict[str, bool] = field(default_factory=dict)  # a form's slug -> shown to this caller
    banner: str = ""

    def clock_changes(self, clock: dict[str, Any]) -> list[str]:
        return clock_changes(clock) if self.can.get("clock-extend") else []

    def may_update(self, caller: Caller, action: dict[str, Any]) -> bool:
        return may_update_action(caller, action)


def _roles(roles: tuple[str, ...]) -> str:
    return ", ".join(human(r.replace(":", " ")).lower() for r in roles)


def offers(
    services: Services, caller: Caller, review: dict[str, Any], declarations: list[dict[str, Any]], done: str
) -> Offers:
    definition = services.engine.definition(review["review_type"], review["workflow_version"])
    act = Act(services, caller, review, definition)
    found = Offers(can={slug: spec.allowed(act) for slug, spec in FORMS.items() if slug != "event"})
    found.can["event"] = review["open"]
    awaiting = [d for d in declarations if d["has_interest"] and not d["ruling"] and not d["superseded"]]
    mine: list[dict[str, Any]] = []  # what others' events wait for from this caller's party (S1)
    answered: set[str] = set()  # the rules of others' events this party has already endorsed for
    for available in review["available_events"] if review["open"] else []:
        event = definition.event(available["event"], review["state"])
        if event is None:
            continue
        if not may_fire(caller, event):
            found.others.append((available["event"], _roles(event.roles)))
            awaited = _awaited_from(found, own_party(caller), available)
            mine += awaited
            answered |= {g.rule for g in event.guards} - {t["rule"] for t in awaited}
            continue
        blockers = [{**b, "fixes": _fixes(found, b["rule"], awaiting)} for b in available["blocked_by"]]
        found.steps.append(Step(available["event"], available["to"], available["allowed"], blockers))
    found.tasks += [t for t in mine if t["rule"] not in answered]  # S4: one decision endorsed, not the other
    shown = {f.href for step in found.steps for b in step.blocked_by for f in b["fixes"]}
    if found.can["ruling"] and not any(h.startswith("do/ruling/") for h in shown):  # D2: not only next to a blocker
        found.tasks += [
            {"rule": "D2", "message": f"the interest declared by {d['name']} awaits your ruling", "fixes": [fix]}
            for d, fix in zip(awaiting, _fixes(found, "D2", awaiting), strict=True)
        ]
    found.tasks += [{**t, "fixes": _fixes(found, t["rule"], [])} for t in review.get("outstanding_tasks", [])]
    found.banner = banner(services, review, definition.events, done)
    return found


def _awaited_from(found: Offers, party: str | None, available: dict[str, Any]) -> list[dict[str, Any]]:
    """S1: an event others fire that waits for this party's own endorsement or sign-off (L6, S4, §19):
    "Sign off awaits your endorsement", with the form that records it."""
    if party is None or not found.can.get("endorsement"):
        return []
    tasks = []
    for b in available["blocked_by"]:
        message, ending = b["message"], f" from {party.replace('_', ' ')}"
        if message.startswith("no endorsement") and message.endswith(ending):
            what = message.removeprefix("no endorsement").removesuffix(ending)
            tasks.append(
                {
                    "rule": b["rule"],
                    "message": f"{human(available['event'])} awaits your endorsement{what}",
                    "fixes": [Fix("do/endorsement", "Record your endorsement")],
                }
            )
    return tasks


def _fixes(found: Offers, rule: str, awaiting: list[dict[str, Any]]) -> list[Fix]:
    if rule == "D2":
        return [Fix(f"do/ruling/{d['id']}", f"Rule on {d['name']}'s interest") for d in awaiting if found.can["ruling"]]
    return [Fix(f"do/{slug}", words) for slug, words in FIXES.get(rule, []) if found.can.get(slug)]


def banner(services: Services, review: dict[str, Any], events: Any, done: str) -> str:
    """The words of the success banner the redirect after a form asks for (fixed words: nothing echoed)."""
    slug, _, event = done.partition(":")
    if slug == "event" and event in {e.name for e in events}:
        return f"{human(event)} was recorded. {review['reference']} is now {human(review['state']).lower()}."
    if slug == REFERRAL.slug:
        return f"{REFERRAL.done[:-1]}: {review['reference']}."
    spec = FORMS.get(slug)
    return spec.done if spec and spec.done else ""
