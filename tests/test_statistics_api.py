"""GET .../statistics/, through HTTP."""

import pytest
import yaml

from tests.conftest import BASIC, CALL_CENTER_P, CC1, WORKED_EXAMPLE, cc_path

P_STATISTICS = cc_path(*CALL_CENTER_P, "statistics")
CC1_STATISTICS = cc_path(*CC1, "statistics")

FORMAT = "The format of start date or end date is invalid."
FUTURE = "Start date or end date in the future"
ORDER = "End date can not be earlier than start date."


def invalid(*messages: str) -> dict:
    return {"errors": [{"code": 2, "message": message} for message in messages]}


def range_body(start: str | None = None, end: str | None = None) -> dict:
    statistics_range = {key: value for key, value in (("start", start), ("end", end)) if value is not None}
    return {"statisticsRange": statistics_range}


async def statistics(client, start, end=None, path=CC1_STATISTICS) -> dict:
    response = await client.get(path, json=range_body(start, end))
    assert response.status == 200, await response.text()
    return await response.json()


ZERO_AGENT = {
    "callsHandled": 0,
    "callsUnanswered": 0,
    "averageCallSeconds": 0,
    "totalTalkSeconds": 0,
    "totalStaffedSeconds": 0,
}


async def test_the_documented_example_gives_the_documented_answer(client):
    response = await client.get(
        "/api/v1/tenants/footenant/groups/foogroup/services/call_centers/APIOTestCallCenterP@sip.netaxis.be/statistics/",
        json={"statisticsRange": {"start": "2021-01-01T00:00:00+01:00", "end": "2021-03-01T00:00:00+01:00"}},
    )
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == {
        "statisticsRange": {"start": "2021-01-01T00:00:00+01:00", "end": "2021-03-01T00:00:00+01:00"},
        "queueStatistics": {
            "busyOverflows": 0,
            "callsAnswered": 0,
            "callsAbandoned": 0,
            "callsTransferred": 0,
            "callsTimedout": 0,
            "averageAgentsTalking": 0.0,
            "averageAgentsStaffed": 0.0,
            "averageWaitSeconds": 0,
            "averageAbandonmentSeconds": 0,
        },
        "agentStatistics": [
            {
                "agentUserId": "ApioUserTest1@sip.netaxis.be",
                "agentDisplayNames": {"lastName": "Test1", "firstName": "Test1"},
                "available": True,
                "statistics": ZERO_AGENT,
            },
            {
                "agentUserId": "ApioUserTest2@sip.netaxis.be",
                "agentDisplayNames": {"lastName": "Test2", "firstName": "Test2"},
                "available": True,
                "statistics": ZERO_AGENT,
            },
        ],
    }


async def test_the_default_scenario_has_traffic_in_march_2021(client):
    week = await statistics(client, "2021-03-01T00:00:00+01:00", "2021-03-06T00:00:00+01:00", P_STATISTICS)
    queue = week["queueStatistics"]
    assert queue["callsAnswered"] > 20
    assert queue["callsAbandoned"] > 0
    assert queue["busyOverflows"] > 0
    assert queue["averageWaitSeconds"] > 0
    handled = sum(agent["statistics"]["callsHandled"] for agent in week["agentStatistics"])
    assert handled == queue["callsAnswered"]
    # Two agents, each on a nine-hour shift on five days, over five days of 24 hours.
    assert queue["averageAgentsStaffed"] == 0.7
    assert [agent["statistics"]["totalStaffedSeconds"] for agent in week["agentStatistics"]] == [5 * 9 * 3600] * 2


def worked_agents(alice: tuple, bob: tuple) -> list[dict]:
    names = ["callsHandled", "callsUnanswered", "averageCallSeconds", "totalTalkSeconds", "totalStaffedSeconds"]
    return [
        {
            "agentUserId": "alice@example.test",
            "agentDisplayNames": {"lastName": "Adams", "firstName": "Alice"},
            "available": True,
            "statistics": dict(zip(names, alice, strict=True)),
        },
        {
            "agentUserId": "bob@example.test",
            "agentDisplayNames": {"lastName": "Brown", "firstName": "Bob"},
            "available": False,
            "statistics": dict(zip(names, bob, strict=True)),
        },
    ]


