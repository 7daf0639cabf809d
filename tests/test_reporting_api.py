"""GET and PUT .../instance_statistics_reporting/, through HTTP."""

import io
import json

import pytest

from tests.conftest import BASIC, CALL_CENTER_P, PREMIUM, cc_path

BASIC_REPORTING = cc_path(*BASIC, "instance_statistics_reporting")
PREMIUM_REPORTING = cc_path(*PREMIUM, "instance_statistics_reporting")
PREMIUM_SETTINGS = {
    "generateDailyReport": True,
    "collectionPeriodMinutes": 60,
    "reportingEmailAddress1": "apio_test_1@netaxis.be",
    "statisticsSource": "Application Server",
}


def invalid(*messages: str) -> dict:
    return {"errors": [{"code": 2, "message": message} for message in messages]}


async def get_settings(client, path=PREMIUM_REPORTING) -> dict:
    response = await client.get(path)
    assert response.status == 200
    return await response.json()


async def test_get_answers_the_documented_example(client):
    response = await client.get(BASIC_REPORTING)
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == {"generateDailyReport": False, "collectionPeriodMinutes": 30}


async def test_get_lists_optional_keys_only_when_set(client):
    assert await get_settings(client) == PREMIUM_SETTINGS


async def test_put_documented_example_answers_full_settings_and_keeps_them(client):
    body = {
        "generateDailyReport": False,
        "collectionPeriodMinutes": 30,
        "reportingEmailAddress1": "apio_test_1@netaxis.be",
        "reportingEmailAddress2": "apio_test_2@netaxis.be",
    }
    response = await client.put(PREMIUM_REPORTING, json=body)
    assert response.status == 200
    expected = {**body, "statisticsSource": "Application Server"}
    assert await response.json() == expected
    assert await get_settings(client) == expected


async def test_put_subset_keeps_omitted_fields(client):
    response = await client.put(PREMIUM_REPORTING, json={"collectionPeriodMinutes": 15})
    assert await response.json() == {**PREMIUM_SETTINGS, "collectionPeriodMinutes": 15}


async def test_put_empty_object_changes_nothing(client):
    response = await client.put(PREMIUM_REPORTING, json={})
    assert response.status == 200
    assert await response.json() == PREMIUM_SETTINGS


async def test_empty_email_address_deletes_it(client):
    response = await client.put(PREMIUM_REPORTING, json={"reportingEmailAddress1": ""})
    assert response.status == 200
    expected = {key: value for key, value in PREMIUM_SETTINGS.items() if key != "reportingEmailAddress1"}
    assert await response.json() == expected
    assert await get_settings(client) == expected


async def test_deleting_an_unset_email_address_is_harmless(client):
    response = await client.put(BASIC_REPORTING, json={"reportingEmailAddress2": ""})
    assert await response.json() == {"generateDailyReport": False, "collectionPeriodMinutes": 30}


@pytest.mark.parametrize("source", ["None", "Application Server", "External Reporting Server"])
async def test_every_statistics_source_is_taken(client, source):
    response = await client.put(BASIC_REPORTING, json={"statisticsSource": source})
    assert (await response.json())["statisticsSource"] == source


@pytest.mark.parametrize("period", [15, 30, 60])
async def test_every_collection_period_is_taken(client, period):
    response = await client.put(BASIC_REPORTING, json={"collectionPeriodMinutes": period})
    assert (await response.json())["collectionPeriodMinutes"] == period


async def test_an_email_address_of_80_characters_is_taken(client):
    address = "a" * 69 + "@netaxis.be"
    assert len(address) == 80
    response = await client.put(BASIC_REPORTING, json={"reportingEmailAddress1": address})
    assert (await response.json())["reportingEmailAddress1"] == address


async def test_changes_stay_with_their_call_center(client):
    await client.put(BASIC_REPORTING, json={"generateDailyReport": True})
    assert await get_settings(client) == PREMIUM_SETTINGS
    other = await get_settings(client, cc_path(*CALL_CENTER_P, "instance_statistics_reporting"))
    assert other["generateDailyReport"] is False


