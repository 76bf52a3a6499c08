"""Signing in to the board and out of it: with an organisation's account (OpenID Connect), or with an API key
where no trusted issuer signs people in.

With an OpenID provider: the authorization code flow with PKCE through Authlib's Starlette client; state,
nonce and the PKCE verifier are kept server-side (services/sessions.py) under a random id in a short-lived
cookie scoped to the callback's path, so the callback is answered only in the browser that started it, and
only once. The ID token is verified as the API verifies access tokens (RS256/ES256, iss, aud = the board's
client id, exp, iat, and the nonce), its claims mapped to a role as the issuer's settings say. Signing out
ends the session here and, where the provider offers an end_session_endpoint, signs out there too.
"""

from __future__ import annotations

import warnings
from typing import Annotated, Any
from urllib.parse import parse_qs

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..errors import NotFound, NotPermitted
from ..identity.discovery import ProviderUnavailable, Trust
from ..identity.issuers import TrustedIssuer
from ..identity.people import Identity, NoRole, identify
from ..identity.tokens import InvalidToken, verify
from ..permissions import allows
from ..roles import Caller
from ..services.common import Services
from ..services.keys import authenticate, caller_for
from ..services.sessions import begin_sign_in, end_session, open_session, take_sign_in
from ..web import get_services
from .pages import render
from .session import (
    PATH,
    back_to,
    current_session,
    forget_cookie,
    keep_session,
    refuse_cross_site,
    session_token,
    set_cookie,
)

with warnings.catch_warnings():  # Authlib notes its own coming move from httpx to httpx2; httpx works today
    import authlib.deprecate  # noqa: F401 - it turns its warnings on at import: before the filter below

    warnings.filterwarnings("ignore", "The httpx module is deprecated")
    from authlib.integrations.starlette_client import OAuth, OAuthError

router = APIRouter(prefix=PATH, include_in_schema=False)
FLOW_COOKIE = "practice_review_sign_in"
FLOW_PATH = f"{PATH}/sign-in/oidc"
Text = Annotated[str, Query(max_length=200)]
Code = Annotated[str, Query(max_length=2000)]


def people_issuers(services: Services) -> list[TrustedIssuer]:
    """The trusted issuers people sign in to the board through (those with a board client)."""
    return [i for i in services.trust.issuers if i.signs_people_in]


def _oauth(request: Request) -> OAuth:
    """One Authlib client per issuer, made on first use and kept on the app (it caches the provider's metadata)."""
    trust: Trust = get_services(request).trust
    made = getattr(request.app.state, "board_oauth", None)
    if made is None or made[0] is not trust:
        oauth = OAuth()
        for issuer in trust.issuers:
            if issuer.signs_people_in:
                oauth.register(
                    issuer.name,
                    client_id=issuer.client_id,
                    client_secret=issuer.client_secret,
                    server_metadata_url=issuer.issuer.rstrip("/") + "/.well-known/openid-configuration",
                    client_kwargs={"scope": " ".join(issuer.scopes), "code_challenge_method": "S256"},
                )
        made = (trust, oauth)
        request.app.state.board_oauth = made
    return made[1]  # type: ignore[no-any-return]


def _page(request: Request, next_path: str, error: str | None = None, status: int = 200) -> HTMLResponse:
    issuers = people_issuers(get_services(request))
    context = {"next": next_path, "error": error, "issuers": issuers}
    return render(request, "sign_in.html", context, status=status)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: Text = "") -> HTMLResponse:
    return _page(request, back_to(next))


def _signed_in(
    request: Request, caller: Caller, target: str, issuer_name: str | None = None, identity: Identity | None = None
) -> Response:
    services = get_services(request)
    token = open_session(services, caller.key_id, services.board_session_minutes, issuer_name, identity)
    response = RedirectResponse(target, status_code=303)
    keep_session(response, request, token)
    return response


@router.post("/sign-in", response_class=HTMLResponse, response_model=None)
async def sign_in(request: Request) -> Response:
    """The key comes in the form's body; the answer sends the browser on with no query string."""
    refuse_cross_site(request)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    key = (form.get("key") or [""])[0].strip()
    target = back_to((form.get("next") or [""])[0])
    services = get_services(request)
    if people_issuers(services):
        raise NotPermitted("this board signs people in with their organisation's account, not an API key")
    caller = await run_in_threadpool(authenticate, services, key) if key else None
    if caller is None:
        error = "That key is unknown, revoked or expired." if key else "Enter an API key."
        return _page(request, target, error, status=401)
    if not allows(caller, "read_reviews"):
        error = f"A key with role '{caller.role}' reads no review data: sign in with another key."
        return _page(request, target, error, status=403)
    return await run_in_threadpool(_signed_in, request, caller, target)


def _issuer(request: Request, name: str) -> TrustedIssuer:
    issuer = get_services(request).trust.named(name)
    if issuer is None or not issuer.signs_people_in:
        raise NotFound(f"there is no organisation sign-in called {name!r}")
    return issuer


