"""`Idempotency-Key` on every POST: a retry with the same key and body gets the first response again, and
the change happens once, however many retries race (issue 19, Build 7).

The key is reserved (a row in `idempotency_keys`, unique per caller and key) before the request runs, and
the response recorded when it has run; a duplicate arriving meanwhile waits for it, then replays it. Only
a success is kept: a refused request changed nothing, so its retry runs afresh (after the rule is met).
A response that showed a secret once (a new key, a subscription's signing secret) is not replayed: the
retry is told where the thing is and how to get a new secret.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import anyio
from anyio import to_thread
from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import Conflict, InvalidData
from ..services.common import Services, utcnow
from ..storage import models as m
from . import problems
from .auth import Credentials, CredentialsDep
from .contract import absolute

HEADER = "Idempotency-Key"
RESERVATION = "idempotency_reservation"
IN_PROGRESS = 0  # status_code of a reservation whose request is still running
WAIT_SECONDS = 30.0
SECRET_FIELDS = ("secret", "key")  # shown once (SubscriptionCreated.secret, KeyCreated.key): never stored
WITHHELD = "_withheld"
SECRET_WITHHELD = "/problems/idempotent-secret-withheld"
_VALID = re.compile(r"^[^\x00-\x1f\x7f]{1,200}$")


@dataclass(frozen=True)
class Stored:
    status_code: int
    body: dict[str, Any]
    location: str | None


class Replay(Exception):
    """The first response to this key, to be sent again."""

    def __init__(self, stored: Stored) -> None:
        self.stored = stored


class KeyInProgress(Conflict):
    type = "/problems/idempotency-key-in-progress"


def fingerprint(method: str, path: str, body: bytes) -> str:
    """The request a key was first used for: method, path and body (JSON compared by value)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode() if body else b""
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def _reserve(services: Services, credentials: Credentials, key: str, request_hash: str) -> int | Stored:
    """A new reservation's id, or what is stored under the key already (maybe still in progress)."""
    caller = credentials.caller()
    try:
        with services.db.write() as session:
            row = m.IdempotencyKey(
                api_key_id=caller.key_id,
                key=key,
                request_hash=request_hash,
                status_code=IN_PROGRESS,
                response_body={},
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        pass
    with services.db.read() as session:
        stored = session.scalar(
            select(m.IdempotencyKey).where(m.IdempotencyKey.api_key_id == caller.key_id, m.IdempotencyKey.key == key)
        )
        if stored is None:  # recorded and purged between the two statements: very unlikely; ask for a retry
            raise KeyInProgress("this Idempotency-Key was in use a moment ago; retry")
        if stored.request_hash != request_hash:
            raise InvalidData([{"field": HEADER, "message": "this key was already used with a different request"}])
        return Stored(stored.status_code, stored.response_body, stored.location)


async def idempotent(request: Request, credentials: CredentialsDep) -> None:
    """Router dependency: reserve the POST's key, or replay what the key was first answered with."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None:
        return
    if not _VALID.match(key):
        raise InvalidData([{"field": f"header.{HEADER}", "message": "1 to 200 characters, no control characters"}])
    services: Services = request.app.state.services
    request_hash = fingerprint(request.method, request.url.path, await request.body())
    with anyio.move_on_after(WAIT_SECONDS):
        while True:
            found = await to_thread.run_sync(_reserve, services, credentials, key, request_hash)
            if isinstance(found, int):
                request.state.idempotency_reservation = found
                return
            if found.status_code != IN_PROGRESS:
                raise Replay(found)
            await anyio.sleep(0.05)  # the first request with this key is still running: wait for its answer
    raise KeyInProgress(f"a request with this Idempotency-Key has been running for over {WAIT_SECONDS:.0f} s; retry")


def replay_response(request: Request, exc: Replay) -> JSONResponse:
    body, location = exc.stored.body, exc.stored.location
    headers = {"Idempotent-Replayed": "true", **({"Location": location} if location else {})}
    if WITHHELD in body:
        withheld = ", ".join(body[WITHHELD])
        if location is None and "id" in body:  # where the key or subscription is
            owner = request.url.path.removesuffix("/secret/rotate")
            location = absolute(request.scope, owner if owner != request.url.path else f"{owner}/{body['id']}")
            headers["Location"] = location
        detail = (
            f"this Idempotency-Key's request succeeded; its {withheld} was shown once and is not shown again "
            "(see Location; rotate the secret or make a new key if it was lost)"
        )
        return problems.problem(
            request, 409, "Secret not shown again", detail, SECRET_WITHHELD, headers=headers, location=location
        )
    return JSONResponse(body, status_code=exc.stored.status_code, headers=headers)


def _record(services: Services, reservation: int, stored: Stored | None) -> None:
    with services.db.write() as session:
        if stored is None:
            session.execute(delete(m.IdempotencyKey).where(m.IdempotencyKey.id == reservation))
        else:
            session.execute(
                update(m.IdempotencyKey)
                .where(m.IdempotencyKey.id == reservation)
                .values(status_code=stored.status_code, response_body=stored.body, location=stored.location)
            )


def _kept(body: Any) -> Any:
    if not isinstance(body, dict):
        return body
    withheld = [name for name in SECRET_FIELDS if isinstance(body.get(name), str)]
    if not withheld:
        return body
    return {**{k: v for k, v in body.items() if k not in withheld}, WITHHELD: withheld}


class IdempotencyRecorder:
    """ASGI middleware: keeps the response to a reserved key (a success), or frees the key (anything else)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            if "idempotency_reservation" not in scope.get("state", {}):
                await send(message)
                return
            held.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                await self._settle(scope, held)
                for kept in held:
                    await send(kept)

        await self.app(scope, receive, hold)

    async def _settle(self, scope: Scope, held: list[Message]) -> None:
        start = held[0]
        status = start["status"]
        stored = None
        if 200 <= status < 300:
            body = b"".join(m.get("body", b"") for m in held[1:])
            headers = {k.decode().lower(): v.decode() for k, v in start.get("headers", [])}
            stored = Stored(status, _kept(json.loads(body) if body else {}), headers.get("location"))
        services: Services = scope["app"].state.services
        await to_thread.run_sync(_record, services, scope["state"]["idempotency_reservation"], stored)
