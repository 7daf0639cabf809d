"""What the journal keeps of a request and its answer."""

import json
from typing import Any

from aiohttp import web

from simulator.api.body import read_body
from simulator.faults import RequestInfo

MAX_JSON = 16 * 1024
MAX_TEXT = 4096
"""A JSON body up to MAX_JSON bytes is kept as JSON; any other is kept as text, cut at MAX_TEXT characters,
so that the journal stays small whatever clients send."""


def request_info(request: web.Request, endpoint: str | None) -> RequestInfo:
    """The request as fault rules match it and the journal files it; the proxy prefix shares the names."""
    info = request.match_info
    return RequestInfo(
        method=request.method,
        path=request.path,
        endpoint=endpoint,
        tenant=info.get("tenant_id"),
        group=info.get("group_id"),
        call_center=info.get("call_center_name"),
    )


async def request_body(request: web.Request, limit: int) -> bytes | str | None:
    """The raw body, for the journal (parsed only when someone reads it); None over `limit` (a 413: the
    answer says so, the journal keeps no body). Read once, by the same reader as the handler's."""
    if not request.body_exists:
        return None
    raw = await read_body(request, limit)
    if raw is None:
        return None
    return raw if len(raw) <= MAX_JSON else readable(raw)  # a long body is cut to its text now


def readable(raw: bytes | str | None) -> Any:
    """A body for the journal's readers: its JSON, else its text (cut), None when empty."""
    if isinstance(raw, str):  # already cut to text when it was recorded
        return raw
    if raw is None or not raw.strip():
        return None
    if len(raw) <= MAX_JSON:
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            pass
    text = raw.decode("utf-8", errors="replace")
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + f"... ({len(raw)} bytes)"
