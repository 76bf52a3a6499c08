"""Operating the service (issue 19): probes, metrics, logs, traces, jobs' exit codes, retention, backups."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, event, func, select, text

from practice_review.api.app import create_app
from practice_review.api.routes import health
from practice_review.bootstrap import build_services
from practice_review.cli import main
from practice_review.config import Settings
from practice_review.services.common import Services, utcnow
from practice_review.services.keys import create_key
from practice_review.services.operations import record_success
from practice_review.storage import models as m
from practice_review.storage.database import Database, normalise_url
from practice_review.storage.migrations import head_revision

from .conftest import WORKFLOWS
from .helpers import PROBLEM, Api
from .server import CLI, free_port, served

METRICS_TOKEN = "scrape-token-0123456789"
ON_PREMISES = ("127.0.0.1/32",)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, workflows_dir=WORKFLOWS, webhook_allowed_networks=ON_PREMISES)


@contextmanager
def _renamed(database_url: str, sql: str, undo: str) -> Iterator[None]:
    engine = create_engine(normalise_url(database_url))
    with engine.begin() as connection:
        connection.execute(text(sql))
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(text(undo))
        engine.dispose()


# ---------------------------------------------------------------- probes


def test_livez_and_readyz_answer_when_the_service_can_serve(client: TestClient) -> None:
    assert client.get("/livez").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["schema"] == head_revision()
    assert client.get("/health").json() == {"status": "ok", "database": "ok"}


def test_readyz_is_503_with_a_reason_when_the_schema_is_gone_or_behind(client: TestClient, database_url: str) -> None:
    """Found 4: /health said 200 with the schema dropped while /reviews failed; /readyz says why it is not ready."""
    with _renamed(
        database_url, "ALTER TABLE alembic_version RENAME TO gone", "ALTER TABLE gone RENAME TO alembic_version"
    ):
        answer = client.get("/readyz")
        assert answer.status_code == 503 and answer.headers["content-type"].startswith(PROBLEM)
        assert answer.json()["detail"] == "no schema (alembic_version is missing)"
        assert answer.headers["x-request-id"] and answer.headers["retry-after"]
        assert client.get("/livez").status_code == 200
    with _renamed(
        database_url,
        "UPDATE alembic_version SET version_num = '0001'",
        f"UPDATE alembic_version SET version_num = '{head_revision()}'",
    ):
        answer = client.get("/readyz")
        assert answer.status_code == 503 and answer.json()["detail"].startswith("schema at revision 0001")


def test_health_and_readyz_answer_503_not_500_when_the_database_is_gone(services: Services) -> None:
    services.db = Database(f"postgresql://postgres@127.0.0.1:{free_port()}/gone")  # nothing listens there
    with TestClient(create_app(services=services)) as client:
        for path in ("/health", "/readyz"):
            answer = client.get(path)
            assert answer.status_code == 503 and answer.headers["content-type"].startswith(PROBLEM), path
            assert answer.json()["detail"] == "database unreachable"
        assert client.get("/livez").status_code == 200


def test_health_asks_the_database_at_most_once_a_second_however_often_it_is_polled(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: a monitor or load balancer polling /health costs one SELECT 1 a second per process, not
    one per request; when the database goes, /health says so within that second."""
    asked: list[str] = []
    event.listen(services.db.engine, "before_cursor_execute", lambda *a: asked.append(a[2]))
    with TestClient(create_app(services=services)) as client:
        assert all(client.get("/health").status_code == 200 for _ in range(20))
        assert asked.count("SELECT 1") == 1
        monkeypatch.setattr(health, "PROBE_SECONDS", 0.0)  # the second has passed
        assert client.get("/health").status_code == 200 and asked.count("SELECT 1") == 2
        services.db = Database(f"postgresql://postgres@127.0.0.1:{free_port()}/gone")
        assert client.get("/health").status_code == 503


# ---------------------------------------------------------------- metrics


