"""How `apio-sim serve` stops: on SIGTERM or SIGINT, gracefully and within a second.

As PID 1 in a container the kernel drops every signal the process has no handler for, so without one
`docker stop` (SIGTERM) waits for its SIGKILL. Here both signals have handlers, in a container and out:
the listener closes at once, requests in flight get `GRACE_SECONDS` to finish, and those still running then
(a long `delay:` fault) are cancelled.
"""

import asyncio
import logging
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

GRACE_SECONDS = 0.75
"""How long requests in flight may take to finish once a stop signal came (aiohttp's shutdown timeout)."""

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

logger = logging.getLogger(__name__)


def stoppable(serve: Callable[..., int], *args: object, **kwargs: object) -> int:
    """`serve(*args, **kwargs)`, where SIGTERM stops the start-up (loading a scenario) as Ctrl-C does: exit 0."""
    try:
        with _sigterm_interrupts():
            return serve(*args, **kwargs)
    except KeyboardInterrupt:
        return 0


async def until_stop_signal() -> signal.Signals:
    """Wait for SIGTERM or SIGINT on the running loop; later ones are ignored while the server stops."""
    loop = asyncio.get_running_loop()
    received: asyncio.Future[signal.Signals] = loop.create_future()

    def on_signal(signum: signal.Signals) -> None:
        if received.done():
            logger.info("%s: already stopping", signum.name)
        else:
            logger.info("%s: stopping (requests in flight get %s s)", signum.name, GRACE_SECONDS)
            received.set_result(signum)

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)  # removed when asyncio.run closes the loop
    return await received


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
