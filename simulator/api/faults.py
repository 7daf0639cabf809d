"""Faults on demand and the request journal, for every request to the emulated API.

One middleware, because their order matters: the fault is chosen first (the `X-Apio-Sim-Fault` header, or
the namespace's rules), the request is answered or refused, the journal records it, and only then does the
answer leave, broken as the fault says.
"""

import asyncio
import socket
import struct
import time
from typing import Any, cast

from aiohttp import web
from aiohttp.typedefs import Handler

from simulator.api.journal import request_body, request_info
from simulator.api.respond import SIMULATOR, render_error, state_of
from simulator.auth import NO_RIGHTS
from simulator.constants import FAULT_HEADER
from simulator.errors import (
    ApioError,
    BadMediaType,
    CoreUnauthorized,
    Forbidden,
    HttpError,
    InternalError,
    InvalidParameters,
    NotFound,
    Unauthorized,
)
from simulator.faults import Action, InvalidFault, RequestInfo, parse_action

ENDPOINTS: web.AppKey[dict[Any, str]] = web.AppKey("endpoints", dict)
"""Where the emulated API's application keeps the journal name of each of its routes."""

_HTTP_MESSAGES = {
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service unavailable.",
    504: "Gateway timeout.",
}


@web.middleware
async def faults_and_journal(request: web.Request, handler: Handler) -> web.StreamResponse:
    namespace = state_of(request)
    started = time.perf_counter()
    info = request_info(request, request.app[ENDPOINTS].get(request.match_info.route))
    action: Action | None = None
    response: web.Response | None
    try:
        action = _choose(request, info)
    except ApioError as error:
        response = render_error(request, error)
    else:
        if action is None or action.kind in ("truncated-body", "malformed-body", "slow-body"):
            response = cast(web.Response, await handler(request))  # every emulated handler answers a Response
        elif action.kind == "delay":
            await asyncio.sleep(namespace.random.uniform(*action.milliseconds) / 1000)
            response = cast(web.Response, await handler(request))
        elif action.kind in ("sub-error", "http-error"):
            response = render_error(request, injected_error(action, info))
        else:  # reset, empty: the request is never answered, nor acted on
            response = None
    namespace.journal.record(
        at=namespace.clock.now(),
        request=info,
        query={name: request.query[name] for name in request.query},
        body=await request_body(request, request.app[SIMULATOR].options.max_body_bytes),
        status=None if response is None else response.status,
        response_body=None if response is None else response.body,
        fault=None if action is None else action.text,
        duration_ms=(time.perf_counter() - started) * 1000,
    )
    return await _deliver(request, response, action)


def _choose(request: web.Request, info: RequestInfo) -> Action | None:
    header = request.headers.get(FAULT_HEADER)
    if header is not None:
        try:
            return parse_action(header.strip())
        except InvalidFault as exc:
            raise InvalidParameters(f"{FAULT_HEADER}: {exc}") from None
    rule = state_of(request).faults.pick(info)
    return None if rule is None else rule.action


class TooManyRequests(HttpError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(429, "Too many requests.")
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def injected_error(action: Action, info: RequestInfo) -> ApioError:
    """The error an action stands for, with the body the real gateway (or APIO core) would give."""
    status = action.status
    if action.kind == "sub-error":
        return InvalidParameters(action.message or "")
    if status == 401:
        if info.path.startswith("/api/v01/"):
            return CoreUnauthorized("Invalid or expired token.")
        return Unauthorized("Invalid or expired session.")
    if status == 403:
        return Forbidden(NO_RIGHTS)
    if status == 404:
        if info.call_center is not None:
            return NotFound(f"Call center {info.call_center} not found in group {info.group}.")
        return NotFound(f"No such endpoint: {info.path}")
    if status == 416:
        return BadMediaType("The request body must be a JSON object.")
    if status == 429:
        return TooManyRequests(action.retry_after or 1)
    if status == 500:
        return InternalError(_HTTP_MESSAGES[500])
    return HttpError(status or 500, _HTTP_MESSAGES.get(status or 500, "Error."))


async def _deliver(request: web.Request, response: web.Response | None, action: Action | None) -> web.StreamResponse:
    """Send the answer, broken as the action says."""
    kind = None if action is None else action.kind
    transport = request.transport
    if kind == "reset" and transport is not None:
        sock = transport.get_extra_info("socket")
        if sock is not None:  # linger 0: the kernel answers with RST instead of a clean close
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        return web.Response()
    if kind == "empty" and transport is not None:
        transport.close()
        return web.Response()
    assert response is not None
    body = response.body if isinstance(response.body, bytes) else b""
    if kind == "malformed-body":
        return web.Response(status=response.status, body=body[: len(body) // 2], content_type="application/json")
    if kind in ("truncated-body", "slow-body"):
        stream = web.StreamResponse(status=response.status, headers={"Content-Type": "application/json"})
        stream.content_length = len(body)
        await stream.prepare(request)
        if kind == "truncated-body":
            await stream.write(body[: len(body) // 2])
            if request.transport is not None:
                request.transport.abort()
            return stream
        pieces = max(1, min(len(body), 20))
        step = -(-len(body) // pieces)
        pause = action.milliseconds[0] / 1000 / pieces  # type: ignore[union-attr]
        for offset in range(0, len(body), step):  # the last piece leaves when the duration is over
            await asyncio.sleep(pause)
            await stream.write(body[offset : offset + step])
        await stream.write_eof()
        return stream
    return response
