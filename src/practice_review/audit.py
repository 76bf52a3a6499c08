"""The audit trail's hash chain (A1): each history event carries a hash of itself and of the review's
previous event, so an event altered or removed anywhere breaks every hash after it."""

from __future__ import annotations

import hashlib
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


def event_hash(previous: str, event: Mapping[str, Any]) -> str:
    """SHA-256 of the previous event's hash and this event's fields, as canonical JSON."""
    canonical = json.dumps([previous, [event[f] for f in CHAINED_FIELDS]], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Break:
    review_id: str
    seq: int
    problem: str


def verify_chain(review_id: str, events: Iterable[Mapping[str, Any]]) -> list[Break]:
    """Every break in one review's chain: a missing event, or a hash that does not match."""
    breaks, previous, expected_seq = [], "", 1
    for event in events:
        if event["seq"] != expected_seq:
            breaks.append(Break(review_id, expected_seq, f"event {expected_seq} is missing (next is {event['seq']})"))
        if event["hash"] != event_hash(previous, event):
            breaks.append(Break(review_id, event["seq"], "its hash does not match its content and the one before"))
        previous, expected_seq = event["hash"], event["seq"] + 1
    return breaks
