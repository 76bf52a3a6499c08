"""Outbound notifications: subscriptions, an outbox written with the change, delivery at least once.

A notification is added to the outbox in the same transaction as the history event (or sweep) that
causes it, so nothing is announced that did not happen and nothing that happened goes unannounced.
`deliver` leases due messages (a crashed deliverer's lease simply runs out), POSTs each one signed
the Standard Webhooks way to a checked address (services/webhooks.py), and on failure retries with
exponential backoff until MAX_ATTEMPTS, then marks it dead. Each message keeps one event id across
retries (`webhook-id`), so a receiver drops repeats by that id. A subscription belongs to the partner
whose key made it (or to the Business Unit): a partner key sees and manages only its own partner's.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

import httpx
from sqlalchemy import and_, or_, select, true, update
from sqlalchemy.orm import Session

from ..errors import InvalidData, NotFound
from ..permissions import require
from ..roles import Caller
from ..storage import models as m
from ..storage.database import insert_for
from ..workflow import clocks as clock_rules
from . import webhooks
from .common import Services, as_utc, jsonable, utcnow

HISTORY_KINDS = {"transition": "transition", "clock_breached": "breach", "action_overdue": "breach"}
MAX_ATTEMPTS = 10
LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
DEFAULT_OVERLAP = timedelta(hours=24)  # a rotated-out secret still signs this long, unless told otherwise


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … up to an hour between attempts."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


# ---------------------------------------------------------------- enqueueing (inside the causing transaction)


class Subscriber(NamedTuple):
    """What queueing a notification needs of an active subscription."""

    id: int
    kinds: list[str]
    due_within: int | None


ACTIVE_SUBSCRIBERS = select(m.Subscription.id, m.Subscription.kinds, m.Subscription.due_within).where(
    m.Subscription.active.is_(True)
)


def _subscribers(session: Session, kind: str) -> list[Subscriber]:
    """Active subscribers to `kind`, read once per session (one transaction: a sweep records many events),
    unless a review's records brought them (services/facts.py: load_records)."""
    if "subscriptions" not in session.info:
        know_subscribers(session, [Subscriber(*row) for row in session.execute(ACTIVE_SUBSCRIBERS)])
    return [s for s in session.info["subscriptions"] if kind in s.kinds]


def know_subscribers(session: Session, subscribers: list[Subscriber]) -> None:
    session.info["subscriptions"] = subscribers


def _enqueue(session: Session, subscription: Subscriber, kind: str, dedupe_key: str, data: dict[str, Any]) -> None:
    message_id = str(uuid.uuid4())
    now = utcnow()
    payload = {"event_id": message_id, "kind": kind, "created_at": now, "data": data}
    session.execute(
        insert_for(session, m.OutboxMessage)
        .values(
            id=message_id,
            subscription_id=subscription.id,
            kind=kind,
            dedupe_key=dedupe_key,
            payload=jsonable(payload),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["subscription_id", "dedupe_key"])
    )


def notify_history(session: Session, review: m.Review, entry: m.HistoryEvent) -> None:
    """Queue a notification of a transition or breach for every subscriber to that kind."""
    kind = HISTORY_KINDS.get(entry.kind)
    if kind is None:
        return
    data = {
        "review": {
            "id": review.id,
            "reference": review.reference,
            "review_type": review.review_type,
            "state": review.state,
            "version": entry.seq,  # the version this event made (a transition's breach follows it)
        },
        "history": {
            "seq": entry.seq,
            "kind": entry.kind,
            "event": entry.event,
            "from_state": entry.from_state,
            "to_state": entry.to_state,
            "occurred_on": entry.occurred_on,
            "data": entry.data,
        },
    }
    for subscription in _subscribers(session, kind):
        _enqueue(session, subscription, kind, f"history:{review.id}:{entry.seq}", data)


def notify_approaching(services: Services, session: Session, as_of: date) -> int:
    """Queue one notice per subscriber for each running clock due within its `due_within` working days."""
    queued = 0
    for subscription in _subscribers(session, "deadline_approaching"):
        horizon = services.calendar.add_working_days(as_of, subscription.due_within or 0)
        due = session.execute(
            select(m.Clock, m.Review)
            .join(m.Review, m.Review.id == m.Clock.review_id)
            .where(
                m.Clock.status == clock_rules.RUNNING,
                m.Clock.window.is_(False),
                m.Clock.due_on >= as_of,
                m.Clock.due_on <= horizon,
            )
        ).all()
        for clock, review in due:
            data = {
                "review": {"id": review.id, "reference": review.reference, "review_type": review.review_type},
                "clock": clock.name,
                "due_on": clock.due_on,
                "working_days_remaining": services.calendar.count_working_days(as_of, clock.due_on),
            }
            _enqueue(session, subscription, "deadline_approaching", f"approaching:{clock.id}:{clock.due_on}", data)
            queued += 1
    return queued


