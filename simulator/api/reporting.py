"""GET and PUT .../instance_statistics_reporting/: the call center's statistics reporting settings."""

from typing import Any

from aiohttp import web

from simulator.api.body import required_json_object
from simulator.api.paths import call_center_key
from simulator.api.respond import respond, state_of
from simulator.model import REPORTING_FIELDS, ReportingSettings


async def get_reporting(request: web.Request) -> web.Response:
    settings = state_of(request).reporting(call_center_key(request))
    return respond(request, "reporting-settings", render_reporting(settings))


async def put_reporting(request: web.Request) -> web.Response:
    state = state_of(request)
    key = call_center_key(request)
    state.call_center(key)
    body = await required_json_object(request)
    state.schemas.require("reporting-settings-update", body)
    settings = state.update_reporting(key, body)
    return respond(request, "reporting-settings", render_reporting(settings))


def render_reporting(settings: ReportingSettings) -> dict[str, Any]:
    """The APIO body of the settings; unset values are left out, as in the documented example."""
    return {
        name: getattr(settings, field)
        for name, field in REPORTING_FIELDS.items()
        if getattr(settings, field) is not None
    }
