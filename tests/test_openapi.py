"""The OpenAPI document: valid OpenAPI 3.1, generated from schemas/, and the routes the server really has."""

import json

from aiohttp.web_urldispatcher import PrefixedSubAppResource
from openapi_spec_validator import validate

from simulator.app import create_app
from simulator.cli import main
from simulator.control.dashboard import is_dashboard_file
from simulator.openapi import openapi_document
from simulator.operations import JOURNAL_ENDPOINTS, OPERATIONS
from simulator.resources import schemas_dir
from simulator.scenario import load_scenario
from tests.conftest import WORKED_EXAMPLE


def test_the_document_is_valid_openapi_3_1():
    document = openapi_document()
    assert document["openapi"] == "3.1.0"
    validate(document)


def served_routes(app) -> set[tuple[str, str]]:
    """(method, path) of every route, through the mounted applications; trailing slashes left out."""
    found = set()
    for resource in app.router.resources():
        if isinstance(resource, PrefixedSubAppResource):  # its routes already carry the prefix
            found |= served_routes(resource._app)
            continue
        for route in resource:
            if route.method != "HEAD" and not is_dashboard_file(resource.canonical):  # the page is not JSON
                found.add((route.method.lower(), resource.canonical.replace("{slash}", "").rstrip("/")))
    return found


def test_it_documents_exactly_the_routes_the_server_has():
    served = served_routes(create_app(load_scenario(WORKED_EXAMPLE)))
    documented = {
        (method, path.rstrip("/")) for path, operations in openapi_document()["paths"].items() for method in operations
    }
    assert served == documented


def test_every_schema_file_is_a_component_and_every_reference_resolves():
    document = openapi_document()
    names = {path.name.removesuffix(".schema.json") for path in schemas_dir().glob("*.schema.json")}
    assert names <= set(document["components"]["schemas"])

    def resolve(pointer: str):
        node = document
        for part in pointer.removeprefix("#/").split("/"):
            node = node[part]
        return node

    references = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    references.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    assert len(references) > 100
    for reference in references:
        assert reference.startswith("#/components/"), reference
        resolve(reference)


def test_errors_are_documented_with_the_error_schema():
    operation = openapi_document()["paths"][
        "/api/v1/tenants/{tenant_id}/groups/{group_id}/services/call_centers/{call_center_name}/statistics/"
    ]["get"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "413", "416", "429"}
    assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/error"
    }
    assert operation["security"] == [{"sessionCookie": []}]


async def test_the_server_serves_it(example):
    response = await example.get("/openapi.json")
    assert response.status == 200
    assert await response.json() == openapi_document()


def test_the_command_prints_it(capsys):
    assert main(["openapi"]) == 0
    assert json.loads(capsys.readouterr().out) == openapi_document()


def test_the_fault_rule_schema_names_exactly_the_journal_endpoints_of_the_table():
    schema = json.loads((schemas_dir() / "fault-rule.schema.json").read_text())
    enum = schema["properties"]["match"]["properties"]["endpoint"]["enum"]
    assert sorted(enum) == sorted(JOURNAL_ENDPOINTS)
    assert len(enum) == len(set(enum))


def test_every_emulated_operation_has_a_journal_name_and_no_control_one_does():
    for operation in OPERATIONS:
        assert (operation.journal is not None) == (operation.area == "apio"), operation.path
        assert (operation.security == "admin") == (operation.area == "control"), operation.path
        assert not operation.rights or operation.security in ("session", "bearer"), operation.path
