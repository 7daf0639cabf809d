"""BroadWorks-originated errors on demand: the oci-error action through the header, a rule and a scenario."""

import pytest
import yaml

from tests.conftest import CC1, WORKED_EXAMPLE, cc_path

STATISTICS = cc_path(*CC1, "statistics")
REPORTING = cc_path(*CC1, "instance_statistics_reporting")
RANGE = {"statisticsRange": {"start": "2021-02-01T10:00:00Z", "end": "2021-02-01T11:00:00Z"}}
GROUP_NOT_FOUND = {"error_code": 4008, "level": "Error", "summary": "Group not found: foogroup", "detail": ""}
TWO_ERRORS = {
    "type": "oci-error",
    "status": 409,
    "code": 7,
    "message": "BroadWorks refused the request.",
    "errors": [
        {"error_code": 4008, "summary": "Group not found: foogroup"},
        {"error_code": 6004, "level": "Warning", "summary": "Second", "detail": "more from BroadWorks"},
    ],
}
TWO_ERRORS_BODY = {
    "errors": [
        {
            "code": 7,
            "message": "BroadWorks refused the request.",
            "details": {
                "errors": {
                    "0": GROUP_NOT_FOUND,
                    "1": {
                        "error_code": 6004,
                        "level": "Warning",
                        "summary": "Second",
                        "detail": "more from BroadWorks",
                    },
                }
            },
        }
    ]
}


def oci_body(code: int, message: str, *errors: dict) -> dict:
    return {"errors": [{"code": code, "message": message, "details": {"errors": dict(enumerate_keys(errors))}}]}


def enumerate_keys(errors: tuple[dict, ...]):
    return ((str(i), error) for i, error in enumerate(errors))


def invalid(*messages: str) -> dict:
    return {"errors": [{"code": 2, "message": message} for message in messages]}


async def journal(client) -> list[dict]:
    return (await (await client.get("/__sim/requests")).json())["requests"]


async def test_the_compact_header_form_answers_a_400_with_the_oci_mapping(example):
    header = "oci-error;error_code=4008;summary=Group not found: foogroup"
    response = await example.get(STATISTICS, json=RANGE, headers={"X-Apio-Sim-Fault": header})
    assert response.status == 400
    assert await response.json() == oci_body(2, "Group not found: foogroup", GROUP_NOT_FOUND)
    [entry] = await journal(example)
    assert (entry["fault"], entry["status"]) == (header, 400)


async def test_the_header_names_status_code_message_level_and_detail_with_quotes_where_needed(example):
    header = (
        'oci-error; status=503; code=11; message="Busy; try later"; error_code=0; level=Warning;'
        ' summary="He said \\"no\\""; detail=x'
    )
    response = await example.get(STATISTICS, json=RANGE, headers={"X-Apio-Sim-Fault": header})
    assert response.status == 503
    error = {"error_code": 0, "level": "Warning", "summary": 'He said "no"', "detail": "x"}
    assert await response.json() == oci_body(11, "Busy; try later", error)


async def test_a_rule_with_the_object_form_answers_every_oci_error_in_order_and_changes_nothing(example):
    added = await example.post("/__sim/faults", json={"match": {"endpoint": "reporting.put"}, "action": TWO_ERRORS})
    assert added.status == 201
    assert (await added.json())["action"] == TWO_ERRORS
    response = await example.put(REPORTING, json={"collectionPeriodMinutes": 60})
    assert (response.status, await response.json()) == (409, TWO_ERRORS_BODY)
    settings = await (await example.get(REPORTING)).json()
    assert settings["collectionPeriodMinutes"] == 30
    entries = await journal(example)
    assert [(entry["endpoint"], entry["fault"]) for entry in entries] == [
        ("reporting.put", "oci-error"),
        ("reporting.get", None),
    ]


async def test_a_rule_with_the_string_form_and_the_export_keeps_each_form(example):
    text = "oci-error;error_code=4008;summary=Group not found: foogroup;status=404"
    for action in (text, TWO_ERRORS):
        assert (await example.post("/__sim/faults", json={"action": action, "times": 1})).status == 201
    first = await example.get(STATISTICS, json=RANGE)
    assert (first.status, await first.json()) == (404, oci_body(2, "Group not found: foogroup", GROUP_NOT_FOUND))
    exported = yaml.safe_load(await (await example.get("/__sim/scenario")).text())
    assert exported["faults"] == [{"match": {}, "action": TWO_ERRORS, "times": 1}]


