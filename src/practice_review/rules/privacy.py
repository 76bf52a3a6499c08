"""What a child's reference may not look like (policy §2.2 "Respectful"; domain.md "Who is who").

The child is identified by a pseudonym ("Child A") or a case reference ("CR-2026-0113") only. A reference
that looks like personal data is refused: a date (of birth), an e-mail address, a phone number, an NHS
number, a UK postcode, or a name (two or more capitalised words, unless it starts with a word such as
"Child" that pseudonyms use).
"""

from __future__ import annotations

import re

PSEUDONYM_WORDS = {"child", "baby", "infant", "sibling", "young", "person", "family", "subject"}
LOOKS_LIKE = (
    ("a date", re.compile(r"\b\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b")),
    ("an e-mail address", re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")),
    ("an NHS number", re.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b")),
    ("a phone number", re.compile(r"(?:\+44|\b0)\d[\d ]{8,11}\d\b")),
    ("a postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)),
)
NAME = re.compile(r"^[A-Z][a-z]+(?:[ '\-][A-Z][a-z]+)+$")


def personal_data_in(reference: str) -> str | None:
    """What personal data `reference` looks like it holds, or None for an acceptable pseudonym."""
    for what, pattern in LOOKS_LIKE:
        if pattern.search(reference):
            return what
    words = reference.strip().split()
    if NAME.match(reference.strip()) and words[0].lower() not in PSEUDONYM_WORDS:
        return "a name"
    return None