# ---------------------------------------------------------------- subscriptions


def subscription_view(s: m.Subscription) -> dict[str, Any]:
    return jsonable(
        {
            "id": s.id,
            "url": s.url,
            "kinds": list(s.kinds),
            "due_within": s.due_within,
            "active": s.active,
            "partner": s.partner,
            "previous_secret_until": as_utc(s.previous_secret_until),
            "created_at": as_utc(s.created_at),
        }
    )


def subscribe(services: Services, caller: Caller, url: str, kinds: list[str], due_within: int | None) -> dict[str, Any]:
    """A new subscription; its `whsec_` secret is in this answer only, and stored encrypted."""
    require(caller, "subscribe")
    if "deadline_approaching" in kinds and due_within is None:
        raise InvalidData([{"field": "due_within", "message": "needed with deadline_approaching"}])
    webhooks.check_subscription_url(url, services.webhook_networks)
    secret = webhooks.new_secret()
    with services.db.write() as session:
        subscription = m.Subscription(
            url=url,
            kinds=sorted(set(kinds)),
            secret=services.secrets.seal(secret),
            due_within=due_within,
            active=True,
            partner=caller.partner if caller.role == "partner" else None,
            created_by=caller.key_id,
            created_at=utcnow(),
        )
        session.add(subscription)
        session.flush()
        return {**subscription_view(subscription), "secret": secret}


def _owned_by(caller: Caller) -> Any:
    """SQL: the subscriptions the caller manages: a partner key only its own partner's."""
    if caller.role == "partner":
        return m.Subscription.partner == caller.partner
    return true()


def _subscription(session: Session, caller: Caller, subscription_id: int) -> m.Subscription:
    """One the caller manages; another partner's is, to it, one that does not exist (404)."""
    subscription = session.scalar(select(m.Subscription).where(m.Subscription.id == subscription_id, _owned_by(caller)))
    if subscription is None:
        raise NotFound(f"no subscription {subscription_id}")
    return subscription


def list_subscriptions(services: Services, caller: Caller) -> list[dict[str, Any]]:
    require(caller, "manage_subscriptions")
    with services.db.read() as session:
        rows = session.scalars(select(m.Subscription).where(_owned_by(caller)).order_by(m.Subscription.id))
        return [subscription_view(s) for s in rows]


def unsubscribe(services: Services, caller: Caller, subscription_id: int) -> dict[str, Any]:
    """Stop notifying it: its messages not yet delivered are dropped (kept, marked `dropped`)."""
    require(caller, "manage_subscriptions")
    with services.db.write() as session:
        subscription = _subscription(session, caller, subscription_id)
        subscription.active = False
        session.execute(
            update(m.OutboxMessage)
            .where(m.OutboxMessage.subscription_id == subscription.id, m.OutboxMessage.status == "pending")
            .values(status="dropped", last_error="unsubscribed")
        )
        return subscription_view(subscription)


def rotate_secret(
    services: Services, caller: Caller, subscription_id: int, overlap: timedelta = DEFAULT_OVERLAP
) -> dict[str, Any]:
    """A new secret, shown once; the one it replaces still signs (both signatures sent) for `overlap`."""
    require(caller, "subscribe")
    secret = webhooks.new_secret()
    with services.db.write() as session:
        subscription = _subscription(session, caller, subscription_id)
        subscription.previous_secret = subscription.secret if overlap > timedelta(0) else None
        subscription.previous_secret_until = utcnow() + overlap if overlap > timedelta(0) else None
        subscription.secret = services.secrets.seal(secret)
        return {**subscription_view(subscription), "secret": secret}


def delivery_view(message: m.OutboxMessage) -> dict[str, Any]:
    return jsonable(
        {
            "event_id": message.id,
            "kind": message.kind,
            "status": message.status,
            "attempts": message.attempts,
            "next_attempt_at": as_utc(message.next_attempt_at) if message.status == "pending" else None,
            "last_error": message.last_error,
            "created_at": as_utc(message.created_at),
            "delivered_at": as_utc(message.delivered_at),
            "payload": message.payload,
        }
    )


def list_deliveries(
    services: Services,
    caller: Caller,
    subscription_id: int,
    status: str | None,
    limit: int = 100,
    after: Any = None,
) -> list[dict[str, Any]]:
    """Oldest first; `after`, [created_at, event_id] of the last one seen, for the next page (issue 19)."""
    require(caller, "read_deliveries")
    with services.db.read() as session:
        _subscription(session, caller, subscription_id)
        query = select(m.OutboxMessage).where(m.OutboxMessage.subscription_id == subscription_id)
        if status:
            query = query.where(m.OutboxMessage.status == status)
        if after is not None:
            query = query.where(_after(after))
        rows = session.scalars(query.order_by(m.OutboxMessage.created_at, m.OutboxMessage.id).limit(limit))
        return [delivery_view(r) for r in rows]


