"""Wiring: the aiohttp application of one simulated platform."""

import logging
from collections.abc import Collection

from aiohttp import web
from aiohttp.typedefs import Handler

from simulator.api import add_routes
from simulator.api.cors import cors_middleware
from simulator.api.guard import authentication
from simulator.api.respond import STATE
from simulator.clock import Clock
from simulator.errors import ApioError, InternalError, MethodNotAllowed, NotFound, PayloadTooLarge, ProtocolError
from simulator.model import Scenario
from simulator.schemas import SchemaStore
from simulator.state import SimulatorState

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
"""Request bodies above this size are refused with 413."""
BODY_LIMIT = web.AppKey("body_limit", int)


def create_app(
    scenario: Scenario,
    *,
    clock: Clock | None = None,
    schemas: SchemaStore | None = None,
    auth: bool | None = None,
    cors_origins: Collection[str] = (),
    max_body_bytes: int = MAX_BODY_BYTES,
) -> web.Application:
    """The simulator on `scenario`. `auth` overrides the scenario's own setting; `cors_origins` turns CORS on."""
    middlewares = [apio_errors, authentication]
    if cors_origins:
        middlewares.insert(0, cors_middleware(cors_origins))  # outermost: error answers need CORS headers too
    app = web.Application(middlewares=middlewares, client_max_size=max_body_bytes)
    app[STATE] = SimulatorState(scenario, clock=clock, schemas=schemas, auth=auth)
    app[BODY_LIMIT] = max_body_bytes
    add_routes(app)
    return app


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
        return PayloadTooLarge(f"The request body is larger than {request.app[BODY_LIMIT]} bytes.")
    return ProtocolError(exc.status, exc.reason)


def render_error(request: web.Request, error: ApioError) -> web.Response:
    body = error.body()
    problems = request.app[STATE].schemas.problems("error", body)
    if problems:  # a simulator bug; say so rather than send a body that breaks the documented shape
        log.error("error body broke error.schema.json: %s", problems[0].message)
        body = {"details": f"Simulator bug: an error body broke error.schema.json: {problems[0].message}"}
        return web.json_response(body, status=500)
    return web.json_response(body, status=error.status, headers=error.headers())