@pytest.mark.parametrize(
    ("body", "messages"),
    [
        ({"generateDailyReport": "yes"}, ["generateDailyReport must be a boolean."]),
        ({"generateDailyReport": 1}, ["generateDailyReport must be a boolean."]),
        ({"generateDailyReport": None}, ["generateDailyReport must be a boolean."]),
        ({"collectionPeriodMinutes": 45}, ["collectionPeriodMinutes must be one of 15, 30, 60."]),
        ({"collectionPeriodMinutes": 0}, ["collectionPeriodMinutes must be one of 15, 30, 60."]),
        ({"collectionPeriodMinutes": "30"}, ["collectionPeriodMinutes must be an integer."]),
        ({"collectionPeriodMinutes": 30.0}, ["collectionPeriodMinutes must be an integer."]),
        ({"collectionPeriodMinutes": True}, ["collectionPeriodMinutes must be an integer."]),
        ({"collectionPeriodMinutes": 10**30}, ["collectionPeriodMinutes must be one of 15, 30, 60."]),
        ({"reportingEmailAddress1": "a" * 81}, ["reportingEmailAddress1 must be at most 80 characters long."]),
        ({"reportingEmailAddress2": 5}, ["reportingEmailAddress2 must be a string."]),
        ({"reportingEmailAddress1": None}, ["reportingEmailAddress1 must be a string."]),
        (
            {"statisticsSource": "Call Center Reporting Server"},
            ['statisticsSource must be one of "None", "Application Server", "External Reporting Server".'],
        ),
        ({"statisticsSource": None}, ["statisticsSource must be a string."]),
        ({"enableReporting": True}, ["Unknown field: enableReporting."]),
        ({"b": 1, "a": 2}, ["Unknown field: a.", "Unknown field: b."]),
        (
            {"collectionPeriodMinutes": 45, "generateDailyReport": "no", "reportingEmailAddress1": "ok@x.be"},
            ["collectionPeriodMinutes must be one of 15, 30, 60.", "generateDailyReport must be a boolean."],
        ),
    ],
)
async def test_invalid_field_is_refused_and_nothing_changes(client, body, messages):
    response = await client.put(PREMIUM_REPORTING, json=body)
    assert response.status == 400
    assert await response.json() == invalid(*messages)
    assert await get_settings(client) == PREMIUM_SETTINGS


async def test_a_field_given_twice_is_refused(client):
    response = await client.put(
        PREMIUM_REPORTING, data=b'{"collectionPeriodMinutes": 15, "collectionPeriodMinutes": 60}'
    )
    assert response.status == 400
    assert await response.json() == invalid("Duplicate field: collectionPeriodMinutes.")
    assert await get_settings(client) == PREMIUM_SETTINGS


NOT_AN_OBJECT = {"details": "The request body must be a JSON object."}
NOT_JSON = {"details": "The request body is not valid JSON."}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", NOT_AN_OBJECT),
        (b"   \n", NOT_AN_OBJECT),
        (b"[]", NOT_AN_OBJECT),
        (b'[{"collectionPeriodMinutes": 15}]', NOT_AN_OBJECT),
        (b'"collectionPeriodMinutes"', NOT_AN_OBJECT),
        (b"15", NOT_AN_OBJECT),
        (b"null", NOT_AN_OBJECT),
        (b"true", NOT_AN_OBJECT),
        (b'{"collectionPeriodMinutes": 15', NOT_JSON),
        (b"collectionPeriodMinutes=15", NOT_JSON),
        (b'{"collectionPeriodMinutes": NaN}', NOT_JSON),
        (b'{"collectionPeriodMinutes": Infinity}', NOT_JSON),
        (b'{"reportingEmailAddress1": "\xff\xfe"}', NOT_JSON),
        (b'{"a": ' * 100_000 + b"1" + b"}" * 100_000, NOT_JSON),
        (b"{'collectionPeriodMinutes': 15}", NOT_JSON),
    ],
)
async def test_a_body_that_is_not_a_json_object_gets_416(client, raw, expected):
    response = await client.put(PREMIUM_REPORTING, data=raw, headers={"Content-Type": "application/json"})
    assert response.status == 416
    assert await response.json() == expected
    assert await get_settings(client) == PREMIUM_SETTINGS


async def test_a_body_in_utf16_is_read_as_json(client):
    raw = json.dumps({"collectionPeriodMinutes": 15}).encode("utf-16")
    response = await client.put(PREMIUM_REPORTING, data=raw)
    assert response.status == 200
    assert (await response.json())["collectionPeriodMinutes"] == 15


