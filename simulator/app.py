"""Wiring: the aiohttp application of one simulated platform.

Three applications, built from the table of `simulator.operations`: the root (CORS, the namespace of the
request, errors as APIO JSON, `/openapi.json`), the emulated APIO API mounted at `/api` (faults and the
journal, then the guard around the handlers that need a login) and the control API mounted at `/__sim`
(the admin token). No middleware compares paths: each runs only where it is mounted.
"""

import logging
from collections.abc import Collection, Sequence
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from simulator.api.cors import cors_middleware
from simulator.api.faults import ENDPOINTS, faults_and_journal
from simulator.api.guard import guarded
from simulator.api.portal import known_gateway
from simulator.api.respond import NAMESPACE, SIMULATOR, render_error, simulator_of, state_of
from simulator.constants import (
    CONTROL_PREFIX,
    DEFAULT_NAMESPACE,
    INTERNAL_ERROR_MESSAGE,
    JOURNAL_SIZE,
    MAX_BODY_BYTES,
    MAX_NAMESPACES,
    MAX_SCENARIO_BYTES,
    NAMESPACE_HEADER,
    SCENARIO_CACHE_SIZE,
)
from simulator.control.access import control_access
from simulator.control.dashboard import add_dashboard_routes
from simulator.errors import ApioError, HttpError, InternalError, MethodNotAllowed, NotFound, PayloadTooLarge
from simulator.instants import Instant
from simulator.model import Scenario
from simulator.operations import EMULATED_PREFIX, OPERATIONS, Operation
from simulator.schemas import SchemaStore
from simulator.state import Options, Simulator

log = logging.getLogger(__name__)


def create_app(
    scenario: Scenario,
    *,
    now: Instant | None = None,
    schemas: SchemaStore | None = None,
    auth: bool | None = None,
    cors_origins: Collection[str] = (),
    journal_size: int = JOURNAL_SIZE,
    max_namespaces: int = MAX_NAMESPACES,
    admin_token: str | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    scenario_cache_size: int = SCENARIO_CACHE_SIZE,
) -> web.Application:
    """The simulator on `scenario`.

    `now` freezes the clock (else the scenario's `clock.now`, else real time); `auth` overrides the
    scenario's own setting; `cors_origins` turns CORS on; `admin_token` guards the control API.
    """
    middlewares: list[Middleware] = [namespaces, apio_errors]
    if cors_origins:
        middlewares.insert(0, cors_middleware(cors_origins))  # outermost: error answers need CORS headers too
    root = web.Application(middlewares=middlewares, client_max_size=max(max_body_bytes, MAX_SCENARIO_BYTES))
    emulated = web.Application(middlewares=[faults_and_journal, apio_errors])  # errors rendered, then journaled
    control = web.Application(middlewares=[control_access])
    options = Options(
        auth=auth,
        now=now,
        journal_size=journal_size,
        max_namespaces=max_namespaces,
        admin_token=admin_token,
        max_body_bytes=max_body_bytes,
        scenario_cache_size=scenario_cache_size,
    )
    simulator = Simulator(scenario, schemas, options)
    apps = {"root": root, "apio": emulated, "control": control}
    for app in apps.values():
        app[SIMULATOR] = simulator  # a handler sees the application it is mounted in
    emulated[ENDPOINTS] = add_operations(apps, OPERATIONS)
    root.add_subapp(EMULATED_PREFIX, emulated)
    add_dashboard_routes(control)
    root.add_subapp(CONTROL_PREFIX, control)
    return root


def add_operations(apps: dict[str, web.Application], operations: Sequence[Operation]) -> dict[Any, str]:
    """Route every operation in its application; answers the journal name of each emulated route."""
    endpoints: dict[Any, str] = {}
    resources: dict[tuple[str, str], web.Resource] = {}
    for operation in operations:
        router = apps[operation.area].router
        key = (operation.area, operation.route_path)
        if key not in resources:
            resources[key] = router.add_resource(operation.route_path)
        handler = operation.handler
        if operation.rights and operation.security is not None:
            handler = guarded(handler, operation.security)
        if operation.proxied:  # an unknown prefix is an unknown path: its 404 comes before any 401 or 403
            handler = known_gateway(handler)
        route = resources[key].add_route(operation.method, handler)
        if operation.journal is not None:
            endpoints[route] = operation.journal
    return endpoints


@web.middleware
async def namespaces(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Find the request's namespace (the X-Apio-Sim-Namespace header; default: "default")."""
    try:
        request[NAMESPACE] = simulator_of(request).namespace(request.headers.get(NAMESPACE_HEADER, DEFAULT_NAMESPACE))
    except ApioError as error:
        return render_error(request, error)
    return await handler(request)


@web.middleware
async def apio_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error leaves as an APIO JSON body: never HTML, never a traceback."""
    try:
        return await handler(request)
    except InternalError as error:  # a simulator bug caught by its own checks: the test must hear of it
        state_of(request).record_internal_error(request.method, request.path, error.message, None)
        return render_error(request, error)
    except ApioError as error:
        return render_error(request, error)
    except web.HTTPException as exc:
        return render_error(request, _from_aiohttp(request, exc))
    except Exception as exc:
        log.exception("unexpected error on %s %s", request.method, request.path)
        state_of(request).record_internal_error(request.method, request.path, f"{type(exc).__name__}: {exc}", exc)
        return render_error(request, InternalError(INTERNAL_ERROR_MESSAGE))


def _from_aiohttp(request: web.Request, exc: web.HTTPException) -> ApioError:
    """Routing and body-size errors, raised by aiohttp itself before any handler runs."""
    if isinstance(exc, web.HTTPNotFound):
        return NotFound(f"No such endpoint: {request.path}")
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return MethodNotAllowed(f"Method {request.method} is not allowed on {request.path}", exc.allowed_methods)
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        limit = max(simulator_of(request).options.max_body_bytes, MAX_SCENARIO_BYTES)
        return PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    return HttpError(exc.status, exc.reason)
