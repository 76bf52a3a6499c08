"""Crash safety: SIGKILL the server while clients fire transitions, restart it, and find the history whole.

What the clients saw succeed is in the history, what they saw refused is not, and every review's state
is the last `to_state` of its history. On SQLite (WAL) and PostgreSQL."""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx

from practice_review.services.audit import verify
from practice_review.services.common import Services
from practice_review.services.keys import create_key

from .server import free_port, start

CLIENTS = 8


def test_a_killed_server_loses_no_acknowledged_change_and_keeps_none_it_refused(
    services: Services, database_url: str
) -> None:
    port = free_port()
    headers = {"Authorization": f"Bearer {create_key(services, 'load', 'business_unit').secret}"}
    succeeded: list[tuple[str, str]] = []  # (review id, event) the server acknowledged
    refused: list[tuple[str, str]] = []  # (review id, event) the server refused
    stop = threading.Event()

    def client(n: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10) as http:
            while not stop.is_set():
                try:
                    created = http.post(
                        "/reviews",
                        json={
                            "review_type": "rapid",
                            "child_reference": f"Child {n}",
                            "received_on": "2026-02-02",
                            "referrer_organisation": "Salford City Council",
                        },
                    )
                    if created.status_code != 201:
                        continue
                    review = created.json()["id"]
                    for attempt in range(2):  # the second withdraw must be refused: it is already withdrawn
                        fired = http.post(
                            f"/reviews/{review}/transitions",
                            json={
                                "event": "withdraw",
                                "occurred_on": "2026-02-03",
                                "data": {"reason": f"attempt {attempt}"},
                            },
                        )
                        (succeeded if fired.status_code == 200 else refused).append((review, f"withdraw {attempt}"))
                except httpx.TransportError:
                    continue  # the server is gone: this request's outcome is unknown, and not counted

    server = start(database_url, port=port).process
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(2.0)
    os.kill(server.pid, signal.SIGKILL)  # mid-load, no shutdown
    server.wait()
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join()
    assert len(succeeded) > 10 and refused, (len(succeeded), len(refused))

    server = start(database_url, port=port).process  # restarts on the same database, migrating first
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as http:
            histories = {}
            for review, _ in succeeded + refused:
                if review not in histories:
                    histories[review] = http.get(f"/reviews/{review}/history").json()["items"]
            for review, attempt in succeeded:
                reasons = [h["data"]["reason"] for h in histories[review] if h["event"] == "withdraw"]
                assert f"attempt {attempt[-1]}" in reasons
            for review, attempt in refused:
                reasons = [h["data"]["reason"] for h in histories[review] if h["event"] == "withdraw"]
                assert f"attempt {attempt[-1]}" not in reasons and len(reasons) == 1
            listed = http.get("/reviews", params={"limit": 200}).json()["items"]
            for item in listed:
                history = histories.get(item["id"]) or http.get(f"/reviews/{item['id']}/history").json()["items"]
                assert item["state"] == [h["to_state"] for h in history if h["to_state"]][-1]
                assert item["version"] == history[-1]["seq"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert verify(services).breaks == []  # and the hash chains are whole
