"""Authentication and rights for the emulated endpoints, as a middleware: no handler checks credentials."""

from aiohttp import web
from aiohttp.typedefs import Handler

from simulator.api import CORE_GUARDED, GATEWAY_GUARDED
from simulator.api.login import SESSION_COOKIE, bearer_token
from simulator.api.respond import state_of
from simulator.auth import check_rights
from simulator.errors import CoreUnauthorized, Unauthorized
from simulator.model import ApiUser


@web.middleware
async def authentication(request: web.Request, handler: Handler) -> web.StreamResponse:
    """401 without valid credentials, then 403 without the rights, both before anything is looked up."""
    state = state_of(request)
    name = request.match_info.route.name
    if not state.auth_enabled or name not in GATEWAY_GUARDED + CORE_GUARDED:
        return await handler(request)
    user = _session_user(request) if name in GATEWAY_GUARDED else _token_user(request)
    info = request.match_info
    check_rights(user, info["tenant_id"], info["group_id"], state.scenario.auth)
    return await handler(request)


def _session_user(request: web.Request) -> ApiUser:
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id is None:
        raise Unauthorized("Authentication credentials were not provided.")
    user = state_of(request).credentials.user_of(session_id, "session")
    if user is None:
        raise Unauthorized("Invalid or expired session.")
    return user


def _token_user(request: web.Request) -> ApiUser:
    user = state_of(request).credentials.user_of(bearer_token(request), "access")
    if user is None:
        raise CoreUnauthorized("Invalid or expired token.")
    return user