def _after(position: Any) -> Any:
    try:
        created, event_id = datetime.fromisoformat(position[0]), str(position[1])
    except (TypeError, ValueError, IndexError, KeyError):
        raise InvalidData([{"field": "cursor", "message": "not a cursor this list gave"}]) from None
    created = created.astimezone(UTC) if created.tzinfo else created.replace(tzinfo=UTC)
    later = m.OutboxMessage.created_at > created
    return or_(later, and_(m.OutboxMessage.created_at == created, m.OutboxMessage.id > event_id))


def redeliver(services: Services, caller: Caller, subscription_id: int, event_id: str) -> dict[str, Any]:
    """Put a dead message back in the queue, its attempts counted afresh (not one dropped by unsubscribing)."""
    require(caller, "read_deliveries")
    with services.db.write() as session:
        subscription = _subscription(session, caller, subscription_id)
        message = session.get(m.OutboxMessage, event_id)
        if message is None or message.subscription_id != subscription_id:
            raise NotFound(f"subscription {subscription_id} has no delivery {event_id!r}")
        if not subscription.active:
            raise InvalidData([{"field": "subscription_id", "message": "the subscription has been stopped"}])
        message.status, message.attempts, message.next_attempt_at = "pending", 0, utcnow()
        return delivery_view(message)


# ---------------------------------------------------------------- delivery


@dataclass(frozen=True)
class _Leased:
    id: str
    url: str
    secrets: tuple[str, ...]  # the current secret, and the previous one while a rotation overlaps
    body: bytes
    attempts: int


def _signing_secrets(services: Services, subscription: m.Subscription, now: datetime) -> tuple[str, ...]:
    current = services.secrets.open(subscription.secret)
    until = as_utc(subscription.previous_secret_until)
    if subscription.previous_secret and until is not None and until > now:
        return current, services.secrets.open(subscription.previous_secret)
    return (current,)


def _lease(services: Services, now: datetime, batch: int) -> list[_Leased]:
    with services.db.write() as session:
        due = session.execute(
            select(m.OutboxMessage, m.Subscription)
            .join(m.Subscription, m.Subscription.id == m.OutboxMessage.subscription_id)
            .where(
                m.OutboxMessage.status == "pending",
                m.OutboxMessage.next_attempt_at <= now,
                m.Subscription.active.is_(True),
            )
            .order_by(m.OutboxMessage.next_attempt_at, m.OutboxMessage.id)
            .limit(batch)
            .with_for_update(skip_locked=True, of=m.OutboxMessage)
        ).all()
        leased = []
        for message, subscription in due:
            message.attempts += 1
            message.next_attempt_at = now + LEASE
            body = json.dumps(message.payload, sort_keys=True).encode()
            secrets = _signing_secrets(services, subscription, now)
            leased.append(_Leased(message.id, subscription.url, secrets, body, message.attempts))
        return leased


def _post(services: Services, client: httpx.Client, message: _Leased) -> str | None:
    """None when the receiver took it (2xx), else the category of what went wrong."""
    sent_at = utcnow()
    headers = {
        "Content-Type": "application/json",
        "webhook-id": message.id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": webhooks.signature(message.secrets, message.id, sent_at, message.body.decode()),
    }
    try:
        webhooks.post(client, message.url, services.webhook_networks, headers, message.body)
    except webhooks.Refused as exc:
        return str(exc)
    return None


def _settle(services: Services, message: _Leased, error: str | None, now: datetime) -> str:
    with services.db.write() as session:
        row = session.get(m.OutboxMessage, message.id)
        assert row is not None
        if error is None:
            row.status, row.delivered_at, row.last_error = "delivered", now, None
        elif row.attempts >= services.webhook_max_attempts:
            row.status, row.last_error = "dead", error
        else:
            row.next_attempt_at, row.last_error = now + backoff(row.attempts), error
        return row.status


def deliver(
    services: Services, now: datetime | None = None, batch: int = 50, client: httpx.Client | None = None
) -> dict[str, int]:
    """Deliver every message due by `now`; returns how many were delivered, deferred and given up."""
    now = now or utcnow()
    outcome = {"delivered": 0, "retrying": 0, "dead": 0}
    owned = client is None
    client = client or httpx.Client(timeout=services.webhook_timeout_seconds)
    try:
        while leased := _lease(services, now, batch):
            for message in leased:
                status = _settle(services, message, _post(services, client, message), now)
                outcome[{"delivered": "delivered", "dead": "dead"}.get(status, "retrying")] += 1
    finally:
        if owned:
            client.close()
    return outcome
