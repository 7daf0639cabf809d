"""Wiring: the aiohttp application of one simulated platform.

Three applications, built from the table of `simulator.operations`: the root (CORS, errors as APIO JSON,
`/openapi.json`), the emulated APIO API mounted at `/api` (the request's namespace, faults and the
journal, then the guard around the handlers that need a login) and the control API mounted at `/__sim`
(the access rules, then the request's namespace: a refused request creates none). No middleware compares
paths: each runs only where it is mounted.
"""

import asyncio
import logging
from collections.abc import Awaitable, Collection, Sequence
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from simulator.api.body import body_refused, read_body
from simulator.api.cors import cors_middleware
from simulator.api.faults import ENDPOINTS, faults_and_journal
from simulator.api.guard import guarded
from simulator.api.portal import known_gateway
from simulator.api.respond import NAMESPACE, SIMULATOR, render_error, simulator_of
from simulator.constants import (
    BODY_TIMEOUT,
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
from simulator.control.access import ACCESS, LOOPBACK_HOSTS, READS, AccessRules, control_access, host_names
from simulator.control.dashboard import add_dashboard_routes
from simulator.errors import ApioError, HttpError, InternalError, MethodNotAllowed, NotFound, PayloadTooLarge
from simulator.instants import Instant
from simulator.model import Scenario
from simulator.operations import EMULATED_PREFIX, OPERATIONS, Operation
from simulator.schemas import SchemaStore
from simulator.state import Options, Simulator

log = logging.getLogger(__name__)

LIMIT_OPTIONS = frozenset(
    {
        "max_scenario_bytes",
        "max_nesting",
        "max_alias_nodes",
        "max_calls",
        "build_seconds",
        "max_fault_rules",
        "journal_bytes",
        "max_logins",
    }
)

BODY_WAIT: web.AppKey[float] = web.AppKey("body_timeout", float)


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
    allowed_hosts: Collection[str] | None = None,
    body_timeout: float = BODY_TIMEOUT,
    **limits: Any,
) -> web.Application:
    """The simulator on `scenario`.

    `now` freezes the clock (else the scenario's `clock.now`, else real time); `auth` overrides the
    scenario's own setting; `cors_origins` turns CORS on (and lets those origins change state through the
    control API); `admin_token` guards the control API; `allowed_hosts` (None: any) are the `Host` names
    the control API answers, besides localhost, 127.0.0.1 and ::1; `body_timeout`: seconds a body may
    take to arrive (then 408, and the connection closes). `limits` are the other fields of
    `simulator.state.Options` (docs/control/limits.md): max_scenario_bytes, max_nesting, max_alias_nodes,
    max_calls, build_seconds, max_fault_rules, journal_bytes, max_logins.
    """
    unknown = set(limits) - LIMIT_OPTIONS
    if unknown:
        raise TypeError(f"create_app() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    max_scenario_bytes = limits.get("max_scenario_bytes", MAX_SCENARIO_BYTES)
    middlewares: list[Middleware] = [apio_errors]
    if cors_origins:
        middlewares.insert(0, cors_middleware(cors_origins))  # outermost: error answers need CORS headers too
    root = web.Application(middlewares=middlewares, client_max_size=max(max_body_bytes, max_scenario_bytes))
    emulated = web.Application(
        middlewares=[emulated_namespace, faults_and_journal, apio_errors]
    )  # rendered, then journaled
    control = web.Application(middlewares=[control_access, control_namespace])  # checked before any namespace exists
    control[ACCESS] = AccessRules(
        allowed_hosts=None if allowed_hosts is None else host_names([*LOOPBACK_HOSTS, *allowed_hosts]),
        origins=frozenset(cors_origins),
    )
    options = Options(
        auth=auth,
        now=now,
        journal_size=journal_size,
        max_namespaces=max_namespaces,
        admin_token=admin_token,
        max_body_bytes=max_body_bytes,
        scenario_cache_size=scenario_cache_size,
        **limits,
    )
    simulator = Simulator(scenario, schemas, options)
    apps = {"root": root, "apio": emulated, "control": control}
    for app in apps.values():
        app[SIMULATOR] = simulator  # a handler sees the application it is mounted in
        app[BODY_WAIT] = body_timeout
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
        if operation.request == "scenario":  # a scenario file may be YAML; every other body is JSON
            apps[operation.area][ACCESS].yaml_routes.add(route)
    return endpoints


def _namespace_of(request: web.Request) -> None:
    """Find the request's namespace (the X-Apio-Sim-Namespace header; default: "default")."""
    request[NAMESPACE] = simulator_of(request).namespace(request.headers.get(NAMESPACE_HEADER, DEFAULT_NAMESPACE))


async def _read_body(request: web.Request, reading: Awaitable[object] | None = None) -> web.Response | None:
    """Read the body (`reading`, else `request.read()`) within the body timeout; None when it came, else
    the 408 that closes the connection (a client whose Content-Length promised more than it sent would hold
    it for ever)."""
    timeout = request.app[BODY_WAIT]
    try:
        body = request.read() if reading is None else reading
        if request.content.is_eof():  # all of it came with the head (nearly every body): no wait, no timer
            await body
        else:
            await asyncio.wait_for(body, timeout)
    except TimeoutError:
        response = render_error(request, HttpError(408, f"The request body did not arrive within {timeout:g} s."))
        response.force_close()
        return response
    except ConnectionResetError:  # the client left before its body came: nobody to answer, no fault of ours
        log.debug("%s %s: the client closed the connection before its body arrived", request.method, request.path)
        response = web.Response(status=400)
        response.force_close()
        return response
    return None


@web.middleware
async def emulated_namespace(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The request's namespace; a write that waited (a delay fault, a slow body) through a reset, a load
    or a drop of it acted on the discarded copy, so it is refused rather than acknowledged and lost."""
    if request.body_exists:  # at most the body limit is read, chunked or not; the handler finds it kept
        late = await _read_body(request, read_body(request, simulator_of(request).options.max_body_bytes))
        if late is not None:
            return late
    try:
        _namespace_of(request)
    except ApioError as error:
        return render_error(request, error)
    response = await handler(request)
    if body_refused(request):
        response.force_close()  # the rest of a chunked body over the limit is never read
    if request.method not in READS and response.status < 400 and not response.prepared:
        try:
            simulator_of(request).current(request[NAMESPACE])
        except ApioError as error:
            return render_error(request, error)
    return response


@web.middleware
async def control_namespace(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The request's namespace, found once its body is in: the handler then acts without waiting, so a
    concurrent reset comes wholly before or after it (a reset, a load or a drop act by name)."""
    if request.method not in READS and request.body_exists:
        late = await _read_body(request)  # kept by aiohttp: the handler's own read answers at once
        if late is not None:
            return late
    try:
        _namespace_of(request)
    except ApioError as error:
        return render_error(request, error)
    return await handler(request)


@web.middleware
async def apio_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error leaves as an APIO JSON body: never HTML, never a traceback."""
    try:
        return await handler(request)
    except InternalError as error:  # a simulator bug caught by its own checks: the test must hear of it
        _record_internal_error(request, error.message, None)
        return render_error(request, error)
    except ApioError as error:
        return render_error(request, error)
    except web.HTTPException as exc:
        return render_error(request, _from_aiohttp(request, exc))
    except Exception as exc:
        log.exception("unexpected error on %s %s", request.method, request.path)
        _record_internal_error(request, f"{type(exc).__name__}: {exc}", exc)
        return render_error(request, InternalError(INTERNAL_ERROR_MESSAGE))


def _record_internal_error(request: web.Request, message: str, error: BaseException | None) -> None:
    """Kept by the request's namespace, for the test that sent it; a request refused before it had one
    (or on the root) leaves it in the server log only."""
    namespace = request.get(NAMESPACE)
    if namespace is not None:
        namespace.record_internal_error(request.method, request.path, message, error)


def _from_aiohttp(request: web.Request, exc: web.HTTPException) -> ApioError:
    """Routing and body-size errors, raised by aiohttp itself before any handler runs."""
    if isinstance(exc, web.HTTPNotFound):
        return NotFound(f"No such endpoint: {request.path}")
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return MethodNotAllowed(f"Method {request.method} is not allowed on {request.path}", exc.allowed_methods)
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        options = simulator_of(request).options
        limit = max(options.max_body_bytes, options.max_scenario_bytes)
        return PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    return HttpError(exc.status, exc.reason)
