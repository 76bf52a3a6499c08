"""The facts about one review that guards read: plain data, loaded once per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ..calendar import LONDON, WorkingCalendar
from .partnership import WorkflowSettings


@dataclass(frozen=True)
class Attendee:
    person_id: str
    name: str
    organisation: str
    partner: str | None
    substitute: bool = False


@dataclass(frozen=True)
class Meeting:
    id: int
    kind: str
    scheduled_for: datetime
    documents_shared_at: datetime | None
    attendees: tuple[Attendee, ...] = ()

    @property
    def held_on(self) -> date:
        """The meeting's date in Europe/London (C5)."""
        return self.scheduled_for.astimezone(LONDON).date()


@dataclass(frozen=True)
class Declaration:
    id: int
    person_id: str
    name: str
    organisation: str
    role: str
    has_interest: bool
    details: str
    declared_on: date
    ruling: str | None = None  # "noted" | "excluding" | None (not yet ruled)


@dataclass(frozen=True)
class Endorsement:
    party: str
    person_id: str
    name: str
    agrees: bool
    endorsed_on: date
    proxy: bool = False  # S1: recorded by the Business Unit on the party's behalf, with evidence
    decision: str | None = None  # S4: the decision endorsed, when it names one (publish, not_to_publish)


@dataclass(frozen=True)
class Clock:
    name: str
    status: str = "not_started"
    started_on: date | None = None
    due_on: date | None = None
    original_due_on: date | None = None
    stopped_on: date | None = None
    paused_on: date | None = None
    paused_working_days: int = 0
    delay_reported_on: date | None = None
    window: bool = False  # a period given to others (L5): it closes, it is never breached
    working_days_taken: int | None = None  # set when it stops


@dataclass(frozen=True)
class InformationRequest:
    id: int
    organisation: str
    kind: str
    requested_on: date
    due_on: date
    returned_on: date | None = None


@dataclass(frozen=True)
class ReviewContext:
    state: str
    last_occurred_on: date
    today: date
    calendar: WorkingCalendar
    meetings: tuple[Meeting, ...] = ()
    declarations: tuple[Declaration, ...] = ()
    endorsements: tuple[Endorsement, ...] = ()  # those given since the review entered its state
    clocks: dict[str, Clock] = field(default_factory=dict)
    information_requests: tuple[InformationRequest, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)  # what earlier events remembered
    description: dict[str, str] = field(default_factory=dict)  # the referral's description (§5.4)
    actions: int = 0  # actions in the review's action plan (K2, L9)
    settings: WorkflowSettings | None = None  # T1: its workflow version's; the engine sets it for guards
    open: bool = True
    particulars: dict[str, Any] = field(default_factory=dict)  # N1, X1: circumstances, notifications, areas
    external_links: tuple[tuple[str, str], ...] = ()  # K1 (kind, reference): given when tasks are evaluated


@dataclass(frozen=True)
class Attempt:
    """An event someone wants to fire (or, for `available_events`, might fire today with no data)."""

    event: str
    occurred_on: date
    data: dict[str, Any] = field(default_factory=dict)
    meeting: Meeting | None = None
    meeting_kind: str | None = None
