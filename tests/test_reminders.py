"""E-mail reminders (issue 18), received by a real SMTP server the tests start (aiosmtpd) and by a local
HTTP server standing in for GOV.UK Notify's API: to an information request's contact and an action's
owner N working days before the due date and on breach, to the Business Unit for its clocks; each sent
once when sweeps and deliveries race; retried, then dead; bodies with a reference and a board link, never
case details. SQLite and PostgreSQL (conftest)."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from practice_review.roles import Caller
from practice_review.services import mail, reminders
from practice_review.services.common import Services, utcnow
from practice_review.services.deadlines import sweep
from practice_review.services.mail_settings import MailSettings
from practice_review.services.operations import purge

from .helpers import Api, request_information

BU_MAILBOX = "business.unit@sscp.example.org"
SCHOOL_CONTACT, OWNER = "dsl@salford-primary.example.org", "safeguarding@salford.example.gov.uk"
BOARD = "https://reviews.example.org"
SCHEDULER = Caller(key_id=0, key_name="practice-review sweep", role="business_unit")
SUMMARY = "Concerns about neglect raised by the school in January"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """An SMTP handler that keeps what it receives; `refuse` answers the next N messages with a code."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        with self.lock:
            if self.refuse:
                return self.refuse.pop(0)
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_services(services: Services, mailbox: tuple[Mailbox, int]) -> Services:
    settings = MailSettings(
        transport="smtp", smtp_host="127.0.0.1", smtp_port=mailbox[1], business_unit=BU_MAILBOX, max_attempts=3
    )
    services.mail, services.public_base_url = settings, BOARD
    return services


def prepare(api: Api, client: TestClient) -> dict[str, Any]:
    """Today is Mon 2 Mar 2026 and N = 2 working days: a chronology due Tue 3 Mar (reminder before), an action
    due Fri 27 Feb (breached), the rapid review clock due Fri 27 Feb (breached: the Business Unit's)."""
    review = api.new_review_at("hold_meeting", summary=SUMMARY)
    body = {"organisation": "Salford Primary School", "kind": "chronology", "requested_on": "2026-02-24"}
    chronology = api.ok(
        client.post(
            f"/reviews/{review['id']}/information-requests",
            json={**body, "contact_email": SCHOOL_CONTACT},
            headers=api.bu,
        ),
        201,
    )
    assert chronology["due_on"] == "2026-03-03" and chronology["contact_email"] == SCHOOL_CONTACT
    request_information(api, review["id"], "Salford Royal NHS Foundation Trust", "2026-02-24")  # no contact: no e-mail
    action = {
        "recommendation": "Share chronologies earlier",
        "action": "Agree a protocol",
        "owner_organisation": "Salford City Council",
        "owner_email": OWNER,
        "due_on": "2026-02-27",
        "intended_outcome": "Chronologies in time",
    }
    api.ok(client.post(f"/reviews/{review['id']}/actions", json=action, headers=api.bu), 201)
    return {**review, "request_id": chronology["id"]}


