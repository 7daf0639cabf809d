"""Scenario files: what loads, and the exact messages for what does not."""

import copy
import json
from pathlib import Path

import pytest
import yaml

from simulator.cli import main
from simulator.instants import parse_instant
from simulator.model import Outcome
from simulator.resources import scenarios_dir
from simulator.scenario import ScenarioError, load_scenario, parse_scenario
from tests.conftest import DEFAULT_SCENARIO, WORKED_EXAMPLE

DATE_TIME = (
    "must be an ISO 8601 date-time with seconds and an offset, such as 2021-03-01T00:00:00+01:00"
    " or 2021-03-01T00:00:00Z."
)

CC = "tenants[0].groups[0].callCenters[0]"


def base() -> dict:
    """A small valid scenario to break in one place at a time."""
    return {
        "tenants": [
            {
                "id": "t",
                "groups": [
                    {
                        "id": "g",
                        "users": [
                            {"userId": "a@x.test", "firstName": "Ann", "lastName": "A"},
                            {"userId": "b@x.test", "firstName": "Ben", "lastName": "B"},
                        ],
                        "callCenters": [
                            {
                                "id": "cc@x.test",
                                "agents": ["a@x.test"],
                                "calls": [
                                    {
                                        "arrivedAt": "2021-02-01T10:00:00Z",
                                        "outcome": "answered",
                                        "waitSeconds": 5,
                                        "agent": "a@x.test",
                                        "talkSeconds": 60,
                                    }
                                ],
                                "agentSessions": [{"agent": "a@x.test", "from": "2021-02-01T08:00:00Z"}],
                            }
                        ],
                    }
                ],
            }
        ]
    }


def messages_of(data: dict) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data, "s.yaml")
    return caught.value.messages


def call_center(data: dict) -> dict:
    return data["tenants"][0]["groups"][0]["callCenters"][0]


def test_the_shipped_scenarios_load():
    default = load_scenario(DEFAULT_SCENARIO)
    assert default.name == "default"
    busy = load_scenario(scenarios_dir() / "busy-call-center.yaml")
    assert len(busy.tenants["acme"].groups["support"].call_centers["support@acme.example"].history) > 50_000
    assert default.frozen_now is None
    assert {(t, g) for t, tenant in default.tenants.items() for g in tenant.groups} == {
        ("foo", "foogroup"),
        ("footenant", "foogroup"),
        ("live", "livegroup"),
    }
    example = load_scenario(WORKED_EXAMPLE)
    assert example.frozen_now == parse_instant("2021-02-01T12:00:00Z")


def test_the_small_scenario_builds_the_model():
    scenario = parse_scenario(base(), "s.yaml", default_name="small")
    cc = scenario.tenants["t"].groups["g"].call_centers["cc@x.test"]
    assert scenario.name == "small"
    assert [agent.first_name for agent in cc.agents] == ["Ann"]
    assert cc.calls[0].outcome is Outcome.ANSWERED
    assert cc.calls[0].outcome_at == parse_instant("2021-02-01T10:00:05Z")
    assert cc.reporting.collection_period_minutes == 30
    assert cc.type == "Basic"


def test_calls_are_kept_in_arrival_order():
    data = base()
    call_center(data)["calls"].insert(0, {"arrivedAt": "2021-02-01T11:00:00Z", "outcome": "busyOverflow"})
    cc = parse_scenario(data, "s").tenants["t"].groups["g"].call_centers["cc@x.test"]
    assert [call.outcome for call in cc.calls] == [Outcome.ANSWERED, Outcome.BUSY_OVERFLOW]