def _scrape(client: TestClient, token: str | None = METRICS_TOKEN) -> dict[tuple[str, tuple], float]:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {token}"} if token else {})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def test_a_metrics_scrape_counts_requests_by_route_and_what_the_database_holds(api: Api, services: Services) -> None:
    services.metrics_token = METRICS_TOKEN
    for child in ("Child A", "Child B"):
        api.create_review(child_reference=child)
    api.client.get("/reviews/00000000-0000-4000-8000-000000000000", headers=api.bu)
    record_success(services, "sweep", {"newly_breached": 0})  # what a successful `practice-review sweep` records
    found = _scrape(api.client)

    assert found[("practice_review_reviews_open", (("review_type", "rapid"),))] == 2
    created = ("practice_review_http_requests_total", (("method", "POST"), ("route", "/reviews"), ("status", "201")))
    assert found[created] >= 2
    missing = (("method", "GET"), ("route", "/reviews/{review_id}"), ("status", "404"))
    assert found[("practice_review_http_requests_total", missing)] >= 1
    latency = ("practice_review_http_request_duration_seconds_count", (("method", "POST"), ("route", "/reviews")))
    assert found[latency] >= 2
    assert found[("practice_review_outbox_messages", (("status", "dead"),))] == 0
    assert found[("practice_review_email_messages", (("status", "dead"),))] == 0
    assert found[("practice_review_clock_breaches_recorded", ())] == 0
    assert found[("practice_review_job_last_success_timestamp_seconds", (("job", "sweep"),))] > 0
    assert found[("practice_review_job_last_success_timestamp_seconds", (("job", "deliver"),))] == 0
    if not services.db.is_sqlite:
        assert ("practice_review_db_pool_size", ()) in found


def test_metrics_asks_for_its_token_or_else_answers_only_this_host(api: Api, services: Services) -> None:
    """No case data is in /metrics, but open-review counts by type are the partnership's business: closed by
    default to anyone but a scraper on the same host."""
    assert api.client.get("/metrics").status_code == 403  # the test client is not on the loopback network
    services.metrics_token = METRICS_TOKEN
    refused = api.client.get("/metrics", headers={"Authorization": "Bearer wrong-token-0123456789"})
    assert refused.status_code == 401 and refused.headers["content-type"].startswith(PROBLEM)
    assert api.client.get("/metrics", headers=api.bu).status_code == 401  # an API key is not the metrics token


# ---------------------------------------------------------------- errors and logs


