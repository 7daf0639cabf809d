"""Namespaces: isolated copies of everything a test can change, side by side on one server."""

import asyncio

import pytest

from tests.conftest import BASIC, CC1, WORKED_EXAMPLE, cc_path, namespace_of

STATISTICS = cc_path(*CC1, "statistics")
REPORTING = cc_path(*CC1, "instance_statistics_reporting")
RANGE = {"statisticsRange": {"start": "2021-02-01T10:00:00Z", "end": "2021-02-01T11:00:00Z"}}


def ns(name: str) -> dict:
    return {"X-Apio-Sim-Namespace": name}


async def period(client, name: str | None = None) -> int:
    response = await client.get(REPORTING, headers=ns(name) if name else {})
    return (await response.json())["collectionPeriodMinutes"]


async def test_a_namespace_is_created_on_first_use_from_the_loaded_scenario(example):
    assert await period(example, "a") == 30
    names = (await (await example.get("/__sim/namespaces")).json())["namespaces"]
    assert [(n["name"], n["requests"], n["faults"], n["now"]) for n in names] == [
        ("default", 0, 0, "2021-02-01T12:00:00Z"),
        ("a", 1, 0, "2021-02-01T12:00:00Z"),
    ]


async def test_settings_faults_journal_and_clock_stay_in_their_namespace(example):
    await example.put(REPORTING, json={"collectionPeriodMinutes": 15}, headers=ns("a"))
    await example.post("/__sim/faults", json={"action": "http-503"}, headers=ns("b"))
    await example.put("/__sim/clock", json={"advance": "PT1H"}, headers=ns("a"))
    assert [await period(example, name) for name in (None, "a")] == [30, 15]
    assert (await example.get(STATISTICS, json=RANGE, headers=ns("b"))).status == 503
    assert (await example.get(STATISTICS, json=RANGE, headers=ns("a"))).status == 200
    clocks = {name: (await (await example.get("/__sim/clock", headers=ns(name))).json())["now"] for name in ("a", "b")}
    assert clocks == {"a": "2021-02-01T13:00:00Z", "b": "2021-02-01T12:00:00Z"}
    journals = {
        name: [
            e["endpoint"] for e in (await (await example.get("/__sim/requests", headers=ns(name))).json())["requests"]
        ]
        for name in ("default", "a", "b")
    }
    assert journals == {
        "default": ["reporting.get"],
        "a": ["reporting.put", "reporting.get", "statistics"],
        "b": ["statistics"],
    }


async def test_logins_stay_in_their_namespace(make_client):
    client = await make_client(login=None)
    login = {"username": "apio-admin", "password": "apio-admin"}
    await client.post("/api/v1/login/", json=login, headers=ns("a"))
    reporting = cc_path(*BASIC, "instance_statistics_reporting")
    assert (await client.get(reporting, headers=ns("a"))).status == 200
    assert (await client.get(reporting, headers=ns("b"))).status == 401
    assert (await client.get(reporting)).status == 401


async def test_reset_acts_on_one_namespace(example):
    await example.put(REPORTING, json={"collectionPeriodMinutes": 15}, headers=ns("a"))
    await example.put(REPORTING, json={"collectionPeriodMinutes": 60}, headers=ns("b"))
    response = await example.post("/__sim/reset", headers=ns("a"))
    assert await response.json() == {"reset": "a"}
    assert [await period(example, name) for name in ("a", "b")] == [30, 60]


async def test_two_namespaces_used_concurrently_never_see_each_other(example):
    async def worker(name: str, minutes: int) -> list[int]:
        seen = []
        for _ in range(20):
            await example.put(REPORTING, json={"collectionPeriodMinutes": minutes}, headers=ns(name))
            seen.append(await period(example, name))
        return seen

    a, b = await asyncio.gather(worker("a", 15), worker("b", 60))
    assert (set(a), set(b)) == ({15}, {60})
    assert await period(example) == 30


async def test_creating_a_namespace_copies_no_history(example):
    await period(example, "a")
    default, other = namespace_of(example), namespace_of(example, "a")
    key = next(iter(default.all_reporting()))
    assert other.scenario is default.scenario
    assert other.call_center(key).history is default.call_center(key).history


async def test_a_namespace_can_be_deleted(example):
    await example.put(REPORTING, json={"collectionPeriodMinutes": 15}, headers=ns("a"))
    response = await example.delete("/__sim/namespaces/a")
    assert (response.status, await response.json()) == (200, {"deleted": "a"})
    names = [n["name"] for n in (await (await example.get("/__sim/namespaces")).json())["namespaces"]]
    assert names == ["default"]
    assert await period(example, "a") == 30  # a new one, from the scenario


async def test_the_default_namespace_cannot_be_deleted(example):
    response = await example.delete("/__sim/namespaces/default")
    assert response.status == 400
    assert await response.json() == {
        "errors": [{"code": 2, "message": "The default namespace cannot be deleted; reset it instead."}]
    }


async def test_deleting_an_unknown_namespace_gets_404(example):
    response = await example.delete("/__sim/namespaces/nobody")
    assert (response.status, await response.json()) == (404, {"details": "Namespace nobody not found."})


@pytest.mark.parametrize("name", ["", "-a", "a b", "a/b", "x" * 65, "é"])
async def test_a_bad_namespace_name_is_refused(example, name):
    response = await example.get(REPORTING, headers={"X-Apio-Sim-Namespace": name})
    assert response.status == 400
    assert await response.json() == {
        "errors": [
            {
                "code": 2,
                "message": "X-Apio-Sim-Namespace must be 1 to 64 letters, digits, '.', '_', ':' or '-', "
                "starting with a letter or digit.",
            }
        ]
    }
    assert len((await (await example.get("/__sim/namespaces")).json())["namespaces"]) == 1


async def test_the_number_of_namespaces_is_bounded(make_client):
    client = await make_client(WORKED_EXAMPLE, max_namespaces=3)
    assert [(await client.get(REPORTING, headers=ns(n))).status for n in ("a", "b")] == [200, 200]
    refused = await client.get(REPORTING, headers=ns("c"))
    assert refused.status == 429
    assert await refused.json() == {
        "details": "Too many namespaces (at most 3); delete some with DELETE /__sim/namespaces/<name>."
    }
    await client.delete("/__sim/namespaces/a")
    assert (await client.get(REPORTING, headers=ns("c"))).status == 200


# Access to the control API


async def test_an_admin_token_guards_the_control_api_only(make_client):
    client = await make_client(WORKED_EXAMPLE, admin_token="s3cret")
    refused = await client.get("/__sim/health")
    assert refused.status == 401
    assert await refused.json() == {"details": "The control API needs 'Authorization: Bearer <admin token>'."}
    assert (await client.get("/__sim/health", headers={"Authorization": "Bearer wrong"})).status == 401
    assert (await client.post("/__sim/reset", headers={"Authorization": "Bearer s3cret"})).status == 200
    assert (await client.get(STATISTICS, json=RANGE)).status == 200


async def test_without_a_token_the_control_api_is_open(example):
    assert (await example.get("/__sim/health")).status == 200
