"""What a child's reference may not look like (policy §2.2 "Respectful"; domain.md "Who is who").

The child is identified by a pseudonym ("Child A") or a case reference ("CR-2026-0113") only. A reference
that looks like personal data is refused: a date (of birth), an e-mail address, a phone number, an NHS
number, a UK postcode, or a name (two or more words of letters only, unless it starts with a word such
as "Child" that pseudonyms use). It is checked as a reader would see it, so disguises do not get a name
through: compatibility forms (fullwidth letters and digits) are folded (NFKC), invisible format
characters (zero-width, bidirectional overrides) dropped, letters of other scripts that look like Latin
ones (Cyrillic "Јоhn") read as those (Unicode confusables, `confusable_homoglyphs`), accents dropped,
and case ignored ("john smith" is a name too).
"""

from __future__ import annotations

import re
import unicodedata

from confusable_homoglyphs import confusables

PSEUDONYM_WORDS = {"child", "baby", "infant", "sibling", "young", "person", "family", "subject"}
LOOKS_LIKE = (
    ("a date", re.compile(r"\b\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b")),
    ("an e-mail address", re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")),
    ("an NHS number", re.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b")),
    ("a phone number", re.compile(r"(?:\+44|\b0)\d[\d ]{8,11}\d\b")),
    ("a postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)),
)
NAME_WORD = re.compile(r"^[^\W\d_]+(?:['\-][^\W\d_]+)*$")  # letters, with inner apostrophes or hyphens


def _as_latin(ch: str) -> str:
    """A letter of another script that looks like a Latin one, as that Latin letter."""
    if ch.isascii():
        return ch
    found = confusables.is_confusable(ch, preferred_aliases=["latin"], greedy=True) or []
    for entry in found:
        for glyph in entry["homoglyphs"]:
            if glyph["c"].isascii() and glyph["c"].isalpha():
                return str(glyph["c"])
    return ch


def skeleton(text: str) -> str:
    """`text` as a reader sees it: folded, without invisible characters, in Latin letters where they
    look Latin, without accents, case-folded."""
    folded = unicodedata.normalize("NFKC", text)
    visible = "".join(ch for ch in folded if unicodedata.category(ch) not in ("Cf", "Cc"))
    latin = "".join(_as_latin(ch) for ch in visible)
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", latin) if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFKC", bare).casefold()


def personal_data_in(reference: str) -> str | None:
    """What personal data `reference` looks like it holds, or None for an acceptable pseudonym."""
    seen = skeleton(reference)
    for what, pattern in LOOKS_LIKE:
        if pattern.search(seen):
            return what
    words = seen.split()
    if len(words) >= 2 and all(NAME_WORD.match(w) for w in words) and words[0] not in PSEUDONYM_WORDS:
        return "a name"
    return None
