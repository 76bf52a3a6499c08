"""Each trusted provider's metadata (OpenID discovery) and signing keys (JWKS), fetched once and cached.

Providers roll their keys: a token signed with a `kid` the cache does not hold makes it fetch the JWKS
again, at most once per `refetch_seconds` per provider (so a flood of made-up kids cannot make the
service hammer the provider), and a kid still unknown after that is refused. The keys are fetched afresh
after `MAX_AGE_SECONDS` too, so a key the provider has withdrawn stops verifying.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from joserfc.jwk import ECKey, RSAKey

from .issuers import TrustedIssuer

log = logging.getLogger("practice_review")
SIGNING_KEY_TYPES = {"RSA": RSAKey, "EC": ECKey}
MAX_AGE_SECONDS = 24 * 3600
RETRY_SECONDS = 5.0  # after a provider failed to answer, requests meanwhile are refused without asking it
Fetch = Callable[[str], dict[str, Any]]


class ProviderUnavailable(Exception):
    """The provider's metadata or keys could not be had (a 503 for the caller, not their fault)."""


def fetch_json(url: str) -> dict[str, Any]:
    try:
        answer = httpx.get(url, timeout=10, follow_redirects=False, headers={"Accept": "application/json"})
        answer.raise_for_status()
        body = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnavailable(f"{url}: {type(exc).__name__}") from exc
    if not isinstance(body, dict):
        raise ProviderUnavailable(f"{url}: not a JSON object")
    return body


def _signing_keys(jwks: dict[str, Any]) -> dict[str, Any]:
    """The public signing keys by kid; keys for encryption, without a kid, or of other types are left out."""
    keys = {}
    for raw in jwks.get("keys") or []:
        if not isinstance(raw, dict) or raw.get("use", "sig") != "sig" or not isinstance(raw.get("kid"), str):
            continue
        key_type = SIGNING_KEY_TYPES.get(str(raw.get("kty")))
        if key_type is None:
            continue
        public = {k: v for k, v in raw.items() if k not in ("d", "p", "q", "dp", "dq", "qi")}
        try:
            keys[raw["kid"]] = key_type.import_key(public)
        except ValueError:
            log.warning("a signing key the provider published could not be read (kid %s)", raw["kid"])
    return keys


@dataclass
class ProviderKeys:
    issuer: TrustedIssuer
    refetch_seconds: float = 60.0
    fetch: Fetch = fetch_json
    clock: Callable[[], float] = time.monotonic
    metadata: dict[str, Any] | None = None
    keys: dict[str, Any] = field(default_factory=dict)
    _loaded_at: float | None = None  # when the keys were last fetched
    _refetched_at: float | None = None  # when an unknown kid last made them be fetched again
    _failed_at: float | None = None  # when the provider last failed to answer
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def discovery(self) -> dict[str, Any]:
        with self._lock:
            if self.metadata is None:
                self.metadata = self._asked(self._discover)
            return self.metadata

    def _discover(self) -> dict[str, Any]:
        url = self.issuer.issuer.rstrip("/") + "/.well-known/openid-configuration"
        found = self.fetch(url)
        if found.get("issuer") != self.issuer.issuer:  # OpenID Connect Discovery 1.0 §4.3
            raise ProviderUnavailable(f"{url} names issuer {found.get('issuer')!r}, not {self.issuer.issuer}")
        return found

    def _asked(self, fetch: Callable[[], Any]) -> Any:
        """A fetch from the provider; while it is failing, asked again only every RETRY_SECONDS."""
        now = self.clock()
        if self._failed_at is not None and now - self._failed_at < RETRY_SECONDS:
            raise ProviderUnavailable(f"{self.issuer.issuer} did not answer a moment ago")
        try:
            found = fetch()
        except ProviderUnavailable:
            self._failed_at = now
            raise
        self._failed_at = None
        return found

    def key(self, kid: str) -> Any | None:
        """The signing key with this kid; fetches the JWKS when it is not known (rate-limited) or is old."""
        now = self.clock()
        if kid in self.keys and self._loaded_at is not None and now - self._loaded_at < MAX_AGE_SECONDS:
            return self.keys[kid]
        metadata = self.discovery()
        with self._lock:
            stale = self._loaded_at is None or now - self._loaded_at >= MAX_AGE_SECONDS
            if stale or (kid not in self.keys and self._may_refetch(now)):
                if not stale:
                    self._refetched_at = now
                self._load(metadata, now)
            return self.keys.get(kid)

    def refresh(self) -> None:
        """Fetch the keys now (`practice-review issuers check`)."""
        metadata = self.discovery()
        with self._lock:
            self._load(metadata, self.clock())

    def _load(self, metadata: dict[str, Any], now: float) -> None:
        jwks_uri = metadata.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise ProviderUnavailable(f"{self.issuer.issuer} publishes no jwks_uri")
        try:
            self.keys = _signing_keys(self._asked(lambda: self.fetch(jwks_uri)))
        except ProviderUnavailable:
            if not self.keys:
                raise
            log.warning("%s's keys could not be refreshed; the ones held still verify", self.issuer.name)
            return
        self._loaded_at = now

    def _may_refetch(self, now: float) -> bool:
        return self._refetched_at is None or now - self._refetched_at >= self.refetch_seconds


@dataclass
class Trust:
    """Every trusted issuer with its cached keys: what the API and the board verify tokens against."""

    issuers: tuple[TrustedIssuer, ...] = ()
    refetch_seconds: float = 60.0
    fetch: Fetch = fetch_json
    _providers: dict[str, ProviderKeys] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._providers = {i.issuer: ProviderKeys(i, self.refetch_seconds, self.fetch) for i in self.issuers}

    @property
    def configured(self) -> bool:
        return bool(self.issuers)

    def provider(self, iss: str) -> ProviderKeys | None:
        return self._providers.get(iss)

    def named(self, name: str) -> TrustedIssuer | None:
        return next((i for i in self.issuers if i.name == name), None)


def check(issuer: TrustedIssuer, fetch: Fetch = fetch_json) -> str:
    """One line saying what the provider publishes (or ProviderUnavailable): for `practice-review issuers check`."""
    keys = ProviderKeys(issuer, fetch=fetch)
    keys.refresh()
    metadata = keys.discovery()
    if not keys.keys:
        raise ProviderUnavailable(f"{issuer.issuer} publishes no RSA or EC signing key")
    logout = "offers sign-out" if metadata.get("end_session_endpoint") else "no end_session_endpoint"
    board = "signs people in to the board" if issuer.signs_people_in else "API tokens only"
    return f"{len(keys.keys)} signing keys, {logout}, {board}"
