"""Checking the audit trail (A1): every review's hash chain, read straight from the database."""

from __future__ import annotations

from itertools import groupby

from sqlalchemy import select

from ..audit import Break, verify_chain
from ..storage import models as m
from .common import Services
from .history import chained


def verify(services: Services) -> tuple[int, int, list[Break]]:
    """(reviews checked, events checked, every break found)."""
    breaks: list[Break] = []
    reviews = events = 0
    with services.db.read() as session:
        rows = session.execute(
            select(m.HistoryEvent)
            .order_by(m.HistoryEvent.review_id, m.HistoryEvent.seq)
            .execution_options(yield_per=1000)
        ).scalars()
        for review_id, group in groupby(rows, key=lambda e: e.review_id):
            chain = [{**chained(e), "hash": e.hash} for e in group]
            reviews, events = reviews + 1, events + len(chain)
            breaks += verify_chain(review_id, chain)
    return reviews, events, breaks
