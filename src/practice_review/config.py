"""Configuration, read from the environment once (see README "Configuration")."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "sqlite:///./practice_review.db"


class ConfigurationError(ValueError):
    pass


def _parse_closure_days(text: str) -> tuple[date, ...]:
    try:
        return tuple(date.fromisoformat(part.strip()) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise ConfigurationError(
            f"PRACTICE_REVIEW_CLOSURE_DAYS must be comma-separated YYYY-MM-DD dates: {exc}"
        ) from exc


def _parse_threads(text: str) -> int:
    try:
        threads = int(text)
    except ValueError:
        threads = 0
    if threads < 1:
        raise ConfigurationError(f"PRACTICE_REVIEW_THREADS must be a whole number of at least 1, not {text!r}")
    return threads


def _default_workflows_dir() -> Path:
    """The repository's workflows/, or the copy installed next to the package."""
    in_repo = PROJECT_ROOT / "workflows"
    return in_repo if in_repo.is_dir() else Path(__file__).resolve().parent / "workflows"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    workflows_dir: Path = field(default_factory=_default_workflows_dir)
    region: str = "ENG"
    closure_days: tuple[date, ...] = ()
    threads: int = 4  # per server process, for the blocking database work of requests
    reports_database_url: str | None = None  # a read replica for GET /reports/summary
    # issue 14: keys the database does not hold, and where webhooks may go (SECURITY.md, README "Configuration")
    audit_keys: str | None = None  # "id:secret,…": HMAC keys of the history chain, the first signs new events
    secrets_keys: str | None = None  # Fernet keys, comma-separated: the first encrypts webhook secrets at rest
    webhook_allowed_networks: tuple[str, ...] = ()  # CIDRs a webhook may reach although private (on-premises)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        return cls(
            database_url=env.get("PRACTICE_REVIEW_DATABASE_URL") or DEFAULT_DATABASE_URL,
            workflows_dir=Path(env["PRACTICE_REVIEW_WORKFLOWS_DIR"])
            if env.get("PRACTICE_REVIEW_WORKFLOWS_DIR")
            else _default_workflows_dir(),
            region=env.get("PRACTICE_REVIEW_REGION") or "ENG",
            closure_days=_parse_closure_days(env.get("PRACTICE_REVIEW_CLOSURE_DAYS", "")),
            threads=_parse_threads(env.get("PRACTICE_REVIEW_THREADS", "4")),
            reports_database_url=env.get("PRACTICE_REVIEW_REPORTS_DATABASE_URL") or None,
            **_security_settings(env),
        )


def _security_settings(env: dict[str, str]) -> dict[str, object]:
    """issue 14: PRACTICE_REVIEW_AUDIT_KEYS, PRACTICE_REVIEW_SECRETS_KEYS, PRACTICE_REVIEW_WEBHOOK_ALLOWED_NETWORKS,
    each checked here so a bad value stops the service at start-up, naming the setting."""
    from .security import parse_allowed_networks, parse_audit_keys, parse_secrets_keys

    found = {
        "audit_keys": env.get("PRACTICE_REVIEW_AUDIT_KEYS") or None,
        "secrets_keys": env.get("PRACTICE_REVIEW_SECRETS_KEYS") or None,
        "webhook_allowed_networks": tuple(
            p.strip() for p in env.get("PRACTICE_REVIEW_WEBHOOK_ALLOWED_NETWORKS", "").split(",") if p.strip()
        ),
    }
    for name, parse in (
        ("audit_keys", parse_audit_keys),
        ("secrets_keys", parse_secrets_keys),
        ("webhook_allowed_networks", parse_allowed_networks),
    ):
        try:
            parse(found[name])  # type: ignore[operator]
        except ValueError as exc:
            raise ConfigurationError(f"PRACTICE_REVIEW_{name.upper()}: {exc}") from exc
    return found