async def test_a_body_over_the_limit_gets_413(make_client):
    client = await make_client(max_body_bytes=1024)
    response = await client.put(PREMIUM_REPORTING, json={"reportingEmailAddress1": "a" * 2000})
    assert response.status == 413
    assert await response.json() == {"details": "The request body is larger than 1024 bytes."}
    assert await get_settings(client) == PREMIUM_SETTINGS


async def test_the_default_body_limit_is_one_mebibyte(client):
    response = await client.put(PREMIUM_REPORTING, data=io.BytesIO(b" " * (1024 * 1024 + 1)))
    assert response.status == 413
    assert await response.json() == {"details": "The request body is larger than 1048576 bytes."}


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (("nope", "foogroup", "APIOTestCCBasic@sip.netaxis.be"), "Tenant nope not found."),
        (("foo", "nogroup", "APIOTestCCBasic@sip.netaxis.be"), "Group nogroup not found in tenant foo."),
        (("foo", "foogroup", "Nope@sip.netaxis.be"), "Call center Nope@sip.netaxis.be not found in group foogroup."),
        (
            ("footenant", "foogroup", "APIOTestCCBasic@sip.netaxis.be"),
            "Call center APIOTestCCBasic@sip.netaxis.be not found in group foogroup.",
        ),
        (
            ("foo", "foogroup", "ApioUserFoo1@sip.netaxis.be"),
            "Call center ApioUserFoo1@sip.netaxis.be not found in group foogroup.",
        ),
    ],
)
@pytest.mark.parametrize("method", ["GET", "PUT"])
async def test_unknown_tenant_group_or_call_center_gets_404(client, where, message, method):
    response = await client.request(method, cc_path(*where, "instance_statistics_reporting"), json={"x": 1})
    assert response.status == 404
    assert await response.json() == {"details": message}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tenants/foo/groups/foogroup/services/call_centers/APIOTestCCPremium@sip.netaxis.be/instance_statistics_reporting/",
        "/api/v1/tenants/foo/groups/foogroup/services/call_centers/APIOTestCCPremium@sip.netaxis.be/instance_statistics_reporting",
        "/api/v1/tenants/foo/groups/foogroup/services/call_centers/APIOTestCCPremium%40sip.netaxis.be/instance_statistics_reporting/",
        "/api/v1/tenants/foo/groups/foogroup/services/call_centers/APIOTestCCPremium%40sip.netaxis.be/instance_statistics_reporting",
        "/api/v1/tenants/%66oo/groups/foogroup/services/call_centers/APIOTestCCPremium%40sip%2Enetaxis.be/instance_statistics_reporting",
    ],
)
async def test_trailing_slash_and_percent_encoding_reach_the_same_call_center(client, path):
    response = await client.put(path, json={"collectionPeriodMinutes": 15})
    assert response.status == 200
    assert (await get_settings(client))["collectionPeriodMinutes"] == 15


@pytest.mark.parametrize("method", ["POST", "DELETE", "PATCH"])
async def test_other_methods_get_405(client, method):
    response = await client.request(method, PREMIUM_REPORTING, json={"collectionPeriodMinutes": 15})
    assert response.status == 405
    assert response.headers["Allow"] == "GET, PUT"
    assert await response.json() == {"details": f"Method {method} is not allowed on {PREMIUM_REPORTING}"}
    assert await get_settings(client) == PREMIUM_SETTINGS


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/v1/tenants/foo/",
        "/api/v1/tenants/foo/groups/foogroup/services/call_centers/APIOTestCCBasic@sip.netaxis.be/nothing/",
        "/api/v1/tenants/foo/groups/foogroup/services/call_centers/APIOTestCCBasic@sip.netaxis.be/instance_statistics_reporting//",
        "/api/v1/tenants/foo/groups/foogroup/services/call_centers/APIOTestCCBasic@sip.netaxis.be/statisticsx",
    ],
)
async def test_an_unknown_endpoint_gets_a_json_404(client, path):
    response = await client.get(path)
    assert response.status == 404
    assert response.content_type == "application/json"
    assert await response.json() == {"details": f"No such endpoint: {path}"}