@router.get("/sign-in/oidc/{name}", name="board_oidc_start", response_model=None)
async def sign_in_with_provider(request: Request, name: str, next: Text = "") -> Response:
    """Off to the provider; a GET (a link), since the board's pages allow forms to post only to the board."""
    issuer = _issuer(request, name)
    flow: dict[str, Any] = {}
    request.scope["session"] = flow  # Authlib keeps state, nonce and the PKCE verifier here: stored below
    redirect_uri = str(request.url_for("board_oidc_callback", name=issuer.name))
    try:
        response = await _oauth(request).create_client(issuer.name).authorize_redirect(request, redirect_uri)
    except (httpx.HTTPError, ValueError, RuntimeError):  # its metadata could not be had: not the person's fault
        return _page(request, back_to(next), f"{issuer.title} cannot be reached just now: try again shortly.", 503)
    token = await run_in_threadpool(begin_sign_in, get_services(request), issuer.name, flow, back_to(next))
    set_cookie(response, request, FLOW_COOKIE, token, FLOW_PATH, 600)
    return response


@router.get(
    "/sign-in/oidc/{name}/callback", name="board_oidc_callback", response_class=HTMLResponse, response_model=None
)
async def provider_sent_back(
    request: Request, name: str, state: Text = "", code: Code = "", error: Text = ""
) -> Response:
    issuer = _issuer(request, name)
    services = get_services(request)
    flow_token = session_token(request, FLOW_COOKIE)
    under_way = await run_in_threadpool(take_sign_in, services, flow_token) if flow_token else None
    if under_way is None or under_way.issuer_name != issuer.name:
        return _failed(request, PATH, "This sign-in has expired or was started in another browser: sign in again.")
    if error:
        return _failed(request, under_way.next_path, f"{issuer.title} did not sign you in ({error}).")
    client = _oauth(request).create_client(issuer.name)
    state_data = await client.framework.get_state_data(under_way.flow, state)
    if not state_data or not code:
        return _failed(request, under_way.next_path, "This sign-in does not match the one started here: sign in again.")
    try:
        tokens = await client.fetch_access_token(
            code=code, redirect_uri=state_data["redirect_uri"], code_verifier=state_data["code_verifier"]
        )
    except (OAuthError, httpx.HTTPError, ValueError) as exc:
        reason = getattr(exc, "error", None) or type(exc).__name__
        return _failed(request, under_way.next_path, f"{issuer.title} refused the sign-in ({reason}).")
    try:
        verified = await run_in_threadpool(
            verify, services.trust, str(tokens.get("id_token", "")), issuer.client_id, state_data["nonce"]
        )
        if verified.issuer.name != issuer.name:
            raise InvalidToken("the ID token comes from another issuer")
        identity = identify(verified, get_services(request).engine.partnership.statutory_partners)
    except InvalidToken as exc:
        return _failed(request, under_way.next_path, f"The sign-in could not be checked: {exc.description}.", 401)
    except NoRole as exc:
        return _failed(
            request, under_way.next_path, f"You are signed in at {issuer.title}, but {exc.description}.", 403
        )
    except ProviderUnavailable:
        return _failed(request, under_way.next_path, f"{issuer.title} cannot be reached just now: try again.", 503)
    caller = await run_in_threadpool(caller_for, services, identity)
    if caller is None or not allows(caller, "read_reviews"):
        reason = "your access has been revoked" if caller is None else f"the role '{caller.role}' reads no review data"
        return _failed(request, under_way.next_path, f"You are signed in at {issuer.title}, but {reason}.", 403)
    response = await run_in_threadpool(_signed_in, request, caller, under_way.next_path, issuer.name, identity)
    forget_cookie(response, request, FLOW_COOKIE, FLOW_PATH)
    return response


def _failed(request: Request, next_path: str, message: str, status: int = 400) -> HTMLResponse:
    response = _page(request, next_path, message, status)
    forget_cookie(response, request, FLOW_COOKIE, FLOW_PATH)
    return response


@router.post("/sign-out", response_model=None)
async def sign_out(request: Request) -> Response:
    """Ends the session here; then, for a provider that offers it, signs out there too (RP-initiated logout)."""
    refuse_cross_site(request)
    services = get_services(request)
    found = await run_in_threadpool(current_session, request)
    token = session_token(request)
    if token:
        await run_in_threadpool(end_session, services, token)
    logout_url = await _provider_logout(request, found.issuer_name if found else None)
    if logout_url is None:
        response: Response = RedirectResponse(f"{PATH}/sign-in", status_code=303)
    else:  # a page that moves on to the provider: the board's pages may not send a form's answer elsewhere
        response = render(request, "signed_out.html", {"logout_url": logout_url})
    forget_cookie(response, request)
    return response


async def _provider_logout(request: Request, issuer_name: str | None) -> str | None:
    issuer = get_services(request).trust.named(issuer_name) if issuer_name else None
    if issuer is None or not issuer.signs_people_in:
        return None
    client = _oauth(request).create_client(issuer.name)
    try:
        metadata = await client.load_server_metadata()
        if not metadata.get("end_session_endpoint"):
            return None
        back = str(request.url_for("sign_in_form"))
        made = await client.create_logout_url(post_logout_redirect_uri=back, client_id=issuer.client_id)
    except (httpx.HTTPError, ValueError, RuntimeError):  # the provider is away: the session here ended all the same
        return None
    return str(made["url"])