async def test_the_worked_example_comes_out_as_tabulated(example):
    assert await statistics(example, "2021-02-01T10:00:00Z", "2021-02-01T11:00:00Z") == {
        "statisticsRange": {"start": "2021-02-01T10:00:00Z", "end": "2021-02-01T11:00:00Z"},
        "queueStatistics": {
            "busyOverflows": 0,
            "callsAnswered": 3,
            "callsAbandoned": 1,
            "callsTransferred": 0,
            "callsTimedout": 1,
            "averageAgentsTalking": 0.3,
            "averageAgentsStaffed": 1.5,
            "averageWaitSeconds": 63,
            "averageAbandonmentSeconds": 90,
        },
        "agentStatistics": worked_agents((2, 1, 540, 830, 3600), (1, 0, 600, 480, 1980)),
    }


@pytest.mark.parametrize(
    ("start", "end", "queue", "alice", "bob"),
    [
        ("10:00", "10:30", (2, 0, 0, 90, 0, 0.4, 1.8), (1, 1, 360, 360, 1800), (1, 0, 600, 480, 1500)),
        ("10:30", "11:00", (1, 1, 1, 10, 90, 0.2, 1.2), (1, 0, 720, 470, 1800), (0, 0, 0, 0, 480)),
    ],
)
async def test_the_worked_example_split_in_two_halves(example, start, end, queue, alice, bob):
    result = await statistics(example, f"2021-02-01T{start}:00Z", f"2021-02-01T{end}:00Z")
    q = result["queueStatistics"]
    got = (
        q["callsAnswered"],
        q["callsAbandoned"],
        q["callsTimedout"],
        q["averageWaitSeconds"],
        q["averageAbandonmentSeconds"],
        q["averageAgentsTalking"],
        q["averageAgentsStaffed"],
    )
    assert got == queue
    assert result["agentStatistics"] == worked_agents(alice, bob)


async def test_a_busy_overflow_counts_at_arrival_and_changes_nothing_else(make_client):
    scenario = worked_example_with(
        {"arrivedAt": "2021-02-01T10:42:00Z", "outcome": "busyOverflow"},
    )
    base = await statistics(await make_client(WORKED_EXAMPLE), "2021-02-01T10:00:00Z", "2021-02-01T11:00:00Z")
    result = await statistics(await make_client(scenario), "2021-02-01T10:00:00Z", "2021-02-01T11:00:00Z")
    assert result["queueStatistics"] == {**base["queueStatistics"], "busyOverflows": 1}
    assert result["agentStatistics"] == base["agentStatistics"]


async def test_a_transferred_call_enters_no_average(make_client):
    scenario = worked_example_with(
        replace_index=2, call={"arrivedAt": "2021-02-01T10:30:00Z", "outcome": "transferred", "waitSeconds": 90}
    )
    result = await statistics(await make_client(scenario), "2021-02-01T10:00:00Z", "2021-02-01T11:00:00Z")
    queue = result["queueStatistics"]
    assert (queue["callsTransferred"], queue["callsAbandoned"], queue["averageAbandonmentSeconds"]) == (1, 0, 0)
    assert queue["averageWaitSeconds"] == 63


def worked_example_with(call: dict, replace_index: int | None = None) -> dict:
    data = yaml.safe_load(WORKED_EXAMPLE.read_text())
    calls = data["tenants"][0]["groups"][0]["callCenters"][0]["calls"]
    if replace_index is None:
        calls.append(call)
    else:
        calls[replace_index] = call
    return data


async def test_an_absent_end_means_now_in_the_callers_offset(example):
    result = await statistics(example, "2021-02-01T10:00:00+01:00")
    assert result["statisticsRange"] == {"start": "2021-02-01T10:00:00+01:00", "end": "2021-02-01T13:00:00+01:00"}
    assert result["queueStatistics"]["callsAnswered"] == 3


