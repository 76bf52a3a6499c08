"""Guards: small named checks, registered once and referenced from workflow YAML by name.

A guard reads the review's facts and the attempted event and returns every unmet condition. It has
no side effects, so the same guards answer "may this happen?" (available events) and enforce it.
The rule id comes from the YAML (`{rule: Q1, check: meeting_quorate}`); a guard may name another
rule for a finding that belongs to it (a member excluded under Q3 while checking Q1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from .context import Attempt, ReviewContext
from .roles import ENDORSING_PARTIES, STATUTORY_PARTNERS
from .rules.declarations import awaiting_ruling, excluded_people, undeclared
from .rules.quorum import documents_in_time, quorum


@dataclass(frozen=True)
class Unmet:
    message: str
    rule: str | None = None  # None: the rule id the workflow gave the guard


Guard = Callable[..., list[Unmet]]
REGISTRY: dict[str, Guard] = {}


def guard(function: Guard) -> Guard:
    REGISTRY[function.__name__] = function
    return function


def _label(partner: str) -> str:
    return partner.replace("_", " ")


@guard
def occurred_on_plausible(ctx: ReviewContext, attempt: Attempt) -> list[Unmet]:
    """C7: not in the future, not before the review's previous event."""
    found = []
    if attempt.occurred_on > ctx.today:
        found.append(Unmet(f"occurred_on {attempt.occurred_on} is in the future (today is {ctx.today})"))
    if attempt.occurred_on < ctx.last_occurred_on:
        found.append(
            Unmet(f"occurred_on {attempt.occurred_on} is before the review's previous event ({ctx.last_occurred_on})")
        )
    return found


@guard
def date_not_before_occurred_on(ctx: ReviewContext, attempt: Attempt, field: str) -> list[Unmet]:
    value = attempt.data.get(field)
    if isinstance(value, date) and value < attempt.occurred_on:
        return [Unmet(f"data.{field} {value} is before occurred_on {attempt.occurred_on}")]
    return []


@guard
def meeting_quorate(ctx: ReviewContext, attempt: Attempt, partners: Sequence[str] = STATUTORY_PARTNERS) -> list[Unmet]:
    """Q1/Q2 with Q3: each partner represented by someone who is not excluded."""
    meeting = attempt.meeting
    if meeting is None:
        kind = (attempt.meeting_kind or "").replace("_", " ")
        return [Unmet(f"no {kind} meeting has been recorded for this review")]
    found = []
    if meeting.held_on > attempt.occurred_on:
        found.append(
            Unmet(f"meeting {meeting.id} is on {meeting.held_on}, after occurred_on {attempt.occurred_on}", rule="C7")
        )
    result = quorum(meeting.attendees, excluded_people(ctx.declarations, meeting.held_on), partners)
    found += [Unmet(f"no {_label(p)} representative present at meeting {meeting.id}") for p in result.missing_partners]
    found += [
        Unmet(f"{a.name} ({a.organisation}) is excluded by the chair's ruling and does not count for quorum", rule="Q3")
        for a in result.excluded_attendees
        if a.partner in result.missing_partners
    ]
    return found


@guard
def attendees_declared(ctx: ReviewContext, attempt: Attempt) -> list[Unmet]:
    """D1: everyone taking part has a declaration on file by the day of the meeting."""
    meeting = attempt.meeting
    if meeting is None:
        return []
    return [
        Unmet(f"{a.name} ({a.organisation}) has no declaration of interest on file by {meeting.held_on}")
        for a in undeclared(meeting.attendees, ctx.declarations, meeting.held_on)
    ]


@guard
def interests_ruled(ctx: ReviewContext, attempt: Attempt) -> list[Unmet]:
    """D2: the chair has ruled on every interest declared by someone taking part."""
    meeting = attempt.meeting
    if meeting is None:
        return []
    return [
        Unmet(f"the interest declared by {d.name} (declaration {d.id}) awaits the chair's ruling")
        for d in awaiting_ruling(meeting.attendees, ctx.declarations, meeting.held_on)
    ]


@guard
def documents_shared_in_time(ctx: ReviewContext, attempt: Attempt, hours: int = 24) -> list[Unmet]:
    """Q4: documents shared `hours` before the meeting, or reading time allowed at its start."""
    meeting = attempt.meeting
    if meeting is None or attempt.data.get("reading_time_allowed") is True or documents_in_time(meeting, hours):
        return []
    when = (
        "were not shared before the meeting"
        if meeting.documents_shared_at is None
        else f"were shared less than {hours} hours before the meeting"
    )
    return [Unmet(f"documents {when}: the record must say reading time was allowed (data.reading_time_allowed: true)")]


@guard
def endorsers_disagree(ctx: ReviewContext, attempt: Attempt) -> list[Unmet]:
    """§19: escalation is for a disagreement about the outcome: a party's latest endorsement disagrees."""
    latest = {e.party: e for e in ctx.endorsements}  # as endorsed_by: a later endorsement supersedes
    if any(not e.agrees for e in latest.values()):
        return []
    return [Unmet("no endorser has disagreed with the outcome")]


@guard
def endorsed_by(ctx: ReviewContext, attempt: Attempt, parties: Sequence[str] = ENDORSING_PARTIES) -> list[Unmet]:
    """§19 / L6: each party endorsed the outcome; an endorser ruled `excluding` does not count (D2)."""
    latest = {e.party: e for e in ctx.endorsements}
    found = []
    for party in parties:
        endorsement = latest.get(party)
        if endorsement is None:
            found.append(Unmet(f"no endorsement from {_label(party)}"))
        elif not endorsement.agrees:
            found.append(Unmet(f"{_label(party)} does not agree with the outcome"))
        elif endorsement.person_id in excluded_people(ctx.declarations, endorsement.endorsed_on):
            found.append(
                Unmet(
                    f"{endorsement.name} is excluded by the chair's ruling and cannot endorse for {_label(party)}",
                    rule="D2",
                )
            )
    return found
