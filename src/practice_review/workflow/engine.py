"""The workflow engine: decides whether an event may fire and what it changes. No HTTP, no database.

One `transitions` machine is built per workflow version when the engine is created; a review is
bound to its machine only for the moment an event fires, through a small stand-in object (never an
ORM row, whose attribute names could collide with event names).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from transitions.extensions import LockedMachine

from ..calendar import WorkingCalendar, add_calendar_months
from ..errors import EventNotAvailable, InvalidData, NotPermitted, TransitionRefused, UnknownWorkflow
from ..roles import role_allows
from ..rules.text import MESSAGE as TEXT_MESSAGE
from ..rules.text import hidden_character
from . import clocks as clock_rules
from .context import Attempt, Clock, Meeting, ReviewContext
from .definitions import EventDef, FieldSpec, Opens, WorkflowDefinition
from .guards import REGISTRY
from .partnership import WorkflowSettings


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
    clock_changes: dict[str, Clock] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)  # the review's facts after this event
    opens: str | None = None  # K1: the review type this event opens, linked
    carried: dict[str, Any] = field(default_factory=dict)  # the facts the opened review starts with (L2a)
    external_link: tuple[str, str, str] | None = None  # K1: (kind, reference, relation) the event records


class _Token:
    """What the machine sees of a review: only its state."""

    state: str


def _trigger(event: str, dest: str) -> str:
    """The machine's trigger for an event going to `dest` (a branching event has one per destination)."""
    return f"{event}->{dest}"


def _build_machine(definition: WorkflowDefinition) -> LockedMachine:
    return LockedMachine(
        model=None,
        states=list(definition.states),
        initial=definition.initial_states[0],
        transitions=[
            {"trigger": _trigger(e.name, dest), "source": list(e.sources), "dest": dest}
            for e in definition.events
            for dest in e.destinations
        ],
        auto_transitions=False,  # the to_<state> helpers would skip every guard
        ignore_invalid_triggers=False,
    )


def _parse_field(spec: FieldSpec, value: Any, errors: list[dict[str, str]], path: str) -> Any:
    """The value parsed by its spec; a problem is appended to `errors` under `path`."""
    problem = None
    if spec.type == "object":
        if isinstance(value, dict):
            return _parse_fields(spec.fields, value, errors, f"{path}.")
        problem = "must be an object"
    elif spec.type == "enum":
        problem = None if value in spec.enum else f"must be one of {', '.join(spec.enum)}"
    elif spec.type == "integer":
        problem = None if isinstance(value, int) and not isinstance(value, bool) else "must be an integer"
    elif spec.type == "boolean":
        problem = None if isinstance(value, bool) else "must be true or false"
    elif spec.type == "date":
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            problem = "must be a date (YYYY-MM-DD)"
    elif not isinstance(value, str):
        problem = "must be a string"
    elif len(value) > spec.max_length:
        problem = f"must be at most {spec.max_length} characters"
    elif hidden_character(value, lines=True):
        problem = TEXT_MESSAGE
    if problem:
        errors.append({"field": path, "message": problem})
    return value


def _parse_fields(
    specs: tuple[FieldSpec, ...], data: Mapping[str, Any], errors: list[dict[str, str]], prefix: str
) -> dict[str, Any]:
    known = {f.name: f for f in specs}
    expected = ", ".join(known) or "none"
    errors += [
        {"field": f"{prefix}{name}", "message": f"not a field here (expected: {expected})"}
        for name in data
        if name not in known
    ]
    parsed: dict[str, Any] = {}
    for name, spec in known.items():
        if data.get(name) is None:
            if spec.required:
                errors.append({"field": f"{prefix}{name}", "message": "is required"})
            continue
        parsed[name] = _parse_field(spec, data[name], errors, f"{prefix}{name}")
    return parsed


def validate_data(event: EventDef, data: Mapping[str, Any]) -> dict[str, Any]:
    """The event's `data`, parsed by the field specs its workflow declares; InvalidData names each bad field."""
    errors: list[dict[str, str]] = []
    parsed = _parse_fields(event.data, data, errors, "data.")
    if errors:
        raise InvalidData(errors)
    return parsed


