"""Quorum (Q1–Q3): each statutory partner present, substitutes counting, excluded members not."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from ..workflow.context import Attendee, Meeting


@dataclass(frozen=True)
class Quorum:
    quorate: bool
    missing_partners: tuple[str, ...]
    excluded_attendees: tuple[Attendee, ...]


def quorum(
    attendees: Iterable[Attendee],
    excluded: set[str],
    partners: Sequence[str],
) -> Quorum:
    """Q1/Q2: at least one counting representative of each partner; Q3: substitutes count, excluded do not."""
    attendees = list(attendees)
    counting = {a.partner for a in attendees if a.partner and a.person_id not in excluded}
    missing = tuple(p for p in partners if p not in counting)
    return Quorum(
        quorate=not missing,
        missing_partners=missing,
        excluded_attendees=tuple(a for a in attendees if a.person_id in excluded),
    )


def documents_in_time(meeting: Meeting, hours: int) -> bool:
    """Q4: the papers went out at least `hours` before the meeting (C4: real hours, not working days)."""
    shared = meeting.documents_shared_at
    return shared is not None and shared <= meeting.scheduled_for - timedelta(hours=hours)
