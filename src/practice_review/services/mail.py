"""E-mail out (issue 18): how reminders are sent, over SMTP or through GOV.UK Notify, from an outbox.

The outbox (`email_outbox`) works as the webhook outbox does (services/notifications.py), with the same
backoff and attempts: a reminder is written once in the sweep's transaction (its unique `dedupe_key` makes
racing sweeps write it once), `deliver` leases due messages (`FOR UPDATE SKIP LOCKED` on PostgreSQL,
SQLite's single writer otherwise), so racing deliverers do not send the same one; a failure is retried
with backoff until the attempts run out, then the message is dead, kept with the category of what went
wrong. Each message has one Message-ID (SMTP) / reference (Notify) across retries.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol

from sqlalchemy import select

from ..storage import models as m
from .common import utcnow
from .mail_settings import MailSettings
from .notifications import LEASE, backoff


class Failed(Exception):
    """The transport did not take the message; the text is the category kept as `last_error`."""


@dataclass(frozen=True)
class Outgoing:
    id: str
    to: str
    subject: str
    body: str


class Transport(Protocol):
    name: str

    def send(self, message: Outgoing) -> None: ...


@dataclass(frozen=True)
class Smtp:
    settings: MailSettings
    name: str = "smtp"

    def send(self, message: Outgoing) -> None:
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = self.settings.sender, message.to, message.subject
        email["Message-ID"] = f"<{message.id}@practice-review>"  # the same on every retry: receivers drop repeats
        email["Date"] = formatdate(localtime=False)
        email.set_content(message.body)
        try:
            with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=10) as smtp:
                if self.settings.smtp_starttls:
                    smtp.starttls()
                if self.settings.smtp_username:
                    smtp.login(self.settings.smtp_username, self.settings.smtp_password or "")
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused:
            raise Failed("smtp: recipient refused") from None
        except smtplib.SMTPAuthenticationError:
            raise Failed("smtp: authentication failed") from None
        except smtplib.SMTPResponseException as exc:
            raise Failed(f"smtp {exc.smtp_code // 100}xx") from None
        except (TimeoutError, smtplib.SMTPException, OSError):
            raise Failed("smtp: connection failed") from None


@dataclass(frozen=True)
class Notify:
    """GOV.UK Notify: an e-mail template whose `((subject))` and `((body))` the reminder fills."""

    settings: MailSettings
    name: str = "notify"

    def send(self, message: Outgoing) -> None:
        from notifications_python_client.errors import APIError
        from notifications_python_client.notifications import NotificationsAPIClient

        if not self.settings.notify_api_key or not self.settings.notify_template_id:
            raise Failed("notify: no API key or template id configured")
        client = NotificationsAPIClient(self.settings.notify_api_key, base_url=self.settings.notify_base_url)
        try:
            client.send_email_notification(
                email_address=message.to,
                template_id=self.settings.notify_template_id,
                personalisation={"subject": message.subject, "body": message.body},
                reference=message.id,
            )
        except APIError as exc:
            raise Failed(f"notify: http {int(exc.status_code or 0) // 100}xx") from None
        except Exception:  # the client raises requests' errors for a network failure
            raise Failed("notify: connection failed") from None


def transport(settings: MailSettings) -> Transport:
    return Notify(settings) if settings.transport == "notify" else Smtp(settings)


def _lease(services: Any, now: datetime, batch: int) -> list[Outgoing]:
    with services.db.write() as session:
        due = session.scalars(
            select(m.EmailMessage)
            .where(m.EmailMessage.status == "pending", m.EmailMessage.next_attempt_at <= now)
            .order_by(m.EmailMessage.next_attempt_at, m.EmailMessage.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        ).all()
        for message in due:
            message.attempts += 1
            message.next_attempt_at = now + LEASE
        return [Outgoing(x.id, x.to_address, x.subject, x.body) for x in due]


def _settle(services: Any, message: Outgoing, sent_by: Transport, error: str | None, now: datetime) -> str:
    with services.db.write() as session:
        row = session.get(m.EmailMessage, message.id)
        assert row is not None
        if error is None:
            row.status, row.sent_at, row.last_error, row.transport = "sent", now, None, sent_by.name
        elif row.attempts >= services.mail.max_attempts:
            row.status, row.last_error = "dead", error
        else:
            row.next_attempt_at, row.last_error = now + backoff(row.attempts), error
        return row.status


def deliver(services: Any, now: datetime | None = None, batch: int = 50) -> dict[str, int]:
    """Send every reminder due by `now`; how many were sent, deferred and given up."""
    now = now or utcnow()
    outcome = {"sent": 0, "retrying": 0, "dead": 0}
    if services.mail.transport == "none":
        return outcome
    sender = transport(services.mail)
    while leased := _lease(services, now, batch):
        for message in leased:
            try:
                sender.send(message)
                error = None
            except Failed as exc:
                error = str(exc)
            status = _settle(services, message, sender, error, now)
            outcome[{"sent": "sent", "dead": "dead"}.get(status, "retrying")] += 1
    return outcome
