"""Authentication and rights for the emulated endpoints: no handler checks credentials itself.

`guarded` wraps the handler of every operation that needs a login with rights (`Operation.rights`), so
the check costs nothing on the others and no path or route name is ever compared at request time.
"""

from collections.abc import Awaitable, Callable

from aiohttp import web

from simulator.api.login import SESSION_COOKIE, bearer_token
from simulator.api.respond import state_of
from simulator.auth import check_rights
from simulator.errors import CoreUnauthorized, Unauthorized
from simulator.model import ApiUser

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def guarded(handler: Handler, security: str) -> Handler:
    """`handler`, after a 401 without valid credentials (a session, or a bearer token) and a 403 without the
    rights over the path's tenant and group, both before anything is looked up."""
    user_of = session_user if security == "session" else token_user

    async def guard(request: web.Request) -> web.StreamResponse:
        state = state_of(request)
        if state.auth_enabled:
            info = request.match_info
            check_rights(user_of(request), info["tenant_id"], info["group_id"], state.scenario.auth)
        return await handler(request)

    return guard


def session_user(request: web.Request) -> ApiUser:
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id is None:
        raise Unauthorized("Authentication credentials were not provided.")
    user = state_of(request).credentials.user_of(session_id, "session")
    if user is None:
        raise Unauthorized("Invalid or expired session.")
    return user


def token_user(request: web.Request) -> ApiUser:
    user = state_of(request).credentials.user_of(bearer_token(request), "access")
    if user is None:
        raise CoreUnauthorized("Invalid or expired token.")
    return user
