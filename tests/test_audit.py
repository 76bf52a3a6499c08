"""An audit trail no one can rewrite (A1, D4): triggers refuse UPDATE and DELETE, and a hash chain shows
any change made behind their back. Tried directly in SQL on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from practice_review.audit import event_hash, verify_chain
from practice_review.cli import main
from practice_review.services.audit import verify
from practice_review.services.common import Services

from .helpers import PANEL, Api


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE history_events SET data = '{}' WHERE seq = 1",
        "DELETE FROM history_events WHERE seq = 1",
        "UPDATE declarations SET has_interest = true",
        "DELETE FROM declarations",
    ],
)
def test_history_and_declarations_cannot_be_changed_in_sql(api: Api, services: Services, statement: str) -> None:
    review = api.create_review()
    api.declare(review["id"], PANEL[0], "2026-02-02")
    with pytest.raises(DBAPIError, match="append-only"), services.db.engine.begin() as connection:
        connection.execute(text(statement))
    history = api.ok(api.client.get(f"/reviews/{review['id']}/history", headers=api.bu))["items"]
    assert [h["kind"] for h in history] == ["review_created", "declaration_recorded"]
    assert history[0]["data"]["child_reference"] == "Child A"
    assert verify(services)[2] == []


def test_audit_verify_finds_an_event_changed_behind_the_triggers_back(
    api: Api, services: Services, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    review = api.new_review_at("hold_meeting")
    monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", database_url)
    assert main(["audit", "verify"]) == 0
    assert "0 breaks" in capsys.readouterr().out

    postgres = services.db.engine.dialect.name == "postgresql"
    drop = (
        "DROP TRIGGER history_events_append_only ON history_events"
        if postgres
        else "DROP TRIGGER history_events_no_update"
    )
    restore = (
        "CREATE TRIGGER history_events_append_only BEFORE UPDATE OR DELETE ON history_events "
        "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
        if postgres
        else "CREATE TRIGGER history_events_no_update BEFORE UPDATE ON history_events BEGIN "
        "SELECT RAISE(ABORT, 'history_events is append-only: UPDATE refused (A1, D4)'); END"
    )
    with services.db.engine.begin() as connection:
        connection.execute(text(drop))
        connection.execute(
            text("UPDATE history_events SET occurred_on = '2026-02-04' WHERE review_id = :r AND seq = 7"),
            {"r": review["id"]},
        )
        connection.execute(text(restore))

    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"BREAK  review {review['id']} event 7" in out and "1 breaks" in out


def test_the_chain_names_a_missing_or_altered_event() -> None:
    events, previous = [], ""
    for seq in (1, 2, 3):
        event = {
            "review_id": "r",
            "seq": seq,
            "recorded_at": f"2026-02-0{seq}T09:00:00+00:00",
            "occurred_on": f"2026-02-0{seq}",
            "actor": {"key_name": "bu"},
            "kind": "transition",
            "event": "e",
            "from_state": "a",
            "to_state": "b",
            "data": {},
            "effects": {},
            "note": None,
        }
        previous = event_hash(previous, event)
        events.append({**event, "hash": previous})
    assert verify_chain("r", events) == []
    assert [(b.seq, "missing" in b.problem) for b in verify_chain("r", [events[0], events[2]])] == [
        (2, True),
        (3, False),
    ]
    altered = [events[0], {**events[1], "data": {"recommendation": "lcspr"}}, events[2]]
    assert [b.seq for b in verify_chain("r", altered)] == [2]
