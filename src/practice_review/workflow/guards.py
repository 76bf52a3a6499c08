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

from ..rules.declarations import awaiting_ruling, current_declarations, excluded_people, undeclared
from ..rules.quorum import documents_in_time, quorum
from .context import Attempt, Endorsement, ReviewContext
from .partnership import WorkflowSettings


@dataclass(frozen=True)
class Unmet:
    message: str
    rule: str | None = None  # None: the rule id the workflow gave the guard


Guard = Callable[..., list[Unmet]]
REGISTRY: dict[str, Guard] = {}


def guard(function: Guard) -> Guard:
    REGISTRY[function.__name__] = function
    return function


def _words(code: str) -> str:
    return code.replace("_", " ")


def _settings(ctx: ReviewContext) -> WorkflowSettings:
    """T1: the review's workflow settings (the engine gives every guard its definition's)."""
    if ctx.settings is None:
        raise ValueError("guards need the workflow's settings on the review context")
    return ctx.settings


def parties_named(ctx: ReviewContext, parties: Sequence[str] | str | None, default: str) -> Sequence[str]:
    """A guard's `parties`: a list, a settings list by name (`statutory_partners`), or the `default` list."""
    if parties is None or isinstance(parties, str):
        return _settings(ctx).party_list(parties or default)
    return parties


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
def meeting_quorate(ctx: ReviewContext, attempt: Attempt, partners: Sequence[str] | str | None = None) -> list[Unmet]:
    """Q1/Q2 with Q3: each partner (default: the statutory partners of the settings) represented by someone
    who is not excluded."""
    partners = parties_named(ctx, partners, "statutory_partners")
    meeting = attempt.meeting
    if meeting is None:
        kind = _words(attempt.meeting_kind or "")
        return [Unmet(f"no {kind} meeting has been recorded for this review")]
    found = []
    if meeting.held_on > attempt.occurred_on:
        found.append(
            Unmet(f"meeting {meeting.id} is on {meeting.held_on}, after occurred_on {attempt.occurred_on}", rule="C7")
        )
    result = quorum(meeting.attendees, excluded_people(ctx.declarations, meeting.held_on), partners)
    found += [Unmet(f"no {_words(p)} representative present at meeting {meeting.id}") for p in result.missing_partners]
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
def documents_shared_in_time(ctx: ReviewContext, attempt: Attempt, hours: int | None = None) -> list[Unmet]:
    """Q4: documents shared `hours` (default: the settings' papers_hours) before the meeting, or reading time
    allowed at its start."""
    hours = _settings(ctx).papers_hours if hours is None else hours
    meeting = attempt.meeting
    if meeting is None or attempt.data.get("reading_time_allowed") is True or documents_in_time(meeting, hours):
        return []
    when = (
        "were not shared before the meeting"
        if meeting.documents_shared_at is None
        else f"were shared less than {hours} hours before the meeting"
    )
    return [Unmet(f"documents {when}: the record must say reading time was allowed (data.reading_time_allowed: true)")]


def given_by(ctx: ReviewContext, on: date) -> dict[str, Endorsement]:
    """Each party's latest endorsement given on or before `on`: a later one supersedes an earlier one."""
    return {e.party: e for e in ctx.endorsements if e.endorsed_on <= on}


@guard
def endorsers_disagree(ctx: ReviewContext, attempt: Attempt) -> list[Unmet]:
    """§19: escalation is for a disagreement about the outcome: a party's latest endorsement disagrees."""
    latest = given_by(ctx, attempt.occurred_on)
    if any(not e.agrees for e in latest.values()):
        return []
    return [Unmet("no endorser has disagreed with the outcome")]


@guard
def endorsed_by(ctx: ReviewContext, attempt: Attempt, parties: Sequence[str] | str | None = None) -> list[Unmet]:
    """§19 / L6: each party (a list, a settings list by name, default the endorsing parties) endorsed the
    outcome; an endorser ruled `excluding` does not count (D2)."""
    parties = parties_named(ctx, parties, "endorsing_parties")
    latest = given_by(ctx, attempt.occurred_on)
    found = []
    for party in parties:
        endorsement = latest.get(party)
        if endorsement is None:
            found.append(Unmet(f"no endorsement from {_words(party)}"))
        elif not endorsement.agrees:
            found.append(Unmet(f"{_words(party)} does not agree with the outcome"))
        elif endorsement.person_id in excluded_people(ctx.declarations, endorsement.endorsed_on):
            found.append(
                Unmet(
                    f"{endorsement.name} is excluded by the chair's ruling and cannot endorse for {_words(party)}",
                    rule="D2",
                )
            )
    return found


