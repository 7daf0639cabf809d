"""Scenario export and load, reset, and health."""

import json

import pytest
import yaml

from simulator.api.respond import SIMULATOR
from simulator.app import create_app
from simulator.scenario import content_hash, load_scenario, parse_scenario
from tests.conftest import BASIC, CC1, DEFAULT_SCENARIO, WORKED_EXAMPLE, cc_path, namespace_of

YAML = {"Content-Type": "application/yaml"}

STATISTICS = cc_path(*CC1, "statistics")
REPORTING = cc_path(*CC1, "instance_statistics_reporting")
RANGE = {"statisticsRange": {"start": "2021-02-01T10:00:00Z", "end": "2021-02-01T11:00:00Z"}}


async def export(client) -> dict:
    """The export with the passwords, as a round trip needs them."""
    response = await client.get("/__sim/scenario?passwords=true")
    assert response.status == 200, await response.text()
    return await response.json()


async def load(client, text: str | bytes):
    return await client.put("/__sim/scenario", data=text if isinstance(text, bytes) else text.encode(), headers=YAML)


async def test_health_names_the_scenario(example):
    response = await example.get("/__sim/health")
    health = await response.json()
    assert health["status"] == "ready"
    assert health["version"] == "0.1.0"
    assert health["scenario"] == {
        "name": "worked-example",
        "hash": content_hash(yaml.safe_load(WORKED_EXAMPLE.read_text())),
        "seed": 0,
        "callCenters": 1,
        "calls": 5,
    }
    assert health["uptimeSeconds"] >= 0
    assert health["namespaces"] == 1


async def test_the_export_of_an_untouched_scenario_is_the_scenario(example):
    document = yaml.safe_load(WORKED_EXAMPLE.read_text())
    document["tenants"][0]["groups"][0]["callCenters"][0]["reporting"] = {
        "generateDailyReport": False,
        "collectionPeriodMinutes": 30,
    }
    assert await export(example) == document


async def test_the_export_carries_settings_clock_and_faults_and_loads_back_identically(make_client):
    client = await make_client(WORKED_EXAMPLE)
    await client.put(REPORTING, json={"generateDailyReport": True, "reportingEmailAddress2": "x@example.test"})
    await client.put("/__sim/clock", json={"advance": "PT30M"})
    await client.post("/__sim/faults", json={"match": {"endpoint": "reporting.put"}, "action": "http-503", "times": 3})
    await client.put(REPORTING, json={"collectionPeriodMinutes": 60})  # refused by the fault: 2 left
    exported = await export(client)
    assert exported["clock"] == {"now": "2021-02-01T12:30:00Z"}
    assert exported["faults"] == [{"match": {"endpoint": "reporting.put"}, "action": "http-503", "times": 2}]

    other = await make_client(WORKED_EXAMPLE)
    assert (await load(other, json.dumps(exported))).status == 200
    for path, body in ((REPORTING, None), (STATISTICS, {"statisticsRange": {"start": "2021-02-01T10:00:00Z"}})):
        ours, theirs = await client.get(path, json=body), await other.get(path, json=body)
        assert await ours.json() == await theirs.json()
    assert await (await other.get("/__sim/clock")).json() == await (await client.get("/__sim/clock")).json()
    assert [r["times"] for r in (await (await other.get("/__sim/faults")).json())["faults"]] == [2]
    assert await export(other) == exported


async def test_the_export_can_be_yaml(example):
    response = await example.get("/__sim/scenario?format=yaml&passwords=true")
    assert response.content_type == "application/yaml"
    assert yaml.safe_load(await response.text()) == await export(example)


async def test_loading_a_yaml_scenario_replaces_the_current_one(example):
    response = await load(example, DEFAULT_SCENARIO.read_text())
    assert response.status == 200
    summary = await response.json()
    assert (summary["name"], summary["callCenters"], summary["calls"]) == ("default", 4, 90)
    health = await (await example.get("/__sim/health")).json()
    assert health["scenario"] == summary
    # The default scenario has authentication on: the worked example's call center is gone, and login needed.
    assert (await example.get(cc_path(*BASIC, "instance_statistics_reporting"))).status == 401


async def test_loading_a_scenario_changes_the_request_namespace_only(example):
    a = {"X-Apio-Sim-Namespace": "a"}
    await example.put(REPORTING, json={"generateDailyReport": True}, headers={"X-Apio-Sim-Namespace": "b"})
    response = await example.put("/__sim/scenario", data=DEFAULT_SCENARIO.read_text().encode(), headers={**a, **YAML})
    assert (response.status, (await response.json())["name"]) == (200, "default")
    names = [n["name"] for n in (await (await example.get("/__sim/namespaces")).json())["namespaces"]]
    assert names == ["default", "b", "a"]
    assert (await (await example.get("/__sim/health", headers=a)).json())["scenario"]["name"] == "default"
    assert (await (await example.get("/__sim/health")).json())["scenario"]["name"] == "worked-example"
    assert (await (await example.get(REPORTING, headers={"X-Apio-Sim-Namespace": "b"})).json())["generateDailyReport"]
    # A namespace created later starts from the server's scenario, not from the one loaded into "a".
    assert (await (await example.get("/__sim/health", headers={"X-Apio-Sim-Namespace": "c"})).json())["scenario"][
        "name"
    ] == "worked-example"


