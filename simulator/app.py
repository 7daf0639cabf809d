"""Wiring: the aiohttp application of one simulated platform."""

import logging
from collections.abc import Collection

from aiohttp import web
from aiohttp.typedefs import Handler

from simulator.api import add_routes
from simulator.api.cors import cors_middleware
from simulator.api.faults import faults_and_journal
from simulator.api.guard import authentication
from simulator.api.respond import NAMESPACE, SIMULATOR, render_error, simulator_of
from simulator.control import add_control_routes
from simulator.control.access import control_access
from simulator.errors import ApioError, HttpError, InternalError, MethodNotAllowed, NotFound, PayloadTooLarge
from simulator.instants import Instant
from simulator.model import Scenario
from simulator.schemas import SchemaStore
from simulator.state import DEFAULT_NAMESPACE, MAX_NAMESPACES, Options, Simulator

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
"""Bodies to the emulated API above this size are refused with 413."""
MAX_SCENARIO_BYTES = 64 * 1024 * 1024
"""Scenarios loaded through PUT /__sim/scenario may be this large."""
NAMESPACE_HEADER = "X-Apio-Sim-Namespace"


def create_app(
    scenario: Scenario,
    *,
    now: Instant | None = None,
    schemas: SchemaStore | None = None,
    auth: bool | None = None,
    cors_origins: Collection[str] = (),
    journal_size: int = 1000,
    max_namespaces: int = MAX_NAMESPACES,
    admin_token: str | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> web.Application:
    """The simulator on `scenario`.

    `now` freezes the clock (else the scenario's `clock.now`, else real time); `auth` overrides the
    scenario's own setting; `cors_origins` turns CORS on; `admin_token` guards the control API.
    """
    middlewares = [namespaces, faults_and_journal, apio_errors, control_access, authentication]
    if cors_origins:
        middlewares.insert(0, cors_middleware(cors_origins))  # outermost: error answers need CORS headers too
    app = web.Application(middlewares=middlewares, client_max_size=max(max_body_bytes, MAX_SCENARIO_BYTES))
    options = Options(
        auth=auth,
        now=now,
        journal_size=journal_size,
        max_namespaces=max_namespaces,
        admin_token=admin_token,
        max_body_bytes=max_body_bytes,
    )
    app[SIMULATOR] = Simulator(scenario, schemas, options)
    add_routes(app)
    add_control_routes(app)
    return app


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
    except ApioError as error:
        return render_error(request, error)
    except web.HTTPException as exc:
        return render_error(request, _from_aiohttp(request, exc))
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return render_error(request, InternalError("Internal simulator error; the server log has the details."))


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
