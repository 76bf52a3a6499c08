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


def given_by(ctx: ReviewContext, on: date, decision: str | None = None) -> dict[str, Endorsement]:
    """Each party's latest endorsement (of `decision`, when given) on or before `on`: a later one supersedes."""
    wanted = [e for e in ctx.endorsements if e.endorsed_on <= on and (decision is None or e.decision == decision)]
    return {e.party: e for e in wanted}


@guard
def endorsers_disagree(ctx: ReviewContext, attempt: Attempt) -> list[Unmet]:
    """§19: escalation is for a disagreement about the outcome: a party's latest endorsement disagrees."""
    latest = given_by(ctx, attempt.occurred_on)
    if any(not e.agrees for e in latest.values()):
        return []
    return [Unmet("no endorser has disagreed with the outcome")]


@guard
def endorsed_by(
    ctx: ReviewContext,
    attempt: Attempt,
    parties: Sequence[str] | str | None = None,
    decision: str | None = None,
    proxies: bool = True,
) -> list[Unmet]:
    """§19 / L6 / S3 / S4: each party (a list, a settings list by name, default the endorsing parties) endorsed
    the outcome (or the `decision` named); an endorser ruled `excluding` does not count (D2); a Business Unit
    proxy counts unless the workflow says `proxies: false` (S1)."""
    parties = parties_named(ctx, parties, "endorsing_parties")
    latest = given_by(ctx, attempt.occurred_on, decision)
    found = []
    decided = _words(decision or "")
    what = f"the decision {decided if decided.startswith('not ') else f'to {decided}'}" if decision else "the outcome"
    for party in parties:
        endorsement = latest.get(party)
        if endorsement is None:
            of = f" of {what}" if decision else ""
            found.append(Unmet(f"no endorsement{of} from {_words(party)}"))
        elif endorsement.proxy and not proxies:
            found.append(Unmet(f"{_words(party)}'s endorsement was recorded by proxy: it must be its own", rule="S1"))
        elif not endorsement.agrees:
            found.append(Unmet(f"{_words(party)} does not agree with {what}"))
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


@guard
def date_not_after_occurred_on(ctx: ReviewContext, attempt: Attempt, field: str) -> list[Unmet]:
    """A date given with the event (the Panel told, L7/S4) is on or before the event itself."""
    value = attempt.data.get(field)
    if isinstance(value, date) and value > attempt.occurred_on:
        return [Unmet(f"data.{field} {value} is after occurred_on {attempt.occurred_on}")]
    return []


@guard
def given_when(ctx: ReviewContext, attempt: Attempt, field: str, value: str, needs: Sequence[str]) -> list[Unmet]:
    """S2 and the like: data fields `needs` are required whenever `field` is `value`."""
    if attempt.data.get(field) != value:
        return []
    return [
        Unmet(f"data.{name} is needed when data.{field} is {value}")
        for name in needs
        if not str(attempt.data.get(name) or "").strip()
    ]


@guard
def meetings_declared(ctx: ReviewContext, attempt: Attempt, kinds: Sequence[str]) -> list[Unmet]:
    """D1 / P1: at every meeting of these kinds held so far (panel, review group, practitioner event), each
    attendee had a declaration on file by its date and any interest was ruled (D2); the appointed reviewer
    has a declaration on file before taking part."""
    found = []
    for meeting in (m for m in ctx.meetings if m.kind in kinds and m.held_on <= attempt.occurred_on):
        kind = _words(meeting.kind)
        found += [
            Unmet(
                f"{a.name} ({a.organisation}) had no declaration of interest on file by the {kind} of {meeting.held_on}"
            )
            for a in undeclared(meeting.attendees, ctx.declarations, meeting.held_on)
        ]
        found += [
            Unmet(f"the interest declared by {d.name} (declaration {d.id}) awaits the chair's ruling", rule="D2")
            for d in awaiting_ruling(meeting.attendees, ctx.declarations, meeting.held_on)
        ]
    reviewer = ctx.facts.get("reviewer")
    if isinstance(reviewer, dict) and str(reviewer.get("person_id")) not in current_declarations(
        ctx.declarations, attempt.occurred_on
    ):
        found.append(Unmet(f"the reviewer {reviewer.get('name')} has no declaration of interest on file"))
    return list(dict.fromkeys(found))


@guard
def next_escalation_level(
    ctx: ReviewContext,
    attempt: Attempt,
    levels: Sequence[str],
    within: str,
    field: str = "level",
    fact: str = "escalation_level",
) -> list[Unmet]:
    """S3: a disagreement goes up one level at a time (partners' representatives, the next level within the
    three partners, the Safeguarding Executive), from the first level unless the review is already `within`
    an escalation; the top level cannot be passed."""
    current = ctx.facts.get(fact) if ctx.state == within else None
    position = levels.index(current) + 1 if current in levels else 0
    if position >= len(levels):
        return [Unmet(f"the disagreement is already with the {_words(levels[-1])}, the last level")]
    wanted = attempt.data.get(field)
    if wanted is not None and wanted != levels[position]:
        return [Unmet(f"the next level is {_words(levels[position])}, not {_words(str(wanted))}")]
    return []


# ---------------------------------------------------------------- tasks: shown as outstanding, block nothing


@guard
def drafts_deletion_confirmed(ctx: ReviewContext, attempt: Attempt, fact: str = "draft_report_on") -> list[Unmet]:
    """S5: once a review that had a draft report has ended (closed or withdrawn), the Business Unit confirms
    the drafts were deleted."""
    if ctx.open or fact not in ctx.facts or ctx.facts.get("drafts_deletion_confirmed_by"):
        return []
    return [Unmet("the Business Unit has not yet confirmed that the draft reports were deleted")]


@guard
def notifications_recorded(ctx: ReviewContext, attempt: Attempt, external_link: str = "sar") -> list[Unmet]:
    """N1: a care leaver's death under 25 — the local authority's notifications to the Secretary of State and
    Ofsted, and a Safeguarding Adults Review referral linked; a looked-after child — the Ofsted notification."""
    circumstance = ctx.particulars.get("circumstances")
    needed = {
        "care_leaver_death": ("secretary_of_state_notified_on", "ofsted_notified_on"),
        "looked_after_child": ("ofsted_notified_on",),
    }.get(str(circumstance), ())
    found = [
        Unmet(f"the local authority's {_words(n.removesuffix('_on'))} date is not recorded")
        for n in needed
        if not ctx.particulars.get(n)
    ]
    if circumstance == "care_leaver_death" and not any(kind == external_link for kind, _ in ctx.external_links):
        found.append(Unmet(f"no {external_link.upper()} referral is linked (an external process, K1)"))
    return found


@guard
def cross_boundary_lead(ctx: ReviewContext, attempt: Attempt) -> list[Unmet]:
    """X1: incident and home areas recorded; when they differ, which partnership leads (the incident's, §20.4)."""
    incident, home = ctx.particulars.get("incident_area"), ctx.particulars.get("home_area")
    areas = (("incident area", incident), ("home area", home))
    found = [Unmet(f"the {what} is not recorded") for what, value in areas if not value]
    if incident and home and incident != home and not ctx.particulars.get("lead_partnership"):
        found.append(Unmet(f"the incident ({incident}) and home ({home}) areas differ: record which partnership leads"))
    return found
