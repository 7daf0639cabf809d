"""The emulated APIO paths; a trailing slash is optional on each."""

from aiohttp import web

from simulator.model import CallCenterKey

GATEWAY = "/api/v1"
CORE_PROXY = "/api/v01/p1"
"""APIO core serves the gateway's /api/v1/... paths under /api/v01/p{id}/...; the simulator is proxy 1."""

CALL_CENTER = "/tenants/{tenant_id}/groups/{group_id}/services/call_centers/{call_center_name}"
REPORTING = CALL_CENTER + "/instance_statistics_reporting{slash:/?}"
STATISTICS = CALL_CENTER + "/statistics{slash:/?}"

LOGIN = GATEWAY + "/login{slash:/?}"
LOGOUT = GATEWAY + "/logout{slash:/?}"
CORE_LOGIN = "/api/v01/auth/login{slash:/?}"
CORE_ACCESS_TOKEN = "/api/v01/auth/access_token{slash:/?}"
CORE_LOGOUT = "/api/v01/auth/logout{slash:/?}"


def call_center_key(request: web.Request) -> CallCenterKey:
    """The call center a path names; aiohttp has already decoded `%40` and the like."""
    info = request.match_info
    return CallCenterKey(info["tenant_id"], info["group_id"], info["call_center_name"])
