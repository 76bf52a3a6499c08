"""Subscriptions to outbound notifications, and what was delivered to them."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, Path

from ...schemas import (
    NO_CONTROL_CHARACTERS,
    DeliveryOut,
    SecretRotation,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionOut,
    problems,
)
from ...services import notifications
from ..auth import CallerDep, ServicesDep
from ..pagination import Page, PageDep, decode, encode, one, pages
from ..routing import api_router

SubscriptionId = Annotated[int, Path(ge=1, le=2**62)]
DeliveriesPage = Annotated[Page, Depends(pages(100))]
router = api_router(prefix="/subscriptions", tags=["notifications"], responses=problems(401, 403, 422))


@router.post(
    "",
    status_code=201,
    response_model=SubscriptionCreated,
    summary="Subscribe a URL to transitions, breaches and approaching deadlines; the signing secret is shown once",
)
def subscribe(services: ServicesDep, caller: CallerDep, body: SubscriptionCreate) -> dict[str, Any]:
    return notifications.subscribe(services, caller, body.url, list(body.kinds), body.due_within)


@router.post(
    "/{subscription_id}/secret/rotate",
    response_model=SubscriptionCreated,
    responses=problems(404),
    summary="A new signing secret, shown once; the old one still signs for keep_previous_for_hours (default 24)",
)
def rotate_secret(
    services: ServicesDep, caller: CallerDep, subscription_id: SubscriptionId, body: SecretRotation | None = None
) -> dict[str, Any]:
    hours = body.keep_previous_for_hours if body else None
    overlap = notifications.DEFAULT_OVERLAP if hours is None else timedelta(hours=hours)
    return notifications.rotate_secret(services, caller, subscription_id, overlap)


@router.get("", response_model=list[SubscriptionOut], summary="Subscriptions (secrets are never shown)")
def list_subscriptions(
    services: ServicesDep,
    caller: CallerDep,
    page: PageDep,
) -> list[dict[str, Any]]:
    return page.of(notifications.list_subscriptions(services, caller))


@router.delete(
    "/{subscription_id}",
    response_model=SubscriptionOut,
    responses=problems(404),
    summary="Stop notifying this subscription",
)
def unsubscribe(services: ServicesDep, caller: CallerDep, subscription_id: SubscriptionId) -> dict[str, Any]:
    return notifications.unsubscribe(services, caller, subscription_id)


@router.get(
    "/{subscription_id}/deliveries",
    response_model=list[DeliveryOut],
    responses=problems(404),
    summary="Notifications for this subscription: pending, delivered or dead (dead letters)",
)
def list_deliveries(
    services: ServicesDep,
    caller: CallerDep,
    subscription_id: SubscriptionId,
    page: DeliveriesPage,
    status: Literal["pending", "delivered", "dead", "dropped"] | None = None,
) -> list[dict[str, Any]]:
    start = decode(page.cursor) if page.cursor else None
    found = notifications.list_deliveries(services, caller, subscription_id, status, page.limit + 1, start)
    kept = found[: page.limit]
    page.link(encode([kept[-1]["created_at"], kept[-1]["event_id"]]) if len(found) > page.limit else None)
    return kept


@router.post(
    "/{subscription_id}/deliveries/{event_id}/retry",
    response_model=DeliveryOut,
    responses=problems(404, 422),
    summary="Queue a dead notification again",
)
def redeliver(
    services: ServicesDep,
    caller: CallerDep,
    subscription_id: SubscriptionId,
    event_id: Annotated[str, Path(max_length=36, pattern=NO_CONTROL_CHARACTERS)],
) -> dict[str, Any]:
    return notifications.redeliver(services, caller, subscription_id, event_id)


@router.get(
    "/{subscription_id}",
    response_model=SubscriptionOut,
    responses=problems(404),
    summary="One subscription (no secret)",
)
def get_subscription(services: ServicesDep, caller: CallerDep, subscription_id: SubscriptionId) -> dict[str, Any]:
    return one(notifications.list_subscriptions(services, caller), subscription_id, "subscription")
