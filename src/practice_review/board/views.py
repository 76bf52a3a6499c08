"""What the review page shows, gathered from the services, and the words the templates put on values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..roles import Caller
from ..services import actions, history, records, reviews
from ..services.common import Services
from ..workflow.definitions import WorkflowDefinition, mermaid
from .urgency import Mark, action_deadline, clock_mark, request_deadline, review_mark, with_items
from .words import human


@dataclass(frozen=True)
class Step:
    """A state of the workflow in the step list beside the diagram, and the events out of it."""

    state: str
    label: str
    current: bool
    final: bool
    events: list[tuple[str, str]]  # (event in words, state it leads to in words)


@dataclass(frozen=True)
class ReviewPage:
    review: dict[str, Any]  # as GET /reviews/{id} shows it
    type_title: str
    mark: Mark
    clocks: list[tuple[dict[str, Any], Mark | None]]
    history: list[dict[str, Any]]
    meetings: list[dict[str, Any]]
    declarations: list[dict[str, Any]]
    information_requests: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    diagram: str
    steps: list[Step]
    deadline: dict[str, Any] | None  # what the mark is about: a clock, an information request or an action

    def declarers(self, declaration_ids: list[int]) -> list[str]:
        """Who made these declarations, by name (a page never says "declaration 6")."""
        names = {d["id"]: d["name"] for d in self.declarations}
        return [names.get(i, "someone whose declaration is not shown") for i in declaration_ids]

    @staticmethod
    def attendees(meeting: dict[str, Any], person_ids: list[str]) -> list[str]:
        """These attendees of the meeting, by name."""
        names = {a["person_id"]: a["name"] for a in meeting["attendees"]}
        return [names.get(p, p) for p in person_ids]


def review_page(services: Services, caller: Caller, review_id: str) -> ReviewPage:
    review = reviews.get_review(services, caller, review_id)  # 404 or 403 before anything else is read
    definition = services.engine.definition(review["review_type"], review["workflow_version"])
    due_soon = services.engine.partnership.due_soon_working_days  # T1
    requests = records.list_information_requests(services, caller, review_id)
    planned = actions.list_actions(services, caller, review_id)
    today = services.today()
    items = [d for d in (request_deadline(r) for r in requests) if d]
    items += [d for d in (action_deadline(a, services.calendar, today) for a in planned) if d]
    deadline, mark = review_mark(with_items([dict(c) for c in review["clocks"]], items), due_soon)
    return ReviewPage(
        review=review,
        type_title=definition.title,
        mark=mark if review["open"] else Mark("none", "Closed", "", 5),
        clocks=[(c, clock_mark(c, due_soon)) for c in review["clocks"]],
        history=timeline(history.history(services, caller, review_id)["items"]),
        meetings=records.list_meetings(services, caller, review_id),
        declarations=records.list_declarations(services, caller, review_id),
        information_requests=requests,
        actions=planned,
        diagram=diagram(definition, review["state"]),
        steps=steps(definition, review["state"]),
        deadline=deadline if review["open"] else None,
    )


def timeline(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history in the order things happened (`occurred_on`), events recorded later in their place;
    of one day, in the order they were recorded."""
    return sorted(items, key=lambda h: (h["occurred_on"], h["seq"]))


def steps(definition: WorkflowDefinition, state: str) -> list[Step]:
    """The diagram as a list in words: each state, and where each of its events leads."""
    out: dict[str, list[tuple[str, str]]] = {s: [] for s in definition.states}
    for event in definition.events:
        for source in event.sources:
            out.setdefault(source, []).extend((human(event.name), human(dest)) for dest in event.destinations)
    return [
        Step(s, human(s), s == state, s in definition.final_states, events)
        for s, events in out.items()
        if s in definition.states
    ]


def diagram(definition: WorkflowDefinition, state: str) -> str:
    """The workflow's Mermaid stateDiagram-v2 with the current state highlighted (class `current`) and
    described for screen readers."""
    head, *body = mermaid(definition).splitlines()
    body = [_event_in_words(line) for line in body]
    described = [
        f"    accTitle: {definition.title} workflow",
        f"    accDescr: The states of a {definition.title.lower()} and the events between them; "
        f"this review is in state {human(state)}.",
    ]
    named = [f"    {name} : {human(name)}" for name in definition.states]  # labels in words, ids as they are
    highlighted = ["    classDef current fill:#ffd23f,stroke:#1b1b1b,stroke-width:3px,font-weight:bold"]
    if state in definition.states:
        highlighted.append(f"    class {state} current")
    return "\n".join([head, *described, *named, *body, *highlighted]) + "\n"


def _event_in_words(line: str) -> str:
    """`    screening --> screened_in : screen_in` with the event as "Screen in"."""
    transition, colon, event = line.partition(" : ")
    return f"{transition} : {human(event)}" if colon else line
