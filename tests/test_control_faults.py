"""Faults on demand: every action, every dose, all three ways of setting them."""

import json
import time

import aiohttp
import pytest
import yaml

from tests.conftest import CC1, WORKED_EXAMPLE, cc_path

JSON = {"Content-Type": "application/json"}

STATISTICS = cc_path(*CC1, "statistics")
REPORTING = cc_path(*CC1, "instance_statistics_reporting")
ACTION_FORMAT = (
    "action must be a fault action: invalid-date-format, date-in-future, end-before-start, http-401, http-403,"
    " http-404, http-416, http-429, http-429:SECONDS, http-500, http-502, http-503, http-504,"
    " oci-error;error_code=N;summary=TEXT, delay:MS, delay:LOW-HIGH, reset, empty, truncated-body, malformed-body"
    " or slow-body:MS."
)
RANGE = {"statisticsRange": {"start": "2021-02-01T10:00:00Z", "end": "2021-02-01T11:00:00Z"}}


def invalid(*messages: str) -> dict:
    return {"errors": [{"code": 2, "message": message} for message in messages]}


async def add_fault(client, rule: dict) -> dict:
    response = await client.post("/__sim/faults", json=rule)
    assert response.status == 201, await response.text()
    return await response.json()


async def faults(client) -> list[dict]:
    response = await client.get("/__sim/faults")
    return (await response.json())["faults"]


async def statistics_status(client, **headers) -> int:
    response = await client.get(STATISTICS, json=RANGE, headers=headers)
    await response.read()
    return response.status


@pytest.mark.parametrize(
    ("action", "status", "body", "headers"),
    [
        ("invalid-date-format", 400, invalid("The format of start date or end date is invalid."), {}),
        ("date-in-future", 400, invalid("Start date or end date in the future"), {}),
        ("end-before-start", 400, invalid("End date can not be earlier than start date."), {}),
        ("http-401", 401, {"details": "Invalid or expired session."}, {}),
        ("http-403", 403, {"details": "You do not have the rights to access this resource."}, {}),
        ("http-404", 404, {"details": "Call center cc1@example.test not found in group example-group."}, {}),
        ("http-416", 416, {"details": "The request body must be a JSON object."}, {}),
        ("http-429", 429, {"details": "Too many requests."}, {"Retry-After": "1"}),
        ("http-429:30", 429, {"details": "Too many requests."}, {"Retry-After": "30"}),
        ("http-500", 500, {"details": "Internal server error."}, {}),
        ("http-502", 502, {"details": "Bad gateway."}, {}),
        ("http-503", 503, {"details": "Service unavailable."}, {}),
        ("http-504", 504, {"details": "Gateway timeout."}, {}),
    ],
)
async def test_error_actions_answer_with_apio_bodies(example, action, status, body, headers):
    await add_fault(example, {"action": action})
    response = await example.get(STATISTICS, json=RANGE)
    assert response.status == status
    assert await response.json() == body
    for name, value in headers.items():
        assert response.headers[name] == value


async def test_an_injected_401_under_the_proxy_prefix_has_core_s_body(example):
    await add_fault(example, {"action": "http-401"})
    response = await example.get("/api/v01/p1" + STATISTICS.removeprefix("/api/v1"), json=RANGE)
    assert (response.status, await response.json()) == (401, {"error": "Invalid or expired token."})


async def test_an_injected_error_leaves_state_unchanged(example):
    await add_fault(example, {"match": {"endpoint": "reporting.put"}, "action": "http-503", "times": 1})
    response = await example.put(REPORTING, json={"collectionPeriodMinutes": 60})
    assert response.status == 503
    settings = await (await example.get(REPORTING)).json()
    assert settings["collectionPeriodMinutes"] == 30


async def test_a_delay_answers_normally_but_later(example):
    await add_fault(example, {"action": "delay:200"})
    began = time.perf_counter()
    response = await example.get(STATISTICS, json=RANGE)
    assert response.status == 200
    assert time.perf_counter() - began >= 0.2
    journal = await (await example.get("/__sim/requests")).json()
    assert journal["requests"][0]["fault"] == "delay:200"
    assert journal["requests"][0]["durationMs"] >= 200


async def test_a_delay_between_bounds_stays_between_them(example):
    await add_fault(example, {"action": "delay:50-80", "times": 3})
    for _ in range(3):
        assert await statistics_status(example) == 200
    journal = await (await example.get("/__sim/requests")).json()
    assert all(entry["durationMs"] >= 50 for entry in journal["requests"])


async def test_a_reset_breaks_the_connection_and_changes_nothing(example):
    await add_fault(example, {"match": {"method": "PUT"}, "action": "reset", "times": 1})
    with pytest.raises(aiohttp.ClientOSError):
        await example.put(REPORTING, json={"collectionPeriodMinutes": 60})
    settings = await (await example.get(REPORTING)).json()
    assert settings["collectionPeriodMinutes"] == 30


