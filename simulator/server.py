"""Serving the simulator: `SimulatorServer`, the one way the CLI, the pytest plugin, tests and benchmarks
start one, and a runner whose connections answer even requests that are not valid HTTP with JSON.

aiohttp answers a request it cannot parse (control bytes in a header, a request line or header over 8,190
bytes, a malformed Content-Length, a garbage method) before any middleware runs, with a text/plain or HTML
400. This runner's server answers those with `{"details": ...}` instead; aiohttp still logs and closes the
connection as it always does.

Connection hygiene: an idle connection is closed after `keepalive_timeout` seconds; beyond
`max_connections` open at once a new one is answered 503 and closed before it is read, so idle clients
cannot use up the descriptors; and running out of them anyway ("socket.accept() out of system resource",
which asyncio reports at every attempt) is logged once per `ACCEPT_ERROR_INTERVAL`.
"""

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable, Collection
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from simulator.constants import INTERNAL_ERROR_MESSAGE, KEEPALIVE_TIMEOUT, MAX_CONNECTIONS
from simulator.model import Scenario

T = TypeVar("T")

log = logging.getLogger(__name__)

NOT_HTTP = "The request is not valid HTTP."
INTERNAL = INTERNAL_ERROR_MESSAGE
TOO_MANY_CONNECTIONS = "Too many connections are open; try again when one closes."
ACCEPT_ERROR_INTERVAL = 10.0
"""Seconds between two log lines about failing to accept connections (out of file descriptors)."""


def _refusal(details: str) -> bytes:
    body = json.dumps({"details": details}).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


class _JsonErrorRequestHandler(RequestHandler):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        limit = getattr(self._manager, "max_connections", 0)
        if limit and self._manager is not None and len(self._manager.connections) >= limit:
            self._manager = None  # never counted: connection_lost has nothing to undo
            self._force_close = True  # whatever the client sends is not read
            transport.write(_refusal(TOO_MANY_CONNECTIONS))  # type: ignore[attr-defined]
            transport.close()  # once the answer is out
            return
        super().connection_made(transport)

    def handle_error(
        self, request: BaseRequest, status: int = 500, exc: BaseException | None = None, message: str | None = None
    ) -> web.StreamResponse:
        super().handle_error(request, status, exc, message)  # logs, and refuses if a response already began
        details = INTERNAL if status >= HTTPStatus.INTERNAL_SERVER_ERROR else NOT_HTTP
        response = web.Response(status=status, body=json.dumps({"details": details}), content_type="application/json")
        response.force_close()
        return response


class _JsonErrorServer(web.Server):
    max_connections = 0  # 0: no cap

    def __call__(self) -> RequestHandler:
        return _JsonErrorRequestHandler(self, loop=self._loop, **self._kwargs)


