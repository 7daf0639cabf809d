"""Both ways in: the gateway's cookie login, and APIO core's tokens in front of it."""

from aiohttp import web

from simulator import portal
from simulator.api.body import required_json_object
from simulator.api.respond import respond, state_of
from simulator.auth import login_ids
from simulator.errors import CoreUnauthorized, Unauthorized
from simulator.model import ApiUser
from simulator.state import Namespace

SESSION_COOKIE = "sessionid"
WRONG_CREDENTIALS = "Invalid username or password."


async def gateway_login(request: web.Request) -> web.Response:
    state = state_of(request)
    user = await _authenticate(request, state, "login-request")
    if user is None:
        raise Unauthorized(WRONG_CREDENTIALS)
    profile: dict[str, object] = {"user_level": int(user.level), "is_first_login": False}
    if user.reseller is not None:
        profile["access_type"] = 1
    response = respond(request, "login-response", {"ids": login_ids(user), "profile": profile})
    session_id = state.credentials.open_session(user)
    response.set_cookie(SESSION_COOKIE, session_id, path="/", httponly=True, samesite="Lax")
    return response


async def gateway_logout(request: web.Request) -> web.Response:
    session_id = request.cookies.get(SESSION_COOKIE, "")
    if not state_of(request).credentials.end_login(session_id, "session"):
        raise Unauthorized("No valid session to log out of.")
    response = respond(request, "logout-response", {})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


async def core_login(request: web.Request) -> web.Response:
    state = state_of(request)
    user = await _authenticate(request, state, "core-login-request")
    if user is None:
        raise CoreUnauthorized(WRONG_CREDENTIALS)
    access_token, refresh_token = state.credentials.issue_tokens(user)
    return respond(request, "core-login-answer", portal.core_login_answer(user, access_token, refresh_token))


async def core_refresh(request: web.Request) -> web.Response:
    access_token = state_of(request).credentials.refresh(bearer_token(request))
    if access_token is None:
        raise CoreUnauthorized("Invalid or expired refresh token.")
    return respond(request, "core-access-token-response", {"access_token": access_token})


async def core_logout(request: web.Request) -> web.Response:
    """Ends the access token's login and, with `?sign=sha1:<hex>`, the login of the refresh token it signs.

    A good `sign` alone is enough (DRaaS logs out without an Authorization header); one that names no live
    refresh token is ignored, so the answer then rests on the access token.
    """
    credentials = state_of(request).credentials
    sign = request.query.get("sign")
    signed = sign is not None and credentials.end_login_named("refresh", lambda token: portal.signs(sign, token))
    if signed:  # done; an access token of another login beside it ends too, a bad header changes nothing
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            credentials.end_login(token.strip(), "access")
        return respond(request, "logout-response", {})
    if not credentials.end_login(bearer_token(request), "access"):
        raise CoreUnauthorized("Invalid or expired token.")
    return respond(request, "logout-response", {})


async def _authenticate(request: web.Request, state: Namespace, schema: str) -> ApiUser | None:
    body = await required_json_object(request)
    state.schemas.require(schema, body)
    return state.credentials.authenticate(body["username"], body["password"])


def bearer_token(request: web.Request) -> str:
    """The token of `Authorization: Bearer <token>`; CoreUnauthorized when there is none."""
    header = request.headers.get("Authorization")
    if header is None:
        raise CoreUnauthorized("Authorization header is missing.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or " " in token.strip():
        raise CoreUnauthorized("Authorization header must be 'Bearer <token>'.")
    return token.strip()
