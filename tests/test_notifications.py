"""Outbound notifications to a real local HTTP receiver: signed, at least once, nothing lost while it is down."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from practice_review.services.common import Services, utcnow
from practice_review.services.notifications import EVENT_ID_HEADER, MAX_ATTEMPTS, SIGNATURE_HEADER, deliver, sign

from .helpers import Api, problem

SECRET = "a-shared-secret-of-some-length"


class Receiver:
    """A partner system's endpoint on this machine: records what arrives, answers with `status`."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/practice-review"
        self.received: list[dict] = []
        self.status = 200
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(
                    {
                        "event_id": self.headers[EVENT_ID_HEADER],
                        "body": body,
                        "signature": self.headers[SIGNATURE_HEADER],
                        "answered": receiver.status,
                    }
                )
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def accepted_ids(self) -> list[str]:
        return [r["event_id"] for r in self.received if r["answered"] < 300]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


def subscribe(api: Api, url: str, kinds: list[str], **extra: object) -> dict:
    body = {"url": url, "kinds": kinds, "secret": SECRET, **extra}
    return api.ok(api.client.post("/subscriptions", json=body, headers=api.bu), 201)


def deliveries(api: Api, subscription_id: int, status: str | None = None) -> list[dict]:
    params = {"status": status} if status else {}
    return api.ok(api.client.get(f"/subscriptions/{subscription_id}/deliveries", params=params, headers=api.bu))


def test_transitions_and_breaches_arrive_signed_each_with_its_own_event_id(
    api: Api, services: Services, receiver: Receiver
) -> None:
    receiver.start()
    subscribe(api, receiver.url, ["transition", "breach"])
    review = api.new_review_at("schedule_meeting")  # screen_in, notify_national_panel
    api.ok(api.client.post("/deadlines/sweep", json={}, headers=api.bu))  # breaches rapid_review (due 2026-02-27)

    assert deliver(services) == {"delivered": 3, "retrying": 0, "dead": 0}

    bodies = [json.loads(r["body"]) for r in receiver.received]
    assert [(b["kind"], b["data"]["history"]["event"] or b["data"]["history"]["data"]["clock"]) for b in bodies] == [
        ("transition", "screen_in"),
        ("transition", "notify_national_panel"),
        ("breach", "rapid_review"),
    ]
    assert all(r["signature"] == sign(SECRET, r["body"]) for r in receiver.received)
    assert [b["event_id"] for b in bodies] == [r["event_id"] for r in receiver.received]
    assert len(set(receiver.accepted_ids())) == 3
    assert {b["data"]["review"]["id"] for b in bodies} == {review["id"]}
    assert deliver(services) == {"delivered": 0, "retrying": 0, "dead": 0}  # nothing twice once acknowledged


def test_a_receiver_that_is_down_loses_nothing(api: Api, services: Services, receiver: Receiver) -> None:
    subscription = subscribe(api, receiver.url, ["transition"])  # the receiver is not running yet
    api.new_review_at("schedule_meeting")

    assert deliver(services) == {"delivered": 0, "retrying": 2, "dead": 0}
    pending = deliveries(api, subscription["id"], "pending")
    assert [d["attempts"] for d in pending] == [1, 1] and all(d["last_error"] for d in pending)
    assert deliver(services) == {"delivered": 0, "retrying": 0, "dead": 0}  # backing off: not due yet

    receiver.start()
    receiver.status = 500  # the first attempt after it comes back is lost on the way: it is sent again
    assert deliver(services, now=utcnow() + timedelta(minutes=5)) == {"delivered": 0, "retrying": 2, "dead": 0}
    receiver.status = 200
    assert deliver(services, now=utcnow() + timedelta(hours=1)) == {"delivered": 2, "retrying": 0, "dead": 0}

    sent = [r["event_id"] for r in receiver.received]
    assert len(set(sent)) == 2 and len(sent) == 4  # each event twice: once refused, once accepted, same id
    assert sorted(receiver.accepted_ids()) == sorted({d["event_id"] for d in pending})
    assert [d["status"] for d in deliveries(api, subscription["id"])] == ["delivered", "delivered"]


def test_a_notification_that_never_gets_through_is_dead_lettered_and_can_be_retried(
    api: Api, services: Services, receiver: Receiver
) -> None:
    receiver.start()
    receiver.status = 503
    subscription = subscribe(api, receiver.url, ["transition"])
    review = api.create_review()
    api.ok(api.fire(review["id"], "withdraw", "2026-02-03", {"reason": "referred in error"}))

    now = utcnow()
    for attempt in range(MAX_ATTEMPTS):
        deliver(services, now=now + timedelta(hours=attempt * 2))
    dead = deliveries(api, subscription["id"], "dead")
    assert len(dead) == 1 and dead[0]["attempts"] == MAX_ATTEMPTS and dead[0]["last_error"] == "HTTP 503"

    receiver.status = 200
    retried = api.ok(
        api.client.post(f"/subscriptions/{subscription['id']}/deliveries/{dead[0]['event_id']}/retry", headers=api.bu)
    )
    assert retried["status"] == "pending"
    assert deliver(services) == {"delivered": 1, "retrying": 0, "dead": 0}
    assert receiver.accepted_ids() == [dead[0]["event_id"]]


def test_approaching_deadlines_are_announced_once_per_clock(api: Api, services: Services, receiver: Receiver) -> None:
    receiver.start()
    subscribe(api, receiver.url, ["deadline_approaching"], due_within=5)
    soon = api.create_review(received_on="2026-02-27")  # screening and notification due 2026-03-06: 4 days away
    api.create_review(received_on="2026-02-02", child_reference="Child B")  # already breached: not approaching

    assert api.ok(api.client.post("/deadlines/sweep", json={}, headers=api.bu))["approaching_notified"] == 2
    api.ok(api.client.post("/deadlines/sweep", json={}, headers=api.bu))
    assert deliver(services)["delivered"] == 2
    notices = [json.loads(r["body"])["data"] for r in receiver.received]
    assert sorted((n["review"]["reference"], n["clock"], n["working_days_remaining"]) for n in notices) == [
        (soon["reference"], "notification", 4),
        (soon["reference"], "screening", 4),
    ]


def test_subscriptions_are_validated_and_never_show_their_secret(api: Api, key_for) -> None:  # type: ignore[no-untyped-def]
    created = subscribe(api, "https://partner.example/hooks", ["transition"])
    assert "secret" not in created
    assert "secret" not in api.ok(api.client.get("/subscriptions", headers=api.bu))[0]
    bad = {"url": "ftp://x", "kinds": ["transition"], "secret": SECRET}
    assert problem(api.client.post("/subscriptions", json=bad, headers=api.bu), 422)
    assert problem(
        api.client.post(
            "/subscriptions",
            json={**bad, "url": "https://x.example", "kinds": ["deadline_approaching"]},
            headers=api.bu,
        ),
        422,
    )
    assert problem(
        api.client.post("/subscriptions", json={**bad, "url": "https://x.example"}, headers=key_for("chair")), 403
    )
