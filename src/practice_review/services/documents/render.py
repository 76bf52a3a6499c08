"""One HTML template per document, and the two files made from it: a PDF (weasyprint draws the HTML
itself) and an editable DOCX (python-docx, built by walking the same HTML: headings, paragraphs, lists,
tables), so the two always say the same. Both carry the stamp (reference, version, hash) in the text,
in the page footer and in the file's own properties."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import lxml.html
from docx.enum.section import WD_ORIENT
from docx.shared import Pt
from jinja2 import Environment, FileSystemLoader, select_autoescape
from lxml.html import HtmlElement

from ...board.words import day, human, moment, partner, shown
from ...errors import DomainError
from .record import Stamp

TEMPLATES = Path(__file__).parent / "templates"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA_TYPES = {"pdf": PDF, "docx": DOCX}

environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
environment.filters.update({"human": human, "partner": partner, "day": day, "moment": moment, "shown": shown})


class RendererUnavailable(DomainError):
    status, title, type = 503, "PDF renderer unavailable", "/problems/renderer-unavailable"


def html(template: str, stamp: Stamp, title: str, **context: Any) -> str:
    return environment.get_template(template).render(stamp=stamp, title=title, **context)


def pdf(page: str) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango or its fonts missing (Makefile `pdf-libraries`)
        raise RendererUnavailable(f"PDF documents need Pango on the server: {exc}") from None
    return HTML(string=page).write_pdf()


def _text(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _runs(paragraph: Any, element: HtmlElement) -> None:
    """The element's text as runs, <strong> bold and <em> italic."""
    if element.text:
        paragraph.add_run(element.text)
    for child in element:
        run = paragraph.add_run(" ".join(child.text_content().split()) if child.tag != "br" else "\n")
        run.bold = child.tag in ("strong", "b", "th") or None
        run.italic = child.tag in ("em", "i") or None
        if child.tail:
            paragraph.add_run(child.tail)


def _table(document: Any, element: HtmlElement) -> None:
    rows = element.xpath("./thead/tr|./tbody/tr|./tr")
    if not rows:
        return
    width = max(len(r.xpath("./th|./td")) for r in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, cell in enumerate(row.xpath("./th|./td")):
            paragraph = table.cell(r, c).paragraphs[0]
            run = paragraph.add_run(_text(cell))
            run.bold = cell.tag == "th" or None


def _blocks(document: Any, parent: HtmlElement) -> None:
    for element in parent:
        tag = element.tag
        if not isinstance(tag, str) or tag in ("style", "script", "head"):
            continue
        if tag in ("h1", "h2", "h3", "h4"):
            document.add_heading(_text(element), level=int(tag[1]) - 1 if tag != "h1" else 0)
        elif tag == "p":
            _runs(document.add_paragraph(), element)
        elif tag in ("ul", "ol"):
            style = "List Bullet" if tag == "ul" else "List Number"
            for item in element.xpath("./li"):
                _runs(document.add_paragraph(style=style), item)
        elif tag == "table":
            _table(document, element)
            document.add_paragraph()
        else:
            _blocks(document, element)


def docx_file(page: str, stamp: Stamp, title: str, landscape: bool = False) -> bytes:
    document = docx.Document()
    section = document.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    document.styles["Normal"].font.size = Pt(10.5)
    _blocks(document, lxml.html.document_fromstring(page).body)
    footer = section.footer.paragraphs[0]
    footer.text = footer_text(stamp)
    properties = document.core_properties
    properties.title = f"{title} — {stamp.reference}"
    properties.subject = stamp.reference
    properties.keywords = f"{stamp.reference}; version {stamp.version}; {stamp.last_hash}"
    properties.revision = max(stamp.version, 1)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def footer_text(stamp: Stamp) -> str:
    return f"{stamp.reference} · record version {stamp.version} · latest history event {stamp.last_hash[:16]}…"
