"""`--admin-token`: the control API then needs `Authorization: Bearer <token>`; the emulated API is unaffected.

A middleware of the control application only, so it never looks at the path.
"""

import hmac

from aiohttp import web
from aiohttp.typedefs import Handler

from simulator.api.respond import simulator_of
from simulator.control.dashboard import is_dashboard_file
from simulator.errors import Unauthorized


@web.middleware
async def control_access(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = simulator_of(request).options.admin_token
    if token and not is_dashboard_file(request.path):
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise Unauthorized("The control API needs 'Authorization: Bearer <admin token>'.")
    return await handler(request)
