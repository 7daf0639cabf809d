"""The one table of operations: every endpoint the simulator serves, and everything known about it.

Each row drives the routing (`simulator.app`), the credentials guard, the journal's and fault matching's
endpoint name (`journal`, also the `endpoint` enum of fault-rule.schema.json, which a test compares with
this table) and the OpenAPI document (`simulator.openapi`). Adding an endpoint is one row here, one
handler and its schemas.

Paths are written as documented: on the emulated API a trailing slash is optional whatever the row says.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from simulator.api import login, portal
from simulator.api.reporting import get_reporting, put_reporting
from simulator.api.statistics import get_statistics
from simulator.constants import CONTROL_PREFIX
from simulator.control import dashboard, handlers

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

EMULATED_PREFIX = "/api"
"""Every emulated APIO path starts here; the control API lives under CONTROL_PREFIX; the rest is the root."""


@dataclass(frozen=True, slots=True)
class Operation:
    method: str  # upper case, as aiohttp and the journal write it
    path: str
    handler: Handler
    summary: str
    answer: str  # the response body's schema
    request: str | None = None  # the request body's schema
    errors: tuple[int, ...] = ()  # documented error statuses
    security: str | None = None  # "session", "bearer" or "admin"
    rights: bool = False  # the guard checks a login (of `security`) with rights over the path's tenant and group
    journal: str | None = None  # the endpoint name in the journal and in fault rules (emulated API only)
    status: int = 200
    query: tuple[str, ...] = ()
    tags: tuple[str, ...] = ("APIO",)
    description: str | None = None  # what the summary cannot say (the OpenAPI operation's description)

    @property
    def area(self) -> str:
        """Which application serves it: "apio" (the emulated API), "control", or "root"."""
        if self.path.startswith(EMULATED_PREFIX + "/"):
            return "apio"
        return "control" if self.path.startswith(CONTROL_PREFIX + "/") else "root"

    @property
    def proxied(self) -> bool:
        """Under a gateway's proxy prefix, which only the namespace's scenario can tell known or not."""
        return "{gateway}" in self.path

    @property
    def route_path(self) -> str:
        """The path inside its application, as aiohttp routes it."""
        if self.area == "apio":
            return self.path.removeprefix(EMULATED_PREFIX).rstrip("/") + "{slash:/?}"
        return self.path.removeprefix(CONTROL_PREFIX) if self.area == "control" else self.path


GATEWAY_API = "/api/v1"
PROXY_API = "/api/v01/p{gateway}"
SYNC_API = "/api/v01/apio/sync/api/v1"
"""APIO core serves the gateway's /api/v1/... paths under /api/v01/p{N}/..., N the prefix of one of the
scenario's gateways (`simulator.api.portal.known_gateway` answers 404 for others), and under the legacy
/api/v01/apio/sync/api/v1/... of older GUIs."""
GROUP = "/tenants/{tenant_id}/groups/{group_id}"
CALL_CENTER = GROUP + "/services/call_centers/{call_center_name}"

_EMULATED_ERRORS = (400, 401, 403, 404, 413, 416)
STATISTICS_EXCLUSIVE = (
    "The range comes from the body (`statisticsRange`) or from the query string (`start` and `end`, or "
    '`last`), never both: a request with a body and any of them is refused with 400 "Give the statistics '
    'range in the body or in the query string, not both."; `last` goes with neither `start` nor `end`.'
)
_JOURNAL_QUERY = ("endpoint", "method", "status", "tenant", "group", "callCenter", "since", "until")


def _call_center_operations(api: str, security: str, tag: str) -> list[Operation]:
    prefix = api + CALL_CENTER
    reporting = prefix + "/instance_statistics_reporting/"
    return [
        Operation(
            "GET",
            reporting,
            get_reporting,
            "Get the call center's statistics reporting settings",
            "reporting-settings",
            errors=(401, 403, 404),
            security=security,
            rights=True,
            journal="reporting.get",
            tags=(tag,),
        ),
        Operation(
            "PUT",
            reporting,
            put_reporting,
            "Change any of the reporting settings",
            "reporting-settings",
            "reporting-settings-update",
            _EMULATED_ERRORS,
            security,
            rights=True,
            journal="reporting.put",
            tags=(tag,),
        ),
        Operation(
            "GET",
            prefix + "/statistics/",
            get_statistics,
            "Queue and agent statistics over statisticsRange (a GET with a body)",
            "statistics-response",
            "statistics-request",
            _EMULATED_ERRORS,
            security,
            rights=True,
            journal="statistics",
            query=("start", "end", "last"),
            tags=(tag,),
            description=STATISTICS_EXCLUSIVE,
        ),
        Operation(
            "GET",
            api + GROUP + "/services/call_centers/",
            portal.group_call_centers,
            "The group's call centers",
            "call-center-list",
            errors=(401, 403, 404),
            security=security,
            rights=True,
            journal="call_centers.list",
            tags=(tag,),
        ),
        Operation(
            "GET",
            prefix + "/",
            portal.call_center_instance,
            "One call center instance",
            "call-center-instance",
            errors=(401, 403, 404),
            security=security,
            rights=True,
            journal="call_center.get",
            tags=(tag,),
        ),
        Operation(
            "GET",
            prefix + "/agents/",
            portal.call_center_agents,
            "The call center's agents",
            "call-center-agents",
            errors=(401, 403, 404),
            security=security,
            rights=True,
            journal="call_center.agents",
            tags=(tag,),
        ),
        Operation(
            "GET",
            api + GROUP + "/users/{user_id}/services/call_centers/",
            portal.user_call_centers(security),
            "The call centers a user is an agent of (the user themselves, or an admin of the group)",
            "user-call-centers",
            errors=(401, 403, 404),
            security=security,
            journal="user.call_centers",
            tags=(tag,),
        ),
    ]


def _control(
    method: str,
    path: str,
    handler: Handler,
    summary: str,
    answer: str,
    *,
    request: str | None = None,
    errors: tuple[int, ...] = (),
    status: int = 200,
    query: tuple[str, ...] = (),
) -> Operation:
    return Operation(
        method,
        CONTROL_PREFIX + path,
        handler,
        summary,
        answer,
        request,
        errors,
        security="admin",
        status=status,
        query=query,
        tags=("Control",),
    )


OPERATIONS: tuple[Operation, ...] = (
    *_call_center_operations(GATEWAY_API, "session", "APIO gateway"),
    *_call_center_operations(PROXY_API, "bearer", "APIO core proxy"),
    *_call_center_operations(SYNC_API, "bearer", "APIO core proxy (legacy sync prefix)"),
    Operation(
        "POST",
        "/api/v1/login/",
        login.gateway_login,
        "Log in through the gateway: the sessionid cookie",
        "login-response",
        "login-request",
        (400, 401, 413, 416),
        journal="login",
        tags=("Login",),
    ),
    Operation(
        "POST",
        "/api/v1/logout/",
        login.gateway_logout,
        "End the gateway session",
        "logout-response",
        errors=(401,),
        security="session",
        journal="logout",
        tags=("Login",),
    ),
    Operation(
        "POST",
        "/api/v01/auth/login",
        login.core_login,
        "Log in through APIO core: access and refresh tokens, and what APIO core says of the user",
        "core-login-answer",
        "core-login-request",
        (400, 401, 413, 416),
        journal="core.login",
        tags=("Login",),
    ),
    Operation(
        "GET",
        "/api/v01/auth/access_token",
        login.core_refresh,
        "A new access token, for the refresh token as Bearer",
        "core-access-token-response",
        errors=(401,),
        security="bearer",
        journal="core.access_token",
        tags=("Login",),
    ),
    Operation(
        "GET",
        "/api/v01/auth/logout",
        login.core_logout,
        "End the APIO core login of the access token, or of the refresh token `sign` names",
        "logout-response",
        errors=(401,),
        security="bearer",
        journal="core.logout",
        query=("sign",),
        tags=("Login",),
    ),
    Operation(
        "GET",
        "/api/v01/system/users/local",
        portal.local_user,
        "The logged-in user, as APIO core keeps them",
        "core-local-user",
        errors=(401,),
        security="bearer",
        journal="core.users.local",
        tags=("APIO core",),
    ),
    Operation(
        "GET",
        "/api/v01/system/configuration/public",
        portal.public_configuration,
        "What portals read before their login form: password rules, SSO, GUI modules, gateways",
        "core-public-configuration",
        journal="core.configuration.public",
        tags=("APIO core",),
    ),
    Operation(
        "GET",
        "/api/v01/health",
        portal.core_health,
        "APIO core's health and licence",
        "core-health",
        journal="core.health",
        tags=("APIO core",),
    ),
    Operation(
        "GET",
        "/api/v01/apio/provisioning/gateways",
        portal.gateways,
        "The gateways APIO core fronts, with their proxy prefixes",
        "core-gateways",
        errors=(401,),
        security="bearer",
        journal="core.gateways",
        tags=("APIO core",),
    ),
    _control("GET", "/health", handlers.health, "Ready status, version, scenario and uptime", "health"),
    _control("GET", "/faults", handlers.list_faults, "The fault rules in force, with their counts", "fault-list"),
    _control(
        "POST",
        "/faults",
        handlers.add_fault,
        "Add a fault rule",
        "fault-rule-answer",
        request="fault-rule",
        errors=(400, 413, 416),
        status=201,
    ),
    _control("DELETE", "/faults", handlers.clear_faults, "Delete every fault rule", "control-answer"),
    _control(
        "DELETE", "/faults/{rule_id}", handlers.delete_fault, "Delete one fault rule", "control-answer", errors=(404,)
    ),
    _control(
        "GET",
        "/requests",
        handlers.find_requests,
        "The request journal, filtered",
        "journal",
        errors=(400,),
        query=_JOURNAL_QUERY,
    ),
    _control("DELETE", "/requests", handlers.clear_requests, "Clear the request journal", "control-answer"),
    _control("GET", "/clock", handlers.get_clock, "The simulator clock", "clock"),
    _control(
        "PUT",
        "/clock",
        handlers.put_clock,
        "Freeze, advance, or go back to real time",
        "clock",
        request="clock-update",
        errors=(400, 413, 416),
    ),
    _control(
        "GET",
        "/scenario",
        handlers.export_scenario,
        "The namespace's state as a scenario file (JSON, or YAML with format=yaml)",
        "scenario",
        query=("format", "passwords"),
    ),
    _control(
        "PUT",
        "/scenario",
        handlers.load_scenario,
        "Load a scenario (YAML or JSON) into the namespace of the request",
        "scenario-loaded",
        request="scenario",
        errors=(400, 413),
    ),
    _control("POST", "/reset", handlers.reset, "Back to the namespace's scenario", "control-answer"),
    _control("GET", "/namespaces", handlers.list_namespaces, "The namespaces", "namespaces"),
    _control(
        "DELETE",
        "/namespaces/{name}",
        handlers.delete_namespace,
        "Drop a namespace",
        "control-answer",
        errors=(400, 404),
    ),
    _control(
        "GET",
        "/call-centers/{tenant_id}/{group_id}/{call_center_id}/series",
        dashboard.series,
        "A call center's statistics per bucket (start, end, bucket=PT1H), their totals, and its waits",
        "series",
        errors=(400, 404),
        query=("start", "end", "bucket"),
    ),
    Operation("GET", "/openapi.json", handlers.openapi, "This document", "openapi", tags=("Control",)),
)

JOURNAL_ENDPOINTS = tuple(dict.fromkeys(op.journal for op in OPERATIONS if op.journal is not None))
"""The endpoint names of the journal and of fault rules' `match.endpoint`."""
