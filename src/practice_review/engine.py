"""The workflow engine: decides whether an event may fire and what it changes. No HTTP, no database.

One `transitions` machine is built per workflow version when the engine is created; a review is
bound to its machine only for the moment an event fires, through a small stand-in object (never an
ORM row, whose attribute names could collide with event names).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from transitions.extensions import LockedMachine

from . import clocks as clock_rules
from .calendar import WorkingCalendar
from .context import Attempt, Meeting, ReviewContext
from .errors import EventNotAvailable, InvalidData, NotPermitted, TransitionRefused, UnknownWorkflow
from .guards import REGISTRY
from .roles import role_allows
from .workflows import EventDef, FieldSpec, WorkflowDefinition


@dataclass(frozen=True)
class Blocked:
    rule: str
    message: str


@dataclass(frozen=True)
class EventAvailability:
    event: str
    to: str
    allowed: bool
    blocked_by: list[Blocked]
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    event: str
    from_state: str
    to_state: str
    review_open: bool
    data: dict[str, Any]
    meeting_id: int | None
    clock_changes: dict[str, clock_rules.Clock] = field(default_factory=dict)


class _Token:
    """What the machine sees of a review: only its state."""

    state: str


def _build_machine(definition: WorkflowDefinition) -> LockedMachine:
    return LockedMachine(
        model=None,
        states=list(definition.states),
        initial=definition.initial_states[0],
        transitions=[{"trigger": e.name, "source": list(e.sources), "dest": e.dest} for e in definition.events],
        auto_transitions=False,  # the to_<state> helpers would skip every guard
        ignore_invalid_triggers=False,
    )


def _parse_field(spec: FieldSpec, value: Any) -> tuple[Any, str | None]:
    if spec.type == "enum":
        return (value, None) if value in spec.enum else (value, f"must be one of {', '.join(spec.enum)}")
    if spec.type == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return (value, None) if ok else (value, "must be an integer")
    if spec.type == "boolean":
        return (value, None) if isinstance(value, bool) else (value, "must be true or false")
    if spec.type == "date":
        try:
            return date.fromisoformat(value), None
        except (TypeError, ValueError):
            return value, "must be a date (YYYY-MM-DD)"
    if not isinstance(value, str):
        return value, "must be a string"
    if len(value) > spec.max_length:
        return value, f"must be at most {spec.max_length} characters"
    if any(ord(c) < 32 and c not in "\t\n\r" or ord(c) == 127 for c in value):
        return value, "must not contain control characters"
    return value, None


def validate_data(event: EventDef, data: Mapping[str, Any]) -> dict[str, Any]:
    """The event's `data`, parsed by the field specs its workflow declares; InvalidData names each bad field."""
    specs = {f.name: f for f in event.data}
    errors: list[dict[str, str]] = []
    parsed: dict[str, Any] = {}
    for name in data:
        if name not in specs:
            errors.append(
                {
                    "field": f"data.{name}",
                    "message": f"not a field of '{event.name}' (expected: {', '.join(specs) or 'none'})",
                }
            )
    for name, spec in specs.items():
        if data.get(name) is None:
            if spec.required:
                errors.append({"field": f"data.{name}", "message": "is required"})
            continue
        parsed[name], problem = _parse_field(spec, data[name])
        if problem:
            errors.append({"field": f"data.{name}", "message": problem})
    if errors:
        raise InvalidData(errors)
    return parsed


def meeting_for(event: EventDef, ctx: ReviewContext, data: Mapping[str, Any]) -> Meeting | None:
    """The meeting an event is decided at: `data.meeting_id`, else the latest of the event's kind."""
    if event.meeting is None:
        return None
    kind = [m for m in ctx.meetings if m.kind == event.meeting]
    wanted = data.get("meeting_id")
    if wanted is None:
        return max(kind, key=lambda m: (m.scheduled_for, m.id), default=None)
    match = next((m for m in kind if m.id == wanted), None)
    if match is None:
        raise InvalidData(
            [{"field": "data.meeting_id", "message": f"this review has no {event.meeting} meeting {wanted}"}]
        )
    return match