async def test_an_absent_end_after_a_zulu_start_is_written_in_zulu(example):
    result = await statistics(example, "2021-02-01T10:00:00Z")
    assert result["statisticsRange"] == {"start": "2021-02-01T10:00:00Z", "end": "2021-02-01T12:00:00Z"}


async def test_start_and_end_are_each_echoed_in_their_own_offset(example):
    result = await statistics(example, "2021-02-01T11:00:00+01:00", "2021-02-01T06:00:00-05:00")
    assert result["statisticsRange"] == {"start": "2021-02-01T11:00:00+01:00", "end": "2021-02-01T06:00:00-05:00"}
    assert result["queueStatistics"]["callsAnswered"] == 3


async def test_fractions_of_a_second_are_kept_and_clipped_exactly(example):
    result = await statistics(example, "2021-02-01T10:06:29.5Z", "2021-02-01T10:06:31.250Z")
    assert result["statisticsRange"] == {"start": "2021-02-01T10:06:29.500000Z", "end": "2021-02-01T10:06:31.250000Z"}
    alice = result["agentStatistics"][0]["statistics"]
    assert alice["totalTalkSeconds"] == 0  # 0.5 s of talk before C1's release at 10:06:30, floored
    assert alice["totalStaffedSeconds"] == 1  # 1.75 s, floored


async def test_an_empty_range_holds_nothing_and_gives_zero_averages(example):
    # C1 is answered at exactly 10:00:30; [10:00:30, 10:00:30) is empty, so it does not count.
    result = await statistics(example, "2021-02-01T10:00:30Z", "2021-02-01T10:00:30Z")
    queue = result["queueStatistics"]
    assert (queue["averageAgentsTalking"], queue["averageAgentsStaffed"], queue["callsAnswered"]) == (0.0, 0.0, 0)
    one_second = await statistics(example, "2021-02-01T10:00:30Z", "2021-02-01T10:00:31Z")
    assert one_second["queueStatistics"]["callsAnswered"] == 1


async def test_start_and_end_equal_to_now_are_accepted(example):
    result = await statistics(example, "2021-02-01T12:00:00Z", "2021-02-01T12:00:00Z")
    assert result["queueStatistics"]["callsAnswered"] == 0


async def test_ranges_spanning_decades_are_answered(example):
    result = await statistics(example, "1990-01-01T00:00:00Z", "2021-02-01T12:00:00Z")
    assert result["queueStatistics"]["callsAnswered"] == 3


@pytest.mark.parametrize(
    "statistics_range",
    [
        {"start": "2021-01-01"},
        {"start": "2021-01-01T00:00:00"},
        {"start": "2021-01-01T00:00+01:00"},
        {"start": "2021-01-01 00:00:00+01:00"},
        {"start": "20210101T000000Z"},
        {"start": "2021-01-01T00:00:00+0100"},
        {"start": "2021-02-30T00:00:00Z"},
        {"start": "2021-01-01T24:00:00Z"},
        {"start": "2021-01-01T00:00:60Z"},
        {"start": "2021-01-01T00:00:00+24:00"},
        {"start": "0000-01-01T00:00:00Z"},
        {"start": "2021-01-01T00:00:00Z\n"},
        {"start": "yesterday"},
        {"start": ""},
        {"start": 1609459200},
        {"start": None},
        {"start": ["2021-01-01T00:00:00Z"]},
        {"start": "2021-01-01T00:00:00Z", "end": "2021-13-01T00:00:00Z"},
        {"start": "2021-01-01T00:00:00Z", "end": False},
        {"start": "٢٠٢١-01-01T00:00:00Z"},
    ],
)
async def test_a_start_or_end_that_is_not_a_date_time_gets_the_format_error(example, statistics_range):
    response = await example.get(CC1_STATISTICS, json={"statisticsRange": statistics_range})
    assert response.status == 400
    assert await response.json() == invalid(FORMAT)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2021-02-01T12:00:01Z", None),
        ("2021-02-01T12:00:00.000001Z", "2021-02-01T12:00:01Z"),
        ("2021-02-01T10:00:00Z", "2021-02-01T12:00:01Z"),
        ("2021-02-01T10:00:00Z", "2021-02-01T13:00:01+01:00"),
        ("2099-01-01T00:00:00Z", "2099-01-02T00:00:00Z"),
        ("2021-02-01T10:00:00Z", "9999-12-31T23:59:59-12:00"),
    ],
)
async def test_a_start_or_end_after_now_gets_the_future_error(example, start, end):
    response = await example.get(CC1_STATISTICS, json=range_body(start, end))
    assert response.status == 400
    assert await response.json() == invalid(FUTURE)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2021-02-01T11:00:00Z", "2021-02-01T10:00:00Z"),
        ("2021-02-01T10:00:00.000001Z", "2021-02-01T10:00:00Z"),
        ("2021-02-01T10:00:00+01:00", "2021-02-01T08:59:59Z"),
    ],
)
async def test_an_end_before_the_start_gets_the_order_error(example, start, end):
    response = await example.get(CC1_STATISTICS, json=range_body(start, end))
    assert response.status == 400
    assert await response.json() == invalid(ORDER)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2099-01-01T00:00:00Z", "not a date", FORMAT),  # format comes before the future
        ("not a date", "2021-01-01T00:00:00Z", FORMAT),
        ("2099-01-01T00:00:00Z", "2021-01-01T00:00:00Z", FUTURE),  # the future comes before the order
        ("2021-02-01T11:00:00Z", "2099-01-01T00:00:00Z", FUTURE),
    ],
)
async def test_sub_errors_are_checked_in_the_documented_order(example, start, end, message):
    response = await example.get(CC1_STATISTICS, json=range_body(start, end))
    assert await response.json() == invalid(message)


