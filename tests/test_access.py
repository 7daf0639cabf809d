"""The control API safe from other clients and from browsers: checks before any state is created, the
Host allow-list (DNS rebinding), origins, media types, hidden passwords, and writes that race a reset."""

import asyncio

import pytest

from simulator.control.handlers import HIDDEN_PASSWORD
from tests.conftest import CC1, WORKED_EXAMPLE, cc_path

REPORTING = cc_path(*CC1, "instance_statistics_reporting")
TOKEN = {"Authorization": "Bearer s3cret"}
NEEDS_TOKEN = {"details": "The control API needs 'Authorization: Bearer <admin token>'."}
PORTAL = "http://portal.test:3000"


async def names(client, headers=None) -> set[str]:
    response = await client.get("/__sim/namespaces", headers=headers or {})
    assert response.status == 200, await response.text()
    return {namespace["name"] for namespace in (await response.json())["namespaces"]}


async def test_requests_without_the_token_create_no_namespace(make_client):
    client = await make_client(WORKED_EXAMPLE, admin_token="s3cret")
    for number in range(25):
        for method, path in (("GET", "/__sim/health"), ("POST", "/__sim/reset"), ("GET", "/__sim/nowhere")):
            response = await client.request(method, path, headers={"X-Apio-Sim-Namespace": f"f{number}"})
            assert (response.status, await response.json()) == (401, NEEDS_TOKEN)
    assert await names(client, TOKEN) == {"default"}


async def test_a_host_not_allowed_is_refused_before_anything_happens(make_client):
    client = await make_client(WORKED_EXAMPLE, allowed_hosts=["apio-sim"])
    headers = {"Host": "rebound.evil.test:8080", "X-Apio-Sim-Namespace": "n1"}
    response = await client.post("/__sim/faults", json={"action": "http-503"}, headers=headers)
    assert response.status == 403
    assert await response.json() == {
        "details": "Host 'rebound.evil.test:8080' is not allowed: a simulator on loopback answers its control API "
        "only to 127.0.0.1, ::1, apio-sim, localhost (add names with --allowed-hosts)."
    }
    assert await names(client) == {"default"}
    for host in ("localhost:8080", "127.0.0.1", "[::1]:8080", "APIO-SIM:8080"):
        assert (await client.get("/__sim/faults", headers={"Host": host})).status == 200, host


async def test_any_host_is_answered_when_no_list_is_given(make_client):
    client = await make_client(WORKED_EXAMPLE)  # a server on 0.0.0.0 (a container) is called by any name
    assert (await client.get("/__sim/health", headers={"Host": "apio-sim:8080"})).status == 200


async def test_a_state_change_from_another_origin_is_refused_and_changes_nothing(make_client):
    client = await make_client(WORKED_EXAMPLE, cors_origins=[PORTAL])
    await client.post("/__sim/faults", json={"action": "http-503"})
    for method, path in (("POST", "/__sim/reset"), ("DELETE", "/__sim/faults")):
        response = await client.request(method, path, headers={"Origin": "http://evil.test"})
        assert response.status == 403
        assert await response.json() == {
            "details": "Origin 'http://evil.test' may not change the simulator's state: only the origins of --cors "
            "may (a web page must not drive the control API)."
        }
    assert len((await (await client.get("/__sim/faults")).json())["faults"]) == 1
    assert (await client.get("/__sim/faults", headers={"Origin": "http://evil.test"})).status == 200  # a read
    assert (await client.delete("/__sim/faults", headers={"Origin": PORTAL})).status == 200
    own = f"http://{client.server.host}:{client.server.port}"  # the simulator's own origin
    assert (await client.post("/__sim/reset", headers={"Origin": own})).status == 200


async def test_a_star_lets_any_origin_change_state(make_client):
    client = await make_client(WORKED_EXAMPLE, cors_origins=["*"])
    assert (await client.post("/__sim/reset", headers={"Origin": "http://anything.test"})).status == 200


@pytest.mark.parametrize(
    ("method", "path", "content_type", "data", "wanted"),
    [
        ("POST", "/__sim/faults", "text/plain", b'{"action": "http-503"}', "application/json"),
        ("PUT", "/__sim/clock", "application/yaml", b'{"advance": 60}', "application/json"),
        ("POST", "/__sim/reset", "application/x-www-form-urlencoded", b"", "application/json"),
        ("POST", "/__sim/reset", "multipart/form-data; boundary=x", b"", "application/json"),
        ("PUT", "/__sim/scenario", "text/plain", b"name: x", "application/json or application/yaml"),
    ],
)
async def test_a_write_a_form_could_send_is_refused_and_changes_nothing(
    example, method, path, content_type, data, wanted
):
    await example.put("/__sim/clock", json={"now": "2021-02-01T12:00:00Z"})
    response = await example.request(method, path, data=data, headers={"Content-Type": content_type})
    assert response.status == 416
    kind = content_type.split(";")[0]
    assert await response.json() == {"details": f"Content-Type must be {wanted}, not {kind}."}
    assert (await (await example.get("/__sim/faults")).json())["faults"] == []
    assert (await (await example.get("/__sim/clock")).json())["now"] == "2021-02-01T12:00:00Z"


