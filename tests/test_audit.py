"""An audit trail no one can rewrite (A1, D4): triggers refuse UPDATE and DELETE on every append-only table
and check each INSERT on the history; the keyed hash chain, checked against each review row, shows any
change made behind the triggers' back. Forged directly in SQL on SQLite and PostgreSQL, as someone with
the database's owner account (who can drop triggers) but not the audit key would."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from practice_review.audit import CHAINED_FIELDS, AuditKeys, ChainEnd, event_hash, verify_chain
from practice_review.cli import main
from practice_review.services.audit import verify
from practice_review.services.common import Services

from .helpers import PANEL, Api

AUDIT_KEYS = "k2026:" + "a" * 40 + ",k2025:" + "b" * 40


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE history_events SET data = '{}' WHERE seq = 1",
        "DELETE FROM history_events WHERE seq = 1",
        "UPDATE declarations SET has_interest = true",
        "DELETE FROM declarations",
        "UPDATE rulings SET ruling = 'noted'",
        "DELETE FROM rulings",
        "UPDATE endorsements SET agrees = false",
        "DELETE FROM endorsements",
        "UPDATE attendance SET name = 'Someone Else'",
        "DELETE FROM attendance",
        "DELETE FROM meetings",
        "DELETE FROM actions",
        "DELETE FROM information_requests",
        "UPDATE information_requests SET organisation = 'Another'",
        "UPDATE information_requests SET returned_on = NULL",
        "UPDATE workflow_versions SET version = 'v0'",
        "UPDATE links SET relation = 'unrelated'",
        "DELETE FROM links",
    ],
)
def test_a1_append_only_tables_refuse_changes_in_sql(api: Api, services: Services, statement: str) -> None:
    review = _review_with_records(api)
    before = _history(api, review)
    with pytest.raises(DBAPIError, match="append-only|only a return"), services.db.engine.begin() as connection:
        connection.execute(text(statement))
    assert _history(api, review) == before
    assert verify(services).breaks == []


def test_a1_truncating_the_history_is_refused(api: Api, services: Services) -> None:
    if services.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (DELETE is refused, tested above)")
    api.create_review()
    with pytest.raises(DBAPIError, match="append-only"), services.db.engine.begin() as connection:
        connection.execute(text("TRUNCATE history_events CASCADE"))


def test_a1_an_insert_must_follow_the_chain(api: Api, services: Services) -> None:
    review = api.create_review()
    forged = _forged_row(services, review["id"], seq=5)
    with pytest.raises(DBAPIError, match="follow"), services.db.engine.begin() as connection:
        _insert(connection, forged)
    unkeyed = {**_forged_row(services, review["id"], seq=2), "key_id": None}
    with pytest.raises(DBAPIError, match="follow"), services.db.engine.begin() as connection:
        _insert(connection, unkeyed)


def test_a1_information_returns_and_action_updates_still_work(api: Api) -> None:
    """Current state changes where the domain says it does; its history is the history events."""
    review = _review_with_records(api)
    assert "information_returned" in [h["kind"] for h in _history(api, review)]


# ---------------------------------------------------------------- forged behind the triggers' back


def test_a1_verify_names_a_deleted_last_event(services: Services, api: Api, cli: Any) -> None:
    review = api.create_review()["id"]
    api.declare(review, PANEL[0], "2026-02-02")
    assert cli() == (0, "0 breaks")
    with _unguarded(services) as connection:
        connection.execute(text("DELETE FROM history_events WHERE review_id = :r AND seq = 2"), {"r": review})
    code, out = cli()
    assert code == 1 and f"BROKEN review {review}: first bad seq 2" in out


def test_a1_verify_names_a_forged_event_with_a_recomputed_plain_hash(services: Services, api: Api, cli: Any) -> None:
    review = api.create_review()["id"]
    with _unguarded(services) as connection:
        last = connection.execute(text("SELECT hash FROM history_events WHERE review_id = :r"), {"r": review}).scalar()
        row = _forged_row(services, review, seq=2)
        plain = {**row, "actor": json.loads(row["actor"]), "data": json.loads(row["data"]), "effects": {}}
        row["hash"] = event_hash(last, plain)  # what anyone can compute: SHA-256, no key
        row["key_id"] = "k2026"
        _insert(connection, row)
        connection.execute(
            text("UPDATE reviews SET version = 2, last_hash = :h WHERE id = :r"), {"h": row["hash"], "r": review}
        )
    code, out = cli()
    assert code == 1 and f"BROKEN review {review}: first bad seq 2" in out


def test_a1_verify_names_an_extra_event_the_review_row_does_not_know(services: Services, api: Api, cli: Any) -> None:
    review = api.create_review()["id"]
    with services.db.engine.begin() as connection:  # past the INSERT check: the next seq, a key id, 64 hex
        _insert(connection, _forged_row(services, review, seq=2))
    code, out = cli()
    assert code == 1 and f"BROKEN review {review}: first bad seq 2" in out and "extra" in out


def test_a1_verify_names_an_edited_ruling_event(services: Services, api: Api, cli: Any) -> None:
    review = api.create_review()["id"]
    declaration = api.declare(review, PANEL[0], "2026-02-02", has_interest=True, details="Manages the service")
    api.rule(review, declaration["id"], "excluding")
    with _unguarded(services) as connection:
        connection.execute(text("UPDATE rulings SET ruling = 'noted'"))
        connection.execute(
            text("UPDATE history_events SET data = :d WHERE review_id = :r AND kind = 'declaration_ruled'"),
            {
                "d": json.dumps({"declaration_id": declaration["id"], "person_id": "la-1", "ruling": "noted"}),
                "r": review,
            },
        )
    code, out = cli()
    assert code == 1 and f"BROKEN review {review}: first bad seq 3" in out


def test_a1_verify_names_a_truncated_history_and_a_review_without_events(
    services: Services, api: Api, cli: Any
) -> None:
    truncated = api.create_review()["id"]
    api.declare(truncated, PANEL[0], "2026-02-02")
    emptied = api.create_review(child_reference="Child B")["id"]
    whole = api.create_review(child_reference="Child C")["id"]
    with _unguarded(services) as connection:
        connection.execute(text("DELETE FROM history_events WHERE review_id = :r AND seq > 1"), {"r": truncated})
        connection.execute(text("DELETE FROM history_events WHERE review_id = :r"), {"r": emptied})
    code, out = cli()
    assert code == 1
    assert f"BROKEN review {truncated}: first bad seq 2" in out and f"BROKEN review {emptied}: first bad seq 1" in out
    assert whole not in out


def test_a1_keys_rotate_by_id_and_an_unknown_key_is_named(services: Services, api: Api, cli: Any, monkeypatch) -> None:
    review = api.create_review()["id"]  # signed by k2026
    monkeypatch.setenv("PRACTICE_REVIEW_AUDIT_KEYS", "k2027:" + "c" * 40 + "," + AUDIT_KEYS)
    assert cli() == (0, "0 breaks")  # rotated: the old key still verifies
    monkeypatch.setenv("PRACTICE_REVIEW_AUDIT_KEYS", "k2027:" + "c" * 40)
    code, out = cli()
    assert code == 1 and f"BROKEN review {review}: first bad seq 1" in out and "'k2026'" in out


def test_a1_the_chain_without_the_key_is_worthless() -> None:
    keys = AuditKeys.parse(AUDIT_KEYS)
    events, previous = [], ""
    for seq in (1, 2, 3):
        event: dict[str, Any] = {f: None for f in CHAINED_FIELDS} | {"review_id": "r", "seq": seq, "kind": "k"}
        key_id, previous = keys.sign(previous, event)
        events.append({**event, "hash": previous, "key_id": key_id})
    end = ChainEnd(3, previous)
    assert verify_chain("r", events, keys, end) == []
    assert [b.seq for b in verify_chain("r", [events[0], events[2]], keys, end)] == [2, 3]
    assert [b.seq for b in verify_chain("r", events[:2], keys, end)] == [3]
    altered = [events[0], {**events[1], "data": {"recommendation": "lcspr"}}, events[2]]
    assert [b.seq for b in verify_chain("r", altered, keys, end)] == [2]
    assert verify_chain("r", events, AuditKeys.parse("k2026:" + "x" * 40), end)[0].seq == 1


def test_a1_unkeyed_events_are_verified_only_as_the_start_of_a_chain() -> None:
    keys = AuditKeys.parse(AUDIT_KEYS)
    event: dict[str, Any] = {f: None for f in CHAINED_FIELDS} | {"review_id": "r", "kind": "k"}
    old = {**event, "seq": 1, "key_id": None, "hash": event_hash("", {**event, "seq": 1})}
    key_id, tag = keys.sign(old["hash"], {**event, "seq": 2})
    new = {**event, "seq": 2, "key_id": key_id, "hash": tag}
    assert verify_chain("r", [old, new], keys, ChainEnd(2, tag)) == []
    forged = {**event, "seq": 3, "key_id": None, "hash": event_hash(tag, {**event, "seq": 3})}
    assert [b.seq for b in verify_chain("r", [old, new, forged], keys, ChainEnd(3, forged["hash"]))] == [3]


# ---------------------------------------------------------------- helpers


@pytest.fixture
def settings(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    from practice_review.config import Settings

    from .conftest import WORKFLOWS

    monkeypatch.setenv("PRACTICE_REVIEW_AUDIT_KEYS", AUDIT_KEYS)
    monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", database_url)
    return Settings(database_url=database_url, workflows_dir=WORKFLOWS, audit_keys=AUDIT_KEYS)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    """`practice-review audit verify`: (exit code, its output; just "0 breaks" when there were none)."""

    def run() -> tuple[int, str]:
        code = main(["audit", "verify"])
        out = capsys.readouterr().out
        return code, "0 breaks" if code == 0 and " 0 breaks" in out else out

    return run


def _review_with_records(api: Api) -> str:
    review = api.create_review()["id"]
    meeting = api.meeting(review, "screening", "2026-02-05T10:00:00+00:00", None)["id"]
    api.attend(review, meeting)
    declaration = api.declare(review, PANEL[0], "2026-02-02", has_interest=True, details="Manages the service")
    api.rule(review, declaration["id"], "noted")
    api.endorse(review, "local_authority", "la-1", "Dana Okafor")
    action = {
        "recommendation": "r",
        "action": "a",
        "owner_organisation": "Salford City Council",
        "due_on": "2026-06-30",
        "intended_outcome": "o",
    }
    api.ok(api.client.post(f"/reviews/{review}/actions", json=action, headers=api.bu), 201)
    request = api.ok(
        api.client.post(
            f"/reviews/{review}/information-requests",
            json={"organisation": "A School", "kind": "chronology"},
            headers=api.bu,
        ),
        201,
    )
    api.ok(api.client.post(f"/reviews/{review}/information-requests/{request['id']}/return", json={}, headers=api.bu))
    api.link_external(review, "coroner", "COR-1")
    return review


def _history(api: Api, review: str) -> list[dict[str, Any]]:
    return api.ok(api.client.get(f"/reviews/{review}/history", headers=api.bu))["items"]


@contextmanager
def _unguarded(services: Services) -> Iterator[Connection]:
    """A connection the triggers do not stop: the database owner's, who can drop or bypass them."""
    with services.db.engine.begin() as connection:
        if services.db.engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for (name,) in connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all():
                connection.execute(text(f'DROP TRIGGER "{name}"'))
        yield connection


def _forged_row(services: Services, review_id: str, seq: int) -> dict[str, Any]:
    return {
        "review_id": review_id,
        "seq": seq,
        "recorded_at": "2026-03-02T09:00:00+00:00",
        "occurred_on": "2026-03-02",
        "actor": json.dumps({"key_id": 1, "key_name": "bu", "role": "business_unit"}),
        "kind": "review_updated",
        "event": None,
        "from_state": None,
        "to_state": None,
        "data": json.dumps({"summary": "nothing happened"}),
        "effects": "{}",
        "note": None,
        "hash": hashlib.sha256(b"forged").hexdigest(),
        "key_id": "k2026",
    }


def _insert(connection: Connection, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    values = ", ".join(f":{c}" for c in row)
    connection.execute(text(f"INSERT INTO history_events ({columns}) VALUES ({values})"), row)
