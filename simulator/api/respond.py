"""Every response is checked against its schema before it leaves; the request's namespace is at hand."""

import logging
from typing import Any

from aiohttp import web

from simulator.errors import ApioError, InternalError
from simulator.state import Namespace, Simulator

log = logging.getLogger(__name__)

SIMULATOR = web.AppKey("simulator", Simulator)
# Where the namespace middleware leaves the request's namespace: a typed key on aiohttp versions that have
# them (3.14 and later warn about plain strings), a string on older ones.
NAMESPACE: Any = web.RequestKey("namespace", Namespace) if hasattr(web, "RequestKey") else "apio_sim.namespace"


def simulator_of(request: web.Request) -> Simulator:
    return request.app[SIMULATOR]


def state_of(request: web.Request) -> Namespace:
    return request[NAMESPACE]


class ResponseSchemaViolation(InternalError):
    """The simulator was about to send a body its own schema forbids: a simulator bug, never hidden."""


def respond(request: web.Request, schema: str, body: Any, status: int = 200) -> web.Response:
    schemas = simulator_of(request).schemas
    problems = schemas.problems(schema, body)
    if problems:
        first = problems[0]
        raise ResponseSchemaViolation(
            f"Simulator bug: the response broke {schemas.file_name(schema)}, rule '{first.rule}' "
            f"at {first.where or 'the top level'}: {first.message}"
        )
    return web.json_response(body, status=status)


def render_error(request: web.Request, error: ApioError) -> web.Response:
    """The APIO answer to an error, checked against error.schema.json like every other body."""
    body = error.body()
    problems = simulator_of(request).schemas.problems("error", body)
    if problems:  # a simulator bug; say so rather than send a body that breaks the documented shape
        log.error("error body broke error.schema.json: %s", problems[0].message)
        body = {"details": f"Simulator bug: an error body broke error.schema.json: {problems[0].message}"}
        return web.json_response(body, status=500)
    return web.json_response(body, status=error.status, headers=error.headers())
