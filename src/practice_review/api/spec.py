"""The spec as an integrator reads it (issue 19, Build 7): chosen operation ids, described tags, servers,
the licence, the request and response headers of the HTTP contract (api/contract.py, idempotency.py,
pagination.py), examples, and the notifications the service sends, in `webhooks`."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute

# Operation ids are the route functions' names, but where a name alone would not say what it does.
RENAMED = {
    "holidays": "list_holidays",
    "summary": "get_summary_report",
    "history": "get_review_history",
    "sweep": "sweep_deadlines",
    "pause": "pause_clock",
    "resume": "resume_clock",
    "extend": "extend_clock",
    "delay_reported": "record_delay_reported",
    "subscribe": "create_subscription",
    "unsubscribe": "delete_subscription",
    "redeliver": "retry_delivery",
    "add_link": "link_review",
    "request_information": "create_information_request",
    "record_return": "record_information_return",
    "fire_event": "fire_transition",
}

TAGS = [
    {"name": "reviews", "description": "Referrals and the reviews they become; events, history and links (K1)."},
    {"name": "meetings, declarations, endorsements", "description": "Quorum (Q1–Q4), interests (D1–D4), §19."},
    {"name": "clocks", "description": "Pause, resume and extend a review's clocks, and report delays (C6, T3)."},
    {"name": "action plans", "description": "The learning as SMART actions, followed up after the review (K2)."},
    {"name": "deadlines", "description": "Deadline polling for schedulers and the exactly-once breach sweep (C5)."},
    {"name": "notifications", "description": "Subscriptions to signed webhooks (see `webhooks`), and deliveries."},
    {"name": "reports", "description": "The partnership's yearly figures (§21)."},
    {"name": "workflows", "description": "The review types' state machines, guards and clocks."},
    {"name": "calendar", "description": "Working days (C1, C2): bank holidays and local closure days."},
    {"name": "keys", "description": "API keys, for `admin` keys."},
    {"name": "reference", "description": "The rules a refusal cites, and the problem types errors name (no key)."},
    {"name": "health", "description": "For load balancers and monitoring (no key)."},
]
# The code is open (GDS Service Standard point 12), under the MIT licence the GDS Service Manual recommends.
LICENCE = {"name": "MIT", "identifier": "MIT"}

HEADERS: dict[str, dict[str, Any]] = {
    "Location": {"description": "The new resource's absolute URL", "schema": {"type": "string", "format": "uri"}},
    "ETag": {
        "description": 'The representation\'s tag: `"<version>.<digest>"` for a versioned resource (send it back in '
        "`If-Match`), else weak",
        "schema": {"type": "string"},
    },
    "Cache-Control": {"description": "`no-store` on case data", "schema": {"type": "string", "examples": ["no-store"]}},
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Link": {
        "description": 'RFC 8288 `<url>; rel="next"`: the next page (absent on the last)',
        "schema": {"type": "string"},
    },
    "X-Next-Cursor": {"description": "The next page's `cursor` (absent on the last)", "schema": {"type": "string"}},
}
PARAMETERS: dict[str, dict[str, Any]] = {
    "IdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Any unique string of yours (a UUID): a retry with the same key and body changes nothing "
        "again and gets the first answer (`Idempotent-Replayed: true`); the same key with another request is "
        "422. Only successes are kept, for `PRACTICE_REVIEW_IDEMPOTENCY_RETENTION_DAYS`.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 200},
        "example": "3f0c2a4e-6d1b-4c1e-9a57-5b8f7d2e9c10",
    },
    "IfMatch": {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": "The ETag you read: refused with 412 if the resource has changed since (like "
        "`expected_version`, which answers 409)",
        "schema": {"type": "string"},
        "example": '"3.8f14e45fceea167a5a"',
    },
    "IfNoneMatch": {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "The ETag you hold: 304 Not Modified, with no body, if the representation is the same",
        "schema": {"type": "string"},
    },
}
VERSIONED = {
    "update_review",
    "fire_transition",
    "update_action",
    "pause_clock",
    "resume_clock",
    "extend_clock",
    "record_delay_reported",
    "confirm_drafts_deleted",
}
CASE_DATA = ("/reviews", "/deadlines", "/reports", "/subscriptions", "/keys")
PAGED = {"limit", "cursor"}

EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "ReviewCreate": [
        {
            "review_type": "rapid",
            "child_reference": "Child A",
            "received_on": "2026-11-02",
            "referrer_organisation": "Salford City Council",
            "themes": ["neglect"],
        }
    ],
    "TransitionRequest": [
        {
            "event": "hold_meeting",
            "occurred_on": "2026-11-16",
            "expected_version": 7,
            "data": {"recommendation": "lcspr"},
        }
    ],
    "ActionCreate": [
        {
            "recommendation": "Share chronologies earlier",
            "action": "Agree a chronology protocol between the three partners",
            "owner_organisation": "Salford City Council",
            "due_on": "2027-03-31",
            "intended_outcome": "Chronologies arrive within 5 working days",
        }
    ],
    "GuardProblem": [
        {
            "type": "https://practice-review.example/problems/guard-failed",
            "title": "Refused by the workflow's rules",
            "status": 409,
            "detail": "Q1: no police representative present",
            "instance": "/reviews/6b0f…/transitions",
            "blocked_by": [{"rule": "Q1", "message": "no police representative present"}],
        }
    ],
}

WEBHOOK_HEADERS = [
    {
        "name": "webhook-id",
        "in": "header",
        "required": True,
        "description": "The message's id, the same on every retry: drop repeats by it",
        "schema": {"type": "string"},
    },
    {
        "name": "webhook-timestamp",
        "in": "header",
        "required": True,
        "description": "Unix seconds when signed",
        "schema": {"type": "string"},
    },
    {
        "name": "webhook-signature",
        "in": "header",
        "required": True,
        "description": 'Standard Webhooks: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, space-separated while a '
        "rotated-out secret still signs",
        "schema": {"type": "string"},
    },
]
REVIEW_REF = {
    "type": "object",
    "required": ["id", "reference", "review_type"],
    "properties": {
        "id": {"type": "string"},
        "reference": {"type": "string", "examples": ["RR-2026-0007"]},
        "review_type": {"type": "string"},
        "state": {"type": "string"},
        "version": {"type": "integer"},
    },
}
HISTORY_DATA = {
    "type": "object",
    "required": ["review", "history"],
    "properties": {
        "review": REVIEW_REF,
        "history": {
            "type": "object",
            "properties": {
                "seq": {"type": "integer"},
                "kind": {"type": "string", "examples": ["transition"]},
                "event": {"type": ["string", "null"]},
                "from_state": {"type": ["string", "null"]},
                "to_state": {"type": ["string", "null"]},
                "occurred_on": {"type": "string", "format": "date"},
                "data": {"type": "object"},
            },
        },
    },
}
APPROACHING_DATA = {
    "type": "object",
    "required": ["review", "clock", "due_on", "working_days_remaining"],
    "properties": {
        "review": REVIEW_REF,
        "clock": {"type": "string"},
        "due_on": {"type": "string", "format": "date"},
        "working_days_remaining": {"type": "integer"},
    },
}
WEBHOOKS = {
    "transition": ("A review moved from one state to another", HISTORY_DATA),
    "breach": (
        "A clock ran past its deadline (clock_breached), or an action is overdue (action_overdue)",
        HISTORY_DATA,
    ),
    "deadline_approaching": ("A running clock is due within the subscription's `due_within` days", APPROACHING_DATA),
}


def operation_id(route: APIRoute) -> str:
    return RENAMED.get(route.name, route.name)


def document(spec: dict[str, Any], public_base_url: str | None) -> None:
    """Add the contract to FastAPI's spec, in place."""
    spec["info"]["license"] = LICENCE
    spec["tags"] = TAGS
    servers = [{"url": public_base_url, "description": "This partnership's service"}] if public_base_url else []
    spec["servers"] = [*servers, {"url": "/", "description": "Where this spec was fetched from"}]
    components = spec.setdefault("components", {})
    components["headers"] = HEADERS
    components["parameters"] = PARAMETERS
    for name, examples in EXAMPLES.items():
        if name in components.get("schemas", {}):
            components["schemas"][name]["examples"] = examples
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            _document_operation(path, method, operation)
    spec["webhooks"] = {kind: _webhook(kind, summary, data) for kind, (summary, data) in WEBHOOKS.items()}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _document_operation(path: str, method: str, operation: dict[str, Any]) -> None:
    parameters = operation.setdefault("parameters", [])
    responses = operation["responses"]
    names = {p.get("name") for p in parameters}
    if method == "post":
        parameters.append(_ref("parameters", "IdempotencyKey"))
    if operation["operationId"] in VERSIONED:
        parameters.append(_ref("parameters", "IfMatch"))
        responses["412"] = {
            "description": "`If-Match` names a version that is no longer current (`current_version`)",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    if method == "get":
        parameters.append(_ref("parameters", "IfNoneMatch"))
        responses["304"] = {"description": "Not modified: the representation matches `If-None-Match`"}
    for status, response in responses.items():
        if not status.startswith("2"):
            continue
        headers = response.setdefault("headers", {})
        if "application/json" in response.get("content", {}):
            headers["ETag"] = _ref("headers", "ETag")
        if status == "201":
            headers["Location"] = _ref("headers", "Location")
        if method == "post":
            headers["Idempotent-Replayed"] = _ref("headers", "Idempotent-Replayed")
        if path.startswith(CASE_DATA):
            headers["Cache-Control"] = _ref("headers", "Cache-Control")
        if method == "get" and PAGED <= names:
            headers["Link"] = _ref("headers", "Link")
            headers["X-Next-Cursor"] = _ref("headers", "X-Next-Cursor")
        if not headers:
            del response["headers"]


def _webhook(kind: str, summary: str, data: dict[str, Any]) -> dict[str, Any]:
    payload = {
        "type": "object",
        "required": ["event_id", "kind", "created_at", "data"],
        "properties": {
            "event_id": {"type": "string", "description": "The same as the `webhook-id` header"},
            "kind": {"type": "string", "enum": [kind]},
            "created_at": {"type": "string", "format": "date-time"},
            "data": data,
        },
    }
    return {
        "post": {
            "operationId": f"webhook_{kind}",
            "summary": summary,
            "description": "POSTed to each subscription to this kind, signed the Standard Webhooks way; retried with "
            "backoff until a 2xx (then `dead` after 10 attempts).",
            "tags": ["notifications"],
            "parameters": WEBHOOK_HEADERS,
            "requestBody": {"required": True, "content": {"application/json": {"schema": payload}}},
            "responses": {"2XX": {"description": "Received: it is not sent again"}},
        }
    }
