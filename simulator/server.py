"""Serving the simulator: `SimulatorServer`, the one way the CLI, the pytest plugin, tests and benchmarks
start one, and a runner whose connections answer even requests that are not valid HTTP with JSON.

aiohttp answers a request it cannot parse (control bytes in a header, a request line or header over 8,190
bytes, a malformed Content-Length, a garbage method) before any middleware runs, with a text/plain or HTML
400. This runner's server answers those with `{"details": ...}` instead; aiohttp still logs and closes the
connection as it always does.
"""

import asyncio
import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from simulator.constants import INTERNAL_ERROR_MESSAGE
from simulator.model import Scenario

T = TypeVar("T")

NOT_HTTP = "The request is not valid HTTP."
INTERNAL = INTERNAL_ERROR_MESSAGE


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


class SimulatorServer:
    """A simulator on `host:port` (port 0: one the system picks, read back into `url`).

    `start()`/`stop()` (or `with SimulatorServer() as server:`) run it in a thread with its own event
    loop, for synchronous callers such as the pytest plugin; `await astart()`/`astop()` (or `async with`)
    run it in the caller's loop, as `apio-sim serve` does. `scenario` is a built `Scenario`, a file, or
    None for the shipped default; `options` are those of `create_app`.
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
        self.app = create_app(scenario, **options)
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
        kwargs: dict[str, Any] = {"shutdown_timeout": self._shutdown_timeout}
        if not self._access_log:
            kwargs["access_log"] = None
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
