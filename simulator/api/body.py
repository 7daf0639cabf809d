"""Reading a request's JSON body, the way APIO refuses what is not a JSON object (416)."""

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


# Built once: `json.loads` with hooks builds a decoder on every call. Decoding as `json.loads` does bytes.
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants)


async def read_json_object(request: web.Request, required: bool = False) -> dict[str, Any] | None:
    """The body as a JSON object; None when there is none, unless it is `required` (then 416).

    Not JSON at all (malformed, NaN or Infinity, not UTF-8, nested too deep) or JSON that is not an
    object: 416. A field given twice: 400, since the client cannot know which one would count. A body over
    the limit: 413, refused on its Content-Length before it is read when it declares one.
    """
    limit = request.app[SIMULATOR].options.max_body_bytes
    if (request.content_length or 0) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    raw = await request.read()
    if len(raw) > limit:
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
