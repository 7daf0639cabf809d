"""What an emulated path names; the paths themselves are rows of `simulator.operations`."""

from aiohttp import web

from simulator.model import CallCenterKey


def call_center_key(request: web.Request) -> CallCenterKey:
    """The call center a path names; aiohttp has already decoded `%40` and the like."""
    info = request.match_info
    return CallCenterKey(info["tenant_id"], info["group_id"], info["call_center_name"])