@pytest.mark.parametrize(
    ("body", "messages"),
    [
        ({}, ["statisticsRange is required."]),
        ({"statisticsRange": {}}, ["statisticsRange.start is required."]),
        ({"statisticsRange": {"end": "2021-02-01T11:00:00Z"}}, ["statisticsRange.start is required."]),
        ({"statisticsRange": "2021-02-01T10:00:00Z"}, ["statisticsRange must be an object."]),
        ({"statisticsRange": None}, ["statisticsRange must be an object."]),
        (
            {"statisticsRange": {"start": "2021-02-01T10:00:00Z", "stop": "2021-02-01T11:00:00Z"}},
            ["Unknown field: statisticsRange.stop."],
        ),
        (
            {"start": "2021-02-01T10:00:00Z"},
            ["Unknown field: start.", "statisticsRange is required."],
        ),
        (
            {"statisticsRange": {"start": 5}, "sizeLimit": 10},
            ["Unknown field: sizeLimit.", FORMAT],
        ),
    ],
)
async def test_a_missing_or_misshapen_range_says_what_is_wrong(example, body, messages):
    response = await example.get(CC1_STATISTICS, json=body)
    assert response.status == 400
    assert await response.json() == invalid(*messages)


async def test_no_body_and_no_query_says_the_range_is_missing(example):
    response = await example.get(CC1_STATISTICS)
    assert response.status == 400
    assert await response.json() == invalid("statisticsRange is required.")


async def test_the_range_may_come_in_the_query_string(example):
    by_query = await example.get(
        CC1_STATISTICS, params={"start": "2021-02-01T10:00:00Z", "end": "2021-02-01T11:00:00Z"}
    )
    assert by_query.status == 200
    assert await by_query.json() == await statistics(example, "2021-02-01T10:00:00Z", "2021-02-01T11:00:00Z")


async def test_a_query_range_with_an_offset_must_be_percent_encoded(example):
    # A raw "+" in a query string means a space, so "+01:00" must be sent as "%2B01:00".
    raw_plus = await example.get(CC1_STATISTICS + "?start=2021-02-01T10:00:00+01:00")
    assert await raw_plus.json() == invalid(FORMAT)
    encoded = await example.get(CC1_STATISTICS + "?start=2021-02-01T10:00:00%2B01:00")
    assert (await encoded.json())["statisticsRange"]["end"] == "2021-02-01T13:00:00+01:00"


