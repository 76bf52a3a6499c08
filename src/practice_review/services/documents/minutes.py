"""Minutes of a meeting: attendance, quorum and substitutes (Q1–Q3), declarations and the chair's
rulings (D1: "recorded and shared in the minutes", D2), whether papers came in time or reading time was
allowed (Q4), and the decisions taken at it."""

from __future__ import annotations

from ...errors import NotFound
from .meeting_report import RECOMMENDATIONS, _reading_time_allowed
from .record import ReviewRecord
from .render import html

TITLE = "Minutes of the meeting"


def page(record: ReviewRecord, meeting_id: int) -> str:
    meeting = next((m for m in record.meetings if m["id"] == meeting_id), None)
    if meeting is None:
        raise NotFound(f"review {record.stamp.reference} has no meeting {meeting_id}")
    attending = {a["person_id"] for a in meeting["attendees"]}
    declarations = [d for d in record.declarations if d["person_id"] in attending and not d["superseded"]]
    decisions = [
        item
        for item in record.history
        if item["kind"] == "transition" and item.get("effects", {}).get("meeting_id") == meeting_id
    ]
    return html(
        "minutes.html",
        record.stamp,
        f"{TITLE}: {meeting['kind'].replace('_', ' ')}",
        review=record.review,
        type_title=record.type_title,
        meeting=meeting,
        declarations=declarations,
        reading_time_allowed=_reading_time_allowed(record, meeting_id),
        decisions=decisions,
        recommendations=RECOMMENDATIONS,
    )
