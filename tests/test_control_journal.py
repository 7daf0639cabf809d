"""The request journal: what it records, its filters, its bound."""

import pytest

from tests.conftest import CC1, WORKED_EXAMPLE, cc_path

DATE_TIME = (
    "must be an ISO 8601 date-time with seconds and an offset, such as 2021-03-01T00:00:00+01:00"
    " or 2021-03-01T00:00:00Z."
)

STATISTICS = cc_path(*CC1, "statistics")
REPORTING = cc_path(*CC1, "instance_statistics_reporting")
RANGE = {"statisticsRange": {"start": "2021-02-01T10:00:00Z", "end": "2021-02-01T11:00:00Z"}}


async def journal(client, query: str = "") -> dict:
    response = await client.get("/__sim/requests" + query)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_every_field_of_a_request_is_recorded(example):
    statistics = await (await example.get(STATISTICS + "?enrichCcInfo=true", json=RANGE)).json()
    put = await example.put(REPORTING, json={"collectionPeriodMinutes": 15}, headers={"X-Apio-Sim-Fault": "delay:1"})
    recorded = await journal(example)
    assert recorded["count"] == 2
    first, second = recorded["requests"]
    assert first["durationMs"] >= 0
    del first["durationMs"]
    assert first == {
        "id": 1,
        "time": "2021-02-01T12:00:00Z",
        "method": "GET",
        "path": STATISTICS,
        "endpoint": "statistics",
        "tenant": "example",
        "group": "example-group",
        "callCenter": "cc1@example.test",
        "query": {"enrichCcInfo": "true"},
        "body": RANGE,
        "status": 200,
        "responseBody": statistics,
        "fault": None,
    }
    assert (second["id"], second["method"], second["endpoint"], second["status"]) == (2, "PUT", "reporting.put", 200)
    assert second["body"] == {"collectionPeriodMinutes": 15}
    assert second["responseBody"] == await put.json()
    assert second["fault"] == "delay:1"


async def test_refused_and_unknown_requests_are_recorded_too(example):
    await example.get(STATISTICS, data=b"not json")
    await example.delete(STATISTICS)
    await example.get("/api/v1/nowhere")
    entries = (await journal(example))["requests"]
    assert [(e["status"], e["endpoint"]) for e in entries] == [(416, "statistics"), (405, None), (404, None)]
    assert entries[0]["body"] == "not json"
    assert entries[0]["responseBody"] == {"details": "The request body is not valid JSON."}


async def test_a_broken_connection_is_recorded_without_a_status(example):
    with pytest.raises(Exception):  # noqa: B017 - the client's error for a reset connection varies by platform
        await example.get(STATISTICS, json=RANGE, headers={"X-Apio-Sim-Fault": "reset"})
    [entry] = (await journal(example))["requests"]
    assert (entry["status"], entry["responseBody"], entry["fault"]) == (None, None, "reset")


async def test_control_requests_are_not_recorded(example):
    await example.get("/__sim/health")
    await example.get("/__sim/faults")
    assert (await journal(example))["count"] == 0


@pytest.mark.parametrize("size", [10_000, 100_000])
async def test_a_long_body_is_kept_short(example, size):
    await example.put(REPORTING, data=b"x" * size)
    [entry] = (await journal(example))["requests"]
    assert entry["body"] == "x" * 4096 + f"... ({size} bytes)"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?endpoint=statistics", [1, 3]),
        ("?endpoint=reporting.put", [2]),
        ("?method=GET", [1, 3, 4]),
        ("?method=get", [1, 3, 4]),
        ("?status=200", [1, 2, 4]),
        ("?status=400", [3]),
        ("?tenant=example", [1, 2, 3, 4]),
        ("?tenant=other", []),
        ("?group=example-group&callCenter=cc1@example.test", [1, 2, 3, 4]),
        ("?callCenter=other@example.test", []),
        ("?since=2021-02-01T12:00:00Z", [1, 2, 3, 4]),
        ("?since=2021-02-01T12:05:00Z", [3, 4]),
        ("?until=2021-02-01T12:05:00Z", [1, 2]),
        ("?since=2021-02-01T13:05:00%2B01:00&until=2021-02-01T12:05:00.000001Z", [3, 4]),
        ("?endpoint=statistics&status=200", [1]),
    ],
)
async def test_filters(example, query, expected):
    await example.get(STATISTICS, json=RANGE)
    await example.put(REPORTING, json={"collectionPeriodMinutes": 15})
    await example.put("/__sim/clock", json={"advance": "PT5M"})
    await example.get(STATISTICS, json={"statisticsRange": {"start": "2099-01-01T00:00:00Z"}})
    await example.get(REPORTING)
    found = await journal(example, query)
    assert [entry["id"] for entry in found["requests"]] == expected
    assert found["count"] == len(expected)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?colour=red", "Unknown field: colour."),
        ("?status=ok", "status must be an HTTP status from 100 to 599, such as 503."),
        ("?status=99", "status must be an HTTP status from 100 to 599, such as 503."),
        (
            "?since=yesterday",
            f"since {DATE_TIME}",
        ),
        ("?until=2021-02-30T00:00:00Z", "until is not a real date-time."),
        (
            "?endpoint=stats",
            'endpoint must be one of "statistics", "reporting.get", "reporting.put", "login", '
            '"logout", "core.login", "core.access_token", "core.logout", "core.users.local", '
            '"core.configuration.public", "core.health", "core.gateways", "call_centers.list", "call_center.get", '
            '"call_center.agents", "user.call_centers".',
        ),
    ],
)
async def test_bad_filters_are_refused(example, query, message):
    response = await example.get("/__sim/requests" + query)
    assert response.status == 400
    assert await response.json() == {"errors": [{"code": 2, "message": message}]}


async def test_the_journal_is_a_bounded_ring(make_client):
    client = await make_client(WORKED_EXAMPLE, journal_size=3)
    for _ in range(5):
        await client.get(STATISTICS, json=RANGE)
    found = await journal(client)
    assert (found["count"], [entry["id"] for entry in found["requests"]]) == (3, [3, 4, 5])


async def test_the_journal_can_be_cleared(example):
    await example.get(STATISTICS, json=RANGE)
    await example.get(STATISTICS, json=RANGE)
    response = await example.delete("/__sim/requests")
    assert await response.json() == {"deleted": 2}
    assert await journal(example) == {"count": 0, "requests": []}
    await example.get(STATISTICS, json=RANGE)
    assert [entry["id"] for entry in (await journal(example))["requests"]] == [3]