def broken(change) -> dict:
    data = copy.deepcopy(base())
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("tenants"), ["s.yaml: tenants is required."]),
        (
            lambda d: d.update(tenant=d.pop("tenants")),
            ["s.yaml: Unknown field: tenant.", "s.yaml: tenants is required."],
        ),
        (
            lambda d: call_center(d)["calls"][0].update(outcome="answerd"),
            [
                f"s.yaml: {CC}.calls[0].outcome must be one of "
                '"answered", "abandoned", "transferred", "timedOut", "busyOverflow".'
            ],
        ),
        (
            lambda d: call_center(d)["calls"][0].pop("agent"),
            [f"s.yaml: {CC}.calls[0].agent is required."],
        ),
        (
            lambda d: call_center(d)["calls"].append(
                {"arrivedAt": "2021-02-01T10:00:00Z", "outcome": "busyOverflow", "waitSeconds": 3}
            ),
            [f"s.yaml: {CC}.calls[1].waitSeconds is not allowed here."],
        ),
        (
            lambda d: call_center(d)["calls"].append(
                {"arrivedAt": "2021-02-01T10:00:00Z", "outcome": "abandoned", "agent": "a@x.test", "waitSeconds": 3}
            ),
            [f"s.yaml: {CC}.calls[1].agent is not allowed here."],
        ),
        (
            lambda d: call_center(d)["calls"][0].update(arrivedAt="2021-02-01 10:00"),
            [f"s.yaml: {CC}.calls[0].arrivedAt {DATE_TIME}"],
        ),
        (
            lambda d: call_center(d)["calls"][0].update(waitSeconds=-1),
            [f"s.yaml: {CC}.calls[0].waitSeconds must be 0 or more."],
        ),
        (
            lambda d: call_center(d)["calls"][0].update(talkSeconds=1.5),
            [f"s.yaml: {CC}.calls[0].talkSeconds must be an integer."],
        ),
        (
            lambda d: call_center(d).update(type="Gold"),
            [f's.yaml: {CC}.type must be one of "Basic", "Standard", "Premium".'],
        ),
        (
            lambda d: call_center(d).update(reporting={"generateDailyReport": False, "collectionPeriodMinutes": 20}),
            [f"s.yaml: {CC}.reporting.collectionPeriodMinutes must be one of 15, 30, 60."],
        ),
        (
            lambda d: d.update(clock={"now": "2021-02-01T10:00:00"}),
            [f"s.yaml: clock.now {DATE_TIME}"],
        ),
    ],
)
def test_schema_errors_name_the_file_and_the_place(change, expected):
    assert messages_of(broken(change)) == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: call_center(d)["calls"][0].update(agent="b@x.test"),
            [f"s.yaml: {CC}.calls[0].agent names 'b@x.test', who is not an agent of this call center."],
        ),
        (
            lambda d: call_center(d)["calls"][0].update(unansweredBy=["a@x.test", "nobody@x.test"]),
            [f"s.yaml: {CC}.calls[0].unansweredBy[1] names 'nobody@x.test', who is not an agent of this call center."],
        ),
        (
            lambda d: call_center(d)["agents"].append("stranger@x.test"),
            [f"s.yaml: {CC}.agents[1] names 'stranger@x.test', who is not a user of this tenant."],
        ),
        (
            lambda d: call_center(d)["agents"].append("a@x.test"),
            [f"s.yaml: {CC}.agents[1] lists 'a@x.test' twice."],
        ),
        (
            lambda d: call_center(d)["agentSessions"][0].update(agent="b@x.test"),
            [f"s.yaml: {CC}.agentSessions[0].agent names 'b@x.test', who is not an agent of this call center."],
        ),
        (
            lambda d: call_center(d)["agentSessions"][0].update(to="2021-02-01T08:00:00Z"),
            [f"s.yaml: {CC}.agentSessions[0].to must be later than from."],
        ),
        (
            lambda d: call_center(d)["agentSessions"].append({"agent": "a@x.test", "from": "2021-03-01T08:00:00Z"}),
            [f"s.yaml: {CC}.agentSessions[1] overlaps {CC}.agentSessions[0] of the same agent."],
        ),
        (
            lambda d: call_center(d)["calls"][0].update(arrivedAt="2021-02-29T10:00:00Z"),
            [f"s.yaml: {CC}.calls[0].arrivedAt is not a real date-time: '2021-02-29T10:00:00Z'."],
        ),
        (
            lambda d: d["tenants"].append({"id": "t"}),
            ["s.yaml: tenants[1].id repeats the tenant id 't'."],
        ),
        (
            lambda d: d["tenants"][0]["groups"].append({"id": "g"}),
            ["s.yaml: tenants[0].groups[1].id repeats the group id 'g'."],
        ),
        (
            lambda d: d["tenants"].append(
                {
                    "id": "t2",
                    "groups": [{"id": "g", "users": [{"userId": "cc@x.test", "firstName": "C", "lastName": "C"}]}],
                }
            ),
            [f"s.yaml: tenants[1].groups[0].users[0].userId repeats the user id 'cc@x.test' of {CC}.id."],
        ),
    ],
)
def test_reference_errors_name_the_file_and_the_place(change, expected):
    assert messages_of(broken(change)) == expected


