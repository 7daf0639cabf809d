"""The OpenAPI 3.1 document of the simulator, generated from `schemas/`: `GET /openapi.json`, `apio-sim openapi`.

The schemas become components as they are (OpenAPI 3.1 speaks JSON Schema 2020-12); which operation takes
and answers which schema, and which errors it documents, is the table of `simulator.operations`, the same
table that routes the server: the document cannot list a route the server lacks, nor miss one.
"""

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from simulator import __version__
from simulator.constants import NAMESPACE_HEADER, NAMESPACE_PATTERN
from simulator.schemas import SCHEMA_SUFFIX, SchemaStore, rebased

if TYPE_CHECKING:
    from simulator.operations import Operation

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
_QUERY: dict[str, dict[str, Any]] = {
    "start": {"$ref": "#/components/schemas/common/$defs/dateTime"},
    "end": {"$ref": "#/components/schemas/common/$defs/dateTime"},
    "last": {
        "type": "string",
        "description": "Simulator extension: the range of this ISO 8601 duration that ends now (PT1H, P1D).",
    },
    "format": {"$ref": "#/components/schemas/scenario-query/properties/format"},
    "bucket": {"$ref": "#/components/schemas/series/$defs/bucket"},
    "sign": {"type": "string", "description": "sha1: and the SHA-1 of the login's refresh token, in hex"},
    "passwords": {"$ref": "#/components/schemas/scenario-query/properties/passwords"},
}
_QUERY_DESCRIPTIONS = {
    "start": "Not with a body: the range is either the body's statisticsRange or the query string.",
    "end": "Not with a body, nor with last.",
    "last": "Not with a body, nor with start or end.",
    "passwords": "true: the API users' passwords as they are; else each is a placeholder.",
}


_SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "session": [{"sessionCookie": []}],
    "bearer": [{"bearerToken": []}],
    "admin": [{}, {"adminToken": []}],  # open unless the server runs with --admin-token
}


def _body(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _operation(operation: "Operation") -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [{"$ref": "#/components/parameters/namespace"}]
    for name in _path_parameters(operation.path):
        schema: dict[str, Any] = {"type": "string", "minLength": 1}
        if name == "name":  # the default namespace cannot be deleted
            schema["not"] = {"const": "default"}
        elif name == "gateway":  # the number of a proxy prefix; only the scenario's gateways answer
            schema = {"type": "string", "pattern": "^[1-9][0-9]{0,2}$", "examples": ["1"]}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    for name in operation.query:
        schema = _QUERY.get(name, {"$ref": f"#/components/schemas/journal-query/properties/{name}"})
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": schema}
        if name in _QUERY_DESCRIPTIONS:
            parameter["description"] = _QUERY_DESCRIPTIONS[name]
        parameters.append(parameter)
    responses: dict[str, Any] = {str(operation.status): {"description": "OK", "content": _body(operation.answer)}}
    if operation.answer == "scenario":  # ?format=yaml answers the same document in YAML
        responses["200"]["content"]["application/yaml"] = {"schema": {"$ref": "#/components/schemas/scenario"}}
    for status in sorted(set(operation.errors) | set(_EVERY_OPERATION)):
        responses[str(status)] = {"description": _ERRORS[status], "content": _body("error")}
    document: dict[str, Any] = {
        "summary": operation.summary,
        **({"description": operation.description} if operation.description else {}),
        "operationId": f"{operation.method.lower()}{_operation_name(operation.path)}",
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
    return re.findall(r"\{(\w+)\}", path)  # also inside a segment: /api/v01/p{gateway}


def _operation_name(path: str) -> str:
    words = [part.replace("{", "").replace("}", "").strip("_") for part in path.replace(".", "/").split("/") if part]
    return "".join(word[:1].upper() + word[1:].replace("_", "") for word in words)


def openapi_document(
    schemas: SchemaStore | None = None, operations: "Sequence[Operation] | None" = None
) -> dict[str, Any]:
    if operations is None:
        from simulator.operations import OPERATIONS  # the table imports the handlers, which serve this document

        operations = OPERATIONS
    schemas = schemas or SchemaStore()
    components = {
        name.removesuffix(SCHEMA_SUFFIX): rebased(name, document, "#/components/schemas/")
        for name, document in schemas.documents.items()
    }
    components["openapi"] = {"type": "object", "description": "An OpenAPI 3.1 document."}
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "apio-sim",
            "version": __version__,
            "description": (
                "A simulator of the Netaxis APIO call-center statistics API: the emulated gateway endpoints "
                "(also behind APIO core's proxy prefixes /api/v01/p{gateway}, one per gateway of the scenario, and the "
                "legacy /api/v01/apio/sync/api/v1), APIO core's session surface, both logins, and the simulator's own "
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
                    "name": NAMESPACE_HEADER,
                    "in": "header",
                    "required": False,
                    "description": "An isolated copy of everything a test can change; default: default.",
                    "schema": {"type": "string", "pattern": f"^{NAMESPACE_PATTERN}$"},
                },
            },
            "securitySchemes": {
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
                "bearerToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "adminToken": {"type": "http", "scheme": "bearer", "description": "--admin-token, when set"},
            },
        },
    }
