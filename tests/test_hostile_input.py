"""Hostile and odd input: each case with its exact status and body, and proof that nothing changed.

(Malformed JSON, non-objects, NaN, invalid UTF-8, deep nesting, duplicated keys and bodies over the limit
are in test_reporting_api.py and test_statistics_api.py.)
"""

import asyncio
import json

import pytest

from tests.conftest import CALL_CENTER_P, CC1, cc_path, namespace_of

REPORTING = cc_path(*CC1, "instance_statistics_reporting")
STATISTICS = cc_path(*CC1, "statistics")
UNCHANGED = {"generateDailyReport": False, "collectionPeriodMinutes": 30}


def invalid(*messages: str) -> dict:
    return {"errors": [{"code": 2, "message": message} for message in messages]}


async def raw_get(client, path: str) -> tuple[int, dict]:
    """A GET with the path exactly as written: client libraries would normalise dot segments first."""
    reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower()
    return int(head.split()[1]), json.loads(body)


async def settings(client) -> dict:
    return await (await client.get(REPORTING)).json()


@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        ("text/plain", b'{"collectionPeriodMinutes": 15}'),
        (None, b'{"collectionPeriodMinutes": 15}'),
        ("application/xml", b'{"collectionPeriodMinutes": 15}'),
    ],
)
async def test_any_content_type_is_read_as_json(example, content_type, raw):
    headers = {"Content-Type": content_type} if content_type else {}
    response = await example.put(REPORTING, data=raw, headers=headers)
    assert (response.status, (await response.json())["collectionPeriodMinutes"]) == (200, 15)


async def test_a_form_body_is_not_json(example):
    response = await example.put(
        REPORTING, data=b"collectionPeriodMinutes=15", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert (response.status, await response.json()) == (416, {"details": "The request body is not valid JSON."})
    assert await settings(example) == UNCHANGED


@pytest.mark.parametrize(
    ("raw", "status", "body"),
    [
        (b'{"collectionPeriodMinutes": 1e400}', 400, invalid("collectionPeriodMinutes must be an integer.")),
        (b'{"collectionPeriodMinutes": -0}', 400, invalid("collectionPeriodMinutes must be one of 15, 30, 60.")),
        (b'{"collectionPeriodMinutes": ' + b"9" * 5000 + b"}", 416, {"details": "The request body is not valid JSON."}),
        # Any string of at most 80 characters is an address to BroadWorks: kept and echoed as given.
        (b'{"reportingEmailAddress1": "\\ud800"}', 200, {**UNCHANGED, "reportingEmailAddress1": "\ud800"}),
        (b'{"reportingEmailAddress1": "\\u0000\\u001f"}', 200, {**UNCHANGED, "reportingEmailAddress1": "\x00\x1f"}),
    ],
)
async def test_odd_numbers_and_strings(example, raw, status, body):
    response = await example.put(REPORTING, data=raw)
    assert (response.status, await response.json()) == (status, body)
    assert await settings(example) == (UNCHANGED if status != 200 else body)


@pytest.mark.parametrize(
    ("path", "details"),
    [
        (cc_path("x" * 4000, "g", "c", "statistics"), "Tenant " + "x" * 4000 + " not found."),
        (
            cc_path("example", "example-group", "c" * 4000, "statistics"),
            f"Call center {'c' * 4000} not found in group example-group.",
        ),
        (cc_path("a%2Fb", "g", "c", "statistics"), "Tenant a/b not found."),
        (cc_path("..%2F..%2F__sim", "g", "c", "statistics"), "Tenant ../../__sim not found."),
        (cc_path("ex%00ample", "g", "c", "statistics"), "Tenant ex\x00ample not found."),
        (cc_path("ex%0Aample", "g", "c", "statistics"), "Tenant ex\nample not found."),
        (cc_path("%FF", "g", "c", "statistics"), "Tenant %FF not found."),
    ],
)
async def test_odd_path_segments_get_a_json_404(example, path, details):
    assert await raw_get(example, path) == (404, {"details": details})


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tenants/example/groups/example-group/services/call_centers/../call_centers/cc1@example.test/statistics/",
        "/api/v1/tenants/example/groups/example-group/services/call_centers/cc1@example.test/../statistics/",
        "/api/v1/../__sim/faults",
    ],
)
async def test_dot_segments_reach_nothing(example, path):
    assert await raw_get(example, path) == (404, {"details": f"No such endpoint: {path}"})
    assert (await (await example.get("/__sim/faults")).json())["faults"] == []


