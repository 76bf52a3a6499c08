"""The `practice-review` command (api.md "CLI")."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import PROJECT_ROOT, ConfigurationError, Settings
from .roles import ROLES

if TYPE_CHECKING:
    from .services.common import Services

OPENAPI_PATH = PROJECT_ROOT / "openapi" / "openapi.json"


def openapi_document() -> str:
    from .api.app import create_app

    return json.dumps(create_app().openapi(), indent=2, sort_keys=True) + "\n"


@contextmanager
def _services(settings: Settings) -> Iterator[Services]:
    """The service's parts, on a database at the code's revision (never migrated here: `migrate` does that),
    released afterwards (every command that reads or writes)."""
    from .bootstrap import build_services
    from .storage.migrations import check_at_head

    check_at_head(settings.database_url)
    services = build_services(settings)
    try:
        yield services
    finally:
        services.db.dispose()


def _migrate(settings: Settings) -> None:
    from .storage.migrations import upgrade

    upgrade(settings.database_url)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from .bootstrap import load_workflows
    from .logs import logging_config
    from .storage.migrations import check_at_head

    load_workflows(settings)  # a bad workflow file or issuer: one line, exit 2, before anything starts
    if args.migrate:
        _migrate(settings)
    else:
        check_at_head(settings.database_url)
    uvicorn.run(
        "practice_review.api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level.lower(),
        log_config=logging_config(settings),  # JSON lines (or text) with request ids: logs.py
        access_log=False,  # the request log writes one line per request, with its request id
    )
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from .storage.migrations import head_revision, shown_url

    _migrate(settings)
    print(f"database at head ({head_revision()}): {shown_url(settings.database_url)}")
    return 0


def cmd_keys_create(args: argparse.Namespace, settings: Settings) -> int:
    from .errors import InvalidData
    from .services.keys import create_key

    expires_at = datetime.now(UTC) + timedelta(days=args.expires_in_days) if args.expires_in_days else None
    try:
        with _services(settings) as services:
            key = create_key(
                services, args.name, args.role, args.partner, args.organisation, expires_at, person_id=args.person_id
            )
    except InvalidData as exc:
        print("; ".join(f"{e['field']}: {e['message']}" for e in exc.errors), file=sys.stderr)
        return 2
    scope = f" ({key.partner})" if key.partner else f" ({key.organisation})" if key.organisation else ""
    scope += f", expiring {expires_at.isoformat()}" if expires_at else ""
    print(f"created key {key.id} '{key.name}' with role {key.role}{scope}; it is shown only once:")
    print(key.secret)
    return 0


def cmd_sweep(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import date

    from .errors import DomainError
    from .roles import Caller
    from .services.deadlines import sweep

    scheduler = Caller(key_id=0, key_name="practice-review sweep", role="business_unit")
    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
        with _services(settings) as services:
            result = sweep(services, scheduler, as_of)
            _report_sweep(services, result)
    except (DomainError, ValueError) as exc:
        print(f"sweep refused: {exc}", file=sys.stderr)
        return 2
    return 0


def _report_sweep(services: Services, result: dict[str, Any]) -> None:
    from .services.operations import record_success

    for breach in result["newly_breached"]:
        print(f"breached  {breach['reference']:<18} {breach['clock']:<22} due {breach['due_on']}")
    print(f"sweep as of {result['as_of']}: {len(result['newly_breached'])} newly breached")
    record_success(services, "sweep", {"as_of": result["as_of"], "newly_breached": len(result["newly_breached"])})


def cmd_deliver(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 1 when a message died in this run (its receiver refused it every time): alert on it."""
    from .services import mail  # issue 18: the e-mail reminders' outbox too
    from .services.notifications import deliver
    from .services.operations import record_success

    with _services(settings) as services:
        outcome = deliver(services)
        sent = mail.deliver(services)
        print(f"delivered {outcome['delivered']}, retrying later {outcome['retrying']}, dead {outcome['dead']}")
        if settings.email_transport != "none":
            print(f"e-mails sent {sent['sent']}, retrying later {sent['retrying']}, dead {sent['dead']}")
        if outcome["dead"]:
            print(f"{outcome['dead']} messages are dead: see GET /subscriptions/{{id}}/deliveries", file=sys.stderr)
        if sent["dead"]:
            print(f"{sent['dead']} e-mails are dead: see the reminders' outbox", file=sys.stderr)
        if outcome["dead"] or sent["dead"]:
            return 1
        record_success(services, "deliver", {**outcome, "emails": sent})
    return 0


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    """Retention: settled outbox rows and Idempotency-Key replies past their days; never history (A1)."""
    from .services.operations import purge, record_success

    with _services(settings) as services:
        purged = purge(services, settings.outbox_retention_days, settings.idempotency_retention_days)
        record_success(services, "purge", purged)
    print(
        f"purged {purged['outbox']} outbox messages older than {settings.outbox_retention_days} days and "
        f"{purged['idempotency_keys']} Idempotency-Key replies older than {settings.idempotency_retention_days} days"
    )
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from .storage.backup import CannotBackUp, backup, sqlite_path
    from .storage.migrations import check_at_head

    try:
        sqlite_path(settings.database_url)
        check_at_head(settings.database_url)
        pages = backup(settings.database_url, Path(args.destination))
    except CannotBackUp as exc:
        print(f"backup refused: {exc}", file=sys.stderr)
        return 2
    print(f"backed up {pages} pages to {args.destination} (integrity check ok)")
    return 0


def cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from .services.audit import verify

    with _services(settings) as services:
        found = verify(services)
        insecure = services.audit_keys.insecure
    for b in found.breaks:
        print(f"BREAK  review {b.review_id} event {b.seq}: {b.problem}")
    for review_id, b in sorted(found.first_breaks().items()):
        print(f"BROKEN review {review_id}: first bad seq {b.seq}")
    if found.unkeyed:
        print(f"note: {found.unkeyed} events were chained before keyed chaining (plain SHA-256, checked as such)")
    if insecure:
        print("WARNING: PRACTICE_REVIEW_AUDIT_KEYS is not set: the development key proves nothing (SECURITY.md)")
    print(
        f"audit: {found.reviews} reviews, {found.events} history events checked, {len(found.breaks)} breaks "
        f"in {len(found.first_breaks())} reviews"
    )
    return 1 if found.breaks else 0


def cmd_keys_list(args: argparse.Namespace, settings: Settings) -> int:
    from .services.keys import list_keys

    with _services(settings) as services:
        keys = list_keys(services)
    for k in keys:
        state = "active" if k["active"] else "revoked" if k["revoked_at"] else "expired"
        scope = k["partner"] or k["organisation"] or ""
        print(f"{k['id']:>4}  {k['prefix']}…  {state:<8} {k['role']:<22} {scope:<20} {k['name']}")
    return 0


def cmd_keys_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from .errors import NotFound
    from .services.keys import revoke_key

    try:
        with _services(settings) as services:
            revoked = revoke_key(services, args.key_id)
    except NotFound as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"revoked key {revoked['id']} '{revoked['name']}': it fails from the next request on")
    return 0


