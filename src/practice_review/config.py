"""Configuration: one validated model read from `PRACTICE_REVIEW_*` variables (README "Configuration").

`Settings.from_env()` reads the environment (or a given mapping) and raises `ConfigurationError` with one
line per bad variable; `Settings(database_url=..., ...)` builds one from arguments alone (tests, tools),
with the defaults below for everything not given. practice-review.env.example lists every variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .identity.issuers import IssuerSettingsError, TrustedIssuer, issuers_from

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "sqlite:///./practice_review.db"
ENV_PREFIX = "PRACTICE_REVIEW_"
REGIONS = ("ENG", "WLS", "SCT", "NIR")


class ConfigurationError(ValueError):
    """Bad configuration; `problems` has one line per variable, each naming it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _default_workflows_dir() -> Path:
    """The repository's workflows/, or the copy installed next to the package."""
    in_repo = PROJECT_ROOT / "workflows"
    return in_repo if in_repo.is_dir() else Path(__file__).resolve().parent / "workflows"


default_workflows_dir = _default_workflows_dir  # issue 13: the shipped partnership.yaml is read from here


def _comma_separated(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _database_url(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError("not a database URL (expected e.g. postgresql://user@host/db or sqlite:///path)") from None
    if url.get_backend_name() not in ("sqlite", "postgresql", "postgres"):
        raise ValueError(f"unsupported database {url.get_backend_name()!r} (use sqlite or postgresql)")
    return value


CommaSeparated = Annotated[tuple[str, ...], NoDecode]


class Settings(BaseSettings):
    """Every setting of the service; each is the variable PRACTICE_REVIEW_<NAME IN CAPITALS>."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore", env_ignore_empty=True)

    database_url: str = Field(
        DEFAULT_DATABASE_URL, repr=False, description="SQLAlchemy URL; postgresql:// uses psycopg 3"
    )
    workflows_dir: Path = Field(default_factory=_default_workflows_dir, description="the workflow YAML files")
    region: Literal["ENG", "WLS", "SCT", "NIR"] = Field("ENG", description="bank holidays of this UK region")
    closure_days: Annotated[tuple[date, ...], NoDecode] = Field((), description="extra non-working dates, YYYY-MM-DD")
    threads: int = Field(4, ge=1, le=64, description="threads per server process for requests' database work")
    reports_database_url: str | None = Field(None, repr=False, description="a read replica for GET /reports/summary")

    # issue 19: operating settings (pools, logs, webhooks, HTTP, retention)
    pool_size: int = Field(10, ge=1, le=200, description="PostgreSQL connections kept open per process")
    pool_max_overflow: int = Field(20, ge=0, le=500, description="extra PostgreSQL connections under load")
    pool_timeout_seconds: float = Field(30, gt=0, le=600, description="wait for a free connection before failing")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="the service's log level")
    log_format: Literal["json", "text"] = Field("json", description="one JSON object per line, or plain text")
    webhook_timeout_seconds: float = Field(10, gt=0, le=120, description="one webhook delivery attempt")
    webhook_max_attempts: int = Field(10, ge=1, le=100, description="attempts before a message is dead")
    max_body_bytes: int = Field(1024 * 1024, ge=1024, le=64 * 1024 * 1024, description="largest request body")
    cors_allow_origins: CommaSeparated = Field((), description="origins allowed to call the API from a browser")
    public_base_url: str | None = Field(None, description="the service's public URL, for links (else the request's)")
    outbox_retention_days: int = Field(90, ge=1, le=3650, description="keep delivered/dead outbox rows this long")
    idempotency_retention_days: int = Field(7, ge=1, le=365, description="keep Idempotency-Key replies this long")
    metrics_token: str | None = Field(
        None,
        repr=False,
        min_length=16,
        max_length=200,
        description="GET /metrics asks for it; unset: local scrapers only",
    )

    # issue 14: keys the database does not hold, and where webhooks may go (SECURITY.md, README "Configuration")
    audit_keys: str | None = Field(
        None, repr=False, description="id:secret,… HMAC keys of the history chain (A1); the first signs new events"
    )
    secrets_keys: str | None = Field(
        None, repr=False, description="Fernet keys, comma-separated; the first encrypts webhook secrets at rest"
    )
    webhook_allowed_networks: CommaSeparated = Field(
        (), description="CIDRs a webhook may reach although private or loopback (on-premises receivers)"
    )

    @field_validator("webhook_allowed_networks", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        from .security import parse_allowed_networks

        networks = _comma_separated(value)
        parse_allowed_networks(networks)
        return networks

    @field_validator("audit_keys", "secrets_keys")
    @classmethod
    def _keys(cls, value: str | None, info: Any) -> str | None:
        from .security import parse_audit_keys, parse_secrets_keys

        (parse_audit_keys if info.field_name == "audit_keys" else parse_secrets_keys)(value)
        return value

    # issue 16: people sign in through their organisation's OpenID provider (README "Signing in with your
    # organisation's account"); the issuers come from the YAML file and/or the YAML text, both if both are set
    issuers_file: Path | None = Field(None, description="YAML file of trusted issuers")
    issuers: Annotated[tuple[TrustedIssuer, ...], NoDecode] = Field(
        (), validate_default=True, description="trusted issuers as YAML text (beside those of the file)"
    )
    jwks_refetch_seconds: float = Field(60, gt=0, le=3600, description="an unknown kid refetches keys this rarely")
    board_session_minutes: int = Field(480, ge=1, le=10080, description="a board sign-in lasts at most this long")
    board_idle_minutes: int = Field(60, ge=1, le=10080, description="a board sign-in ends unused this long")

    # issue 18: e-mail reminders (README "E-mail reminders"): N working days before a due date and on breach
    reminder_working_days: int = Field(2, ge=0, le=30, description="reminders go this many working days before due")
    email_transport: Literal["none", "smtp", "notify"] = Field("none", description="how reminders are sent")
    email_from: str = Field("practice-review@localhost", max_length=254, description="the reminders' From address")
    business_unit_email: str | None = Field(None, max_length=254, description="where clock reminders go")
    smtp_host: str = Field("localhost", max_length=253, description="the SMTP server reminders go through")
    smtp_port: int = Field(25, ge=1, le=65535, description="its port (587 with smtp_starttls)")
    smtp_starttls: bool = Field(False, description="upgrade the SMTP connection with STARTTLS")
    smtp_username: str | None = Field(None, max_length=200, description="SMTP login, if it needs one")
    smtp_password: str | None = Field(None, repr=False, max_length=200, description="SMTP password")
    notify_api_key: str | None = Field(None, repr=False, description="GOV.UK Notify API key (email_transport=notify)")
    notify_template_id: str | None = Field(None, max_length=64, description="the Notify e-mail template's id")
    notify_base_url: str = Field("https://api.notifications.service.gov.uk", description="the Notify API")
    # issue 17: the board is the partnership's service, not GOV.UK's: its header and footer carry this name
    partnership_name: str = Field(
        "Salford Safeguarding Children Partnership",
        min_length=1,
        max_length=120,
        pattern=r"^[^<>\x00-\x1f]+$",
        description="the partnership's name on the board's header, footer and page titles",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        **_: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments only: the environment is read by `from_env`, never behind a caller's back."""
        return (init_settings,)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        try:
            return cls(**_MappingSource(cls, os.environ if env is None else env)())
        except ValidationError as exc:
            raise ConfigurationError([_problem(error) for error in exc.errors()]) from None

    @field_validator("closure_days", mode="before")
    @classmethod
    def _closure_days(cls, value: Any) -> Any:
        return _comma_separated(value)

    @field_validator("cors_allow_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        origins = _comma_separated(value)
        for origin in origins:
            if origin != "*" and not origin.startswith(("https://", "http://")):
                raise ValueError(f"{origin!r} is not an origin like https://example.org")
        return origins

    @field_validator("region", mode="before")
    @classmethod
    def _region(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url", "reports_database_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _database_url(value)

    @field_validator("issuers", mode="before")
    @classmethod
    def _issuers(cls, value: Any, info: ValidationInfo) -> Any:
        """YAML text (the variable) or issuers already made (tests); with the file's issuers first."""
        try:
            return issuers_from(info.data.get("issuers_file"), value, os.environ)
        except IssuerSettingsError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an absolute http(s) URL")
        return value.rstrip("/") if value else value


class _MappingSource(EnvSettingsSource):
    """pydantic-settings' environment source, over a given mapping instead of os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._given = env
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._given, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


def _problem(error: Any) -> str:
    name = ENV_PREFIX + "_".join(str(part) for part in error["loc"][:1]).upper()
    message = str(error["msg"]).removeprefix("Value error, ")
    given = error.get("input")
    # never echo a password or a key (issue 16: an issuers setting may hold a client secret)
    secret = any(word in name.lower() for word in ("url", "keys", "issuers", "token", "password", "api_key"))
    shown = "" if isinstance(given, dict) or secret else f" (got {given!r})"
    return f"{name}: {message}{shown}"
