"""The board's forms: shown to the roles that may use them, sent back with a CSRF token and the version of
the review they were shown with, checked by the API's models and recorded by the API's service functions
(no HTTP calls to itself), then post/redirect/get to the review with a banner saying what was recorded.

A workflow event goes through a check-answers page first: the answers, what the event will do and, when
the workflow would refuse it, every unmet rule, before anything is recorded. A form shown before someone
else changed the review is not applied: the page says who changed what since, and offers a fresh form. Each
service checks the form's `expected_version` under the review's row lock, in the transaction that writes, so
of two forms sent at once with the same version one is recorded and the other gets that page.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..errors import Conflict, EventNotAvailable, InvalidData, NotFound, NotPermitted, StaleVersion, TransitionRefused
from ..services import history, reviews
from ..web import get_services
from . import csrf
from .form_catalogue import FORMS, REFERRAL, Act, FormSpec, transition_request
from .forms import Answers, Field, answer_rows, parse, raw_answers, refused
from .pages import render
from .preview import preview
from .session import PATH, BoardCaller

router = APIRouter(prefix=PATH, include_in_schema=False)


MAX_FORM_BYTES = 200_000


async def form_data(request: Request) -> dict[str, str]:
    """The form's fields (urlencoded, as a browser sends a form without files); the first of a repeated name."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InvalidData([{"field": "form", "message": "the form is too large"}])
    return {
        name: values[0] for name, values in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()
    }


Sent = Annotated[dict[str, str], Depends(form_data)]


def _act(request: Request, caller: Any, review_id: str, slug: str, target: str) -> tuple[FormSpec, Act]:
    services = get_services(request)
    spec = FORMS.get(slug)
    if spec is None:
        raise NotFound(f"the board has no form {slug!r}")
    review = reviews.get_review(services, caller, review_id)  # 404 for a review the caller may not read
    definition = services.engine.definition(review["review_type"], review["workflow_version"])
    act = Act(services, caller, review, definition, target)
    if spec.find is not None:
        act.record = spec.find(act)
        if act.record is None:
            raise NotFound(f"{review['reference']} has nothing of that kind to act on now ({target or slug})")
    if not spec.allowed(act):
        raise NotPermitted(f"your role ({caller.role.replace('_', ' ')}) may not do this on {review['reference']}")
    return spec, act


def _version(sent: dict[str, str], name: str = "expected_version") -> int | None:
    value = str(sent.get(name, ""))
    return int(value) if value.isdigit() and len(value) < 12 else None


