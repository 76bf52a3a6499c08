"""Keys the service holds and the database does not (SECURITY.md "Keys the service holds").

- Audit keys sign the history chain (audit.py).
- Secrets keys (Fernet) encrypt webhook secrets at rest: the service must sign with the plain secret,
  so it cannot keep only a hash.
Without settings both fall back to development keys published in the source, with a warning: a
council's deployment sets them (README "Configuration").
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import logging
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .audit import AuditKeys

log = logging.getLogger("practice_review")
DEVELOPMENT_SECRETS_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"practice-review development secrets key").digest())
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_audit_keys(text: str | None) -> AuditKeys:
    return AuditKeys.parse(text) if text else AuditKeys.development()


def parse_secrets_keys(text: str | None) -> SecretBox:
    if not text:
        return SecretBox(MultiFernet([Fernet(DEVELOPMENT_SECRETS_KEY)]), insecure=True)
    try:
        return SecretBox(MultiFernet([Fernet(k.strip()) for k in text.split(",") if k.strip()]), insecure=False)
    except ValueError:
        raise ValueError("each key is a Fernet key: 32 url-safe base64-encoded bytes (see README)") from None


def parse_allowed_networks(networks: tuple[str, ...] | None) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(n, strict=False) for n in networks or ())
    except ValueError as exc:
        raise ValueError(f"not a network such as 10.20.0.0/16 or 127.0.0.1/32: {exc}") from None


@dataclass(frozen=True)
class SecretBox:
    """Encrypts webhook secrets for the database and decrypts them to sign with."""

    fernet: MultiFernet
    insecure: bool

    def seal(self, secret: str) -> str:
        return self.fernet.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        """The plain secret. A value stored before encryption (revision 0010) is used as it is."""
        try:
            return self.fernet.decrypt(stored.encode()).decode()
        except InvalidToken:
            if stored.startswith("gAAAAA"):
                raise ValueError(
                    "a webhook secret cannot be decrypted: is PRACTICE_REVIEW_SECRETS_KEYS complete?"
                ) from None
            return stored


def warn_if_insecure(audit_keys: AuditKeys, box: SecretBox) -> list[str]:
    """The warnings a deployment without its own keys gets, logged and returned."""
    warnings = []
    if audit_keys.insecure:
        warnings.append(
            "PRACTICE_REVIEW_AUDIT_KEYS is not set: the history chain is signed with the development key, "
            "which anyone can read in the source, so it proves nothing. Set it before real use."
        )
    if box.insecure:
        warnings.append(
            "PRACTICE_REVIEW_SECRETS_KEYS is not set: webhook secrets are encrypted with the development key. "
            "Set it before real use."
        )
    for warning in warnings:
        if warning not in _WARNED:  # once per process, not once per test or command
            _WARNED.add(warning)
            log.warning(warning)
    return warnings


_WARNED: set[str] = set()
