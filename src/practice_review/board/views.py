"""What the review page shows, gathered from the services, and the words the templates put on values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..roles import Caller
from ..services import actions, history, records, reviews
from ..services.common import Services
from ..workflow.definitions import WorkflowDefinition, mermaid
from .urgency import Mark, clock_mark, review_mark
from .words import human


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


def review_page(services: Services, caller: Caller, review_id: str) -> ReviewPage:
    review = reviews.get_review(services, caller, review_id)  # 404 or 403 before anything else is read
    definition = services.engine.definition(review["review_type"], review["workflow_version"])
    due_soon = services.engine.partnership.due_soon_working_days  # T1
    return ReviewPage(
        review=review,
        type_title=definition.title,
        mark=review_mark(review["clocks"], due_soon)[1] if review["open"] else Mark("none", "Closed", "", 5),
        clocks=[(c, clock_mark(c, due_soon)) for c in review["clocks"]],
        history=history.history(services, caller, review_id)["items"],
        meetings=records.list_meetings(services, caller, review_id),
        declarations=records.list_declarations(services, caller, review_id),
        information_requests=records.list_information_requests(services, caller, review_id),
        actions=actions.list_actions(services, caller, review_id),
        diagram=diagram(definition, review["state"]),
    )


def diagram(definition: WorkflowDefinition, state: str) -> str:
    """The workflow's Mermaid stateDiagram-v2 with the current state highlighted (class `current`) and
    described for screen readers."""
    head, *body = mermaid(definition).splitlines()
    described = [
        f"    accTitle: {definition.title} workflow",
        f"    accDescr: The states of a {definition.title.lower()} and the events between them; "
        f"this review is in state {state}.",
    ]
    named = [f"    {name} : {human(name)}" for name in definition.states]  # labels in words, ids as they are
    highlighted = ["    classDef current fill:#ffd23f,stroke:#1b1b1b,stroke-width:3px,font-weight:bold"]
    if state in definition.states:
        highlighted.append(f"    class {state} current")
    return "\n".join([head, *described, *named, *body, *highlighted]) + "\n"
