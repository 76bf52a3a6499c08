"""Checking the audit trail (A1): every review's keyed chain, read straight from the database, against
the end its review row records."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import select

from ..audit import Break, ChainEnd, verify_chain
from ..storage import models as m
from .common import Services
from .history import chained


@dataclass
class Verified:
    reviews: int = 0
    events: int = 0
    unkeyed: int = 0  # events chained before keyed chaining (plain SHA-256)
    insecure: int = 0  # events signed with the development key
    breaks: list[Break] = field(default_factory=list)

    def first_breaks(self) -> dict[str, Break]:
        """Each broken review's first bad event."""
        first: dict[str, Break] = {}
        for b in sorted(self.breaks, key=lambda b: b.seq):
            first.setdefault(b.review_id, b)
        return first


def verify(services: Services) -> Verified:
    found = Verified()
    keys = services.audit_keys
    with services.db.read() as session:
        ends = {
            r.id: ChainEnd(r.version, r.last_hash)
            for r in session.execute(select(m.Review.id, m.Review.version, m.Review.last_hash))
        }
        found.reviews = len(ends)
        rows = session.execute(
            select(m.HistoryEvent)
            .order_by(m.HistoryEvent.review_id, m.HistoryEvent.seq)
            .execution_options(yield_per=1000)
        ).scalars()
        for review_id, group in groupby(rows, key=lambda e: e.review_id):
            chain = [{**chained(e), "hash": e.hash, "key_id": e.key_id} for e in group]
            found.events += len(chain)
            found.unkeyed += sum(1 for e in chain if e["key_id"] is None)
            found.insecure += sum(1 for e in chain if e["key_id"] == keys.current and keys.insecure)
            found.breaks += verify_chain(review_id, chain, keys, ends.pop(review_id, None))
    for review_id, end in ends.items():  # reviews with no history at all
        found.breaks += verify_chain(review_id, [], keys, end)
    return found
