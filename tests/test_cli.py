"""The `practice-review` command as an operator uses it."""

from __future__ import annotations

from pathlib import Path

import pytest

from practice_review.cli import OPENAPI_PATH, main, openapi_document
from practice_review.config import PROJECT_ROOT


def test_committed_openapi_matches_the_app() -> None:
    """Fails when openapi/openapi.json drifts from the code: run `make openapi` and commit it."""
    assert OPENAPI_PATH.read_text(encoding="utf-8") == openapi_document()


def test_workflows_check_passes_on_the_shipped_workflows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["workflows", "check"]) == 0
    assert "ok  rapid" in capsys.readouterr().out


def test_workflows_check_names_every_problem_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = (PROJECT_ROOT / "workflows" / "rapid.yaml").read_text()
    broken = broken.replace("check: meeting_quorate}", "check: meeting_quorum}", 1)
    broken = broken.replace("stops_on: [submit_to_national_panel]", "stops_on: [submit_to_panel]")
    broken = broken.replace("  escalated: {}\n", "  escalated: {}\n  limbo: {}\n")
    broken = broken.replace("    rule: Q2\n    starts_on: created", "    starts_on: created", 1)
    (tmp_path / "rapid.yaml").write_text(broken)

    assert main(["workflows", "check", "--dir", str(tmp_path)]) == 1
    errors = capsys.readouterr().err
    assert "unknown guard 'meeting_quorum'" in errors
    assert "stops on unknown event 'submit_to_panel'" in errors
    assert "state 'limbo' is unreachable" in errors
    assert "clock 'screening': has no rule id" in errors


def test_keys_create_prints_the_key_last_and_it_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fastapi.testclient import TestClient

    from practice_review.api.app import create_app

    monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["migrate"]) == 0
    assert main(["keys", "create", "--name", "Business Unit", "--role", "business_unit"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    with TestClient(create_app()) as client:
        assert client.get("/workflows", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        assert client.get("/workflows", headers={"Authorization": f"Bearer {key}x"}).status_code == 401


def test_keys_create_refuses_a_partner_key_without_its_partner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["migrate"]) == 0
    assert main(["keys", "create", "--name", "GMP", "--role", "partner"]) == 2
    assert "partner" in capsys.readouterr().err


def test_openapi_command_writes_the_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "openapi.json"
    assert main(["openapi", "--output", str(target)]) == 0
    assert target.read_text() == openapi_document()


def test_sweep_and_deliver_print_what_they_did_and_refuse_a_future_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["migrate"]) == 0
    assert main(["sweep"]) == 0
    assert "0 newly breached" in capsys.readouterr().out
    assert main(["deliver"]) == 0
    assert capsys.readouterr().out.strip() == "delivered 0, retrying later 0, dead 0"
    assert main(["sweep", "--as-of", "2999-01-01"]) == 2
    assert "C7" in capsys.readouterr().err


def test_serve_logs_one_line_per_request_with_its_request_id(tmp_path: Path) -> None:
    """SECURITY.md: one log line per request (request id, method, path, status), and never a body."""
    import httpx

    from .server import served

    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log, served(f"sqlite:///{tmp_path}/served.db", log=log) as server:
        answer = httpx.post(
            f"{server.base_url}/reviews", json={"child_reference": "Child Q"}, headers={"X-Request-Id": "cron-42"}
        )
        assert answer.status_code == 401
    lines = [line for line in log_path.read_text().splitlines() if "cron-42" in line]
    assert len(lines) == 1 and "POST /reviews 401" in lines[0], lines
    assert "Child Q" not in log_path.read_text()


def test_a_bad_thread_count_is_refused_with_its_setting_named() -> None:
    from practice_review.config import ConfigurationError, Settings

    assert Settings.from_env({"PRACTICE_REVIEW_THREADS": "8"}).threads == 8
    with pytest.raises(ConfigurationError, match="PRACTICE_REVIEW_THREADS"):
        Settings.from_env({"PRACTICE_REVIEW_THREADS": "0"})


def test_keys_create_person_id_binds_a_reviewer_key_to_the_reviews_that_person_is_appointed_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fastapi.testclient import TestClient

    from practice_review.api.app import create_app

    monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["migrate"]) == 0
    keys = {}
    for name, extra in (("bu", ["--role", "business_unit"]), ("rev", ["--role", "reviewer", "--person-id", "rev-1"])):
        assert main(["keys", "create", "--name", name, *extra]) == 0
        keys[name] = {"Authorization": f"Bearer {capsys.readouterr().out.strip().splitlines()[-1]}"}
    referral = {"review_type": "lcspr", "received_on": "2026-02-02", "referrer_organisation": "Salford City Council"}
    with TestClient(create_app()) as client:
        mine, other = (
            client.post("/reviews", json={**referral, "child_reference": c}, headers=keys["bu"]).json()["id"]
            for c in ("Child A", "Child B")
        )
        reviewer = {"person_id": "rev-1", "name": "Morgan Hale"}
        declaration = {**reviewer, "organisation": "Hale Consultancy", "role": "reviewer", "has_interest": False}
        client.post(f"/reviews/{mine}/declarations", json=declaration, headers=keys["bu"])
        appointment = {"reviewer": {**reviewer, "contract_signed": True, "policy_confirmed": True}}
        fired = client.post(
            f"/reviews/{mine}/transitions", json={"event": "appoint_reviewer", "data": appointment}, headers=keys["bu"]
        )
        assert fired.status_code == 200, fired.text
        listed = client.get("/reviews", headers=keys["rev"]).json()["items"]
        assert [r["id"] for r in listed] == [mine]
        assert client.get(f"/reviews/{other}", headers=keys["rev"]).status_code == 404