def cmd_workflows_check(args: argparse.Namespace, settings: Settings) -> int:
    from .workflow.definitions import WorkflowError, load_directory

    directory = Path(args.dir) if args.dir else settings.workflows_dir
    try:
        definitions = load_directory(directory)
    except WorkflowError as exc:
        print(f"workflows in {directory} are not valid:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    for d in definitions:
        counts = f"{len(d.states)} states, {len(d.events)} events, {len(d.clocks)} clocks"
        print(f"ok  {d.review_type:<16} version {d.version}  {counts}")
    return 0


def cmd_issuers_check(args: argparse.Namespace, settings: Settings) -> int:
    """issue 16: each trusted issuer's discovery document and keys, fetched as the service will."""
    from .identity.discovery import ProviderUnavailable, check

    if not settings.issuers:
        print("no trusted issuers: the API takes API keys only, and the board a pasted key")
        return 0
    failed = 0
    for issuer in settings.issuers:
        try:
            print(f"ok  {issuer.name:<16} {issuer.issuer}  {check(issuer)}")
        except ProviderUnavailable as exc:
            failed += 1
            print(f"bad {issuer.name:<16} {exc}", file=sys.stderr)
        if issuer.signs_people_in and args.base_url:
            base = args.base_url.rstrip("/")
            print(f"    redirect URI {base}/board/sign-in/oidc/{issuer.name}/callback")
            print(f"    after sign-out {base}/board/sign-in")
    return 1 if failed else 0


def cmd_openapi(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.output) if args.output else OPENAPI_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(openapi_document(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="practice-review", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate the database, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--no-migrate",
        dest="migrate",
        action="store_false",
        help="do not migrate first (run `practice-review migrate` as its own step); refuse unless at head",
    )
    serve.set_defaults(run=cmd_serve)

    commands.add_parser(
        "migrate", help="alembic upgrade head, one process at a time (the only command that migrates)"
    ).set_defaults(run=cmd_migrate)

    keys = commands.add_parser("keys", help="API keys").add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="create a key; it is printed once, as the last line")
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--partner", help="for partner keys: its code, one of partnership.yaml's statutory_partners")
    create.add_argument("--organisation", help="for agency keys: the organisation it speaks for")
    create.add_argument(
        "--person-id", help="the person it is issued to: a reviewer key reads the reviews they are appointed to"
    )
    create.add_argument("--expires-in-days", type=int, help="the key stops working after this many days")
    create.set_defaults(run=cmd_keys_create)
    keys.add_parser("list", help="every key, without secrets").set_defaults(run=cmd_keys_list)
    revoke = keys.add_parser("revoke", help="revoke a key; it fails from the next request on")
    revoke.add_argument("key_id", type=int)
    revoke.set_defaults(run=cmd_keys_revoke)

    sweep = commands.add_parser("sweep", help="record clocks newly past their deadline as breached (for cron)")
    sweep.add_argument("--as-of", help="the date to sweep as of (default: today in London)")
    sweep.set_defaults(run=cmd_sweep)

    commands.add_parser(
        "deliver", help="deliver due notifications to subscribers (for cron); exit 1 when a message died"
    ).set_defaults(run=cmd_deliver)
    commands.add_parser(
        "purge", help="delete settled outbox rows and Idempotency-Key replies past their retention (never history)"
    ).set_defaults(run=cmd_purge)
    backup = commands.add_parser("backup", help="SQLite: a consistent copy while the service runs (online backup)")
    backup.add_argument("destination", help="the file to write (replaced only once the copy is complete)")
    backup.set_defaults(run=cmd_backup)

    audit = commands.add_parser("audit", help="the audit trail").add_subparsers(dest="audit_command", required=True)
    audit.add_parser("verify", help="check every review's history hash chain; exit 1 on a break").set_defaults(
        run=cmd_audit_verify
    )

    workflows = commands.add_parser("workflows", help="workflow files").add_subparsers(
        dest="workflows_command", required=True
    )
    check = workflows.add_parser("check", help="validate every workflow file")
    check.add_argument("--dir", help="the folder to check (default: PRACTICE_REVIEW_WORKFLOWS_DIR or workflows/)")
    check.set_defaults(run=cmd_workflows_check)

    issuers = commands.add_parser("issuers", help="trusted OpenID issuers (issue 16)").add_subparsers(
        dest="issuers_command", required=True
    )
    issuers_check = issuers.add_parser("check", help="fetch each issuer's metadata and keys; exit 1 if one fails")
    issuers_check.add_argument("--base-url", help="the service's public URL: print the redirect URIs to register")
    issuers_check.set_defaults(run=cmd_issuers_check)

    openapi = commands.add_parser("openapi", help="write openapi/openapi.json")
    openapi.add_argument("--output")
    openapi.set_defaults(run=cmd_openapi)
    return root


def main(argv: list[str] | None = None) -> int:
    """Exit 2, with one line per problem and no traceback, when the configuration or the database is not
    fit to run on (README "Operating it"): a cron log should say what to fix."""
    from sqlalchemy.exc import OperationalError

    from .storage.migrations import SchemaMismatch, shown_url
    from .workflow.definitions import WorkflowError
    from .workflow.partnership import SettingsError

    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return int(args.run(args, settings))
    except ConfigurationError as exc:
        for problem in exc.problems:
            print(f"configuration error: {problem}", file=sys.stderr)
        return 2
    except SchemaMismatch as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    except (WorkflowError, SettingsError) as exc:
        where = f"{exc.source}: " if isinstance(exc, WorkflowError) else ""
        for problem in exc.problems:
            print(f"workflow error: {where}{problem}", file=sys.stderr)
        return 2
    except OperationalError as exc:  # unreachable, refused, unable to open the file, …
        reason = (str(exc.orig or exc).strip().splitlines() or ["no reason given"])[0]
        print(f"database error: {shown_url(settings.database_url)}: {reason}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
