"""The Rapid Review Meeting Report (policy appendix A, template 10): the referral and its facts, the
timescales, the meeting, the immediate safety actions, the recommendation with the national-review
question, and the partners' endorsements (§19, S2)."""

from __future__ import annotations

from typing import Any

from ...errors import NotFound
from .record import ReviewRecord
from .render import html

TITLE = "Rapid Review Meeting Report"
RECOMMENDATIONS = {
    "lcspr": "A local child safeguarding practice review (LCSPR)",
    "other_review": "Another kind of review (non-statutory practice review)",
    "no_further_action": "No further review",
}


def _reading_time_allowed(record: ReviewRecord, meeting_id: int | None) -> bool:
    return any(
        item.get("effects", {}).get("meeting_id") == meeting_id and item["data"].get("reading_time_allowed")
        for item in record.history
        if item["kind"] == "transition"
    )


def page(record: ReviewRecord) -> str:
    if record.review["review_type"] != "rapid":
        raise NotFound(f"review {record.stamp.reference} is not a rapid review: it has no rapid review meeting report")
    meetings = [m for m in record.meetings if m["kind"] == "rapid_review"]
    meeting = meetings[-1] if meetings else None
    facts: dict[str, Any] = record.review["facts"]
    withheld = record.stamp.prepared_for is not None  # need to know: an agency is not shown the decision
    recommendation = RECOMMENDATIONS.get(facts.get("recommendation", ""), "Withheld" if withheld else "Not yet decided")
    return html(
        "meeting_report.html",
        record.stamp,
        TITLE,
        review=record.review,
        type_title=record.type_title,
        meeting=meeting,
        reading_time_allowed=_reading_time_allowed(record, meeting["id"] if meeting else None),
        facts=facts,
        withheld=withheld,
        recommendation=recommendation,
        endorsements=record.endorsements,  # every round (S3: after an escalation, the later ones stand)
    )