async def test_json_and_yaml_bodies_are_accepted(example):
    headers = {"Content-Type": "application/json; charset=utf-8"}
    assert (await example.post("/__sim/faults", data=b'{"action": "http-503"}', headers=headers)).status == 201
    yaml_type = {"Content-Type": "application/yaml"}
    response = await example.put("/__sim/scenario", data=WORKED_EXAMPLE.read_bytes(), headers=yaml_type)
    assert response.status == 200, await response.text()


async def test_the_export_hides_passwords_unless_asked(client):
    hidden = await (await client.get("/__sim/scenario")).json()
    assert hidden["apiUsers"] and {user["password"] for user in hidden["apiUsers"]} == {HIDDEN_PASSWORD}
    shown = await (await client.get("/__sim/scenario?passwords=true")).json()
    assert HIDDEN_PASSWORD not in {user["password"] for user in shown["apiUsers"]}
    assert [user["username"] for user in shown["apiUsers"]] == [user["username"] for user in hidden["apiUsers"]]
    refused = await client.get("/__sim/scenario?passwords=yes")
    assert refused.status == 400
    assert await refused.json() == {"errors": [{"code": 2, "message": 'passwords must be one of "true", "false".'}]}


async def _hit(client, rule_id: str) -> None:
    """Until the delay rule has picked its request (the request then sleeps in the fault)."""
    for _ in range(2000):
        faults = (await (await client.get("/__sim/faults")).json())["faults"]
        if not faults or faults[0]["id"] != rule_id or faults[0]["hits"]:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the delayed request never arrived")


@pytest.mark.parametrize(
    ("how", "then"),
    [
        (lambda client: client.post("/__sim/reset"), 30),
        (
            lambda client: client.put(
                "/__sim/scenario", data=WORKED_EXAMPLE.read_bytes(), headers={"Content-Type": "application/yaml"}
            ),
            30,
        ),
    ],
    ids=["reset", "load"],
)
async def test_a_write_delayed_through_a_reset_is_refused_not_lost(example, how, then):
    rule = await (await example.post("/__sim/faults", json={"action": "delay:3000", "times": 1})).json()
    write = asyncio.ensure_future(example.put(REPORTING, json={"collectionPeriodMinutes": 60}))
    await _hit(example, rule["id"])
    assert (await how(example)).status == 200
    response = await write
    assert response.status == 409
    assert await response.json() == {
        "details": "The namespace default was reset, reloaded or deleted while this request waited; "
        "the request was not acted on."
    }
    settings = await (await example.get(REPORTING)).json()
    assert settings["collectionPeriodMinutes"] == then


async def test_a_write_delayed_through_a_drop_is_refused(example):
    headers = {"X-Apio-Sim-Namespace": "w1"}
    rule = await (await example.post("/__sim/faults", json={"action": "delay:3000"}, headers=headers)).json()
    write = asyncio.ensure_future(example.put(REPORTING, json={"collectionPeriodMinutes": 60}, headers=headers))
    for _ in range(2000):
        faults = (await (await example.get("/__sim/faults", headers=headers)).json())["faults"]
        if faults[0]["hits"]:
            break
        await asyncio.sleep(0.005)
    assert rule["id"] == faults[0]["id"]
    assert (await example.delete("/__sim/namespaces/w1")).status == 200
    response = await write
    assert response.status == 409
    assert "w1" not in await names(example)


def test_the_openapi_document_says_body_and_query_range_are_exclusive():
    from simulator.openapi import openapi_document

    document = openapi_document()
    operation = document["paths"][cc_path("{tenant_id}", "{group_id}", "{call_center_name}", "statistics")]["get"]
    assert "never both" in operation["description"]
    described = {p["name"]: p.get("description", "") for p in operation["parameters"] if p.get("in") == "query"}
    assert all("Not with a body" in described[name] for name in ("start", "end", "last"))
    export = document["paths"]["/__sim/scenario"]["get"]
    assert "passwords" in {p.get("name") for p in export["parameters"]}