def test_a_500_carries_its_request_id_and_is_logged_once_with_it(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(services=services)

    @app.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("a bug")

    caplog.set_level(logging.INFO, logger="practice_review")
    with TestClient(app) as client:  # raise_server_exceptions: the error must not escape to the server
        answer = client.get("/boom", headers={"X-Request-Id": "req-500"})
    assert answer.status_code == 500 and answer.headers["x-request-id"] == "req-500"
    assert answer.headers["content-type"].startswith(PROBLEM) and "a bug" not in answer.text
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1 and tracebacks[0].request_id == "req-500"  # type: ignore[attr-defined]
    request_lines = [r for r in caplog.records if r.name == "practice_review.requests" and not r.exc_info]
    assert [(r.status, r.route) for r in request_lines] == [(500, "/boom")]  # type: ignore[attr-defined]


def test_serve_writes_json_log_lines_with_request_id_caller_route_status_and_duration(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path}/served.db"
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log, served(database_url, log=log) as server:
        built = build_services(Settings(database_url=database_url, workflows_dir=WORKFLOWS))
        key = create_key(built, "log test", "business_unit", None, None)
        built.db.dispose()
        headers = {"Authorization": f"Bearer {key.secret}", "X-Request-Id": "json-7"}
        assert httpx.get(f"{server.base_url}/reviews/not-a-review", headers=headers).status_code == 404
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    (line,) = [entry for entry in lines if entry.get("request_id") == "json-7"]
    assert line["level"] == "INFO" and line["logger"] == "practice_review.requests"
    assert line["timestamp"].endswith("+00:00") and line["method"] == "GET"
    assert line["route"] == "/reviews/{review_id}" and line["status"] == 404 and line["duration_ms"] >= 0
    assert line["caller"] == f"key:{key.id}"


def test_traces_of_requests_and_sql_when_otel_variables_ask_for_them(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path}/traced.db"
    port = free_port()
    env = {**os.environ, "PRACTICE_REVIEW_DATABASE_URL": database_url, "OTEL_TRACES_EXPORTER": "console"}
    subprocess.run([CLI, "migrate"], env=env, check=True, capture_output=True)
    made = subprocess.run([CLI, "keys", "create", "--name", "t", "--role", "chair"], env=env, capture_output=True)
    key = made.stdout.decode().strip().splitlines()[-1]
    out = tmp_path / "spans.out"
    with out.open("wb") as spans:
        process = subprocess.Popen(
            [CLI, "serve", "--port", str(port)], env=env, stdout=spans, stderr=subprocess.DEVNULL
        )
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/livez", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            answer = httpx.get(f"http://127.0.0.1:{port}/workflows", headers={"Authorization": f"Bearer {key}"})
            assert answer.status_code == 200
        finally:
            process.terminate()
            process.wait(timeout=30)
    written = out.read_text()
    assert '"name": "GET /workflows"' in written
    assert '"db.system' in written and "SELECT" in written  # the key lookup's SQL
    assert "/livez" not in written  # probes are not traced


# ---------------------------------------------------------------- scheduled jobs


def test_deliver_exits_1_when_a_message_dies(api: Api, monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    """Found 6: `deliver` exited 0 with dead letters, so nobody could alert on them."""
    closed = f"http://127.0.0.1:{free_port()}/hooks"  # nothing listens: every attempt fails
    api.ok(api.client.post("/subscriptions", json={"url": closed, "kinds": ["transition"]}, headers=api.bu), 201)
    review = api.create_review()
    api.ok(api.fire(review["id"], "withdraw", "2026-02-03", {"reason": "referred in error"}))
    monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", database_url)
    monkeypatch.setenv("PRACTICE_REVIEW_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
    monkeypatch.setenv("PRACTICE_REVIEW_WEBHOOK_MAX_ATTEMPTS", "1")
    assert main(["deliver"]) == 1
    assert main(["deliver"]) == 0  # nothing left to die; the dead one waits for a retry or the purge


def test_purge_deletes_only_settled_outbox_rows_and_replies_past_their_retention(
    api: Api, services: Services, monkeypatch: pytest.MonkeyPatch, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/hooks"
    api.ok(api.client.post("/subscriptions", json={"url": closed, "kinds": ["transition"]}, headers=api.bu), 201)
    for child in ("Child A", "Child B", "Child C"):
        review = api.create_review(child_reference=child)
        api.ok(api.fire(review["id"], "withdraw", "2026-02-03", {"reason": "referred in error"}))
    long_ago = utcnow() - timedelta(days=400)
    with services.db.write() as session:
        first, second, _ = session.scalars(select(m.OutboxMessage).order_by(m.OutboxMessage.id)).all()
        first.status, first.delivered_at, first.created_at = "delivered", long_ago, long_ago
        second.created_at = long_ago  # old but still pending: kept
        key_id = session.scalar(select(m.ApiKey.id))
        for name, made in (("old", long_ago), ("new", utcnow())):
            session.add(
                m.IdempotencyKey(
                    api_key_id=key_id,
                    key=name,
                    request_hash="0" * 64,
                    status_code=201,
                    response_body={},
                    created_at=made,
                )
            )
        history = session.scalar(select(func.count()).select_from(m.HistoryEvent))
    monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", database_url)
    assert main(["purge"]) == 0
    assert "purged 1 outbox messages older than 90 days and 1 Idempotency-Key replies" in capsys.readouterr().out
    with services.db.read() as session:
        assert session.scalar(select(func.count()).select_from(m.OutboxMessage)) == 2
        assert list(session.scalars(select(m.IdempotencyKey.key))) == ["new"]
        assert session.scalar(select(func.count()).select_from(m.HistoryEvent)) == history  # A1: never purged


# ---------------------------------------------------------------- backup and restore


def test_a_sqlite_backup_restores_and_passes_audit_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The restore drill of docs/operating.md: back up while serving, restore to a new place, verify the chain."""
    live = tmp_path / "live.db"
    monkeypatch.setenv("PRACTICE_REVIEW_AUDIT_KEYS", "k1:" + "r" * 40)
    with served(f"sqlite:///{live}") as server:
        monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", f"sqlite:///{live}")
        assert main(["keys", "create", "--name", "bu", "--role", "business_unit"]) == 0
        headers = {"Authorization": f"Bearer {capsys.readouterr().out.strip().splitlines()[-1]}"}
        referral = {
            "review_type": "lcspr",
            "received_on": "2026-02-02",
            "referrer_organisation": "Salford City Council",
        }
        for child in ("Child A", "Child B"):
            made = httpx.post(
                f"{server.base_url}/reviews", json={**referral, "child_reference": child}, headers=headers
            )
            assert made.status_code == 201, made.text
        backup = tmp_path / "backups" / "practice_review-2026-12-03.db"
        backup.parent.mkdir()
        assert main(["backup", str(backup)]) == 0
        assert "integrity check ok" in capsys.readouterr().out

    restored = tmp_path / "restored.db"
    backup.rename(restored)  # restoring is putting the file in place, with the service stopped
    monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", f"sqlite:///{restored}")
    assert main(["audit", "verify"]) == 0
    assert "2 reviews" in capsys.readouterr().out and not list(tmp_path.glob("backups/*"))


def test_backup_refuses_postgresql_and_points_at_pg_dump(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", f"postgresql://postgres:pw@127.0.0.1:{free_port()}/x")
    assert main(["backup", str(tmp_path / "x.db")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pg_dump" in err


# ---------------------------------------------------------------- settings


def test_every_setting_is_described_and_the_body_limit_is_the_configured_one(services: Services) -> None:
    assert [name for name, field in Settings.model_fields.items() if not field.description] == []
    small = Settings(database_url="sqlite://", workflows_dir=WORKFLOWS, max_body_bytes=2048)
    with TestClient(create_app(settings=small, services=services)) as client:
        answer = client.post(
            "/reviews", content=b"{" + b" " * 4096 + b"}", headers={"Content-Type": "application/json"}
        )
    assert answer.status_code == 413 and "2048 bytes" in answer.json()["detail"]


def test_a_bad_metrics_token_or_log_level_stops_every_command_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRACTICE_REVIEW_METRICS_TOKEN", "short")
    monkeypatch.setenv("PRACTICE_REVIEW_LOG_LEVEL", "chatty")
    assert main(["sweep"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(line.startswith("configuration error: PRACTICE_REVIEW_") for line in lines)
    assert "short" not in lines[0] + lines[1]  # a token is never echoed


def test_with_several_workers_a_scrape_adds_up_every_workers_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/operating.md: with --workers N and PROMETHEUS_MULTIPROC_DIR, whichever worker answers the scrape
    reports all of them (scraped from this host, so no token is needed)."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(shared))
    with served(f"sqlite:///{tmp_path}/workers.db", workers=2) as server, httpx.Client() as http:
        for _ in range(30):  # new connections each time, so both workers take some
            assert httpx.get(f"{server.base_url}/livez").status_code == 200
        scraped = http.get(f"{server.base_url}/metrics")
    assert scraped.status_code == 200
    livez = [
        sample.value
        for family in text_string_to_metric_families(scraped.text)
        for sample in family.samples
        if sample.name == "practice_review_http_requests_total" and sample.labels.get("route") == "/livez"
    ]
    assert sum(livez) == 30


def test_serve_and_every_command_refuse_bad_workflow_files_in_one_line_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found 3: bad configuration is one line per problem and exit 2, before the server starts (no traceback)."""
    (tmp_path / "partnership.yaml").write_text((WORKFLOWS / "partnership.yaml").read_text())
    broken = (WORKFLOWS / "rapid.yaml").read_text().replace("check: meeting_quorate}", "check: meeting_quorum}", 1)
    (tmp_path / "rapid.yaml").write_text(broken)
    monkeypatch.setenv("PRACTICE_REVIEW_WORKFLOWS_DIR", str(tmp_path))
    monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    for command in (["serve", "--port", str(free_port())], ["migrate"], ["sweep"]):
        code = main(command)
        err = capsys.readouterr().err
        if command == ["migrate"]:  # migrating needs no workflow files
            assert code == 0, err
            continue
        lines = err.splitlines()
        assert code == 2 and lines and all("unknown guard 'meeting_quorum'" in line for line in lines), err
        assert all(line.startswith(("workflow error: ", "sweep refused: ")) for line in lines), err