P_STATISTICS = cc_path(*CALL_CENTER_P, "statistics")


async def p_statistics(client, start: str, end: str | None = None):
    statistics_range = {"start": start} | ({"end": end} if end else {})
    return await client.get(P_STATISTICS, json={"statisticsRange": statistics_range})


async def test_a_range_across_a_daylight_saving_change(client):
    # 28 March 2021, Brussels: 02:00 +01:00 becomes 03:00 +02:00. Two hours pass between these instants.
    response = await p_statistics(client, "2021-03-28T01:00:00+01:00", "2021-03-28T04:00:00+02:00")
    answer = await response.json()
    assert answer["statisticsRange"] == {"start": "2021-03-28T01:00:00+01:00", "end": "2021-03-28T04:00:00+02:00"}
    assert [agent["statistics"]["totalStaffedSeconds"] for agent in answer["agentStatistics"]] == [7200, 7200]


async def test_the_extreme_offsets_name_the_same_instant(client):
    response = await p_statistics(client, "2021-05-01T14:00:00+14:00", "2021-04-30T12:00:00-12:00")
    answer = await response.json()
    assert answer["statisticsRange"] == {"start": "2021-05-01T14:00:00+14:00", "end": "2021-04-30T12:00:00-12:00"}
    assert answer["queueStatistics"]["averageAgentsStaffed"] == 0.0  # an empty range


@pytest.mark.parametrize(
    ("start", "end", "status", "body"),
    [
        ("2020-02-29T00:00:00Z", "2020-03-01T00:00:00Z", 200, None),  # a real leap day
        ("2021-02-29T00:00:00Z", None, 400, invalid("The format of start date or end date is invalid.")),
        ("9999-12-31T23:59:59Z", None, 400, invalid("Start date or end date in the future")),
        ("0001-01-01T00:00:00+14:00", "2021-05-01T00:00:00Z", 200, None),  # two thousand years
    ],
)
async def test_calendar_edges(client, start, end, status, body):
    response = await p_statistics(client, start, end)
    assert response.status == status
    if body is not None:
        assert await response.json() == body


async def test_hostile_requests_in_one_namespace_leave_the_others_alone(example):
    hostile = {"X-Apio-Sim-Namespace": "hostile"}
    for raw in (b"{", b"[]", b'{"collectionPeriodMinutes": 45}', b'{"a": 1, "a": 2}', b"\xff"):
        await example.put(REPORTING, data=raw, headers=hostile)
    await example.put(REPORTING, json={"collectionPeriodMinutes": 60}, headers=hostile)
    await example.put("/__sim/clock", json={"advance": "PT1H"}, headers=hostile)
    await example.post("/__sim/faults", json={"action": "http-503"}, headers=hostile)
    assert await settings(example) == UNCHANGED
    assert len(namespace_of(example, "hostile").journal) == 6
    assert (await (await example.get("/__sim/requests")).json())["count"] == 1  # our own GET above
    assert (await (await example.get("/__sim/faults")).json())["faults"] == []
    assert (await (await example.get("/__sim/clock")).json())["now"] == "2021-02-01T12:00:00Z"
    assert (await example.get(STATISTICS, json={"statisticsRange": {"start": "2021-02-01T10:00:00Z"}})).status == 200


async def test_a_scenario_loaded_over_http_reads_whole_floats_as_integers(example):
    # A JSON writer's 15.0 in a scenario is 15 to the API; a fractional value stays refused, state unchanged.
    document = await (await example.get("/__sim/scenario")).json()
    call_center = document["tenants"][0]["groups"][0]["callCenters"][0]
    call_center["reporting"] = {"generateDailyReport": False, "collectionPeriodMinutes": 15.5}
    refused = await example.put("/__sim/scenario", json=document)
    assert (refused.status, await refused.json()) == (
        400,
        invalid("scenario: tenants[0].groups[0].callCenters[0].reporting.collectionPeriodMinutes must be an integer."),
    )
    assert await settings(example) == UNCHANGED
    call_center["reporting"]["collectionPeriodMinutes"] = 15.0
    loaded = await example.put("/__sim/scenario", json=document)
    assert loaded.status == 200, await loaded.text()
    assert await settings(example) == {"generateDailyReport": False, "collectionPeriodMinutes": 15}
    exported = (await (await example.get("/__sim/scenario")).json())["tenants"][0]["groups"][0]["callCenters"][0]
    assert exported["reporting"]["collectionPeriodMinutes"] == 15
