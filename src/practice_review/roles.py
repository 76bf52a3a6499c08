"""Who is who (domain.md "Who is who")."""

from __future__ import annotations

from dataclasses import dataclass

# The statutory partner codes and the endorsing parties are the partnership's settings (T1):
# workflows/partnership.yaml, read by workflow/partnership.py.
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


def role_allows(allowed: tuple[str, ...] | list[str], role: str, partner: str | None) -> bool:
    """Whether a caller with `role` (and, for partners, `partner`) matches one of `allowed`.

    An entry is a role (`chair`) or a partner role narrowed to one partner (`partner:local_authority`).
    """
    for entry in allowed:
        base, _, only = entry.partition(":")
        if base == role and (not only or only == partner):
            return True
    return False


@dataclass(frozen=True)
class Caller:
    """Who is asking: the API key's identity and, optionally, the person the key holder acts for."""

    key_id: int
    key_name: str
    role: str
    partner: str | None = None
    organisation: str | None = None
    acting_for: str | None = None
    # The person behind the call, when known: a signed-in person's subject at their identity provider
    # (with `issuer`), or the person a key was issued to. A reviewer is bound to reviews by it.
    person_id: str | None = None
    person_name: str | None = None
    issuer: str | None = None

    def as_actor(self) -> dict[str, object]:
        """A1: who made a change, as recorded in the history."""
        actor: dict[str, object] = {
            "key_id": self.key_id,
            "key_name": self.key_name,
            "role": self.role,
            "partner": self.partner,
            "acting_for": self.acting_for,
        }
        person = {"person_id": self.person_id, "person_name": self.person_name, "issuer": self.issuer}
        return actor | {k: v for k, v in person.items() if v is not None}