class WorkflowEngine:
    def __init__(
        self,
        current: Iterable[WorkflowDefinition],
        calendar: WorkingCalendar,
        earlier: Iterable[WorkflowDefinition] = (),
    ) -> None:
        self.calendar = calendar
        self._current = {d.review_type: d for d in current}
        self._definitions: dict[tuple[str, str], WorkflowDefinition] = {}
        self._machines: dict[tuple[str, str], LockedMachine] = {}
        for definition in [*earlier, *self._current.values()]:
            self.add(definition)

    def add(self, definition: WorkflowDefinition) -> None:
        key = (definition.review_type, definition.version)
        if key not in self._machines:
            self._definitions[key] = definition
            self._machines[key] = _build_machine(definition)

    @property
    def current_definitions(self) -> list[WorkflowDefinition]:
        return sorted(self._current.values(), key=lambda d: d.review_type)

    def current(self, review_type: str) -> WorkflowDefinition:
        try:
            return self._current[review_type]
        except KeyError:
            raise UnknownWorkflow(review_type, sorted(self._current)) from None

    def definition(self, review_type: str, version: str) -> WorkflowDefinition:
        try:
            return self._definitions[(review_type, version)]
        except KeyError:
            raise UnknownWorkflow(f"{review_type}@{version}", sorted(self._current)) from None

    def evaluate(
        self, definition: WorkflowDefinition, event: EventDef, ctx: ReviewContext, attempt: Attempt
    ) -> list[Blocked]:
        """Every unmet guard of `event`, each with its rule id; empty when the event may fire."""
        blocked = []
        for spec in (*definition.every_event_guards, *event.guards):
            for unmet in REGISTRY[spec.check](ctx, attempt, **spec.params):
                blocked.append(Blocked(unmet.rule or spec.rule, unmet.message))
        return blocked

    def available_events(self, definition: WorkflowDefinition, ctx: ReviewContext) -> list[EventAvailability]:
        result = []
        for event in definition.events_from(ctx.state):
            attempt = Attempt(event.name, ctx.today, {}, meeting_for(event, ctx, {}), event.meeting, preview=True)
            blocked = self.evaluate(definition, event, ctx, attempt)
            result.append(EventAvailability(event.name, event.dest, not blocked, blocked, event.roles))
        return result

    def fire(
        self,
        definition: WorkflowDefinition,
        ctx: ReviewContext,
        event_name: str,
        occurred_on: date,
        data: Mapping[str, Any],
        role: str,
        partner: str | None,
        clocks: Mapping[str, clock_rules.Clock],
    ) -> Decision:
        """Decide `event_name` for the review described by `ctx`, or raise saying why not."""
        if not definition.has_event(event_name):
            raise EventNotAvailable(
                event_name, ctx.state, [e.name for e in definition.events_from(ctx.state)], unknown=True
            )
        event = definition.event(event_name, ctx.state)
        roles = event.roles if event else next(e.roles for e in definition.events if e.name == event_name)
        if not role_allows(roles, role, partner):
            raise NotPermitted(f"role '{role}' may not fire '{event_name}' (allowed: {', '.join(roles)})")
        if event is None:
            raise EventNotAvailable(event_name, ctx.state, [e.name for e in definition.events_from(ctx.state)])
        parsed = validate_data(event, data)
        attempt = Attempt(event_name, occurred_on, parsed, meeting_for(event, ctx, parsed), event.meeting)
        blocked = self.evaluate(definition, event, ctx, attempt)
        if blocked:
            raise TransitionRefused(blocked)
        to_state = self._run_machine(definition, ctx.state, event_name)
        review_open = definition.is_open(to_state)
        return Decision(
            event=event_name,
            from_state=ctx.state,
            to_state=to_state,
            review_open=review_open,
            data=parsed,
            meeting_id=attempt.meeting.id if attempt.meeting else None,
            clock_changes=clock_rules.after_event(
                definition.clocks, clocks, event_name, occurred_on, not review_open, self.calendar
            ),
        )

    def _run_machine(self, definition: WorkflowDefinition, state: str, event_name: str) -> str:
        machine = self._machines[(definition.review_type, definition.version)]
        token = _Token()
        machine.add_model(token, initial=state)
        try:
            token.trigger(event_name)  # type: ignore[attr-defined]
            return token.state
        finally:
            machine.remove_model(token)
