"""Domain errors. The API turns each into an application/problem+json response (RFC 9457)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    title = "Bad request"
    type = "about:blank"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status, title, type = 404, "Not found", "/problems/not-found"


class NotPermitted(DomainError):
    status, title, type = 403, "Forbidden", "/problems/forbidden"


class InvalidData(DomainError):
    status, title, type = 422, "Invalid data", "/problems/invalid-data"

    def __init__(self, errors: list[dict[str, str]]) -> None:
        fields = ", ".join(e["field"] for e in errors)
        super().__init__(f"invalid: {fields}", errors=errors)
        self.errors = errors


class EventNotAvailable(DomainError):
    status, title, type = 422, "Event not available", "/problems/event-not-available"

    def __init__(self, event: str, state: str, available: list[str], unknown: bool = False) -> None:
        reason = (
            f"'{event}' is not an event of this workflow" if unknown else f"'{event}' cannot happen in state '{state}'"
        )
        options = ", ".join(available) or "none"
        super().__init__(
            f"{reason}; events from '{state}': {options}",
            errors=[{"field": "event", "message": reason}],
            state=state,
            available=available,
        )


class TransitionRefused(DomainError):
    """A2: guards failed. Lists every unmet rule."""

    status, title, type = 409, "Refused by the workflow's rules", "/problems/guard-failed"

    def __init__(self, blocked: list[Any]) -> None:
        super().__init__(
            "; ".join(f"{b.rule}: {b.message}" for b in blocked),
            blocked_by=[{"rule": b.rule, "message": b.message} for b in blocked],
        )


class StaleVersion(DomainError):
    status, title, type = 409, "Stale version", "/problems/stale-version"

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(
            f"expected_version {expected} is not the review's current version {current}: reload and retry",
            current_version=current,
        )


class PreconditionFailed(DomainError):
    """`If-Match` named a version that is no longer current (issue 19): RFC 9110 §13.1.1."""

    status, title, type = 412, "Precondition failed", "/problems/precondition-failed"

    def __init__(self, current: int) -> None:
        super().__init__(
            f"If-Match does not name the current version {current}: someone changed it since; reload and retry",
            current_version=current,
        )


class Conflict(DomainError):
    status, title, type = 409, "Conflict", "/problems/conflict"


class UnknownWorkflow(DomainError):
    status, title, type = 422, "Unknown review type", "/problems/unknown-review-type"

    def __init__(self, review_type: str, known: list[str]) -> None:
        super().__init__(
            f"no workflow '{review_type}' (known: {', '.join(known)})",
            errors=[{"field": "review_type", "message": f"must be one of {', '.join(known)}"}],
        )