async def test_the_query_range_is_checked_like_the_body(example):
    response = await example.get(CC1_STATISTICS, params={"end": "2021-02-01T11:00:00Z"})
    assert await response.json() == invalid("statisticsRange.start is required.")
    response = await example.get(
        CC1_STATISTICS, params={"start": "2021-02-01T11:00:00Z", "end": "2021-02-01T10:00:00Z"}
    )
    assert await response.json() == invalid(ORDER)


async def test_a_range_in_both_body_and_query_is_refused(example):
    response = await example.get(
        CC1_STATISTICS, params={"start": "2021-02-01T10:00:00Z"}, json=range_body("2021-02-01T10:00:00Z")
    )
    assert response.status == 400
    assert await response.json() == invalid("Give the statistics range in the body or in the query string, not both.")


async def test_a_query_parameter_given_twice_is_refused(example):
    response = await example.get(CC1_STATISTICS + "?start=2021-02-01T10:00:00Z&start=2021-02-01T11:00:00Z")
    assert response.status == 400
    assert await response.json() == invalid("The query parameter start is given more than once.")


async def test_other_query_parameters_are_ignored(example):
    response = await example.get(CC1_STATISTICS + "?enrichCcInfo=true", json=range_body("2021-02-01T10:00:00Z"))
    assert response.status == 200


@pytest.mark.parametrize(
    ("raw", "details"),
    [
        (b"[]", "The request body must be a JSON object."),
        (b'"2021-02-01T10:00:00Z"', "The request body must be a JSON object."),
        (b'{"statisticsRange": ', "The request body is not valid JSON."),
        (b"\xff", "The request body is not valid JSON."),
    ],
)
async def test_a_body_that_is_not_a_json_object_gets_416(example, raw, details):
    response = await example.get(CC1_STATISTICS, data=raw)
    assert response.status == 416
    assert await response.json() == {"details": details}


async def test_a_range_field_given_twice_is_refused(example):
    raw = b'{"statisticsRange": {"start": "2021-02-01T10:00:00Z", "start": "2021-02-01T11:00:00Z"}}'
    response = await example.get(CC1_STATISTICS, data=raw)
    assert response.status == 400
    assert await response.json() == invalid("Duplicate field: start.")


@pytest.mark.parametrize(
    "path",
    [
        CC1_STATISTICS,
        CC1_STATISTICS.rstrip("/"),
        CC1_STATISTICS.replace("@", "%40"),
        CC1_STATISTICS.replace("@", "%40").rstrip("/"),
    ],
)
async def test_trailing_slash_and_percent_encoding_reach_the_same_call_center(example, path):
    response = await example.get(path, json=range_body("2021-02-01T10:00:00Z", "2021-02-01T11:00:00Z"))
    assert response.status == 200
    assert (await response.json())["queueStatistics"]["callsAnswered"] == 3


async def test_an_unknown_call_center_gets_404_before_the_body_is_read(client):
    path = cc_path("foo", "foogroup", "APIOTestCCNope@sip.netaxis.be", "statistics")
    response = await client.get(path, data=b"not json")
    assert response.status == 404
    assert await response.json() == {
        "details": "Call center APIOTestCCNope@sip.netaxis.be not found in group foogroup."
    }


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
async def test_other_methods_get_405(example, method):
    response = await example.request(method, CC1_STATISTICS, json=range_body("2021-02-01T10:00:00Z"))
    assert response.status == 405
    assert response.headers["Allow"] == "GET"
    assert await response.json() == {"details": f"Method {method} is not allowed on {CC1_STATISTICS}"}


async def test_agents_are_listed_in_the_call_centers_order(client):
    scenario_path = cc_path(*BASIC, "statistics")
    response = await client.get(
        scenario_path, json=range_body("2021-03-01T00:00:00+01:00", "2021-03-03T00:00:00+01:00")
    )
    result = await response.json()
    assert [agent["agentUserId"] for agent in result["agentStatistics"]] == [
        "ApioUserFoo1@sip.netaxis.be",
        "ApioUserFoo2@sip.netaxis.be",
    ]
