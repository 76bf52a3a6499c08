"""Reading generated files back as a person's software would: PDF text (pypdf), DOCX text (python-docx)."""

from __future__ import annotations

import io
import zipfile

import docx
import pypdf
from sqlalchemy import select

from practice_review.services.common import Services
from practice_review.storage import models as m

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def docx_text(content: bytes) -> str:
    assert zipfile.is_zipfile(io.BytesIO(content))
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    parts += [p.text for section in document.sections for p in section.footer.paragraphs]
    return " ".join(" ".join(parts).split())


def stamp(services: Services, review_id: str) -> tuple[int, str]:
    """The review's version and the hash of its latest history event, as the database holds them."""
    with services.db.read() as session:
        row = session.scalar(select(m.Review).where(m.Review.id == review_id))
        assert row is not None
        return row.version, row.last_hash
