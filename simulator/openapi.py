"""The OpenAPI 3.1 document of the simulator, generated from `schemas/`: `GET /openapi.json`, `apio-sim openapi`.

The schemas become components as they are (OpenAPI 3.1 speaks JSON Schema 2020-12); this module only says
which operation takes and answers which schema, and which errors it documents. A test checks that the
operations listed here are exactly the routes the server has.
"""

from dataclasses import dataclass
from typing import Any

from simulator import __version__
from simulator.schemas import SCHEMA_SUFFIX, SchemaStore, rebased

GATEWAY = "/api/v1/tenants/{tenant_id}/groups/{group_id}/services/call_centers/{call_center_name}"
CORE = "/api/v01/p1/tenants/{tenant_id}/groups/{group_id}/services/call_centers/{call_center_name}"

_ERRORS = {
    400: "Invalid parameters: code 2 INVALID_PARAMETERS, one error object per problem",
    401: "Missing, wrong or expired credentials",
    403: "Valid credentials without the rights over the tenant and group",
    404: "Unknown tenant, group, call center or object",
    413: "The request body is over the size limit",
    416: "APIO's Bad Media Type: the body is not a JSON object",
    429: "Too many namespaces",
}
_EVERY_OPERATION = (400, 429)  # a malformed X-Apio-Sim-Namespace header; too many namespaces
_QUERY = {
    "start": {"$ref": "#/components/schemas/common/$defs/dateTime"},
    "end": {"$ref": "#/components/schemas/common/$defs/dateTime"},
    "format": {"$ref": "#/components/schemas/scenario-query/properties/format"},
    "bucket": {"$ref": "#/components/schemas/series/$defs/bucket"},
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    answer: str  # the response body's schema
    request: str | None = None  # the request body's schema
    errors: tuple[int, ...] = ()
    security: str | None = None  # "session", "bearer" or "admin"
    status: int = 200
    query: tuple[str, ...] = ()
    tags: tuple[str, ...] = ("APIO",)


_EMULATED_ERRORS = (400, 401, 403, 404, 413, 416)


def _call_center_operations(prefix: str, security: str, tag: str) -> list[Operation]:
    return [
        Operation(
            "get",
            prefix + "/instance_statistics_reporting/",
            "Get the call center's statistics reporting settings",
            "reporting-settings",
            errors=(401, 403, 404),
            security=security,
            tags=(tag,),
        ),
        Operation(
            "put",
            prefix + "/instance_statistics_reporting/",
            "Change any of the reporting settings",
            "reporting-settings",
            "reporting-settings-update",
            _EMULATED_ERRORS,
            security,
            tags=(tag,),
        ),
        Operation(
            "get",
            prefix + "/statistics/",
            "Queue and agent statistics over statisticsRange (a GET with a body)",
            "statistics-response",
            "statistics-request",
            _EMULATED_ERRORS,
            security,
            query=("start", "end"),
            tags=(tag,),
        ),
    ]


OPERATIONS = [
    *_call_center_operations(GATEWAY, "session", "APIO gateway"),
    *_call_center_operations(CORE, "bearer", "APIO core proxy"),
    Operation(
        "post",
        "/api/v1/login/",
        "Log in through the gateway: the sessionid cookie",
        "login-response",
        "login-request",
        (400, 401, 413, 416),
        tags=("Login",),
    ),
    Operation(
        "post",
        "/api/v1/logout/",
        "End the gateway session",
        "logout-response",
        errors=(401,),
        security="session",
        tags=("Login",),
    ),
    Operation(
        "post",
        "/api/v01/auth/login",
        "Log in through APIO core: access and refresh tokens",
        "core-login-response",
        "core-login-request",
        (400, 401, 413, 416),
        tags=("Login",),
    ),
    Operation(
        "get",
        "/api/v01/auth/access_token",
        "A new access token, for the refresh token as Bearer",
        "core-access-token-response",
        errors=(401,),
        security="bearer",
        tags=("Login",),
    ),
    Operation(
        "get",
        "/api/v01/auth/logout",
        "End the APIO core login of the access token",
        "logout-response",
        errors=(401,),
        security="bearer",
        tags=("Login",),
    ),
    Operation(
        "get",
        "/__sim/health",
        "Ready status, version, scenario and uptime",
        "health",
        security="admin",
        tags=("Control",),
    ),
    Operation(
        "get",
        "/__sim/faults",
        "The fault rules in force, with their counts",
        "fault-list",
        security="admin",
        tags=("Control",),
    ),
    Operation(
        "post",
        "/__sim/faults",
        "Add a fault rule",
        "fault-rule-answer",
        "fault-rule",
        (400, 413, 416),
        "admin",
        status=201,
        tags=("Control",),
    ),
    Operation(
        "delete", "/__sim/faults", "Delete every fault rule", "control-answer", security="admin", tags=("Control",)
    ),
    Operation(
        "delete",
        "/__sim/faults/{rule_id}",
        "Delete one fault rule",
        "control-answer",
        errors=(404,),
        security="admin",
        tags=("Control",),
    ),
    Operation(
        "get",
        "/__sim/requests",
        "The request journal, filtered",
        "journal",
        errors=(400,),
        security="admin",
        query=("endpoint", "method", "status", "tenant", "group", "callCenter", "since", "until"),
        tags=("Control",),
    ),
    Operation(
        "delete", "/__sim/requests", "Clear the request journal", "control-answer", security="admin", tags=("Control",)
    ),
    Operation("get", "/__sim/clock", "The simulator clock", "clock", security="admin", tags=("Control",)),
    Operation(
        "put",
        "/__sim/clock",
        "Freeze, advance, or go back to real time",
        "clock",
        "clock-update",
        (400, 413, 416),
        "admin",
        tags=("Control",),
    ),
    Operation(
        "get",
        "/__sim/scenario",
        "The current state as a scenario file (JSON, or YAML with format=yaml)",
        "scenario",
        security="admin",
        query=("format",),
        tags=("Control",),
    ),
    Operation(
        "put",
        "/__sim/scenario",
        "Load a scenario (YAML or JSON) for every namespace",
        "scenario-loaded",
        "scenario",
        (400, 413),
        "admin",
        tags=("Control",),
    ),
    Operation(
        "post", "/__sim/reset", "Back to the loaded scenario", "control-answer", security="admin", tags=("Control",)
    ),
    Operation("get", "/__sim/namespaces", "The namespaces", "namespaces", security="admin", tags=("Control",)),
    Operation(
        "delete",
        "/__sim/namespaces/{name}",
        "Drop a namespace",
        "control-answer",
        errors=(400, 404),
        security="admin",
        tags=("Control",),
    ),
    Operation(
        "get",
        "/__sim/call-centers/{tenant_id}/{group_id}/{call_center_id}/series",
        "A call center's statistics per bucket (start, end, bucket=PT1H), their totals, and its waits",
        "series",
        errors=(400, 404),
        security="admin",
        query=("start", "end", "bucket"),
        tags=("Control",),
    ),
    Operation("get", "/openapi.json", "This document", "openapi", tags=("Control",)),
]

_SECURITY = {
    "session": [{"sessionCookie": []}],
    "bearer": [{"bearerToken": []}],
    "admin": [{}, {"adminToken": []}],  # open unless the server runs with --admin-token
}


def _body(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _operation(operation: Operation) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [{"$ref": "#/components/parameters/namespace"}]
    for name in _path_parameters(operation.path):
        schema: dict[str, Any] = {"type": "string", "minLength": 1}
        if name == "name":  # the default namespace cannot be deleted
            schema["not"] = {"const": "default"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    for name in operation.query:
        schema = _QUERY.get(name, {"$ref": f"#/components/schemas/journal-query/properties/{name}"})
        parameters.append({"name": name, "in": "query", "required": False, "schema": schema})
    responses: dict[str, Any] = {str(operation.status): {"description": "OK", "content": _body(operation.answer)}}
    if operation.answer == "scenario":  # ?format=yaml answers the same document in YAML
        responses["200"]["content"]["application/yaml"] = {"schema": {"$ref": "#/components/schemas/scenario"}}
    for status in sorted(set(operation.errors) | set(_EVERY_OPERATION)):
        responses[str(status)] = {"description": _ERRORS[status], "content": _body("error")}
    document: dict[str, Any] = {
        "summary": operation.summary,
        "operationId": f"{operation.method}{_operation_name(operation.path)}",
        "tags": list(operation.tags),
        "parameters": parameters,
        "responses": responses,
    }
    if operation.request is not None:
        content = _body(operation.request)
        document["requestBody"] = {"required": operation.request != "statistics-request", "content": content}
    if operation.security is not None:
        document["security"] = _SECURITY[operation.security]
    return document


def _path_parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def _operation_name(path: str) -> str:
    words = [part.strip("{}_") for part in path.replace(".", "/").split("/") if part]
    return "".join(word[:1].upper() + word[1:].replace("_", "") for word in words)


def openapi_document(schemas: SchemaStore | None = None) -> dict[str, Any]:
    schemas = schemas or SchemaStore()
    components = {
        name.removesuffix(SCHEMA_SUFFIX): rebased(name, document, "#/components/schemas/")
        for name, document in schemas.documents.items()
    }
    components["openapi"] = {"type": "object", "description": "An OpenAPI 3.1 document."}
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        paths.setdefault(operation.path, {})[operation.method] = _operation(operation)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "apio-sim",
            "version": __version__,
            "description": (
                "A simulator of the Netaxis APIO call-center statistics API: the emulated gateway endpoints "
                "(also behind APIO core's proxy prefix /api/v01/p1), both logins, and the simulator's own "
                "control API under /__sim/. Trailing slashes are optional on the emulated paths. A request to "
                "the emulated API may carry X-Apio-Sim-Fault: <action> to break that one answer on purpose "
                "(see docs/control/faults.md); it is left out of the parameters so that generated requests "
                "test the API as it behaves."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "parameters": {
                "namespace": {
                    "name": "X-Apio-Sim-Namespace",
                    "in": "header",
                    "required": False,
                    "description": "An isolated copy of everything a test can change; default: default.",
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"},
                },
            },
            "securitySchemes": {
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
                "bearerToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "adminToken": {"type": "http", "scheme": "bearer", "description": "--admin-token, when set"},
            },
        },
    }
