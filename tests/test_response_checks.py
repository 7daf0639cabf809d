"""Every response is checked against its schema; a simulator bug becomes a clear 500, never a traceback."""

import json
import shutil

from aiohttp import web

from simulator.api import statistics as statistics_api
from simulator.app import create_app
from simulator.resources import schemas_dir
from simulator.scenario import load_scenario
from simulator.schemas import SchemaStore
from tests.conftest import CC1, WORKED_EXAMPLE, cc_path

RANGE = {"statisticsRange": {"start": "2021-02-01T10:00:00Z", "end": "2021-02-01T11:00:00Z"}}


def stricter_schemas(tmp_path) -> SchemaStore:
    """The shipped schemas with one rule the worked example breaks: at most 2 answered calls."""
    directory = tmp_path / "schemas"
    shutil.copytree(schemas_dir(), directory)
    path = directory / "statistics-response.schema.json"
    schema = json.loads(path.read_text())
    schema["properties"]["queueStatistics"]["properties"]["callsAnswered"] = {"type": "integer", "maximum": 2}
    path.write_text(json.dumps(schema))
    return SchemaStore(directory)


async def test_a_response_that_breaks_its_schema_becomes_a_500_naming_the_rule(make_client, tmp_path):
    client = await make_client(WORKED_EXAMPLE, schemas=stricter_schemas(tmp_path))
    response = await client.get(cc_path(*CC1, "statistics"), json=RANGE)
    assert response.status == 500
    assert await response.json() == {
        "details": "Simulator bug: the response broke statistics-response.schema.json, rule 'maximum' "
        "at queueStatistics.callsAnswered: queueStatistics.callsAnswered must be 2 or less."
    }


async def test_the_same_request_passes_the_shipped_schema(example):
    response = await example.get(cc_path(*CC1, "statistics"), json=RANGE)
    assert response.status == 200


async def test_an_unexpected_failure_is_a_json_500_without_a_traceback(example, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug in the statistics")

    monkeypatch.setattr(statistics_api, "compute_statistics", broken)
    response = await example.get(cc_path(*CC1, "statistics"), json=RANGE)
    assert response.status == 500
    assert await response.json() == {"details": "Internal simulator error; the server log has the details."}
    assert "a bug in the statistics" in caplog.text


async def test_any_other_framework_http_error_keeps_its_status_with_an_apio_body(aiohttp_client):
    async def conflict(_request: web.Request) -> web.Response:
        raise web.HTTPConflict()

    app = create_app(load_scenario(WORKED_EXAMPLE))
    app.router.add_get("/conflict", conflict)
    client = await aiohttp_client(app)
    response = await client.get("/conflict")
    assert response.status == 409
    assert await response.json() == {"details": "Conflict"}
