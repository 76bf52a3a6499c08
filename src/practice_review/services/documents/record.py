"""One consistent reading of a review as the caller may see it, for a document.

Every part is read through the same services the API answers with, as the caller, so need to know
(services/access.py, services/need_to_know.py) holds in a document exactly as in GET /reviews/{id}: an
agency's document has only its own organisation's requests, actions, attendees and declarations, and
the history's other events without their data. The review's version and the hash of its latest history
event are read before and after; if the record moved in between, it is read again, so the stamp on a
document is the record it was made from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...calendar import LONDON
from ...errors import Conflict
from ...roles import Caller
from .. import actions, history, records, reviews
from ..access import find_review
from ..common import Services
from ..need_to_know import own_organisation

ATTEMPTS = 3


@dataclass(frozen=True)
class Stamp:
    """What traces a document to the record: the review's version and its latest history event's hash."""

    reference: str
    version: int
    last_hash: str
    generated_at: datetime
    prepared_for: str | None  # an agency's organisation: the document holds only what it may see


@dataclass(frozen=True)
class ReviewRecord:
    stamp: Stamp
    review: dict[str, Any]
    type_title: str
    meetings: list[dict[str, Any]]
    declarations: list[dict[str, Any]]
    endorsements: list[dict[str, Any]]
    information_requests: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    history: list[dict[str, Any]]


def _version(services: Services, caller: Caller, review_id: str) -> tuple[int, str]:
    with services.db.read() as session:
        row = find_review(session, caller, review_id)  # 404 for a review the caller may not read
        return row.version, row.last_hash


def read_record(services: Services, caller: Caller, review_id: str) -> ReviewRecord:
    for _ in range(ATTEMPTS):
        version, last_hash = _version(services, caller, review_id)
        review = reviews.get_review(services, caller, review_id)
        definition = services.engine.definition(review["review_type"], review["workflow_version"])
        record = ReviewRecord(
            stamp=Stamp(review["reference"], version, last_hash, datetime.now(LONDON), own_organisation(caller)),
            review=review,
            type_title=definition.title,
            meetings=records.list_meetings(services, caller, review_id),
            declarations=records.list_declarations(services, caller, review_id),
            endorsements=records.list_endorsements(services, caller, review_id),
            information_requests=records.list_information_requests(services, caller, review_id),
            actions=actions.list_actions(services, caller, review_id),
            history=history.history(services, caller, review_id)["items"],
        )
        if _version(services, caller, review_id) == (version, last_hash) and review["version"] == version:
            return record
    raise Conflict(f"review {review_id} kept changing while its document was made: try again")
