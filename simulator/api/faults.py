"""Faults on demand and the request journal, for every request to the emulated API.

One middleware, because their order matters: the fault is chosen first (the `X-Apio-Sim-Fault` header, or
the namespace's rules), the request is answered or refused, the journal records it, and only then does the
answer leave, broken as the fault says.
"""

import time
from typing import Any, cast

from aiohttp import web
from aiohttp.typedefs import Handler

from simulator.api.journal import request_body, request_info
from simulator.api.respond import SIMULATOR, render_error, state_of
from simulator.constants import FAULT_HEADER
from simulator.errors import ApioError, InvalidParameters
from simulator.faults import Action, InvalidFault, RequestInfo, parse_action
from simulator.instants import Instant

ENDPOINTS: web.AppKey[dict[Any, str]] = web.AppKey("endpoints", dict)
"""Where the emulated API's application keeps the journal name of each of its routes."""
# The simulator clock, read once when the request arrives: the journal and the handler see the same instant.
NOW: Any = web.RequestKey("now", int) if hasattr(web, "RequestKey") else "apio_sim.now"


def request_now(request: web.Request) -> Instant:
    """The instant the request arrived, on its namespace's clock."""
    return cast(Instant, request[NOW])


@web.middleware
async def faults_and_journal(request: web.Request, handler: Handler) -> web.StreamResponse:
    namespace = state_of(request)
    started = time.perf_counter()
    request[NOW] = now = namespace.clock.now()
    info = request_info(request, request.app[ENDPOINTS].get(request.match_info.route))
    action: Action | None = None
    response: web.Response | None
    try:
        action = _choose(request, info)
    except ApioError as error:
        response = render_error(request, error)
    else:
        injected = None if action is None else action.error(info)
        if injected is not None:
            response = render_error(request, injected)
        elif action is not None and not action.reaches_handler:
            response = None  # the request is never answered, nor acted on
        else:
            if action is not None:
                await action.before(namespace.random)
            response = cast(web.Response, await handler(request))  # every emulated handler answers a Response
    namespace.journal.record(
        at=now,
        request=info,
        query={name: request.query[name] for name in request.query},
        body=await request_body(request, request.app[SIMULATOR].options.max_body_bytes),
        status=None if response is None else response.status,
        response_body=None if response is None else response.body,
        fault=None if action is None else action.text,
        duration_ms=(time.perf_counter() - started) * 1000,
    )
    if action is None:
        assert response is not None
        return response
    return await action.deliver(request, response)


def _choose(request: web.Request, info: RequestInfo) -> Action | None:
    """The header's action, parsed as it is read, else the first of the namespace's rules that fires."""
    header = request.headers.get(FAULT_HEADER)
    if header is not None:
        try:
            return parse_action(header.strip())
        except InvalidFault as exc:
            raise InvalidParameters(f"{FAULT_HEADER}: {exc}") from None
    rule = state_of(request).faults.pick(info)
    return None if rule is None else rule.action
