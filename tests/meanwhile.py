"""Proof that the server kept answering while a long or hostile operation ran: by order, never by time.

`held_after` lets a function of the worker thread do its work, then holds its answer (or its error) until
the test releases it: a health probe answered meanwhile shows the event loop was free while that work ran
and before its request could complete. The waits are hang guards only, far above any real duration.
"""

import asyncio
import threading
from collections.abc import Awaitable
from typing import Any

import pytest

HANG_GUARD = 30.0


def held_after(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> threading.Event:
    """Replace `module.name` by one that runs it, then waits for the returned event before it returns or
    raises what it did; it also checks that it runs outside the event loop's thread."""
    released = threading.Event()
    original = getattr(module, name)

    def held(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise AssertionError(f"{name} ran on the event loop")
        try:
            return original(*args, **kwargs)
        finally:
            if not released.wait(timeout=HANG_GUARD):
                raise AssertionError(f"{name} was never released: no probe was answered meanwhile")

    monkeypatch.setattr(module, name, held)
    return released


async def probe_while(client: Any, pending: "asyncio.Future[Any]", path: str = "/__sim/health") -> None:
    """A health probe sent while `pending` runs is answered 200, and `pending` has still not completed."""
    await asyncio.sleep(0)  # let the pending request go out first
    probe = await asyncio.wait_for(client.get(path), HANG_GUARD)
    assert probe.status == 200
    assert not pending.done(), "the operation completed before the probe was answered"


async def answered_meanwhile(client: Any, operation: Awaitable[Any], released: threading.Event) -> Any:
    """Start `operation`, prove a probe is answered while it is held, then release it and return its result."""
    pending = asyncio.ensure_future(operation)
    try:
        await probe_while(client, pending)
    finally:
        released.set()
    return await asyncio.wait_for(pending, HANG_GUARD)