class AppRunner(web.AppRunner):
    """An aiohttp AppRunner whose connections answer unparseable requests with JSON, at most
    `max_connections` at once (0: no cap)."""

    def __init__(self, app: web.Application, *, max_connections: int = 0, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._max_connections = max_connections

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _JsonErrorServer  # same object and state; only the handler it builds differs
        server.max_connections = self._max_connections  # type: ignore[attr-defined]
        return server


class AcceptErrorLog:
    """A loop exception handler that logs accept failures once per `interval` seconds, with how many
    there were; every other exception goes on to the handler that was there before."""

    def __init__(self, previous: Any, interval: float = ACCEPT_ERROR_INTERVAL) -> None:
        self.previous = previous
        self.interval = interval
        self._last: float | None = None
        self._since = 0

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if "out of system resource" not in str(context.get("message", "")):
            if self.previous is not None:
                self.previous(loop, context)
            else:
                loop.default_exception_handler(context)
            return
        self._since += 1
        now = time.monotonic()
        if self._last is None or now - self._last >= self.interval:
            log.error(
                "cannot accept connections (%s): %d failure(s) since the last report; "
                "raise the descriptor limit or lower --max-connections",
                context.get("exception"),
                self._since,
            )
            self._last, self._since = now, 0


class SimulatorServer:
    """A simulator on `host:port` (port 0: one the system picks, read back into `url`).

    `start()`/`stop()` (or `with SimulatorServer() as server:`) run it in a thread with its own event
    loop, for synchronous callers such as the pytest plugin; `await astart()`/`astop()` (or `async with`)
    run it in the caller's loop, as `apio-sim serve` does. `scenario` is a built `Scenario`, a file, or
    None for the shipped default; `options` are those of `create_app`.

    `keepalive_timeout`: seconds an idle connection stays open; `max_connections` (0: no cap): open at
    once, beyond which a new one is answered 503 and closed. `allowed_hosts`: `Host` names the control API
    answers besides localhost, 127.0.0.1 and ::1 when listening on loopback (DNS rebinding); listening on
    any other address, any Host is answered unless names are given here.
    """

    def __init__(
        self,
        scenario: Scenario | Path | str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int | None = None,
        access_log: bool = False,
        shutdown_timeout: float = 60.0,
        keepalive_timeout: float = KEEPALIVE_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
        allowed_hosts: Collection[str] = (),
        **options: Any,
    ) -> None:
        from simulator.app import create_app
        from simulator.resources import default_scenario, scenario_file
        from simulator.scenario import load_scenario

        if not isinstance(scenario, Scenario):
            scenario = load_scenario(default_scenario() if scenario is None else scenario_file(scenario), seed=seed)
        self.scenario = scenario
        self.host = host
        self.port = port
        from simulator.control.access import is_loopback

        if is_loopback(host) or allowed_hosts:
            options["allowed_hosts"] = list(allowed_hosts)
        self.app = create_app(scenario, **options)
        self._keepalive_timeout = keepalive_timeout
        self._max_connections = max_connections
        self._access_log = access_log
        self._shutdown_timeout = shutdown_timeout  # what aiohttp waits for requests in flight when stopped
        self._runner: AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.addresses: list[tuple[str, int]] = []

    @property
    def simulator(self) -> Any:
        """The `simulator.state.Simulator` behind the server: change it only through `call`."""
        from simulator.api.respond import SIMULATOR

        return self.app[SIMULATOR]

    @property
    def url(self) -> str:
        if not self.addresses:
            raise RuntimeError("The server is not started.")
        host, port = self.addresses[0]
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}"

    @property
    def runner(self) -> web.AppRunner:
        if self._runner is None:
            raise RuntimeError("The server is not started.")
        return self._runner

    # In the caller's event loop

    async def astart(self) -> Self:
        kwargs: dict[str, Any] = {
            "shutdown_timeout": self._shutdown_timeout,
            "keepalive_timeout": self._keepalive_timeout,
            "max_connections": self._max_connections,
        }
        if not self._access_log:
            kwargs["access_log"] = None
        loop = asyncio.get_running_loop()
        if not isinstance(loop.get_exception_handler(), AcceptErrorLog):
            loop.set_exception_handler(AcceptErrorLog(loop.get_exception_handler()))
        self._runner = AppRunner(self.app, **kwargs)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except BaseException:
            await self._runner.cleanup()
            self._runner = None
            raise
        self.addresses = [(address[0], address[1]) for address in self._runner.addresses]
        return self

    async def astop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.astart()

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.astop()

    # In a thread of its own

    def start(self, timeout: float = 60) -> Self:
        if self._thread is not None:
            return self
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="apio-sim", daemon=True)
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self.astart(), loop).result(timeout=timeout)
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=timeout)
            loop.close()
            raise
        self._loop, self._thread = loop, thread
        return self

    def stop(self, timeout: float = 30) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self.astop(), loop).result(timeout=timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=timeout)
        loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def call(self, function: Callable[[Any], T], timeout: float = 60) -> T:
        """`function(simulator)`, run in the server's loop so that no request sees it half done."""
        if self._loop is None:
            return function(self.simulator)

        async def run() -> T:
            return function(self.simulator)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=timeout)

    def reset(self, scenario: Scenario | None = None) -> None:
        """Drop every namespace and start the default one again on `scenario` (default: the base one)."""
        self.call(lambda simulator: simulator.start_over(scenario))
