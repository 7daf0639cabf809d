"""GET /__sim/call-centers/{tenant}/{group}/{call_center}/series: per-bucket statistics by the statistics engine."""

from itertools import pairwise

import pytest

from simulator.series import MAX_BUCKETS, SeriesError, bucket_bounds, parse_bucket
from tests.conftest import CALL_CENTER_P, cc_path, namespace_of

SERIES = "/__sim/call-centers/{}/{}/{}/series".format(*CALL_CENTER_P)
START, END = "2021-03-01T00:00:00+01:00", "2021-03-06T00:00:00+01:00"
COUNTS = ("busyOverflows", "callsAnswered", "callsAbandoned", "callsTransferred", "callsTimedout")


async def statistics(client, start: str, end: str) -> dict:
    response = await client.get(cc_path(*CALL_CENTER_P, "statistics"), params={"start": start, "end": end})
    assert response.status == 200, await response.text()
    return await response.json()


async def series(client, **query: str) -> dict:
    response = await client.get(SERIES, params=query)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_daily_buckets_are_the_statistics_endpoint_answers_day_by_day(client):
    answer = await series(client, start=START, end=END, bucket="P1D")
    days = [f"2021-03-0{day}T00:00:00+01:00" for day in range(1, 7)]
    assert [(b["start"], b["end"]) for b in answer["buckets"]] == list(pairwise(days))
    for bucket in answer["buckets"]:
        day = await statistics(client, bucket["start"], bucket["end"])
        assert {k: bucket[k] for k in day["queueStatistics"]} == day["queueStatistics"]
        agents = [agent["statistics"] for agent in day["agentStatistics"]]
        assert bucket["totalTalkSeconds"] == sum(agent["totalTalkSeconds"] for agent in agents)
        assert bucket["totalStaffedSeconds"] == sum(agent["totalStaffedSeconds"] for agent in agents)
    # Two agents on a nine-hour shift each weekday: 18 agent-hours of a 24-hour day.
    assert [b["totalStaffedSeconds"] for b in answer["buckets"]] == [2 * 9 * 3600] * 5
    assert [b["averageAgentsStaffed"] for b in answer["buckets"]] == [0.7] * 5


async def test_hourly_buckets_add_up_to_the_statistics_endpoint_over_the_range(client):
    answer = await series(client, start=START, end=END, bucket="PT1H")
    week = await statistics(client, START, END)
    assert answer["statisticsRange"] == {"start": START, "end": END}
    assert answer["bucket"] == "PT1H"
    assert len(answer["buckets"]) == 5 * 24
    assert answer["totals"] == week
    buckets = answer["buckets"]
    for name in COUNTS:
        assert sum(b[name] for b in buckets) == week["queueStatistics"][name], name
    agents = [agent["statistics"] for agent in week["agentStatistics"]]
    assert sum(b["totalTalkSeconds"] for b in buckets) == sum(a["totalTalkSeconds"] for a in agents)
    assert sum(b["totalStaffedSeconds"] for b in buckets) == sum(a["totalStaffedSeconds"] for a in agents)
    assert week["queueStatistics"]["callsAnswered"] > 20  # the range really has traffic
    # Staffed from 08:00 to 17:00 local time: the 09:00 bucket of the first day has both agents.
    nine = next(b for b in buckets if b["start"] == "2021-03-01T09:00:00+01:00")
    assert nine["averageAgentsStaffed"] == 2.0
    night = next(b for b in buckets if b["start"] == "2021-03-01T03:00:00+01:00")
    assert night["averageAgentsStaffed"] == 0.0
    assert sum(answer["waits"]["answered"]) == week["queueStatistics"]["callsAnswered"]
    assert sum(answer["waits"]["abandoned"]) == week["queueStatistics"]["callsAbandoned"]
    assert answer["waits"]["edgesSeconds"] == [0, 10, 20, 30, 60, 120, 300, 600]


async def test_the_last_bucket_is_cut_at_the_end_and_end_defaults_to_now(client):
    answer = await series(client, start="2021-03-01T00:00:00Z", end="2021-03-01T02:30:00Z", bucket="PT1H")
    assert [b["end"] for b in answer["buckets"]] == [
        "2021-03-01T01:00:00Z",
        "2021-03-01T02:00:00Z",
        "2021-03-01T02:30:00Z",
    ]
    # The clock is frozen at 2021-06-01T12:00:00+02:00: a range without end runs to it, in start's offset.
    open_ended = await series(client, start="2021-06-01T11:00:00+02:00", bucket="PT30M")
    assert open_ended["statisticsRange"] == {"start": "2021-06-01T11:00:00+02:00", "end": "2021-06-01T12:00:00+02:00"}
    assert len(open_ended["buckets"]) == 2


