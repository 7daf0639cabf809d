"""Reading a request's body once, in bounded chunks, and its JSON the way APIO refuses what is not a JSON
object (416)."""

import json
from typing import Any

from aiohttp import web

from simulator.api.respond import SIMULATOR
from simulator.errors import BadMediaType, InvalidParameters, PayloadTooLarge


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# The body as read by `read_body`: its bytes, or None when it went past the limit (the rest left unread).
BODY: Any = web.RequestKey("body", object) if hasattr(web, "RequestKey") else "apio_sim.body"


async def read_body(request: web.Request, limit: int) -> bytes | None:
    """The body, read once and kept on the request; None when it is larger than `limit` bytes.

    A Content-Length over the limit is refused unread. A chunked body says its length only as it comes:
    it is read in the stream's own chunks and refused as soon as more than `limit` bytes have arrived, so
    at most about `limit` bytes are ever held (aiohttp's `read()` would buffer up to the scenario limit).
    """
    if BODY in request:
        return request[BODY]
    raw: bytes | None = request._read_bytes  # already read whole by `request.read()` (the control API)
    if raw is None and (request.content_length or 0) <= limit:
        body = bytearray()
        while chunk := await request.content.readany():
            body.extend(chunk)
            if len(body) > limit:
                break
        else:
            raw = bytes(body)
            request._read_bytes = raw  # aiohttp's own cache: a later `request.read()` answers these bytes
    if raw is not None and len(raw) > limit:
        raw = None
    request[BODY] = raw
    return raw


def body_refused(request: web.Request) -> bool:
    """Whether `read_body` refused a chunked body part-way, the rest of it unread (one refused on its
    Content-Length is left to aiohttp, which reads and drops the rest for a while before closing)."""
    return request.content_length is None and BODY in request and request[BODY] is None


# Built once: `json.loads` with hooks builds a decoder on every call. Decoding as `json.loads` does bytes.
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants)


async def read_json_object(request: web.Request, required: bool = False) -> dict[str, Any] | None:
    """The body as a JSON object; None when there is none, unless it is `required` (then 416).

    Not JSON at all (malformed, NaN or Infinity, not UTF-8, nested too deep) or JSON that is not an
    object: 416. A field given twice: 400, since the client cannot know which one would count. A body over
    the limit: 413, refused on its Content-Length before it is read when it declares one, else as soon as
    more than the limit has arrived.
    """
    limit = request.app[SIMULATOR].options.max_body_bytes
    raw = await read_body(request, limit)
    if raw is None:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    if not raw.strip():
        if required:
            raise BadMediaType("The request body must be a JSON object.")
        return None
    try:
        value = _DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
    except _DuplicateKey as exc:
        raise InvalidParameters(f"Duplicate field: {exc.key}.") from None
    except (ValueError, RecursionError):
        raise BadMediaType("The request body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise BadMediaType("The request body must be a JSON object.")
    return value


async def required_json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object, which must be there (416 when it is not)."""
    body = await read_json_object(request, required=True)
    assert body is not None
    return body
