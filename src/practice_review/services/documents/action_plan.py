"""The review's action plan (policy §20.3, appendix A template 11), grouped by recommendation (K2)."""

from __future__ import annotations

from typing import Any

from .record import ReviewRecord
from .render import html

TITLE = "Review Action Plan"


def page(record: ReviewRecord) -> str:
    plan: dict[str, list[dict[str, Any]]] = {}
    for action in record.actions:
        plan.setdefault(action["recommendation"], []).append(action)
    return html(
        "action_plan.html",
        record.stamp,
        TITLE,
        review=record.review,
        type_title=record.type_title,
        plan=list(plan.items()),
        landscape=True,
    )
