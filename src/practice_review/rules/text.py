"""What free text may hold: no control or format characters (zero-width, bidirectional overrides, BOM…),
which hide or reorder what a reader sees; line breaks and tabs only where the text has lines."""

from __future__ import annotations

import unicodedata

HIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn"}  # control, format, surrogate, private use, unassigned
LINE_BREAKS = "\t\n\r"
MESSAGE = "must not contain control or format characters"


def hidden_character(value: str, lines: bool = False) -> str | None:
    """The first character a reader would not see as written (as U+XXXX), or None."""
    for ch in value:
        if unicodedata.category(ch) in HIDDEN and not (lines and ch in LINE_BREAKS):
            return f"U+{ord(ch):04X}"
    return None