def remembered(remember: Mapping[str, Any], occurred_on: date, data: Mapping[str, Any]) -> dict[str, Any]:
    """The facts an event keeps on the review (`remember:` in its workflow), as JSON values."""
    facts: dict[str, Any] = {}
    for fact, source in remember.items():
        if source == "occurred_on":
            facts[fact] = occurred_on.isoformat()
        elif isinstance(source, dict):
            facts[fact] = add_calendar_months(occurred_on, source["months"]).isoformat()
        elif (value := data.get(source.removeprefix("data."))) is not None:
            facts[fact] = value.isoformat() if isinstance(value, date) else value
    return facts


def opened_type(opens: Opens | None, data: Mapping[str, Any], facts: Mapping[str, Any]) -> str | None:
    """K1: the review type the event opens, from the data field or fact its workflow names."""
    if opens is None:
        return None
    value = data.get(opens.source, facts.get(opens.source))
    return opens.types.get(str(value)) if value is not None else None


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
        partnership: WorkflowSettings | None = None,
    ) -> None:
        self.calendar = calendar
        self._current = {d.review_type: d for d in current}
        # T1: the partnership-wide settings (every current definition carries the same ones)
        self.partnership = partnership or next(iter(self._current.values())).settings
        self._definitions: dict[tuple[str, str], WorkflowDefinition] = {}
        self._machines: dict[tuple[str, str], LockedMachine] = {}
        self._tokens = threading.local()
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
        if ctx.settings is not definition.settings:  # T1: guards read the review's own version's settings
            ctx = replace(ctx, settings=definition.settings)
        blocked = []
        for spec in (*definition.every_event_guards, *event.guards):
            for unmet in REGISTRY[spec.check](ctx, attempt, **spec.params):
                blocked.append(Blocked(unmet.rule or spec.rule, unmet.message))
        return blocked

    def tasks(self, definition: WorkflowDefinition, ctx: ReviewContext) -> list[Blocked]:
        """What the workflow's `tasks` find still to be done (S5, N1, X1): shown, never blocking."""
        attempt = Attempt("", ctx.today)
        return [
            Blocked(unmet.rule or spec.rule, unmet.message)
            for spec in definition.tasks
            for unmet in REGISTRY[spec.check](ctx, attempt, **spec.params)
        ]

    def available_events(self, definition: WorkflowDefinition, ctx: ReviewContext) -> list[EventAvailability]:
        result = []
        ctx = replace(ctx, settings=definition.settings) if ctx.settings is not definition.settings else ctx
        for event in definition.events_from(ctx.state):
            attempt = Attempt(event.name, ctx.today, {}, meeting_for(event, ctx, {}), event.meeting)
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
        branch = event.branch(parsed)
        to_state = self._run_machine(definition, ctx.state, event_name, branch.dest if branch else event.dest)
        review_open = definition.is_open(to_state)
        facts = {**ctx.facts, **remembered(event.remember, occurred_on, parsed)}
        if branch is not None:
            facts |= remembered(branch.remember, occurred_on, parsed)
        link = branch.link if branch else None
        return Decision(
            event=event_name,
            from_state=ctx.state,
            to_state=to_state,
            review_open=review_open,
            data=parsed,
            meeting_id=attempt.meeting.id if attempt.meeting else None,
            clock_changes=clock_rules.after_event(
                definition.clocks, ctx.clocks, event_name, occurred_on, not review_open, self.calendar
            ),
            facts=facts,
            opens=opened_type(branch.opens if branch else event.opens, parsed, facts),
            carried={f: facts[f] for f in (event.opens.carry if event.opens else ()) if f in facts},
            external_link=(link.kind, str(parsed[link.reference]), link.relation)
            if link and parsed.get(link.reference)
            else None,
        )

    def _run_machine(self, definition: WorkflowDefinition, state: str, event_name: str, dest: str) -> str:
        machine = self._machines[(definition.review_type, definition.version)]
        token = self._thread_token(machine)
        machine.set_state(state, model=token)
        token.trigger(_trigger(event_name, dest))  # type: ignore[attr-defined]
        return token.state

    def _thread_token(self, machine: LockedMachine) -> _Token:
        """This thread's token on the machine, bound once: add_model binds every trigger of the workflow to
        the token, which cost more than the rest of the decision when done for each event (issue 15)."""
        bound: dict[int, _Token] = self._tokens.__dict__.setdefault("bound", {})
        token = bound.get(id(machine))
        if token is None:
            token = bound[id(machine)] = _Token()
            machine.add_model(token)
        return token
