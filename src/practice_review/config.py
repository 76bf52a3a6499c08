"""Configuration, read from the environment once (see README "Configuration")."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .identity.issuers import IssuerSettingsError, TrustedIssuer, issuers_from_env

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
    # issue 16: people sign in through their organisation's OpenID provider (README "Signing in")
    trusted_issuers: tuple[TrustedIssuer, ...] = ()
    jwks_refetch_seconds: float = 60.0  # an unknown kid fetches a provider's keys again at most this often
    board_session_minutes: int = 480  # a board sign-in lasts at most this long
    board_idle_minutes: int = 60  # and ends after this long without a page

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
            **_identity_settings(env),
        )


# issue 16: trusted issuers and board sessions
def _identity_settings(env: dict[str, str]) -> dict[str, object]:
    try:
        issuers = issuers_from_env(env)
    except IssuerSettingsError as exc:
        raise ConfigurationError(str(exc)) from exc
    return {
        "trusted_issuers": issuers,
        "board_session_minutes": _minutes(env, "PRACTICE_REVIEW_BOARD_SESSION_MINUTES", 480),
        "board_idle_minutes": _minutes(env, "PRACTICE_REVIEW_BOARD_IDLE_MINUTES", 60),
    }


def _minutes(env: dict[str, str], name: str, default: int) -> int:
    text = env.get(name) or str(default)
    if not text.isdigit() or not 1 <= int(text) <= 7 * 24 * 60:
        raise ConfigurationError(f"{name} must be a whole number of minutes from 1 to 10080, not {text!r}")
    return int(text)
