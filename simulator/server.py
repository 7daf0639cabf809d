"""Serving an app so that even requests that are not valid HTTP get an APIO-style JSON error.

aiohttp answers a request it cannot parse (control bytes in a header, a request line or header over 8,190
bytes, a malformed Content-Length, a garbage method) before any middleware runs, with a text/plain or HTML
400. This runner's server answers those with `{"details": ...}` instead; aiohttp still logs and closes the
connection as it always does.
"""

import json
from http import HTTPStatus

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

NOT_HTTP = "The request is not valid HTTP."
INTERNAL = "Internal simulator error; the server log has the details."


class _JsonErrorRequestHandler(RequestHandler):
    def handle_error(
        self, request: BaseRequest, status: int = 500, exc: BaseException | None = None, message: str | None = None
    ) -> web.StreamResponse:
        super().handle_error(request, status, exc, message)  # logs, and refuses if a response already began
        details = INTERNAL if status >= HTTPStatus.INTERNAL_SERVER_ERROR else NOT_HTTP
        response = web.Response(status=status, body=json.dumps({"details": details}), content_type="application/json")
        response.force_close()
        return response


class _JsonErrorServer(web.Server):
    def __call__(self) -> RequestHandler:
        return _JsonErrorRequestHandler(self, loop=self._loop, **self._kwargs)


class AppRunner(web.AppRunner):
    """An aiohttp AppRunner whose connections answer unparseable requests with JSON."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _JsonErrorServer  # same object and state; only the handler it builds differs
        return server