def _page(
    request: Request,
    spec: FormSpec,
    act: Act,
    answers: Answers,
    blocked: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    fields = spec.fields(act)
    context = {
        "caller": act.caller,
        "today": act.services.today(),
        "spec": spec,
        "title": spec.title(act),
        "act": act,
        "review": act.review,
        "fields": fields,
        "answers": answers,
        "errors": answers.error_list(fields),
        "blocked": blocked or [],
        "csrf": csrf.token(request),
        "action": request.url.path,
        "version": act.review["version"] if act.review else None,
        "record_version": act.record.get("version") if isinstance(act.record, dict) else None,
    }
    return render(request, "forms/form.html", context, status)


def _stale(request: Request, act: Act, since: int) -> HTMLResponse:
    """409: what changed since the form was shown, by whom, and a fresh form. The review is read again: the
    service may have found it changed under its row lock after this request first read it (issue 17)."""
    changes = [h for h in history.history(act.services, act.caller, act.review_id)["items"] if h["seq"] > since]
    context = {
        "caller": act.caller,
        "today": act.services.today(),
        "review": reviews.get_review(act.services, act.caller, act.review_id),
        "changes": changes,
        "reload": request.url.path,
    }
    return render(request, "forms/stale.html", context, 409)


def _done(review_id: str, query: str) -> RedirectResponse:
    return RedirectResponse(f"{PATH}/reviews/{review_id}?done={query}#main", status_code=303)


@router.get("/reviews/{review_id}/do/{slug}", response_class=HTMLResponse)
@router.get("/reviews/{review_id}/do/{slug}/{target}", response_class=HTMLResponse)
def show_form(request: Request, caller: BoardCaller, review_id: str, slug: str, target: str = "") -> HTMLResponse:
    spec, act = _act(request, caller, review_id, slug, target)
    return _page(request, spec, act, Answers(spec.defaults(act), {}))


@router.post("/reviews/{review_id}/do/{slug}", response_class=HTMLResponse)
@router.post("/reviews/{review_id}/do/{slug}/{target}", response_class=HTMLResponse)
def send_form(
    request: Request, caller: BoardCaller, sent: Sent, review_id: str, slug: str, target: str = ""
) -> Response:
    csrf.check(request, str(sent.get(csrf.FIELD, "")))
    expected = _version(sent)
    if expected is None:
        raise InvalidData([{"field": "expected_version", "message": "the form lost its version: reload it"}])
    services = get_services(request)
    review = reviews.get_review(services, caller, review_id)
    if expected != review["version"]:  # before anything else: what the form acts on may have gone
        return _stale(request, Act(services, caller, review, None, target), expected)
    spec, act = _act(request, caller, review_id, slug, target)
    act.expected_version = expected
    if spec.versioned_by_action and _version(sent, "record_version") != act.record["version"]:
        return _stale(request, act, act.expected_version)
    fields = spec.fields(act)
    answers = parse(fields, raw_answers(fields, sent))
    step = str(sent.get("step", ""))
    if slug == "event" and step != "confirm":
        return _check_answers(request, spec, act, fields, answers, edit=step == "change")
    try:
        result = spec.submit(act, answers)
    except InvalidData as exc:
        refused(exc, fields, answers)
        return _page(request, spec, act, answers, status=422)
    except TransitionRefused as exc:
        return _page(request, spec, act, answers, exc.extra["blocked_by"], 409)
    except (Conflict, EventNotAvailable, NotPermitted) as exc:  # e.g. S1: endorsing as someone else
        return _page(request, spec, act, answers, [{"rule": "", "message": exc.detail}], exc.status)
    except StaleVersion:
        return _stale(request, act, act.expected_version)
    if result is None:
        return _page(request, spec, act, answers, status=422)
    return _done(review_id, f"event:{target}" if slug == "event" else slug)


def _check_answers(
    request: Request, spec: FormSpec, act: Act, fields: list[Field], answers: Answers, edit: bool
) -> HTMLResponse:
    """The answers checked as the API would (data, C7, every guard, for this caller), before anything is recorded."""
    if edit:
        return _page(request, spec, act, answers)
    body = transition_request(act, answers)
    if body is None:
        return _page(request, spec, act, answers, status=422)
    try:
        decision = preview(act.services, act.caller, act.review_id, act.target, body.occurred_on, body.data or {})
    except InvalidData as exc:
        refused(exc, fields, answers)
        return _page(request, spec, act, answers, status=422)
    except TransitionRefused as exc:
        return _page(request, spec, act, answers, exc.extra["blocked_by"], 409)
    context = {
        "caller": act.caller,
        "today": act.services.today(),
        "title": spec.title(act),
        "act": act,
        "review": act.review,
        "fields": fields,
        "answers": answers,
        "decision": decision,
        "rows": answer_rows([f for f in fields if f.name != "occurred_on"], answers),  # the date: its own row
        "occurred_on": body.occurred_on or act.services.today(),
        "csrf": csrf.token(request),
        "action": request.url.path,
        "version": act.review["version"] if act.review else None,
    }
    return render(request, "forms/check.html", context)


# ---------------------------------------------------------------- a referral: a new review


@router.get("/referral", response_class=HTMLResponse)
def show_referral(request: Request, caller: BoardCaller) -> HTMLResponse:
    act = _referral(request, caller)
    return _page(request, REFERRAL, act, Answers({}, {}))


@router.post("/referral", response_class=HTMLResponse)
def send_referral(request: Request, caller: BoardCaller, sent: Sent) -> Response:
    csrf.check(request, str(sent.get(csrf.FIELD, "")))
    act = _referral(request, caller)
    fields = REFERRAL.fields(act)
    answers = parse(fields, raw_answers(fields, sent))
    try:
        created = REFERRAL.submit(act, answers)
    except InvalidData as exc:
        refused(exc, fields, answers)
        created = None
    if created is None:
        return _page(request, REFERRAL, act, answers, status=422)
    return _done(created["id"], "referral")


def _referral(request: Request, caller: Any) -> Act:
    act = Act(get_services(request), caller, None, None)
    if not REFERRAL.allowed(act):
        raise NotPermitted(f"your role ({caller.role.replace('_', ' ')}) may not record a referral")
    return act
