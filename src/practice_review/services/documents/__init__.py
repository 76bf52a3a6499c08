"""Documents made from a review's record (issue 18): the Rapid Review Meeting Report, the minutes of a
meeting, the action plan and the chronology of events, each as PDF or editable DOCX from one HTML
template (render.py), read as the caller may see the review (record.py)."""

from __future__ import annotations

from dataclasses import dataclass

from ...roles import Caller
from ..common import Services
from . import action_plan, chronology, meeting_report, minutes
from .record import read_record
from .render import DOCX, MEDIA_TYPES, PDF, docx_file, pdf

KINDS = {
    "meeting-report": meeting_report,
    "action-plan": action_plan,
    "chronology": chronology,
}
FORMATS = tuple(MEDIA_TYPES)


@dataclass(frozen=True)
class Document:
    content: bytes
    media_type: str
    filename: str


def choose_format(format: str | None, accept: str | None) -> str:
    """`format` wins; else the first of PDF and DOCX the Accept header names; else PDF."""
    if format:
        return format
    accepted = accept or ""
    positions = {name: accepted.find(media) for name, media in MEDIA_TYPES.items() if media in accepted}
    return min(positions, key=positions.__getitem__) if positions else "pdf"


def make(
    services: Services, caller: Caller, review_id: str, kind: str, format: str, meeting_id: int | None = None
) -> Document:
    record = read_record(services, caller, review_id)
    if kind == "minutes":
        assert meeting_id is not None
        module, page = minutes, minutes.page(record, meeting_id)
        name = f"minutes-{meeting_id}"
    else:
        module, page = KINDS[kind], KINDS[kind].page(record)
        name = kind
    filename = f"{record.stamp.reference}-{name}-v{record.stamp.version}.{format}"
    if format == "pdf":
        return Document(pdf(page), PDF, filename)
    landscape = module in (action_plan, chronology)
    return Document(docx_file(page, record.stamp, module.TITLE, landscape), DOCX, filename)
