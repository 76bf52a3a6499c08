"""Hostile input, generated from the OpenAPI spec (schemathesis): every operation, called with a valid key,
answers without a 5xx and as the spec says (status codes, content types, bodies). Bounded (EXAMPLES per
operation), so the suite stays fast. Not checked: that every schema-valid request is accepted, since
the domain rightly refuses much that a schema cannot express (a date outside the calendar, an event the
workflow does not know) with a 422 problem."""

from __future__ import annotations

import os
from collections.abc import Callable

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from practice_review.api.app import create_app
from practice_review.services.common import Services

from .helpers import Api

EXAMPLES = 15
IN_CI = os.environ.get("CI") == "true"  # CI replays the same examples; developers' runs explore new ones


def test_no_operation_fails_or_breaks_its_contract(services: Services, api: Api, key_for: Callable[..., dict]) -> None:
    api.new_review_at("hold_meeting")  # some real data for the operations to find
    app = create_app(services=services)
    app.state.services = services  # schemathesis calls the app without running its start-up
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = key_for("business_unit")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=IN_CI,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        call()


def test_the_live_service_answers_generated_requests_as_documented(database_url: str) -> None:
    """A bounded `make fuzz`: schemathesis against a served process on this test's database (SQLite and
    PostgreSQL): no 5xx, no undocumented status code or content type, responses as their schemas say."""
    from .fuzz import fuzz

    assert fuzz(database_url, max_examples=5, label="bounded", phases="examples,fuzzing,stateful") == 0
