"""Thin handlers for the emulated APIO endpoints: parse, validate, call the core, check, render."""

from aiohttp import web

from simulator.api import login, paths
from simulator.api.reporting import get_reporting, put_reporting
from simulator.api.statistics import get_statistics

GATEWAY_GUARDED = ("reporting", "statistics")
CORE_GUARDED = ("core.reporting", "core.statistics")
"""Resource names of the endpoints that need credentials: a session on the gateway, a token via core."""


def add_routes(app: web.Application) -> None:
    for prefix, name in ((paths.GATEWAY, ""), (paths.CORE_PROXY, "core.")):
        reporting = app.router.add_resource(prefix + paths.REPORTING, name=name + "reporting")
        reporting.add_route("GET", get_reporting)
        reporting.add_route("PUT", put_reporting)
        statistics = app.router.add_resource(prefix + paths.STATISTICS, name=name + "statistics")
        statistics.add_route("GET", get_statistics)
    app.router.add_resource(paths.LOGIN, name="login").add_route("POST", login.gateway_login)
    app.router.add_resource(paths.LOGOUT, name="logout").add_route("POST", login.gateway_logout)
    app.router.add_resource(paths.CORE_LOGIN, name="core.login").add_route("POST", login.core_login)
    app.router.add_resource(paths.CORE_ACCESS_TOKEN, name="core.access_token").add_route("GET", login.core_refresh)
    app.router.add_resource(paths.CORE_LOGOUT, name="core.logout").add_route("GET", login.core_logout)