async def test_an_empty_range_has_no_buckets_and_zero_totals(client):
    answer = await series(client, start=START, end=START)
    assert answer["buckets"] == []
    assert answer["totals"]["queueStatistics"]["callsAnswered"] == 0
    assert answer["waits"]["answered"] == [0] * 8


def error(message: str) -> dict:
    return {"errors": [{"code": 2, "message": message}]}


BAD_QUERIES = [
    ({}, error("start: required.")),
    (
        {"start": "2021-03-01"},
        error("start is not a real date-time with an offset, such as 2021-03-01T00:00:00+01:00."),
    ),
    (
        {"start": START, "end": "2021-02-30T00:00:00Z"},
        error("end is not a real date-time with an offset, such as 2021-03-01T00:00:00+01:00."),
    ),
    ({"start": START, "end": "2099-01-01T00:00:00Z"}, error("start or end is after the simulator clock's now.")),
    ({"start": END, "end": START}, error("end: not before start.")),
    ({"start": START, "end": END, "bucket": "1h"}, error("bucket: an ISO 8601 duration such as PT15M, PT1H or P1D.")),
    ({"start": START, "end": END, "bucket": "PT"}, error("bucket: an ISO 8601 duration such as PT15M, PT1H or P1D.")),
    ({"start": START, "end": END, "bucket": "PT30S"}, error("bucket: at least 60 seconds.")),
    ({"start": START, "end": END, "bucket": "PT1M"}, error("bucket: the range would make 7200 buckets; at most 2000.")),
    (
        {"start": START, "end": END, "step": "PT1H"},
        error("step: not a query parameter of the series (start, end, bucket)."),
    ),
]


@pytest.mark.parametrize(("query", "expected"), BAD_QUERIES)
async def test_bad_queries_get_a_400_naming_the_parameter_and_change_nothing(client, query, expected):
    namespace = namespace_of(client)
    before = (namespace.clock.now(), len(namespace.journal))
    response = await client.get(SERIES, params=query)
    assert response.status == 400
    assert await response.json() == expected
    assert (namespace.clock.now(), len(namespace.journal)) == before  # control requests are never journaled


async def test_a_repeated_parameter_is_refused(client):
    response = await client.get(SERIES + f"?start={START.replace('+', '%2B')}&start={START.replace('+', '%2B')}")
    assert response.status == 400
    assert await response.json() == error("start: given more than once.")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/__sim/call-centers/nobody/foogroup/x/series", "Tenant nobody not found."),
        ("/__sim/call-centers/footenant/nogroup/x/series", "Group nogroup not found in tenant footenant."),
        ("/__sim/call-centers/footenant/foogroup/x/series", "Call center x not found in group foogroup."),
    ],
)
async def test_an_unknown_call_center_gets_a_404(client, path, message):
    response = await client.get(path, params={"start": START, "end": END})
    assert response.status == 404
    assert await response.json() == {"details": message}


async def test_the_series_follows_the_namespace(client):
    headers = {"X-Apio-Sim-Namespace": "early"}
    await client.put("/__sim/clock", json={"now": "2021-03-02T00:00:00+01:00"}, headers=headers)
    response = await client.get(SERIES, params={"start": START, "end": END}, headers=headers)
    assert response.status == 400
    assert await response.json() == error("start or end is after the simulator clock's now.")
    assert (await client.get(SERIES, params={"start": START, "end": END})).status == 200


def test_bucket_durations():
    assert parse_bucket("PT1H") == 3600 * 10**6
    assert parse_bucket("P1DT12H") == 36 * 3600 * 10**6
    assert parse_bucket("PT90S") == 90 * 10**6
    for bad in ("", "P", "PT", "P1DT", "PT1.5H", "PT1H\n", "-PT1H"):
        with pytest.raises(SeriesError):
            parse_bucket(bad)
    assert bucket_bounds(0, 10, 4) == [(0, 4), (4, 8), (8, 10)]
    with pytest.raises(SeriesError):
        bucket_bounds(0, MAX_BUCKETS + 1, 1)
