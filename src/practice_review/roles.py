"""Who is who (domain.md "Who is who")."""

from __future__ import annotations

STATUTORY_PARTNERS = ("local_authority", "icb", "police")
ROLES = (
    "business_unit",
    "chair",
    "independent_scrutineer",
    "partner",
    "agency",
    "reviewer",
    "read_only",
    "admin",
)
ENDORSING_PARTIES = (*STATUTORY_PARTNERS, "independent_scrutineer")


def role_allows(allowed: tuple[str, ...] | list[str], role: str, partner: str | None) -> bool:
    """Whether a caller with `role` (and, for partners, `partner`) matches one of `allowed`.

    An entry is a role (`chair`) or a partner role narrowed to one partner (`partner:local_authority`).
    """
    for entry in allowed:
        base, _, only = entry.partition(":")
        if base == role and (not only or only == partner):
            return True
    return False
