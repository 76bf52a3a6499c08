"""Guards read their facts in a fixed number of queries: the count does not grow with the review."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from practice_review.services.common import Services

from .helpers import PANEL, Api

# GET /reviews/{id}: the key, then the review with all its records in one statement (clocks, the guards'
# facts: meetings with attendance, declarations with rulings, endorsements, information requests,
# actions; and its links with the reviews at their other ends), however many it links (issue 15).
READ_QUERIES = 2
# A transition: the key, the review under a row lock, its records in one statement (as a read, with the
# active subscribers its history notifies), the clocks it changes in one upsert (notify_national_panel:
# one stopped and one started, sent as one executemany), one update of the review and its history rows
# in one INSERT; the response is built from the records in hand.
FIRE_QUERIES = 6


@contextmanager
def counted(services: Services) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SELECT 1")):
            statements.append(statement)

    event.listen(services.db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(services.db.engine, "before_cursor_execute", count)


def test_reading_a_review_takes_the_same_few_queries_however_much_it_holds(api: Api, services: Services) -> None:
    small = api.new_review_at("hold_meeting")  # one screening and one rapid review meeting
    large = api.new_review_at("hold_meeting")
    for n in range(5):  # more meetings, attendees and declarations on the large one
        meeting = api.meeting(large["id"], "panel", f"2026-02-1{n}T10:00:00", None)
        api.attend(large["id"], meeting["id"])
        api.declare(large["id"], {**PANEL[0], "person_id": f"extra-{n}"}, "2026-02-10")

    linked = api.new_review_at()  # concluded, linked to the LCSPR it opened
    assert api.review(linked["id"])["links"]

    reads = []
    for review in (small, large, linked):
        with counted(services) as statements:
            api.review(review["id"])
        reads.append(len(statements))
    assert reads == [READ_QUERIES, READ_QUERIES, READ_QUERIES]


def test_firing_an_event_takes_a_fixed_number_of_queries(api: Api, services: Services) -> None:
    counts = []
    for _ in range(2):
        review = api.new_review_at("notify_national_panel")
        with counted(services) as statements:
            api.ok(api.fire(review["id"], "notify_national_panel", "2026-02-06"))
        counts.append(len(statements))
    assert counts == [FIRE_QUERIES, FIRE_QUERIES]


@contextmanager
def checkouts(services: Services) -> Iterator[list[object]]:
    taken: list[object] = []

    def checkout(dbapi_connection, record, proxy) -> None:  # type: ignore[no-untyped-def]
        taken.append(dbapi_connection)

    event.listen(services.db.engine, "checkout", checkout)
    try:
        yield taken
    finally:
        event.remove(services.db.engine, "checkout", checkout)


def test_reading_a_review_takes_one_connection_from_the_pool(api: Api, services: Services) -> None:
    """The key lookup and the read share one checkout (and its pre-ping on PostgreSQL), as the floor's
    read does (issue 15)."""
    review = api.new_review_at("hold_meeting")
    with checkouts(services) as taken:
        api.review(review["id"])
    assert len(taken) == 1


def test_a_write_takes_one_connection_from_the_pool_on_postgresql(api: Api, services: Services) -> None:
    """On PostgreSQL a transition's and a PATCH's key lookup run in the write's own transaction (issue 15);
    on SQLite the key is looked up before the write takes the database's write lock."""
    review = api.new_review_at("notify_national_panel")
    with checkouts(services) as taken:
        fired = api.ok(api.fire(review["id"], "notify_national_panel", "2026-02-06"))
    with checkouts(services) as patched:
        api.ok(
            api.client.patch(
                f"/reviews/{review['id']}",
                json={"summary": "Corrected", "expected_version": fired["version"]},
                headers=api.bu,
            )
        )
    assert len(taken) == len(patched) == (2 if services.db.is_sqlite else 1)


def test_the_records_statements_stay_short_enough_for_psycopg_to_keep_them_parsed() -> None:
    """psycopg keeps a statement's parsed form between executions only up to 4,096 characters; the read's
    and a write's records statement, longer, were parsed again on every request (issue 15)."""
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH
    from sqlalchemy.dialects import postgresql

    from practice_review.services.facts import _records_statement, _review_with_records_statement

    for built in (_review_with_records_statement, _records_statement):
        statement, _ = built("postgresql")
        assert len(str(statement.compile(dialect=postgresql.dialect()))) <= MAX_CACHED_STATEMENT_LENGTH, built


def test_a_transition_that_stops_a_clock_late_adds_only_the_breach_it_claims(api: Api, services: Services) -> None:
    """C5: stopped after its deadline, the clock's breach is one INSERT more; its history event goes in the
    transition's own INSERT, after the review's one UPDATE (issue 15)."""
    from .test_api_clocks import endorsed_in_january, notified_in_december

    review_id = notified_in_december(api)["id"]  # its rapid_review clock is due Fri 9 Jan 2026
    endorsed_in_january(api, review_id)
    with counted(services) as statements:
        api.ok(api.fire(review_id, "submit_to_national_panel", "2026-01-16"))
    assert len(statements) == FIRE_QUERIES + 1
    assert sum(s.lstrip().upper().startswith("INSERT INTO HISTORY_EVENTS") for s in statements) == 1
    kinds = [e["kind"] for e in api.ok(api.client.get(f"/reviews/{review_id}/history", headers=api.bu))["items"]]
    assert kinds[-2:] == ["transition", "clock_breached"]


def test_polling_deadlines_takes_the_key_and_one_statement_on_one_connection(api: Api, services: Services) -> None:
    """GET /deadlines: the key, then clocks, information requests and actions in one UNION ALL (issue 15)."""
    for _ in range(2):
        api.create_review()  # its screening and notification clocks, past their dates by TODAY
    first = api.ok(api.client.get("/deadlines", params={"limit": 1}, headers=api.bu))
    for params in ({}, {"status": "breached", "due_by": "2026-12-31"}, {"limit": 1, "cursor": first["next_cursor"]}):
        with counted(services) as statements, checkouts(services) as taken:
            page = api.ok(api.client.get("/deadlines", params=params, headers=api.bu))
        assert page["items"], params
        assert (len(statements), len(taken)) == (2, 1), statements
