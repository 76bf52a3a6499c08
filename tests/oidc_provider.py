"""A real OpenID provider on loopback for the tests: node-oidc-provider (tests/oidc/provider.mjs), installed by
`make install-test` with npm into tests/oidc/node_modules.

`running_provider()` starts one with fresh signing keys, a board client, a client-credentials client and
the people below; `Provider.mint()` signs a token with the provider's own key (for the expired, wrong audience,
tampered ... cases a real provider would never issue on request), `client_credentials()` asks the real
token endpoint, and `rotate()` restarts the provider with a new signing key first.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from .server import free_port

HERE = Path(__file__).resolve().parent / "oidc"
NODE = shutil.which("node")
AUDIENCE = "api://practice-review"
BOARD_CLIENT = {"client_id": "practice-review-board", "client_secret": "board-test-secret-not-for-production"}
SERVICE_CLIENT = {"client_id": "police-case-system", "client_secret": "service-test-secret-not-for-production"}
# The people the provider knows: login is the account id (any password).
PEOPLE: dict[str, dict[str, Any]] = {
    "dana": {"name": "Dana Okafor", "roles": ["Chair"], "organisation": "Salford SSCP"},
    "ben": {"name": "Ben Ahmed", "groups": ["sscp-business-unit"], "organisation": "Salford SSCP"},
    "priya": {"name": "Priya Shah", "roles": ["Partner.Police"], "organisation": "Greater Manchester Police"},
    "sam": {"name": "Sam Lee", "roles": ["Agency"], "organisation": "Northern Care Alliance"},
    "ola": {"name": "Ola Nowak", "roles": ["Reviewer"], "organisation": "Independent"},
    "jo": {"name": "Jo Bloggs", "roles": ["Scrutineer"], "organisation": "Independent"},
    "kim": {"name": "Kim Park", "roles": ["ReadOnly"], "organisation": "Salford SSCP"},
    "max": {"name": "Max Wu", "roles": ["Admin"], "organisation": "Salford SSCP"},
    "nobody": {"name": "No Role", "organisation": "Salford SSCP"},
}


def node_or_skip() -> str:
    if NODE is None:
        pytest.skip("Node.js is not installed: the OpenID provider tests need node and `make install-test`")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("oidc-provider is not installed: `make install-test` runs npm ci in tests/oidc")
    return NODE


def new_key(kind: str = "RSA") -> Any:
    kid = uuid.uuid4().hex[:12]
    if kind == "EC":
        return ECKey.generate_key("P-256", {"kid": kid, "alg": "ES256", "use": "sig"}, private=True)
    return RSAKey.generate_key(2048, {"kid": kid, "alg": "RS256", "use": "sig"}, private=True)


@dataclass
class Provider:
    issuer: str
    port: int
    keys: list[Any]
    workdir: Path
    process: subprocess.Popen[bytes] | None = None
    redirect_uris: list[str] = field(default_factory=list)
    post_logout_redirect_uris: list[str] = field(default_factory=list)

    def _config(self) -> dict[str, Any]:
        board = {
            **BOARD_CLIENT,
            "redirect_uris": self.redirect_uris or ["http://127.0.0.1/unused"],
            "post_logout_redirect_uris": self.post_logout_redirect_uris,
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
        }
        service = {**SERVICE_CLIENT, "grant_types": ["client_credentials"], "response_types": [], "redirect_uris": []}
        return {
            "issuer": self.issuer,
            "port": self.port,
            "keys": [key.as_dict(private=True) for key in self.keys],
            "clients": [board, service],
            "accounts": PEOPLE,
            "audience": AUDIENCE,
        }

    def start(self) -> None:
        path = self.workdir / f"provider-{uuid.uuid4().hex[:6]}.json"
        path.write_text(json.dumps(self._config()))
        log = open(self.workdir / "provider.log", "ab")  # noqa: SIM115 - kept open for the process's life
        self.process = subprocess.Popen([node_or_skip(), str(HERE / "provider.mjs"), str(path)], stdout=log, stderr=log)
        for _ in range(600):
            if self.process.poll() is not None:
                raise RuntimeError(f"the provider exited: {(self.workdir / 'provider.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("the provider did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def rotate(self) -> Any:
        """A new signing key, published first; the old one stays published (as providers roll keys)."""
        key = new_key()
        self.keys.insert(0, key)
        self.restart()
        return key

    def mint(self, claims: dict[str, Any], key: Any = None, header: dict[str, Any] | None = None) -> str:
        """A token signed with the provider's current key (or `key`); a claim given as None is left out."""
        key = key or self.keys[0]
        now = int(time.time())
        body = {"iss": self.issuer, "aud": AUDIENCE, "sub": "dana", "iat": now, "nbf": now, "exp": now + 300}
        head = {"alg": key.alg or "RS256", "kid": key.kid, "typ": "at+jwt", **(header or {})}
        return jwt.encode(head, {k: v for k, v in {**body, **claims}.items() if v is not None}, key)

    def client_credentials(self, client: dict[str, str] = SERVICE_CLIENT) -> str:
        """An access token from the real token endpoint, for a partner system (no person behind it)."""
        answer = httpx.post(
            f"{self.issuer}/token",
            data={"grant_type": "client_credentials", "resource": AUDIENCE, "scope": "api"},
            auth=(client["client_id"], client["client_secret"]),
            timeout=10,
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])


@contextmanager
def running_provider(workdir: Path, redirect_uris: list[str] = (), post_logout: list[str] = ()) -> Iterator[Provider]:
    port = free_port()
    provider = Provider(f"http://127.0.0.1:{port}", port, [new_key(), new_key("EC")], workdir)
    provider.redirect_uris, provider.post_logout_redirect_uris = list(redirect_uris), list(post_logout)
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


def issuer_settings(provider: Provider, **extra: Any) -> dict[str, Any]:
    """The trusted-issuer settings for the test provider, as an operator would write them (README)."""
    return {
        "name": "test",
        "title": "Test partnership account",
        "issuer": provider.issuer,
        "audience": AUDIENCE,
        "client_id": BOARD_CLIENT["client_id"],
        "client_secret": BOARD_CLIENT["client_secret"],
        "scopes": ["openid", "profile", "practice_review"],
        "organisation_claim": "organisation",
        "roles": [
            {"claim": "roles", "value": "Chair", "role": "chair"},
            {"claim": "groups", "value": "sscp-business-unit", "role": "business_unit"},
            {"claim": "roles", "value": "Partner.Police", "role": "partner", "partner": "police"},
            {"claim": "roles", "value": "Agency", "role": "agency"},
            {"claim": "roles", "value": "Reviewer", "role": "reviewer"},
            {"claim": "roles", "value": "Scrutineer", "role": "independent_scrutineer"},
            {"claim": "roles", "value": "ReadOnly", "role": "read_only"},
            {"claim": "roles", "value": "Admin", "role": "admin"},
        ],
        "clients": [
            {
                "client_id": SERVICE_CLIENT["client_id"],
                "name": "Police case system",
                "role": "partner",
                "partner": "police",
                "organisation": "Greater Manchester Police",
            }
        ],
        **extra,
    }
