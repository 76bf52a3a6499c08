"""Outbound notifications to a real local HTTP receiver: signed the Standard Webhooks way (verified here with
the `standardwebhooks` library a receiver would use), at least once, nothing lost while it is down, and
never to an address a subscription may not reach (SSRF)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook

from practice_review.config import Settings
from practice_review.services.common import Services, utcnow
from practice_review.services.notifications import MAX_ATTEMPTS, deliver

from .conftest import WORKFLOWS
from .helpers import Api, problem

ON_PREMISES = ("127.0.0.1/32",)  # the allow-list the tests' receiver on this machine needs


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, workflows_dir=WORKFLOWS, webhook_allowed_networks=ON_PREMISES)


class Receiver:
    """A partner system's endpoint on this machine: records what arrives, answers with `status`."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/practice-review"
        self.received: list[dict] = []
        self.status = 200
        self.location: str | None = None
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(
                    {
                        "event_id": self.headers["webhook-id"],
                        "body": body,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "answered": receiver.status,
                    }
                )
                self.send_response(receiver.status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
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
    body = {"url": url, "kinds": kinds, **extra}
    return api.ok(api.client.post("/subscriptions", json=body, headers=api.bu), 201)


def verified(secret: str, received: dict) -> dict:
    """What a receiver's Standard Webhooks library makes of a delivery (raises if it does not verify)."""
    return Webhook(secret).verify(received["body"], received["headers"])


def deliveries(api: Api, subscription_id: int, status: str | None = None) -> list[dict]:
    params = {"status": status} if status else {}
    return api.ok(api.client.get(f"/subscriptions/{subscription_id}/deliveries", params=params, headers=api.bu))


def test_transitions_and_breaches_arrive_signed_each_with_its_own_event_id(
    api: Api, services: Services, receiver: Receiver
) -> None:
    receiver.start()
    secret = subscribe(api, receiver.url, ["transition", "breach"])["secret"]
    review = api.new_review_at("schedule_meeting")  # screen_in, notify_national_panel
    api.ok(api.client.post("/deadlines/sweep", json={}, headers=api.bu))  # breaches rapid_review (due 2026-02-27)

    assert deliver(services) == {"delivered": 3, "retrying": 0, "dead": 0}

    bodies = [json.loads(r["body"]) for r in receiver.received]
    assert [(b["kind"], b["data"]["history"]["event"] or b["data"]["history"]["data"]["clock"]) for b in bodies] == [
        ("transition", "screen_in"),
        ("transition", "notify_national_panel"),
        ("breach", "rapid_review"),
    ]
    assert [verified(secret, r) for r in receiver.received] == bodies
    assert [b["event_id"] for b in bodies] == [r["event_id"] for r in receiver.received]
    assert len(set(receiver.accepted_ids())) == 3
    assert {b["data"]["review"]["id"] for b in bodies} == {review["id"]}
    assert deliver(services) == {"delivered": 0, "retrying": 0, "dead": 0}  # nothing twice once acknowledged


def test_a_receiver_that_is_down_loses_nothing(api: Api, services: Services, receiver: Receiver) -> None:
    subscription = subscribe(api, receiver.url, ["transition"])  # the receiver is not running yet
    api.new_review_at("schedule_meeting")

    assert deliver(services) == {"delivered": 0, "retrying": 2, "dead": 0}
    pending = deliveries(api, subscription["id"], "pending")
    assert [(d["attempts"], d["last_error"]) for d in pending] == [(1, "connection refused")] * 2
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
    assert len(dead) == 1 and dead[0]["attempts"] == MAX_ATTEMPTS and dead[0]["last_error"] == "http 5xx"

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


def test_subscriptions_are_validated_and_show_their_secret_once(api: Api, services: Services, key_for) -> None:  # type: ignore[no-untyped-def]
    created = subscribe(api, "https://partner.example/hooks", ["transition"])
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert "secret" not in api.ok(api.client.get("/subscriptions", headers=api.bu))[0]
    with services.db.engine.connect() as connection:  # stored encrypted, not as given
        stored = connection.exec_driver_sql("SELECT secret FROM subscriptions").scalar_one()
    assert created["secret"] not in stored and services.secrets.open(stored) == created["secret"]
    bad = {"url": "ftp://x", "kinds": ["transition"]}
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


def test_replaying_a_delivery_more_than_five_minutes_later_fails_verification(
    api: Api, services: Services, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver.start()
    secret = subscribe(api, receiver.url, ["transition"])["secret"]
    review = api.create_review()
    api.ok(api.fire(review["id"], "withdraw", "2026-02-03", {"reason": "referred in error"}))
    assert deliver(services)["delivered"] == 1
    captured = receiver.received[0]
    assert verified(secret, captured)["kind"] == "transition"
    tampered = {**captured, "body": captured["body"].replace(b"withdraw", b"screen_in")}
    with pytest.raises(Exception, match="signature"):
        verified(secret, tampered)

    import standardwebhooks.webhooks as library

    class SixMinutesLater(library.datetime):  # type: ignore[misc, name-defined]
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def]
            return super().now(tz) + timedelta(minutes=6)

    monkeypatch.setattr(library, "datetime", SixMinutesLater)
    with pytest.raises(library.WebhookVerificationError, match="too old"):
        verified(secret, captured)


def test_a_rotated_secret_signs_alongside_the_new_one_until_its_overlap_ends(
    api: Api, services: Services, receiver: Receiver
) -> None:
    receiver.start()
    subscription = subscribe(api, receiver.url, ["transition"])
    rotate = f"/subscriptions/{subscription['id']}/secret/rotate"
    rotated = api.ok(api.client.post(rotate, json={"keep_previous_for_hours": 1}, headers=api.bu))
    assert rotated["secret"] != subscription["secret"] and rotated["previous_secret_until"]
    review = api.create_review()
    api.ok(api.fire(review["id"], "withdraw", "2026-02-03", {"reason": "referred in error"}))
    assert deliver(services)["delivered"] == 1
    first = receiver.received[-1]
    assert len(first["headers"]["webhook-signature"].split(" ")) == 2
    assert verified(subscription["secret"], first) == verified(rotated["secret"], first)

    again = api.ok(api.client.post(rotate, json={"keep_previous_for_hours": 0}, headers=api.bu))
    other = api.create_review(child_reference="Child B")
    api.ok(api.fire(other["id"], "withdraw", "2026-02-03", {"reason": "referred in error"}))
    assert deliver(services)["delivered"] == 1
    last = receiver.received[-1]
    assert verified(again["secret"], last)
    for old in (subscription["secret"], rotated["secret"]):
        with pytest.raises(Exception, match="signature"):
            verified(old, last)


SSRF = [
    "http://169.254.169.254/latest/meta-data/",
    "https://10.0.0.7/hook",
    "https://192.168.1.20/hook",
    "https://172.16.0.1/hook",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[fe80::1]/hook",
    "https://0x7f000001/hook",
    "https://2130706433/hook",
    "https://127.1/hook",
    "https://localhost/hook",
    "https://api.localhost/hook",
    "https://0.0.0.0/hook",
    "https://224.0.0.1/hook",
    "https://240.0.0.1/hook",
    "http://127.0.0.1:8080/hook",
    "https://user:pass@partner.example/hook",
    "https://partner[.example/hook",  # not a URL at all (urlsplit reads "[" as an IPv6 literal): 422, not 500
]


@pytest.mark.parametrize("url", SSRF)
def test_a_subscription_to_a_private_or_reserved_address_is_refused(api: Api, services: Services, url: str) -> None:
    services.webhook_networks = ()  # no on-premises allow-list
    body = problem(api.client.post("/subscriptions", json={"url": url, "kinds": ["transition"]}, headers=api.bu), 422)
    assert body["errors"][0]["field"] == "url"
    assert api.ok(api.client.get("/subscriptions", headers=api.bu)) == []


def test_the_address_is_checked_again_at_delivery(
    api: Api, services: Services, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: a name that resolved to a public address when subscribed points inside at delivery."""
    import socket as sockets

    receiver.start()
    real = sockets.getaddrinfo
    answers = {"rebind.example": "93.184.216.34"}

    def resolve(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        return real(answers.get(host, host), port, *args, **kwargs)

    monkeypatch.setattr(sockets, "getaddrinfo", resolve)
    services.webhook_networks = ()
    subscription = subscribe(api, f"https://rebind.example:{receiver.port}/hook", ["transition"])
    answers["rebind.example"] = "127.0.0.1"  # now it points at this machine
    review = api.create_review()
    api.ok(api.fire(review["id"], "withdraw", "2026-02-03", {"reason": "referred in error"}))
    assert deliver(services) == {"delivered": 0, "retrying": 1, "dead": 0}
    assert receiver.received == []
    assert deliveries(api, subscription["id"])[0]["last_error"] == "address refused: loopback"


def test_redirects_are_not_followed(api: Api, services: Services, receiver: Receiver) -> None:
    receiver.start()
    receiver.status, receiver.location = 307, "http://169.254.169.254/latest/meta-data/"
    subscription = subscribe(api, receiver.url, ["transition"])
    review = api.create_review()
    api.ok(api.fire(review["id"], "withdraw", "2026-02-03", {"reason": "referred in error"}))
    assert deliver(services)["retrying"] == 1
    assert len(receiver.received) == 1
    assert deliveries(api, subscription["id"])[0]["last_error"] == "http 3xx: redirects are not followed"


def test_unsubscribing_drops_what_was_queued(api: Api, services: Services, receiver: Receiver) -> None:
    receiver.start()
    subscription = subscribe(api, receiver.url, ["transition"])
    api.new_review_at("schedule_meeting")  # two transitions queued
    api.ok(api.client.delete(f"/subscriptions/{subscription['id']}", headers=api.bu))
    assert deliver(services) == {"delivered": 0, "retrying": 0, "dead": 0}
    assert receiver.received == []
    dropped = deliveries(api, subscription["id"])
    assert [(d["status"], d["last_error"]) for d in dropped] == [("dropped", "unsubscribed")] * 2
    retry = f"/subscriptions/{subscription['id']}/deliveries/{dropped[0]['event_id']}/retry"
    problem(api.client.post(retry, headers=api.bu), 422)
