"""Declarations of interest (D1, D2, D4)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from ..workflow.context import Attendee, Declaration


def current_declarations(declarations: Iterable[Declaration], on: date | None = None) -> dict[str, Declaration]:
    """Each person's declaration in force on `on` (None: now): a later one supersedes an earlier one (D4)."""
    current: dict[str, Declaration] = {}
    for declaration in sorted(declarations, key=lambda d: d.id):
        if on is None or declaration.declared_on <= on:
            current[declaration.person_id] = declaration
    return current


def undeclared(attendees: Iterable[Attendee], declarations: Iterable[Declaration], on: date) -> list[Attendee]:
    """Attendees with no declaration on file by `on` (D1)."""
    on_file = current_declarations(declarations, on)
    return [a for a in attendees if a.person_id not in on_file]


def excluded_people(declarations: Iterable[Declaration], on: date | None = None) -> set[str]:
    """People whose declared interest in force on `on` the chair ruled `excluding` (D2, Q3)."""
    return {
        d.person_id
        for d in current_declarations(declarations, on).values()
        if d.has_interest and d.ruling == "excluding"
    }


def awaiting_ruling(
    attendees: Iterable[Attendee], declarations: Iterable[Declaration], on: date | None = None
) -> list[Declaration]:
    """Declared interests in force on `on` of these attendees that the chair has not ruled on yet (D2)."""
    current = current_declarations(declarations, on)
    return [
        current[a.person_id]
        for a in attendees
        if a.person_id in current and current[a.person_id].has_interest and current[a.person_id].ruling is None
    ]
