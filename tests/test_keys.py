"""API keys: the secret shown once and stored hashed, listed without secrets, revoked or expired at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from practice_review.cli import main
from practice_review.services.common import Services

from .helpers import Api, KeyFor, problem


def test_an_admin_creates_lists_and_revokes_keys(api: Api, services: Services, key_for: KeyFor) -> None:
    admin = key_for("admin")
    created = api.ok(
        api.client.post(
            "/keys", json={"name": "GMP case system", "role": "partner", "partner": "police"}, headers=admin
        ),
        201,
    )
    secret = created["key"]
    bearer = {"Authorization": f"Bearer {secret}"}
    assert api.client.get("/reviews", headers=bearer).status_code == 200

    listed = api.ok(api.client.get("/keys", headers=admin))
    assert all("key" not in k and "key_hash" not in k for k in listed)
    mine = next(k for k in listed if k["id"] == created["id"])
    assert (mine["role"], mine["partner"], mine["active"], secret.startswith(mine["prefix"])) == (
        "partner",
        "police",
        True,
        True,
    )
    with services.db.engine.connect() as connection:  # stored hashed: the secret is nowhere in the table
        stored = connection.execute(
            text("SELECT key_hash, prefix FROM api_keys WHERE id = :id"), {"id": created["id"]}
        ).one()
    assert secret not in stored.key_hash and len(stored.prefix) < len(secret)

    revoked = api.ok(api.client.post(f"/keys/{created['id']}/revoke", headers=admin))
    assert revoked["active"] is False and revoked["revoked_at"]
    assert problem(api.client.get("/reviews", headers=bearer), 401)


def test_an_expired_key_fails(api: Api, services: Services, key_for: KeyFor) -> None:
    admin = key_for("admin")
    created = api.ok(
        api.client.post(
            "/keys", json={"name": "temp", "role": "read_only", "expires_at": "2999-01-01T00:00:00Z"}, headers=admin
        ),
        201,
    )
    bearer = {"Authorization": f"Bearer {created['key']}"}
    assert api.client.get("/reviews", headers=bearer).status_code == 200
    with services.db.engine.begin() as connection:
        connection.execute(
            text("UPDATE api_keys SET expires_at = :past WHERE id = :id"),
            {"past": "2020-01-01 00:00:00", "id": created["id"]},
        )
    assert problem(api.client.get("/reviews", headers=bearer), 401)
    assert problem(
        api.client.post(
            "/keys", json={"name": "x", "role": "read_only", "expires_at": "2020-01-01T00:00:00Z"}, headers=admin
        ),
        422,
    )


def test_only_admin_manages_keys_and_admin_reads_no_review_data(api: Api, key_for: KeyFor) -> None:
    review = api.create_review()
    assert problem(api.client.get("/keys", headers=api.bu), 403)
    assert problem(api.client.post("/keys", json={"name": "x", "role": "admin"}, headers=api.bu), 403)
    assert problem(api.client.get(f"/reviews/{review['id']}", headers=key_for("admin")), 403)


def test_keys_list_and_revoke_from_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["migrate"]) == 0  # issue 19: only `migrate` migrates
    assert main(["keys", "create", "--name", "Scheduler", "--role", "business_unit", "--expires-in-days", "30"]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert "active" in listing and "Scheduler" in listing and secret not in listing
    assert main(["keys", "revoke", "1"]) == 0
    assert main(["keys", "list"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["keys", "revoke", "99"]) == 2