async def test_an_empty_response_closes_the_connection_without_a_word(example):
    await add_fault(example, {"action": "empty", "times": 1})
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await example.get(STATISTICS, json=RANGE)
    assert await statistics_status(example) == 200


async def test_a_truncated_body_stops_short_of_its_content_length(example):
    await add_fault(example, {"action": "truncated-body", "times": 1})
    response = await example.get(STATISTICS, json=RANGE)
    assert response.status == 200
    with pytest.raises(aiohttp.ClientPayloadError):
        await response.read()


async def test_a_malformed_body_is_complete_but_not_json(example):
    whole = await (await example.get(STATISTICS, json=RANGE)).read()
    await add_fault(example, {"action": "malformed-body", "times": 1})
    response = await example.get(STATISTICS, json=RANGE)
    assert response.status == 200
    assert response.content_type == "application/json"
    raw = await response.read()
    assert whole.startswith(raw) and 0 < len(raw) < len(whole)
    with pytest.raises(ValueError):
        json.loads(raw)


async def test_a_slow_body_arrives_whole_over_the_duration(example):
    whole = await (await example.get(STATISTICS, json=RANGE)).json()
    await add_fault(example, {"action": "slow-body:300", "times": 1})
    began = time.perf_counter()
    response = await example.get(STATISTICS, json=RANGE)
    assert await response.json() == whole
    assert time.perf_counter() - began >= 0.3


# Doses


async def test_times_fires_that_often_then_the_rule_expires(example):
    await add_fault(example, {"action": "http-503", "times": 2})
    assert [await statistics_status(example) for _ in range(3)] == [503, 503, 200]
    assert await faults(example) == []


async def test_after_lets_the_first_matches_through(example):
    rule = await add_fault(example, {"action": "http-503", "after": 2})
    assert rule == {"id": "f1", "match": {}, "action": "http-503", "after": 2, "matched": 0, "hits": 0}
    assert [await statistics_status(example) for _ in range(4)] == [200, 200, 503, 503]
    assert await faults(example) == [{"id": "f1", "match": {}, "action": "http-503", "matched": 4, "hits": 2}]


async def test_a_seeded_probability_repeats_exactly(make_client):
    outcomes = []
    for _ in range(2):
        client = await make_client(WORKED_EXAMPLE)
        await add_fault(client, {"action": "http-503", "probability": 0.5, "seed": 7})
        outcomes.append([await statistics_status(client) for _ in range(20)])
    assert outcomes[0] == outcomes[1]
    assert {200, 503} == set(outcomes[0])


async def test_another_seed_gives_another_sequence(make_client):
    outcomes = []
    for seed in (1, 2):
        client = await make_client(WORKED_EXAMPLE)
        await add_fault(client, {"action": "http-503", "probability": 0.5, "seed": seed})
        outcomes.append([await statistics_status(client) for _ in range(30)])
    assert outcomes[0] != outcomes[1]


async def test_a_rule_without_a_dose_stays_until_removed(example):
    rule = await add_fault(example, {"action": "http-503"})
    assert [await statistics_status(example) for _ in range(3)] == [503] * 3
    response = await example.delete(f"/__sim/faults/{rule['id']}")
    assert (response.status, await response.json()) == (200, {"deleted": "f1"})
    assert await statistics_status(example) == 200


async def test_all_rules_can_be_deleted_at_once(example):
    await add_fault(example, {"action": "http-503"})
    await add_fault(example, {"action": "http-500"})
    response = await example.delete("/__sim/faults")
    assert await response.json() == {"deleted": 2}
    assert await faults(example) == []


async def test_rules_are_tried_in_order(example):
    await add_fault(example, {"action": "http-502", "after": 1})
    await add_fault(example, {"action": "http-504"})
    assert [await statistics_status(example) for _ in range(2)] == [504, 502]


# Matching


@pytest.mark.parametrize(
    ("match", "hit", "miss"),
    [
        ({"method": "PUT"}, ("PUT", REPORTING), ("GET", REPORTING)),
        ({"method": "put"}, ("PUT", REPORTING), ("GET", STATISTICS)),
        ({"endpoint": "statistics"}, ("GET", STATISTICS), ("GET", REPORTING)),
        ({"endpoint": "reporting.get"}, ("GET", REPORTING), ("PUT", REPORTING)),
        ({"endpoint": "reporting.put"}, ("PUT", REPORTING), ("GET", REPORTING)),
        ({"path": "*/statistics*"}, ("GET", STATISTICS), ("GET", REPORTING)),
        ({"path": "/api/v1/tenants/example/*"}, ("GET", STATISTICS), ("GET", "/api/v1/tenants/other/x")),
        ({"tenant": "example"}, ("GET", STATISTICS), ("GET", cc_path("other", "g", "c", "statistics"))),
        ({"group": "example-group"}, ("GET", REPORTING), ("GET", cc_path("example", "g2", "c", "statistics"))),
        (
            {"callCenter": "cc1@example.test"},
            ("GET", REPORTING),
            ("GET", cc_path("example", "example-group", "x", "statistics")),
        ),
        ({"endpoint": "statistics", "tenant": "example"}, ("GET", STATISTICS), ("GET", REPORTING)),
    ],
)
async def test_a_rule_breaks_only_what_it_matches(example, match, hit, miss):
    await add_fault(example, {"match": match, "action": "http-502"})
    missed = await example.request(miss[0], miss[1], json=RANGE if "statistics" in miss[1] else {})
    assert missed.status != 502
    hit_response = await example.request(hit[0], hit[1], json=RANGE if "statistics" in hit[1] else {})
    assert hit_response.status == 502