async def test_a_scenario_brings_oci_errors_and_reset_restores_them(make_client):
    data = yaml.safe_load(WORKED_EXAMPLE.read_text())
    data["faults"] = [{"match": {"endpoint": "statistics"}, "action": TWO_ERRORS, "times": 1}]
    client = await make_client(data)
    first = await client.get(STATISTICS, json=RANGE)
    assert (first.status, await first.json()) == (409, TWO_ERRORS_BODY)
    assert (await client.get(STATISTICS, json=RANGE)).status == 200
    assert (await client.post("/__sim/reset")).status == 200
    assert (await client.get(STATISTICS, json=RANGE)).status == 409


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("oci-error", "oci-error needs error_code: e.g. oci-error;error_code=4008;summary=Group not found."),
        ("oci-error;error_code=1", "oci-error needs summary: e.g. oci-error;error_code=4008;summary=Group not found."),
        (
            "oci-error;error_code=1;summary=s;colour=red",
            "Unknown oci-error parameter 'colour': give error_code and summary, and if you like status, code,"
            " message, level and detail.",
        ),
        ("oci-error;error_code=1;summary=s;summary=t", "oci-error parameter 'summary' is given twice."),
        ("oci-error;error_code=-1;summary=s", "oci-error parameter error_code must be a whole number, not '-1'."),
        ("oci-error;error_code=1;summary=s;status=200", "oci-error status must be from 400 to 599, not 200."),
        ("oci-error;error_code=1;summary=s;level=Fatal", "An OCI error's level must be Warning or Error, not 'Fatal'."),
        ("oci-error;error_code=1;summary=", "An OCI error's summary must be text of 1 to 1000 characters."),
        (
            'oci-error;error_code=1;summary="unclosed',
            "oci-error takes ;name=value parameters (a value with ; in double quotes), not ';summary=\"unclosed'.",
        ),
    ],
)
async def test_a_bad_oci_header_is_refused_before_anything_happens(example, header, message):
    response = await example.put(REPORTING, json={"collectionPeriodMinutes": 60}, headers={"X-Apio-Sim-Fault": header})
    assert (response.status, await response.json()) == (400, invalid(f"X-Apio-Sim-Fault: {message}"))
    settings = await (await example.get(REPORTING)).json()
    assert settings["collectionPeriodMinutes"] == 30


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"type": "oci-error"}, "action.errors is required."),
        ({"type": "oci-error", "errors": []}, "action.errors: [] should be non-empty"),
        ({"type": "http-503", "errors": [GROUP_NOT_FOUND]}, 'action.type must be "oci-error".'),
        ({"type": "oci-error", "errors": [{"summary": "s"}]}, "action.errors[0].error_code is required."),
        ({"type": "oci-error", "status": 302, "errors": [GROUP_NOT_FOUND]}, "action.status must be 400 or more."),
        (
            {"type": "oci-error", "errors": [{**GROUP_NOT_FOUND, "level": "Fatal"}]},
            'action.errors[0].level must be one of "Warning", "Error".',
        ),
        ({"type": "oci-error", "errors": [GROUP_NOT_FOUND], "colour": 1}, "Unknown field: action.colour."),
        (
            "oci-error;error_code=4008",
            "action: oci-error needs summary: e.g. oci-error;error_code=4008;summary=Group not found.",
        ),
    ],
)
async def test_a_bad_oci_rule_is_refused_and_nothing_changes(example, action, message):
    response = await example.post("/__sim/faults", json={"action": action})
    assert (response.status, await response.json()) == (400, invalid(message))
    assert (await (await example.get("/__sim/faults")).json()) == {"faults": []}


async def test_a_scenario_with_a_bad_oci_action_is_refused_with_the_place(example):
    data = yaml.safe_load(WORKED_EXAMPLE.read_text())
    data["faults"] = [{"action": "oci-error;summary=s"}]
    response = await example.put("/__sim/scenario", json=data)
    assert response.status == 400
    assert await response.json() == invalid(
        "scenario: faults[0].action is refused: oci-error needs error_code:"
        " e.g. oci-error;error_code=4008;summary=Group not found."
    )
