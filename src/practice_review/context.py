"""The facts about one review that guards read: plain data, loaded once per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .calendar import LONDON


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


@dataclass(frozen=True)
class ReviewContext:
    review_type: str
    state: str
    received_on: date
    last_occurred_on: date
    today: date
    meetings: tuple[Meeting, ...] = ()
    declarations: tuple[Declaration, ...] = ()
    endorsements: tuple[Endorsement, ...] = ()  # those given since the review entered its state


@dataclass(frozen=True)
class Attempt:
    """An event someone wants to fire (or, for `available_events`, might fire today with no data)."""

    event: str
    occurred_on: date
    data: dict[str, Any] = field(default_factory=dict)
    meeting: Meeting | None = None
    meeting_kind: str | None = None
    preview: bool = False
