"""What an integrator looks up: the rules a refusal cites (`blocked_by[].rule`) and the problem types
every error names, each as JSON or, for a browser, a page (issue 19). No key needed: nothing here is
case data."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, Response

from ...errors import NotFound
from ...rules.catalogue import Rule, rule, rules
from ...schemas import ProblemPage, RuleOut
from ...schemas import problems as described
from ..contract import absolute
from ..problems import PAGES
from ..routing import api_router

router = api_router(tags=["reference"], responses=described(404, 422))
HTML_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"text/html": {}}}}


def wants_html(request: Request) -> bool:
    """A browser asking for a page (text/html before JSON in its Accept), not a client asking for data."""
    accept = request.headers.get("accept", "")
    html, json_ = accept.find("text/html"), accept.find("application/json")
    return html >= 0 and (json_ < 0 or html < json_)


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)} – practice-review</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"
        "dt{font-weight:bold;margin-top:1rem}code{background:#f3f2f1;padding:0 .2em}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def rule_view(request: Request, found: Rule) -> dict[str, Any]:
    url = absolute(request.scope, f"/rules/{quote(found.id, safe='')}")
    return {"id": found.id, "title": found.title, "text": found.text, "source": found.source, "url": url}


@router.get(
    "/rules",
    response_model=list[RuleOut],
    responses=HTML_RESPONSE,
    summary="Every rule the service enforces, by the id a refusal's blocked_by cites (HTML for a browser)",
)
def list_rules(request: Request) -> Any:
    found = [rule_view(request, r) for r in rules().values()]
    if not wants_html(request):
        return found
    items = "".join(
        f"<dt id='{escape(r['id'])}'><a href='{escape(r['url'])}'>{escape(r['id'])}</a>: {escape(r['title'])}</dt>"
        f"<dd>{escape(r['text'])} <small>({escape(r['source'])})</small></dd>"
        for r in found
    )
    intro = "<p>Each refusal (409) lists the rules it found unmet in <code>blocked_by</code>, by these ids.</p>"
    return _page("The rules", f"{intro}<dl>{items}</dl>")


@router.get("/rules/{rule_id}", response_model=RuleOut, responses=HTML_RESPONSE, summary="One rule, by its id")
def get_rule(request: Request, rule_id: Annotated[str, Path(max_length=100)]) -> Any:
    found = rule(rule_id)
    if found is None:
        raise NotFound(f"no rule {rule_id!r}: GET /rules lists them")
    view = rule_view(request, found)
    if not wants_html(request):
        return view
    body = f"<p>{escape(found.text)}</p><p>Source: {escape(found.source)}</p><p><a href='/rules'>All the rules</a></p>"
    return _page(f"{found.id}: {found.title}", body)


def problem_view(request: Request, slug: str) -> dict[str, Any]:
    status, title, description = PAGES[slug]
    url = absolute(request.scope, f"/problems/{slug}")
    return {"type": url, "slug": slug, "status": status, "title": title, "description": description}


@router.get("/problems", response_model=list[ProblemPage], responses=HTML_RESPONSE, summary="Every problem type")
def list_problems(request: Request) -> Any:
    found = [problem_view(request, slug) for slug in PAGES]
    if not wants_html(request):
        return found
    items = "".join(
        f"<dt><a href='{escape(p['type'])}'>{escape(p['title'])}</a> ({p['status']})</dt>"
        f"<dd>{escape(p['description'])}</dd>"
        for p in found
    )
    return _page("Problem types", f"<p>Every error is <code>application/problem+json</code>.</p><dl>{items}</dl>")


@router.get(
    "/problems/{slug}",
    response_model=ProblemPage,
    responses=HTML_RESPONSE,
    summary="What a problem type means and what to do about it (each error's `type` links here)",
)
def get_problem(request: Request, slug: Annotated[str, Path(max_length=64)]) -> Response | dict[str, Any]:
    if slug not in PAGES:
        raise NotFound(f"no problem type {slug!r}: GET /problems lists them")
    view = problem_view(request, slug)
    if not wants_html(request):
        return view
    body = (
        f"<p>HTTP status {view['status']}.</p><p>{escape(view['description'])}</p>"
        "<p><a href='/problems'>All problem types</a> · <a href='/rules'>The rules</a></p>"
    )
    return _page(view["title"], body)
