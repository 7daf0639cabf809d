"""How `apio-sim serve` stops: on SIGTERM or SIGINT, gracefully and within a second.

As PID 1 in a container the kernel drops every signal the process has no handler for, so without one
`docker stop` (SIGTERM) waits for its SIGKILL. Here both signals have handlers, in a container and out. On
the first, the listener closes at once and every connection closes after its current request; requests
still running after `GRACE_SECONDS` (a long `delay:` fault) are cut, `CUT_SECONDS` later at most.
aiohttp's own shutdown alone would wait twice its timeout for such a request.
"""

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from aiohttp import web

GRACE_SECONDS = 0.5
"""How long requests in flight may take to finish once a stop signal came."""

CUT_SECONDS = 0.1
"""The runner's shutdown timeout: what aiohttp then waits, twice, before it cancels a request still running."""

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

logger = logging.getLogger(__name__)


_signalled: list[signal.Signals] = []
"""The signal that stopped a running server, if one did (a signal during start-up does not count)."""


def stoppable(serve: Callable[..., int], *args: object, **kwargs: object) -> int:
    """`serve(*args, **kwargs)`, where SIGTERM stops the start-up (loading a scenario) as Ctrl-C does: exit 0.

    Once a stop signal has stopped the server, the process exits here, its output flushed: the interpreter's
    teardown (freeing numpy, Faker and the rest, 0.25 to 0.4 s) would only delay `docker stop`.
    """
    _signalled.clear()
    try:
        with _sigterm_interrupts():
            code = serve(*args, **kwargs)
    except KeyboardInterrupt:
        code = 0
    if _signalled:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


async def until_stopped(runner: web.BaseRunner) -> signal.Signals:
    """Serve until SIGTERM or SIGINT, then drain: the runner's cleanup cuts whatever still runs."""
    signum = await _stop_signal()
    await _drain(runner)
    return signum


async def _stop_signal() -> signal.Signals:
    loop = asyncio.get_running_loop()
    received: asyncio.Future[signal.Signals] = loop.create_future()

    def on_signal(signum: signal.Signals) -> None:
        if received.done():
            logger.info("%s: already stopping", signum.name)
        else:
            logger.info("%s: stopping (requests in flight get %s s)", signum.name, GRACE_SECONDS)
            _signalled.append(signum)
            received.set_result(signum)

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)  # removed when asyncio.run closes the loop
    return await received


async def _drain(runner: web.BaseRunner) -> None:
    """Close the listener; let each connection finish its request and close, for GRACE_SECONDS at most."""
    for site in list(runner.sites):
        await site.stop()
    server = runner.server
    if server is None:
        return
    for connection in server.connections:
        connection.close()  # an idle one closes now, a busy one after its answer
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GRACE_SECONDS
    while server.connections and loop.time() < deadline:
        await asyncio.sleep(0.01)


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt until the event loop takes the signal over; restored afterwards."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
