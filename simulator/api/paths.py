"""The emulated APIO paths; a trailing slash is optional on each."""

from aiohttp import web

from simulator.model import CallCenterKey

CALL_CENTER = "/api/v1/tenants/{tenant_id}/groups/{group_id}/services/call_centers/{call_center_name}"
REPORTING = CALL_CENTER + "/instance_statistics_reporting{slash:/?}"
STATISTICS = CALL_CENTER + "/statistics{slash:/?}"


def call_center_key(request: web.Request) -> CallCenterKey:
    """The call center a path names; aiohttp has already decoded `%40` and the like."""
    info = request.match_info
    return CallCenterKey(info["tenant_id"], info["group_id"], info["call_center_name"])
