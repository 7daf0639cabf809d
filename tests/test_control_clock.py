"""The clock API: freeze, advance, real time; and everything that reads "now" follows it."""

import pytest

from tests.conftest import CC1, cc_path

JSON = {"Content-Type": "application/json"}

DATE_TIME = (
    "must be an ISO 8601 date-time with seconds and an offset, such as 2021-03-01T00:00:00+01:00"
    " or 2021-03-01T00:00:00Z."
)

STATISTICS = cc_path(*CC1, "statistics")


def invalid(*messages: str) -> dict:
    return {"errors": [{"code": 2, "message": message} for message in messages]}


async def put_clock(client, change) -> dict:
    response = await client.put("/__sim/clock", json=change)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_the_clock_starts_where_the_scenario_says(example):
    response = await example.get("/__sim/clock")
    assert await response.json() == {"now": "2021-02-01T12:00:00Z", "frozen": True}


async def test_freeze_advance_and_real_time(example):
    assert await put_clock(example, {"now": "2021-02-01T10:10:00+01:00"}) == {
        "now": "2021-02-01T09:10:00Z",
        "frozen": True,
    }
    assert (await put_clock(example, {"advance": 90}))["now"] == "2021-02-01T09:11:30Z"
    assert (await put_clock(example, {"advance": 0.5}))["now"] == "2021-02-01T09:11:30.500000Z"
    assert (await put_clock(example, {"advance": "P1DT2H3M4S"}))["now"] == "2021-02-02T11:14:34.500000Z"
    assert (await put_clock(example, {"advance": "PT0.25S"}))["now"] == "2021-02-02T11:14:34.750000Z"
    real = await put_clock(example, {"realTime": True})
    assert real["frozen"] is False
    assert real["now"] > "2026-01-01"  # the machine's clock, whatever today is


async def test_an_absent_end_and_the_future_check_follow_the_clock(example):
    body = {"statisticsRange": {"start": "2021-02-01T10:00:00Z"}}
    await put_clock(example, {"now": "2021-02-01T10:30:00Z"})
    result = await (await example.get(STATISTICS, json=body)).json()
    assert result["statisticsRange"]["end"] == "2021-02-01T10:30:00Z"
    assert result["queueStatistics"]["callsAnswered"] == 2
    future = {"statisticsRange": {"start": "2021-02-01T10:00:00Z", "end": "2021-02-01T11:00:00Z"}}
    refused = await example.get(STATISTICS, json=future)
    assert await refused.json() == invalid("Start date or end date in the future")
    await put_clock(example, {"advance": "PT30M"})
    assert (await example.get(STATISTICS, json=future)).status == 200


async def test_available_follows_the_clock(example):
    body = {"statisticsRange": {"start": "2021-02-01T10:00:00Z"}}
    await put_clock(example, {"now": "2021-02-01T10:10:00Z"})  # Bob is signed in 10:05 to 10:38
    agents = (await (await example.get(STATISTICS, json=body)).json())["agentStatistics"]
    assert [agent["available"] for agent in agents] == [True, True]
    await put_clock(example, {"advance": "PT28M"})
    agents = (await (await example.get(STATISTICS, json=body)).json())["agentStatistics"]
    assert [agent["available"] for agent in agents] == [True, False]


async def test_token_expiry_follows_the_clock(make_client):
    client = await make_client()
    reporting = cc_path("foo", "foogroup", "APIOTestCCBasic@sip.netaxis.be", "instance_statistics_reporting")
    await put_clock(client, {"advance": "PT7H59M"})
    assert (await client.get(reporting)).status == 200
    await put_clock(client, {"advance": 60})
    assert (await client.get(reporting)).status == 401


@pytest.mark.parametrize(
    ("raw", "status", "body"),
    [
        (b"", 416, {"details": "The request body must be a JSON object."}),
        (b'"2021-02-01T10:00:00Z"', 416, {"details": "The request body must be a JSON object."}),
        (b"{}", 400, invalid("The body must have at least 1 field(s).")),
        (b'{"now": "2021-02-01T10:00:00Z", "advance": 5}', 400, invalid("The body must have at most 1 field(s).")),
        (
            b'{"now": "tomorrow"}',
            400,
            invalid(f"now {DATE_TIME}"),
        ),
        (b'{"now": "2021-02-30T10:00:00Z"}', 400, invalid("now is not a real date-time.")),
        (
            b'{"now": "7892-53-83T55:16:40-18:30"}',
            400,
            invalid(f"now {DATE_TIME}"),
        ),  # found by fuzzing
        (b'{"advance": -5}', 400, invalid("advance must be 0 or more.")),
        (
            b'{"advance": "PT"}',
            400,
            invalid("advance must be a number of seconds or an ISO 8601 duration, such as PT15M, PT1H30M or P1DT12H."),
        ),
        (
            b'{"advance": "1 hour"}',
            400,
            invalid("advance must be a number of seconds or an ISO 8601 duration, such as PT15M, PT1H30M or P1DT12H."),
        ),
        (b'{"advance": true}', 400, invalid("advance must be a number.")),
        (b'{"realTime": false}', 400, invalid("realTime must be true.")),
        (b'{"stop": true}', 400, invalid("Unknown field: stop.")),
    ],
)
async def test_a_bad_clock_change_is_refused_and_nothing_changes(example, raw, status, body):
    response = await example.put("/__sim/clock", data=raw, headers=JSON)
    assert response.status == status
    assert await response.json() == body
    assert await (await example.get("/__sim/clock")).json() == {"now": "2021-02-01T12:00:00Z", "frozen": True}