async def test_reset_returns_a_namespace_to_the_scenario_loaded_into_it(make_client):
    client = await make_client(DEFAULT_SCENARIO)  # on real time: no start-up clock overrides the scenario's
    a = {"X-Apio-Sim-Namespace": "a"}
    await client.put("/__sim/scenario", data=WORKED_EXAMPLE.read_bytes(), headers={**a, **YAML})
    await client.put(REPORTING, json={"collectionPeriodMinutes": 60}, headers=a)
    await client.put("/__sim/clock", json={"advance": "PT1H"}, headers=a)
    assert (await client.post("/__sim/reset", headers=a)).status == 200
    assert (await (await client.get("/__sim/health", headers=a)).json())["scenario"]["name"] == "worked-example"
    assert (await (await client.get(REPORTING, headers=a)).json())["collectionPeriodMinutes"] == 30
    assert await (await client.get("/__sim/clock", headers=a)).json() == {"now": "2021-02-01T12:00:00Z", "frozen": True}
    assert (await (await client.get("/__sim/health")).json())["scenario"]["name"] == "default"


async def test_the_same_scenario_is_built_once_whatever_its_namespaces_or_formatting(example):
    simulator = example.app[SIMULATOR]
    builds = simulator.scenarios.builds
    text = DEFAULT_SCENARIO.read_text()
    for name in ("a", "b", "c"):
        assert (await load_into(example, text, name)).status == 200
    as_json = json.dumps(yaml.safe_load(text))  # the same content, written as JSON
    assert (await load_into(example, as_json, "d")).status == 200
    assert simulator.scenarios.builds == builds + 1
    shared = {id(simulator.namespace(name).scenario) for name in "abcd"}
    assert len(shared) == 1


async def test_the_scenario_cache_is_bounded(make_client):
    client = await make_client(WORKED_EXAMPLE, scenario_cache_size=2)
    simulator = client.app[SIMULATOR]
    texts = [json.dumps({"name": f"s{number}", "auth": False, "tenants": []}) for number in range(3)]
    for text in texts:
        await load_into(client, text, "a")
    assert len(simulator.scenarios) == 2
    builds = simulator.scenarios.builds
    await load_into(client, texts[2], "a")  # still cached
    assert simulator.scenarios.builds == builds
    await load_into(client, texts[0], "a")  # fell out: built again
    assert simulator.scenarios.builds == builds + 1


async def load_into(client, text: str, namespace: str):
    return await client.put("/__sim/scenario", data=text.encode(), headers={"X-Apio-Sim-Namespace": namespace, **YAML})


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        (b"tenants: 5\n", ["scenario: tenants must be an array."]),
        (b"", ["scenario: The scenario must be an object."]),
        (b"tenants: [\n", None),
        (b"\xff\xfe", ["scenario: not UTF-8 text."]),
        (
            b'{"tenants": [{"id": "t", "groups": [{"id": "g", "callCenters": [{"id": "c", "agents": ["x"]}]}]}]}',
            ["scenario: tenants[0].groups[0].callCenters[0].agents[0] names 'x', who is not a user of this tenant."],
        ),
        (
            b'{"tenants": [], "faults": [{"action": "delay:9-1"}]}',
            [
                "scenario: faults[0].action is refused: delay takes milliseconds from 0 to 60000, low before high: "
                "'delay:9-1'."
            ],
        ),
    ],
)
async def test_a_bad_scenario_is_refused_like_validate_does_and_nothing_changes(example, text, messages):
    before = await (await example.get("/__sim/health")).json()
    response = await load(example, text)
    assert response.status == 400
    body = await response.json()
    if messages is None:
        [error] = body["errors"]
        assert error["message"].startswith("scenario: not valid YAML or JSON: ")
    else:
        assert body == {"errors": [{"code": 2, "message": message} for message in messages]}
    assert (await (await example.get("/__sim/health")).json())["scenario"] == before["scenario"]


async def test_reset_returns_everything_to_the_loaded_scenario(make_client):
    client = await make_client()  # the default scenario, logged in as apio-admin
    reporting = cc_path(*BASIC, "instance_statistics_reporting")
    await client.put(reporting, json={"collectionPeriodMinutes": 60})
    await client.post("/__sim/faults", json={"match": {"tenant": "nobody"}, "action": "http-503"})
    await client.put("/__sim/clock", json={"advance": "PT1H"})
    assert (await (await client.get("/__sim/requests")).json())["count"] == 2  # the fixture's login, the PUT

    response = await client.post("/__sim/reset")
    assert (response.status, await response.json()) == (200, {"reset": "default"})
    assert (await (await client.get("/__sim/faults")).json())["faults"] == []
    assert (await (await client.get("/__sim/requests")).json())["count"] == 0
    assert (await (await client.get("/__sim/clock")).json())["now"] == "2021-06-01T10:00:00Z"
    assert (await client.get(reporting)).status == 401  # the login is gone with the reset
    await client.post("/api/v1/login/", json={"username": "apio-admin", "password": "apio-admin"})
    assert (await (await client.get(reporting)).json())["collectionPeriodMinutes"] == 30


async def test_reset_does_not_copy_the_call_histories(example):
    before = namespace_of(example)
    await example.post("/__sim/reset")
    after = namespace_of(example)
    assert after is not before
    assert after.scenario is before.scenario
    key = next(iter(before.all_reporting()))
    assert after.call_center(key) is before.call_center(key)


async def test_a_seed_given_at_start_is_exported_so_the_export_replays_the_same_history(aiohttp_client):
    busy = WORKED_EXAMPLE.parent / "busy-call-center.yaml"
    client = await aiohttp_client(create_app(load_scenario(busy, seed=99)))
    exported = await export(client)
    assert exported["seed"] == 99
    again = parse_scenario(exported, "exported")
    original = load_scenario(busy, seed=99)
    key = next(iter(original.call_centers()))
    assert (again.call_centers()[key].history.arrived_at == original.call_centers()[key].history.arrived_at).all()


async def test_an_unknown_export_format_is_refused(example):
    response = await example.get("/__sim/scenario?format=xml")
    assert response.status == 400
    assert await response.json() == {"errors": [{"code": 2, "message": 'format must be one of "json", "yaml".'}]}