@guard
def reviewer_independent(ctx: ReviewContext, attempt: Attempt, field: str = "reviewer") -> list[Unmet]:
    """D3: the appointee declared no interest (or one ruled `noted`), signed a contract, confirmed the policy."""
    reviewer = attempt.data.get(field)
    if not isinstance(reviewer, dict):
        return []  # required data: refused as invalid data before guards run
    name = reviewer.get("name") or reviewer.get("person_id")
    found = []
    declaration = current_declarations(ctx.declarations, attempt.occurred_on).get(str(reviewer.get("person_id")))
    if declaration is None:
        found.append(Unmet(f"{name} has no declaration of interest on file for this review"))
    elif declaration.has_interest and declaration.ruling != "noted":
        ruling = declaration.ruling or "not yet ruled on"
        found.append(Unmet(f"{name} declared an interest ({declaration.details}) that is {ruling}, not ruled noted"))
    if reviewer.get("contract_signed") is not True:
        found.append(Unmet(f"{name} has not signed a contract"))
    if reviewer.get("policy_confirmed") is not True:
        found.append(Unmet(f"{name} has not confirmed they will follow this policy"))
    return found


@guard
def reason_given_unless(ctx: ReviewContext, attempt: Attempt, field: str, value: str, reason: str) -> list[Unmet]:
    """L4 and the like: `reason` is needed whenever `field` is not `value`."""
    given = attempt.data.get(field)
    if given is None or given == value or str(attempt.data.get(reason) or "").strip():
        return []
    return [Unmet(f"data.{reason} is needed when data.{field} is {given}")]


@guard
def window_closed_or_answered(ctx: ReviewContext, attempt: Attempt, clock: str, request_kind: str) -> list[Unmet]:
    """L5: the window has closed, or every agency asked during it has answered."""
    window = ctx.clocks.get(clock)
    if window is None or window.due_on is None or attempt.occurred_on > window.due_on:
        return []
    asked = [r for r in ctx.information_requests if r.kind == request_kind and r.requested_on >= window.started_on]
    waiting = [r.organisation for r in asked if r.returned_on is None or r.returned_on > attempt.occurred_on]
    if asked and not waiting:
        return []
    why = f"{', '.join(waiting)} have not answered" if waiting else "no agency has been asked"
    return [Unmet(f"the {clock.replace('_', ' ')} window is open until {window.due_on} and {why}")]


@guard
def working_days_after(ctx: ReviewContext, attempt: Attempt, fact: str, days: int) -> list[Unmet]:
    """L7: at least `days` working days after the date an earlier event remembered as `fact`."""
    since = ctx.facts.get(fact)
    if since is None:
        return [Unmet(f"no {fact.replace('_', ' ')} on record")]
    earliest = ctx.calendar.add_working_days(date.fromisoformat(since), days)
    if attempt.occurred_on >= earliest:
        return []
    return [Unmet(f"not before {earliest}: {days} working days after {fact.replace('_', ' ')} {since}")]


REFERRAL_DESCRIPTION = ("lived_experience", "steps_taken", "objectives", "barriers", "evaluation")


@guard
def description_complete(
    ctx: ReviewContext, attempt: Attempt, parts: Sequence[str] = REFERRAL_DESCRIPTION
) -> list[Unmet]:
    """§5.4: a good outcome referral describes each part before it is accepted."""
    missing = [p for p in parts if not str(ctx.description.get(p) or "").strip()]
    if not missing:
        return []
    return [Unmet(f"the referral does not yet describe: {', '.join(p.replace('_', ' ') for p in missing)}")]


@guard
def action_plan_present(ctx: ReviewContext, attempt: Attempt, at_least: int = 1) -> list[Unmet]:
    """L9: a review closes with an action plan of at least one action (§20.3)."""
    if ctx.actions >= at_least:
        return []
    return [Unmet(f"the review has {ctx.actions} actions in its action plan; at least {at_least} needed to close")]
