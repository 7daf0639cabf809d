"""CORS for browser-based portals pointed at the simulator (`--cors ORIGINS`)."""

from collections.abc import Collection

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

ALLOWED_METHODS = "GET, PUT, POST, OPTIONS"
DEFAULT_HEADERS = "Authorization, Content-Type"


def cors_middleware(origins: Collection[str]) -> Middleware:
    """Answer preflights and mark responses for `origins`; "*" allows any other origin, without credentials.

    An origin named in `origins` is echoed with Access-Control-Allow-Credentials: true, so a portal there
    can log in with the sessionid cookie or send Authorization. Browsers refuse credentials with a "*"
    answer, and granting them to every origin would let any page act as a logged-in user: "*" answers
    "*" and no credentials. A preflight from another origin goes on to routing and gets its 405.
    """
    any_origin = "*" in origins
    named = frozenset(origins) - {"*"}

    @web.middleware
    async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is None or not (any_origin or origin in origins):
            return await handler(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response: web.StreamResponse = web.Response(status=204)
            response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response.headers["Access-Control-Allow-Headers"] = request.headers.get(
                "Access-Control-Request-Headers", DEFAULT_HEADERS
            )
            response.headers["Access-Control-Max-Age"] = "600"
        else:
            response = await handler(request)
        if origin in named:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
        else:
            response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers.add("Vary", "Origin")
        return response

    return cors
