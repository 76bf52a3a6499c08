"""The part of the configuration e-mail reminders read (config.py: PRACTICE_REVIEW_REMINDER_…, EMAIL_…,
SMTP_…, NOTIFY_…), held by the running service (services/common.py) and used by services/mail.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_ATTEMPTS = 10  # as the webhook outbox's (services/notifications.py), unless configured


@dataclass(frozen=True)
class MailSettings:
    transport: str = "none"  # none, smtp, notify
    reminder_working_days: int = 2
    sender: str = "practice-review@localhost"
    business_unit: str | None = None
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    notify_api_key: str | None = None
    notify_template_id: str | None = None
    notify_base_url: str = "https://api.notifications.service.gov.uk"
    max_attempts: int = MAX_ATTEMPTS

    @classmethod
    def from_settings(cls, settings: Any) -> MailSettings:
        return cls(
            transport=settings.email_transport,
            reminder_working_days=settings.reminder_working_days,
            sender=settings.email_from,
            business_unit=settings.business_unit_email,
            smtp_host=settings.smtp_host,
            smtp_port=settings.smtp_port,
            smtp_starttls=settings.smtp_starttls,
            smtp_username=settings.smtp_username,
            smtp_password=settings.smtp_password,
            notify_api_key=settings.notify_api_key,
            notify_template_id=settings.notify_template_id,
            notify_base_url=settings.notify_base_url,
            max_attempts=settings.webhook_max_attempts,
        )