def test_overlaps_hidden_behind_a_long_session_are_found():
    data = base()
    call_center(data)["agentSessions"] = [
        {"agent": "a@x.test", "from": "2021-02-01T08:00:00Z", "to": "2021-02-01T18:00:00Z"},
        {"agent": "a@x.test", "from": "2021-02-01T09:00:00Z", "to": "2021-02-01T10:00:00Z"},
        {"agent": "a@x.test", "from": "2021-02-01T11:00:00Z", "to": "2021-02-01T12:00:00Z"},
    ]
    assert messages_of(data) == [
        f"s.yaml: {CC}.agentSessions[1] overlaps {CC}.agentSessions[0] of the same agent.",
        f"s.yaml: {CC}.agentSessions[2] overlaps {CC}.agentSessions[0] of the same agent.",
    ]


def test_back_to_back_sessions_do_not_overlap():
    data = base()
    call_center(data)["agentSessions"] = [
        {"agent": "a@x.test", "from": "2021-02-01T08:00:00Z", "to": "2021-02-01T12:00:00Z"},
        {"agent": "a@x.test", "from": "2021-02-01T12:00:00Z"},
    ]
    parse_scenario(data, "s")


def test_every_problem_is_reported_at_once():
    data = base()
    call_center(data)["calls"][0].update(agent="b@x.test")
    call_center(data)["agents"].append("stranger@x.test")
    assert len(messages_of(data)) == 2


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_unquoted_yaml_date_times_stay_date_times(tmp_path):
    text = yaml.safe_dump(base()).replace("'2021-02-01T10:00:00Z'", "2021-02-01T10:00:00Z")
    assert "arrivedAt: 2021-02-01T10:00:00Z" in text
    cc = load_scenario(write(tmp_path, "s.yaml", text)).tenants["t"].groups["g"].call_centers["cc@x.test"]
    assert cc.calls[0].arrived_at == parse_instant("2021-02-01T10:00:00Z")


