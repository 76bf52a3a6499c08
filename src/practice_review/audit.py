"""The audit trail's keyed hash chain (A1).

Each history event carries an HMAC-SHA256, under an audit key the database does not hold, of the
review's previous event's tag and this event's fields (and the key's id), so an event altered,
removed or forged anywhere breaks every tag after it, and no one with only the database can
recompute them. Keys rotate by id: the first configured key signs new events, every configured key
verifies. Events recorded before keyed chaining (key id NULL) carry a plain SHA-256 and are verified
as such, but only as the start of a chain: an unkeyed event after a keyed one is a forgery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

CHAINED_FIELDS = (
    "review_id",
    "seq",
    "recorded_at",
    "occurred_on",
    "actor",
    "kind",
    "event",
    "from_state",
    "to_state",
    "data",
    "effects",
    "note",
)
# Used when PRACTICE_REVIEW_AUDIT_KEYS is not set: fine for a laptop, worthless as evidence (the
# service warns at start-up and `audit verify` says so).
DEVELOPMENT_KEY_ID = "dev-insecure"
DEVELOPMENT_KEY = b"practice-review development audit key: published in the source, so not a secret"
MIN_KEY_BYTES = 32


@dataclass(frozen=True)
class AuditKeys:
    """Audit keys by id; `current` signs new events."""

    keys: Mapping[str, bytes]
    current: str

    @classmethod
    def development(cls) -> AuditKeys:
        return cls({DEVELOPMENT_KEY_ID: DEVELOPMENT_KEY}, DEVELOPMENT_KEY_ID)

    @classmethod
    def parse(cls, text: str) -> AuditKeys:
        """`id:secret,id:secret`, newest first (the first signs). Raises ValueError with the reason."""
        keys: dict[str, bytes] = {}
        for part in (p.strip() for p in text.split(",") if p.strip()):
            key_id, _, secret = part.partition(":")
            if not key_id or len(key_id) > 32 or not key_id.replace("-", "").replace("_", "").isalnum():
                raise ValueError(f"an audit key id is 1-32 letters, digits, - or _ (got {key_id!r})")
            if len(secret.encode()) < MIN_KEY_BYTES:
                raise ValueError(f"audit key {key_id!r} is shorter than {MIN_KEY_BYTES} characters")
            if key_id in keys:
                raise ValueError(f"audit key id {key_id!r} is given twice")
            keys[key_id] = secret.encode()
        if not keys:
            raise ValueError("no audit key given")
        return cls(keys, next(iter(keys)))

    @property
    def insecure(self) -> bool:
        return self.current == DEVELOPMENT_KEY_ID

    def sign(self, previous: str, event: Mapping[str, Any]) -> tuple[str, str]:
        """(key id, tag) for a new event."""
        return self.current, event_hash(previous, event, self.current, self.keys[self.current])


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def event_hash(previous: str, event: Mapping[str, Any], key_id: str | None = None, key: bytes | None = None) -> str:
    """HMAC-SHA256 of the previous tag, the key id and this event's fields as canonical JSON; without
    a key, the plain SHA-256 unkeyed events were chained with."""
    fields = [event[f] for f in CHAINED_FIELDS]
    if key is None:
        return hashlib.sha256(_canonical([previous, fields])).hexdigest()
    return hmac.new(key, _canonical([previous, key_id, fields]), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Break:
    review_id: str
    seq: int
    problem: str


@dataclass(frozen=True)
class ChainEnd:
    """What the review row says its chain ends with."""

    version: int
    last_hash: str


def _tag_problem(event: Mapping[str, Any], previous: str, keyed_before: bool, keys: AuditKeys) -> str | None:
    key_id = event.get("key_id")
    if key_id is None:
        if keyed_before:
            return "an unkeyed event after keyed ones: inserted behind the service's back"
        expected = event_hash(previous, event)
    elif key_id not in keys.keys:
        return f"signed with audit key {key_id!r}, which is not configured (PRACTICE_REVIEW_AUDIT_KEYS)"
    else:
        expected = event_hash(previous, event, key_id, keys.keys[key_id])
    if not hmac.compare_digest(str(event["hash"]), expected):
        return "its tag does not match its content and the event before (altered, forged or reordered)"
    return None


def verify_chain(
    review_id: str, events: Iterable[Mapping[str, Any]], keys: AuditKeys, end: ChainEnd | None = None
) -> list[Break]:
    """Every break in one review's chain: a missing, extra, altered or forged event, or a chain whose
    end is not the one the review row records (`end`: its version and last hash)."""
    breaks, previous, expected_seq, keyed, last_seq = [], "", 1, False, 0
    for event in events:
        if event["seq"] != expected_seq:
            breaks.append(Break(review_id, expected_seq, f"event {expected_seq} is missing (next is {event['seq']})"))
        problem = _tag_problem(event, previous, keyed, keys)
        if problem:
            breaks.append(Break(review_id, event["seq"], problem))
        keyed = keyed or event.get("key_id") is not None
        previous, expected_seq, last_seq = str(event["hash"]), event["seq"] + 1, event["seq"]
    if end is None:
        return breaks
    if last_seq == 0:
        return [Break(review_id, 1, f"the review has no history events (it is at version {end.version})")]
    if last_seq < end.version:
        breaks.append(Break(review_id, last_seq + 1, f"events {last_seq + 1}-{end.version} are missing (deleted?)"))
    elif last_seq > end.version:
        breaks.append(Break(review_id, end.version + 1, f"events past the review's version {end.version}: extra"))
    elif previous != end.last_hash:
        breaks.append(Break(review_id, last_seq, "the review's stored last hash is not its last event's"))
    return breaks