def race(work: Any, times: int) -> list[Any]:
    barrier, results = threading.Barrier(times), []

    def run() -> None:
        barrier.wait()
        results.append(work())

    threads = [threading.Thread(target=run) for _ in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_each_reminder_is_sent_once_however_many_sweeps_and_deliveries_race(
    api: Api, client: TestClient, smtp_services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    review = prepare(api, client)
    sweeps = race(lambda: sweep(smtp_services, SCHEDULER), 4)
    assert sum(s["reminders_queued"] for s in sweeps) == 3  # written once between them
    assert len(race(lambda: mail.deliver(smtp_services), 3)) == 3
    box = mailbox[0]
    assert sorted(m["To"] for m in box.messages) == sorted([SCHOOL_CONTACT, OWNER, BU_MAILBOX])
    assert len({m["Message-ID"] for m in box.messages}) == 3
    by_to = {m["To"]: m for m in box.messages}
    before, breach, clock = by_to[SCHOOL_CONTACT], by_to[OWNER], by_to[BU_MAILBOX]
    assert before["Subject"] == f"{review['reference']}: due Tue 3 Mar 2026"
    assert "the chronology requested from Salford Primary School" in before.get_content()
    assert "(1 working day left)" in before.get_content()
    assert breach["Subject"] == f"{review['reference']}: overdue since Fri 27 Feb 2026"
    assert "the rapid review clock was due on Fri 27 Feb 2026 and is overdue" in clock.get_content()
    for message in box.messages:
        body = message.get_content()
        assert f"{BOARD}/board/reviews/{review['id']}" in body and review["reference"] in body
        assert "Child A" not in body and SUMMARY not in body  # never case details
    # Later sweeps and deliveries send nothing again; all three are recorded sent
    sweep(smtp_services, SCHEDULER)
    assert mail.deliver(smtp_services) == {"sent": 0, "retrying": 0, "dead": 0} and len(box.messages) == 3
    assert [m["status"] for m in reminders.outbox(smtp_services)] == ["sent"] * 3


def test_an_extended_deadline_earns_a_new_reminder_and_a_returned_request_none(
    api: Api, client: TestClient, smtp_services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    review = prepare(api, client)
    api.ok(
        client.post(
            f"/reviews/{review['id']}/information-requests/{review['request_id']}/return", json={}, headers=api.bu
        )
    )
    assert (
        api.ok(client.post("/deadlines/sweep", json={}, headers=api.bu))["reminders_queued"] == 2
    )  # not the returned one
    body = {"new_due_on": "2026-03-04", "reason": "Awaiting the police chronology"}
    api.ok(client.post(f"/reviews/{review['id']}/clocks/rapid_review/extend", json=body, headers=api.bu))
    assert api.ok(client.post("/deadlines/sweep", json={}, headers=api.bu))["reminders_queued"] == 1
    mail.deliver(smtp_services)
    subjects = sorted(m["Subject"] for m in mailbox[0].messages if m["To"] == BU_MAILBOX)
    assert subjects == [
        f"{review['reference']}: due Wed 4 Mar 2026",
        f"{review['reference']}: overdue since Fri 27 Feb 2026",
    ]


def test_a_refused_message_is_retried_then_dead_and_none_is_queued_without_a_transport(
    api: Api, client: TestClient, smtp_services: Services, mailbox: tuple[Mailbox, int]
) -> None:
    box = mailbox[0]
    prepare(api, client)
    sweep(smtp_services, SCHEDULER)
    box.refuse = ["451 4.3.0 Try again later"] * 3 + ["550 5.1.1 No such mailbox"] * 6
    now = utcnow()
    assert mail.deliver(smtp_services, now) == {"sent": 0, "retrying": 3, "dead": 0}
    assert mail.deliver(smtp_services, now) == {"sent": 0, "retrying": 0, "dead": 0}  # not due again yet
    assert mail.deliver(smtp_services, now + timedelta(seconds=31)) == {"sent": 0, "retrying": 3, "dead": 0}
    assert mail.deliver(smtp_services, now + timedelta(minutes=5)) == {"sent": 0, "retrying": 0, "dead": 3}
    assert [m["status"] for m in reminders.outbox(smtp_services)] == ["dead"] * 3 and not box.messages
    assert purge(smtp_services, 90, 7, now + timedelta(days=89))["outbox"] == 0  # kept for the retention
    assert purge(smtp_services, 90, 7, now + timedelta(days=91))["outbox"] == 3
    assert reminders.outbox(smtp_services) == []
    smtp_services.mail = replace(smtp_services.mail, transport="none")
    api.ok(api.fire(api.new_review_at("notify_national_panel")["id"], "notify_national_panel", "2026-02-06"))
    assert sweep(smtp_services, SCHEDULER)["reminders_queued"] == 0


class FakeNotify(BaseHTTPRequestHandler):
    """GOV.UK Notify's POST /v2/notifications/email, on loopback: keeps each request, answers 201."""

    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({"path": self.path, "auth": self.headers["Authorization"], **body})
        answer = json.dumps({"id": str(uuid.uuid4()), "reference": body.get("reference"), "content": {}}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


def test_gov_uk_notify_is_the_second_transport(api: Api, client: TestClient, services: Services) -> None:
    FakeNotify.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNotify)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        template = str(uuid.uuid4())
        services.mail = MailSettings(
            transport="notify",
            business_unit=BU_MAILBOX,
            notify_api_key=f"test_key-{uuid.uuid4()}-{uuid.uuid4()}",
            notify_template_id=template,
            notify_base_url=f"http://127.0.0.1:{server.server_address[1]}",
        )
        services.public_base_url = BOARD
        review = prepare(api, client)
        race(lambda: sweep(services, SCHEDULER), 2)
        assert race(lambda: mail.deliver(services), 2)
    finally:
        server.shutdown()
    received = FakeNotify.received
    assert sorted(r["email_address"] for r in received) == sorted([SCHOOL_CONTACT, OWNER, BU_MAILBOX])
    assert {r["path"] for r in received} == {"/v2/notifications/email"} and {r["template_id"] for r in received} == {
        template
    }
    assert all(r["auth"].startswith("Bearer ") for r in received)  # the client's signed token, not the key
    stored = {m["dedupe_key"] for m in reminders.outbox(services)}
    assert len(stored) == 3
    for r in received:
        assert review["reference"] in r["personalisation"]["subject"]
        assert f"{BOARD}/board/reviews/{review['id']}" in r["personalisation"]["body"]
        assert "Child A" not in json.dumps(r)