async def test_the_login_endpoint_can_be_broken(make_client):
    client = await make_client(login=None)
    await add_fault(client, {"match": {"endpoint": "login"}, "action": "http-503", "times": 1})
    login = {"username": "apio-admin", "password": "apio-admin"}
    assert (await client.post("/api/v1/login/", json=login)).status == 503
    assert (await client.post("/api/v1/login/", json=login)).status == 200


async def test_faults_never_touch_the_control_api(example):
    await add_fault(example, {"action": "http-503"})
    assert (await example.get("/__sim/health")).status == 200
    assert (await example.get("/__sim/faults")).status == 200


# The header and the scenario


async def test_the_fault_header_breaks_just_that_request(example):
    assert await statistics_status(example, **{"X-Apio-Sim-Fault": "date-in-future"}) == 400
    assert await statistics_status(example) == 200
    response = await example.get(STATISTICS, json=RANGE, headers={"X-Apio-Sim-Fault": "http-429:5"})
    assert response.headers["Retry-After"] == "5"


async def test_a_bad_fault_header_is_refused(example):
    response = await example.get(STATISTICS, json=RANGE, headers={"X-Apio-Sim-Fault": "explode"})
    assert response.status == 400
    assert await response.json() == invalid(
        "X-Apio-Sim-Fault: Unknown fault action: 'explode'. Valid actions: invalid-date-format, date-in-future,"
        " end-before-start, http-401, http-403, http-404, http-416, http-429, http-429:SECONDS, http-500, http-502,"
        " http-503, http-504, oci-error;error_code=N;summary=TEXT, delay:MS, delay:LOW-HIGH, reset, empty,"
        " truncated-body, malformed-body, slow-body:MS (MS from 0 to 60000)."
    )


async def test_a_scenario_brings_its_faults_and_reset_restores_them(make_client):
    data = yaml.safe_load(WORKED_EXAMPLE.read_text())
    data["faults"] = [{"match": {"endpoint": "statistics"}, "action": "http-503", "times": 1}]
    client = await make_client(data)
    assert await statistics_status(client) == 503
    assert await statistics_status(client) == 200
    assert (await client.post("/__sim/reset")).status == 200
    assert await statistics_status(client) == 503


# Bad input to the faults endpoint


@pytest.mark.parametrize(
    ("raw", "status", "body"),
    [
        (b"", 416, {"details": "The request body must be a JSON object."}),
        (b"[]", 416, {"details": "The request body must be a JSON object."}),
        (b"{", 416, {"details": "The request body is not valid JSON."}),
        (b"{}", 400, invalid("action is required.")),
        (b'{"action": "explode"}', 400, invalid(ACTION_FORMAT)),
        (
            b'{"action": "delay:500-100"}',
            400,
            invalid("action: delay takes milliseconds from 0 to 60000, low before high: 'delay:500-100'."),
        ),
        (
            b'{"action": "slow-body:70000"}',
            400,
            invalid("action: slow-body takes milliseconds from 0 to 60000, low before high: 'slow-body:70000'."),
        ),
        (b'{"action": "http-503", "times": 0}', 400, invalid("times must be 1 or more.")),
        (b'{"action": "http-503", "probability": 1.5}', 400, invalid("probability must be 1 or less.")),
        (
            b'{"action": "http-503", "match": {"endpoint": "stats"}}',
            400,
            invalid(
                'match.endpoint must be one of "statistics", "reporting.get", "reporting.put", "login", "logout", '
                '"core.login", "core.access_token", "core.logout", "core.users.local", "core.configuration.public", '
                '"core.health", "core.gateways", "call_centers.list", "call_center.get", "call_center.agents", '
                '"user.call_centers".'
            ),
        ),
        (b'{"action": "http-503", "when": "now"}', 400, invalid("Unknown field: when.")),
    ],
)
async def test_a_bad_rule_is_refused_and_nothing_changes(example, raw, status, body):
    await add_fault(example, {"action": "http-500", "match": {"tenant": "nobody"}})
    response = await example.post("/__sim/faults", data=raw, headers=JSON)
    assert response.status == status
    assert await response.json() == body
    assert [rule["id"] for rule in await faults(example)] == ["f1"]


async def test_deleting_an_unknown_rule_gets_404(example):
    response = await example.delete("/__sim/faults/f99")
    assert (response.status, await response.json()) == (404, {"details": "Fault rule f99 not found."})