def test_a_json_scenario_loads(tmp_path):
    scenario = load_scenario(write(tmp_path, "s.json", json.dumps(base())))
    assert scenario.name == "s"


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path):
    path = write(tmp_path, "bad.yaml", "tenants:\n  - id: t\n    groups: [\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    [message] = caught.value.messages
    assert message.startswith(f"{path}: not valid YAML or JSON: ")
    assert "line 4" in message


def test_a_key_given_twice_in_yaml_is_refused(tmp_path):
    path = write(tmp_path, "dup.yaml", "tenants: []\nname: a\nname: b\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.messages == [f"{path}: not valid YAML or JSON: line 3: duplicate key 'name'"]


def test_a_key_given_twice_in_json_is_refused(tmp_path):
    path = write(tmp_path, "dup.json", '{"tenants": [], "tenants": []}')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.messages == [f"{path}: not valid YAML or JSON: duplicate key 'tenants'"]


@pytest.mark.parametrize("text", ["", "[]", "just text", "42"])
def test_a_document_that_is_not_a_mapping_is_refused(tmp_path, text):
    path = write(tmp_path, "s.yaml", text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.messages == [f"{path}: The scenario must be an object."]


def test_a_missing_file_is_refused(tmp_path):
    path = tmp_path / "missing.yaml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    [message] = caught.value.messages
    assert message.startswith(f"{path}: cannot be read: ")


def test_validate_command_accepts_good_files(capsys):
    assert main(["validate", str(DEFAULT_SCENARIO), str(WORKED_EXAMPLE)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{DEFAULT_SCENARIO}: ok (4 call centers, 90 calls, 1 with live traffic)",
        f"{WORKED_EXAMPLE}: ok (1 call center, 5 calls)",
    ]


def test_validate_command_reports_every_problem_and_fails(tmp_path, capsys):
    data = base()
    call_center(data)["calls"][0].update(outcome="lost")
    path = write(tmp_path, "bad.yaml", yaml.safe_dump(data))
    assert main(["validate", str(DEFAULT_SCENARIO), str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f'{path}: {CC}.calls[0].outcome must be one of "answered", "abandoned", "transferred", "timedOut", '
        '"busyOverflow".'
    ]
    assert captured.out.splitlines() == [f"{DEFAULT_SCENARIO}: ok (4 call centers, 90 calls, 1 with live traffic)"]


def with_api_users(*users: dict, resellers: list | None = None, auth=None) -> dict:
    data = base()
    data["apiUsers"] = list(users)
    if resellers is not None:
        data["resellers"] = resellers
    if auth is not None:
        data["auth"] = auth
    return data


def test_api_users_and_resellers_build_the_model():
    scenario = parse_scenario(
        with_api_users(
            {"username": "admin", "password": "pw", "level": "system", "reseller": "r"},
            {"username": "end", "password": "pw", "level": "user", "tenant": "t", "group": "g", "userId": "a@x.test"},
            resellers=[{"id": "r", "tenants": ["t"], "groups": [{"tenant": "t", "group": "g"}]}],
            auth={"sessionMinutes": 5, "resellerTenantCheck": True},
        ),
        "s",
    )
    admin = scenario.api_users["admin"]
    assert admin.level == 16
    assert admin.reseller.groups == frozenset({("t", "g")})
    assert scenario.api_users["end"].user_id == "a@x.test"
    assert (scenario.auth.enabled, scenario.auth.session_minutes, scenario.auth.reseller_tenant_check) == (
        True,
        5,
        True,
    )
    assert scenario.auth.access_token_minutes == 15


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        (
            with_api_users({"username": "u", "password": "p", "level": "group", "tenant": "t"}),
            ["s.yaml: apiUsers[0].group is required."],
        ),
        (
            with_api_users({"username": "u", "password": "p", "level": "user", "tenant": "t", "group": "g"}),
            ["s.yaml: apiUsers[0].userId is required."],
        ),
        (
            with_api_users({"username": "u", "password": "p", "level": "system", "tenant": "t"}),
            ["s.yaml: apiUsers[0].tenant is not allowed here."],
        ),
        (
            with_api_users({"username": "u", "password": "p", "level": "admin"}),
            ['s.yaml: apiUsers[0].level must be one of "user", "department", "group", "tenant", "system".'],
        ),
        (
            with_api_users(
                {"username": "u", "password": "p", "level": "group", "tenant": "t", "group": "g", "reseller": "r"}
            ),
            ["s.yaml: apiUsers[0].reseller is not allowed here."],
        ),
        (
            with_api_users(auth={"sessionMinutes": 0}),
            ["s.yaml: auth.sessionMinutes must be 1 or more."],
        ),
        (
            with_api_users(auth="maybe"),
            ["s.yaml: auth must be a boolean."],
        ),
    ],
)
def test_api_user_schema_errors(scenario, expected):
    assert messages_of(scenario) == expected


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        (
            with_api_users({"username": "u", "password": "p", "level": "tenant", "tenant": "nope"}),
            ["s.yaml: apiUsers[0] names the tenant 'nope', which is not declared."],
        ),
        (
            with_api_users({"username": "u", "password": "p", "level": "group", "tenant": "t", "group": "nope"}),
            ["s.yaml: apiUsers[0] names the group 'nope', which is not declared in tenant 't'."],
        ),
        (
            with_api_users(
                {"username": "u", "password": "p", "level": "user", "tenant": "t", "group": "g", "userId": "z@x.test"}
            ),
            ["s.yaml: apiUsers[0].userId names 'z@x.test', who is not a user of this group."],
        ),
        (
            with_api_users({"username": "u", "password": "p", "level": "system", "reseller": "r9"}),
            ["s.yaml: apiUsers[0].reseller names the reseller 'r9', which is not declared."],
        ),
        (
            with_api_users(
                {"username": "u", "password": "p", "level": "system"},
                {"username": "u", "password": "q", "level": "system"},
            ),
            ["s.yaml: apiUsers[1].username repeats the username 'u'."],
        ),
        (
            with_api_users(resellers=[{"id": "r", "tenants": ["t", "t9"], "groups": [{"tenant": "t", "group": "g9"}]}]),
            [
                "s.yaml: resellers[0].tenants[1] names the tenant 't9', which is not declared.",
                "s.yaml: resellers[0].groups[0] names the group 'g9', which is not declared in tenant 't'.",
            ],
        ),
        (
            with_api_users(resellers=[{"id": "r"}, {"id": "r"}]),
            ["s.yaml: resellers[1].id repeats the reseller id 'r'."],
        ),
    ],
)
def test_api_user_reference_errors(scenario, expected):
    assert messages_of(scenario) == expected


WHOLE_FLOATS = """\
seed: 3.0
auth: false
clock: {now: "2021-02-01T12:00:00Z"}
tenants:
  - id: t
    groups:
      - id: g
        callCenters:
          - id: cc@x.test
            reporting: {generateDailyReport: false, collectionPeriodMinutes: 15.0}
"""


async def test_whole_numbers_written_as_floats_are_read_as_integers(make_client, tmp_path):
    # 15.0 is how some YAML and JSON writers spell 15; the API answers the integer BroadWorks would.
    path = tmp_path / "floats.yaml"
    path.write_text(WHOLE_FLOATS)
    assert main(["validate", str(path)]) == 0
    scenario = load_scenario(path)
    assert scenario.seed == 3
    assert scenario.document["tenants"][0]["groups"][0]["callCenters"][0]["reporting"]["collectionPeriodMinutes"] == 15
    assert scenario.content_hash == load_scenario_text(tmp_path, WHOLE_FLOATS.replace(".0", "")).content_hash
    client = await make_client(path)
    url = "/api/v1/tenants/t/groups/g/services/call_centers/cc@x.test/instance_statistics_reporting/"
    response = await client.get(url)
    assert (response.status, await response.json()) == (
        200,
        {"generateDailyReport": False, "collectionPeriodMinutes": 15},
    )
    response = await client.put(url, json={"generateDailyReport": True})
    assert (response.status, await response.json()) == (
        200,
        {"generateDailyReport": True, "collectionPeriodMinutes": 15},
    )
    # The API itself stays as strict as BroadWorks: a request's 30.0 is no integer.
    response = await client.put(url, json={"collectionPeriodMinutes": 30.0})
    assert (response.status, await response.json()) == (
        400,
        {"errors": [{"code": 2, "message": "collectionPeriodMinutes must be an integer."}]},
    )


def test_a_fractional_number_is_still_no_integer_in_a_scenario():
    data = base()
    call_center(data)["reporting"] = {"generateDailyReport": False, "collectionPeriodMinutes": 15.5}
    assert messages_of(data) == [f"s.yaml: {CC}.reporting.collectionPeriodMinutes must be an integer."]


def load_scenario_text(directory: Path, text: str):
    path = directory / "other.yaml"
    path.write_text(text)
    return load_scenario(path)
