"""Thin handlers for the emulated APIO endpoints: parse, validate, call the core, check, render."""

from aiohttp import web

from simulator.api import paths
from simulator.api.reporting import get_reporting, put_reporting
from simulator.api.statistics import get_statistics


def add_routes(app: web.Application) -> None:
    reporting = app.router.add_resource(paths.REPORTING, name="reporting")
    reporting.add_route("GET", get_reporting)
    reporting.add_route("PUT", put_reporting)
    statistics = app.router.add_resource(paths.STATISTICS, name="statistics")
    statistics.add_route("GET", get_statistics)
