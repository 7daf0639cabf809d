"""APIO core's session surface and the call-center reads, over HTTP: thin handlers on `simulator.portal`.

Rights of the call-center reads are checked here, from the path alone, before any lookup (a 403 never tells
whether something exists); the gateway prefix of a proxied path is checked before everything else by
`known_gateway`, so an unknown prefix is the same JSON 404 as an unknown path.
"""

from collections.abc import Awaitable, Callable

from aiohttp import web

from simulator import portal
from simulator.api.guard import session_user, token_user
from simulator.api.paths import call_center_key
from simulator.api.respond import respond, state_of
from simulator.errors import NotFound

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def known_gateway(handler: Handler) -> Handler:
    """`handler`, behind a 404 when the path's proxy prefix is no gateway of the namespace's scenario."""

    async def check(request: web.Request) -> web.StreamResponse:
        if portal.gateway_path(state_of(request).scenario, request.path) is None:
            raise NotFound(f"No such endpoint: {request.path}")
        return await handler(request)

    return check


# APIO core's session surface.


async def local_user(request: web.Request) -> web.Response:
    """Always the access token's own user, whatever --no-auth says: the answer is about them."""
    return respond(request, "core-local-user", portal.local_user(state_of(request).scenario, token_user(request)))


async def public_configuration(request: web.Request) -> web.Response:
    return respond(request, "core-public-configuration", portal.public_configuration(state_of(request).scenario))


async def core_health(request: web.Request) -> web.Response:
    return respond(request, "core-health", portal.core_health())


async def gateways(request: web.Request) -> web.Response:
    token_user(request)
    return respond(request, "core-gateways", portal.gateways(state_of(request).scenario))


# The call-center reads. The group's rights (minimum Group Admin) are the guard's, as for the statistics;
# a user's call centers may also be read by that end user, so that handler checks its own.


async def group_call_centers(request: web.Request) -> web.Response:
    info = request.match_info
    group = portal.find_group(state_of(request).scenario, info["tenant_id"], info["group_id"])
    return respond(request, "call-center-list", portal.call_center_list(group))


async def call_center_instance(request: web.Request) -> web.Response:
    call_center = portal.find_call_center(state_of(request).scenario, call_center_key(request))
    return respond(request, "call-center-instance", portal.call_center_instance(call_center))


async def call_center_agents(request: web.Request) -> web.Response:
    call_center = portal.find_call_center(state_of(request).scenario, call_center_key(request))
    return respond(request, "call-center-agents", portal.call_center_agents(call_center))


def user_call_centers(security: str) -> Handler:
    """A user's call centers, for paths that take `security` ("session" or "bearer")."""
    user_of = session_user if security == "session" else token_user

    async def handler(request: web.Request) -> web.Response:
        state, info = state_of(request), request.match_info
        tenant_id, group_id, user_id = info["tenant_id"], info["group_id"], info["user_id"]
        if state.auth_enabled:
            portal.check_user_rights(user_of(request), tenant_id, group_id, user_id, state.scenario.auth)
        agent = portal.find_user(state.scenario, tenant_id, group_id, user_id)
        tenant = portal.find_tenant(state.scenario, tenant_id)
        return respond(request, "user-call-centers", portal.user_call_centers(tenant, agent, state.clock.now()))

    return handler
