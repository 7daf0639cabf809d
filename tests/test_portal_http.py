"""APIO portals over HTTP: APIO core's session surface, the gateways' proxy prefixes, the call-center reads,
logout's `sign`, CORS with credentials, and a portal's whole start-up replayed against the default scenario."""

import copy

import pytest
import yaml

from simulator.portal import logout_signature
from simulator.schemas import SchemaStore
from tests.conftest import DEFAULT_SCENARIO

STORE = SchemaStore()
NO_RIGHTS = {"details": "You do not have the rights to access this resource."}
NO_TOKEN = {"error": "Authorization header is missing."}
BAD_TOKEN = {"error": "Invalid or expired token."}
RANGE = {"statisticsRange": {"start": "2021-03-01T00:00:00+01:00", "end": "2021-03-06T00:00:00+01:00"}}
FOO = "/tenants/foo/groups/foogroup"
BASIC = FOO + "/services/call_centers/APIOTestCCBasic@sip.netaxis.be"
P_GROUP = "/tenants/footenant/groups/foogroup"
P = P_GROUP + "/services/call_centers/APIOTestCallCenterP@sip.netaxis.be"
DEFAULT_GATEWAYS = {"gateways": [{"name": "APIO", "prefix": "/api/v01/p1"}]}


def checked(schema: str, body: object) -> object:
    """`body`, after asserting it keeps to `schema`: every answer of these tests is shape-checked too."""
    assert STORE.problems(schema, body) == [], body
    return body


async def core_login(client, username: str) -> dict:
    response = await client.post("/api/v01/auth/login", json={"username": username, "password": username})
    assert response.status == 200, await response.text()
    return checked("core-login-answer", await response.json())


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": "Bearer " + tokens["access_token"]}


def with_gateways(*gateways: dict) -> dict:
    data = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    data["gateways"] = list(gateways)
    return data


# APIO core's session surface.


async def test_the_public_configuration_needs_no_login(make_client):
    client = await make_client(login=None)
    response = await client.get("/api/v01/system/configuration/public")
    assert response.status == 200
    assert checked("core-public-configuration", await response.json()) == {
        "password": {
            "digits": False,
            "duplicate_limit": 0,
            "min_length": 1,
            "min_entropy": 0,
            "uppercase": False,
            "special_chars": False,
        },
        "auth": {"SSO": []},
        "gui": {"prod": False, "modules": ["provisioning"]},
        **DEFAULT_GATEWAYS,
    }


async def test_core_health_needs_no_login(make_client):
    client = await make_client(login=None)
    response = await client.get("/api/v01/health")
    assert response.status == 200
    assert checked("core-health", await response.json()) == {"status": "OK", "demo": False}


async def test_the_login_answer_has_the_documented_fields(make_client):
    client = await make_client(login=None)
    tokens = await core_login(client, "foogroup-admin")
    assert {key: value for key, value in tokens.items() if not key.endswith("_token")} == {
        "ui_profile": "admin",
        "email_set": False,
        "ids": {"tenant_id": "foo", "group_id": "foogroup"},
    }


async def test_the_local_user_is_the_tokens_own(make_client):
    client = await make_client(login=None)
    response = await client.get(
        "/api/v01/system/users/local", headers=bearer(await core_login(client, "foogroup-admin"))
    )
    assert response.status == 200
    assert checked("core-local-user", await response.json()) == {
        "id": 3,
        "username": "foogroup-admin",
        "email": "",
        "is_system": False,
        "ui_profile": "admin",
        "ui_data": {},
        "groups": [],
        "language": "en",
        "local_user": True,
        "support_reset_password": False,
        "need_password_change": False,
        "modules": ["provisioning"],
        "profile": {"user_level": 8, "api_rules": []},
        "roles": [],
        "passkeys": [],
        "properties": {},
        "two_fa_option": "none",
        "admin_of": [{"type": "group", "level": "Group", "tenant_id": "foo", "group_id": "foogroup"}],
    }


@pytest.mark.parametrize(
    ("username", "profile", "admin_of"),
    [
        ("apio-admin", "system", [{"type": "system", "level": "System"}]),
        ("foo-admin", "admin", [{"type": "tenant", "level": "Tenant", "tenant_id": "foo"}]),
        ("agent1", "user", []),
    ],
)
async def test_the_local_user_of_each_level(make_client, username, profile, admin_of):
    client = await make_client(login=None)
    response = await client.get("/api/v01/system/users/local", headers=bearer(await core_login(client, username)))
    body = checked("core-local-user", await response.json())
    assert (body["username"], body["ui_profile"], body["admin_of"]) == (username, profile, admin_of)


@pytest.mark.parametrize("path", ["/api/v01/system/users/local", "/api/v01/apio/provisioning/gateways"])
@pytest.mark.parametrize("auth", [True, False])
async def test_the_user_reads_need_a_valid_access_token(make_client, path, auth):
    client = await make_client(login=None, auth=auth)
    missing = await client.get(path)
    assert (missing.status, await missing.json()) == (401, NO_TOKEN)
    wrong = await client.get(path, headers={"Authorization": "Bearer nope"})
    assert (wrong.status, await wrong.json()) == (401, BAD_TOKEN)
    tokens = await core_login(client, "agent1")
    refresh_as_access = await client.get(path, headers={"Authorization": "Bearer " + tokens["refresh_token"]})
    assert (refresh_as_access.status, await refresh_as_access.json()) == (401, BAD_TOKEN)


async def test_the_gateways_of_the_default_scenario(make_client):
    client = await make_client(login=None)
    response = await client.get(
        "/api/v01/apio/provisioning/gateways", headers=bearer(await core_login(client, "agent1"))
    )
    assert response.status == 200
    assert checked("core-gateways", await response.json()) == DEFAULT_GATEWAYS


async def test_a_scenarios_gateways_are_listed_in_its_order(make_client):
    client = await make_client(with_gateways({"name": "Brussels", "prefix": 5}, {"name": "Backup", "prefix": 2}))
    response = await client.get(
        "/api/v01/apio/provisioning/gateways", headers=bearer(await core_login(client, "agent1"))
    )
    assert await response.json() == {
        "gateways": [{"name": "Brussels", "prefix": "/api/v01/p5"}, {"name": "Backup", "prefix": "/api/v01/p2"}]
    }


# Logging out, with the `sign` query.


async def refresh_status(client, tokens: dict) -> int:
    response = await client.get(
        "/api/v01/auth/access_token", headers={"Authorization": "Bearer " + tokens["refresh_token"]}
    )
    return response.status


async def test_a_sign_alone_ends_the_login_it_names(make_client):
    client = await make_client(login=None)
    tokens, other = await core_login(client, "agent1"), await core_login(client, "agent1")
    response = await client.get("/api/v01/auth/logout", params={"sign": logout_signature(tokens["refresh_token"])})
    assert (response.status, await response.json()) == (200, {})
    assert await refresh_status(client, tokens) == 401
    assert (await client.get("/api/v01/system/users/local", headers=bearer(tokens))).status == 401
    assert await refresh_status(client, other) == 200  # another login of the same user lives on


async def test_a_sign_is_read_in_any_case_and_a_bad_header_beside_it_changes_nothing(make_client):
    client = await make_client(login=None)
    tokens, other = await core_login(client, "agent1"), await core_login(client, "agent1")
    sign = logout_signature(tokens["refresh_token"]).upper().replace("SHA1:", "sha1:")
    response = await client.get("/api/v01/auth/logout", params={"sign": sign}, headers={"Authorization": "Basic x"})
    assert (response.status, await response.json()) == (200, {})
    assert await refresh_status(client, tokens) == 401
    assert await refresh_status(client, other) == 200


async def test_a_sign_and_the_access_token_of_another_login_end_both(make_client):
    client = await make_client(login=None)
    tokens, other = await core_login(client, "agent1"), await core_login(client, "foo-admin")
    sign = logout_signature(tokens["refresh_token"])
    response = await client.get("/api/v01/auth/logout", params={"sign": sign}, headers=bearer(other))
    assert (response.status, await response.json()) == (200, {})
    assert (await refresh_status(client, tokens), await refresh_status(client, other)) == (401, 401)


@pytest.mark.parametrize("sign", ["sha1:" + "0" * 40, "", "nonsense"])
async def test_a_sign_that_names_no_login_is_ignored(make_client, sign):
    client = await make_client(login=None)
    tokens = await core_login(client, "agent1")
    alone = await client.get("/api/v01/auth/logout", params={"sign": sign})
    assert (alone.status, await alone.json()) == (401, NO_TOKEN)
    assert await refresh_status(client, tokens) == 200  # nothing ended
    with_token = await client.get("/api/v01/auth/logout", params={"sign": sign}, headers=bearer(tokens))
    assert (with_token.status, await with_token.json()) == (200, {})
    assert await refresh_status(client, tokens) == 401


async def test_the_sign_of_an_ended_login_is_refused(make_client):
    client = await make_client(login=None)
    tokens = await core_login(client, "agent1")
    sign = logout_signature(tokens["refresh_token"])
    assert (await client.get("/api/v01/auth/logout", params={"sign": sign})).status == 200
    again = await client.get("/api/v01/auth/logout", params={"sign": sign})
    assert (again.status, await again.json()) == (401, NO_TOKEN)


# Gateways and prefixes.

STATISTICS = P + "/statistics/"


async def test_every_declared_prefix_and_the_sync_prefix_serve_the_api(make_client):
    client = await make_client(with_gateways({"name": "Brussels", "prefix": 5}, {"name": "Backup", "prefix": 2}))
    headers = bearer(await core_login(client, "apio-admin"))
    direct = await client.get("/api/v1" + STATISTICS, json=RANGE)
    assert direct.status == 200
    expected = await direct.json()
    for prefix in ("/api/v01/p5", "/api/v01/p2", "/api/v01/apio/sync/api/v1"):
        response = await client.get(prefix + STATISTICS, json=RANGE, headers=headers)
        assert (response.status, await response.json()) == (200, expected), prefix


@pytest.mark.parametrize("prefix", ["/api/v01/p1", "/api/v01/p3", "/api/v01/pabc", "/api/v01/p05"])
async def test_a_prefix_no_gateway_has_is_a_json_404_before_credentials(make_client, prefix):
    client = await make_client(with_gateways({"name": "Brussels", "prefix": 5}), login=None)
    for headers in ({}, bearer(await core_login(client, "agent1"))):
        response = await client.get(prefix + STATISTICS, json=RANGE, headers=headers)
        assert response.status == 404
        assert await response.json() == {"details": f"No such endpoint: {prefix}{STATISTICS}"}


async def test_an_unknown_prefix_changes_nothing(make_client):
    client = await make_client(with_gateways({"name": "Brussels", "prefix": 5}))
    headers = bearer(await core_login(client, "apio-admin"))
    put = await client.put(
        "/api/v01/p1" + P + "/instance_statistics_reporting/", json={"collectionPeriodMinutes": 60}, headers=headers
    )
    assert put.status == 404
    settings = await client.get("/api/v01/p5" + P + "/instance_statistics_reporting/", headers=headers)
    assert (await settings.json())["collectionPeriodMinutes"] == 30


async def test_a_prefixed_request_is_journaled_and_faulted_as_its_endpoint(make_client):
    client = await make_client(with_gateways({"name": "Brussels", "prefix": 5}))
    headers = bearer(await core_login(client, "apio-admin"))
    rule = {"match": {"endpoint": "statistics"}, "action": "http-503", "times": 2}
    assert (await client.post("/__sim/faults", json=rule)).status == 201
    await client.delete("/__sim/requests")
    for prefix in ("/api/v01/p5", "/api/v01/apio/sync/api/v1"):
        response = await client.get(prefix + STATISTICS, json=RANGE, headers=headers)
        assert (response.status, await response.json()) == (503, {"details": "Service unavailable."})
    journal = await (await client.get("/__sim/requests", params={"endpoint": "statistics"})).json()
    assert [(entry["path"], entry["status"]) for entry in journal["requests"]] == [
        ("/api/v01/p5" + STATISTICS, 503),
        ("/api/v01/apio/sync/api/v1" + STATISTICS, 503),
    ]


# The call-center reads: per endpoint, per right, per prefix.

GROUP_READS = {
    "call_centers.list": ("/services/call_centers/", "call-center-list"),
    "call_center.get": ("/services/call_centers/{cc}/", "call-center-instance"),
    "call_center.agents": ("/services/call_centers/{cc}/agents/", "call-center-agents"),
}
TARGETS = {
    "foo": ("foo", "foogroup", "APIOTestCCBasic@sip.netaxis.be"),
    "footenant": ("footenant", "foogroup", "APIOTestCallCenterP@sip.netaxis.be"),
}
GROUP_RIGHTS = {  # username: the status on foo/foogroup, footenant/foogroup
    "apio-admin": (200, 200),
    "foo-admin": (200, 403),
    "foogroup-admin": (200, 403),
    "footenant-admin": (403, 200),
    "agent1": (403, 403),
}
PREFIXES = ["/api/v1", "/api/v01/p1", "/api/v01/apio/sync/api/v1"]


def read_path(prefix: str, endpoint: str, target: tuple[str, str, str]) -> str:
    tenant, group, call_center = target
    return f"{prefix}/tenants/{tenant}/groups/{group}" + GROUP_READS[endpoint][0].format(cc=call_center)


async def logged_in(make_client, username: str, prefix: str, **kwargs):
    """A client logged in as `username` the way `prefix` wants: the session cookie, or the bearer token."""
    client = await make_client(login=username if prefix == "/api/v1" else None, **kwargs)
    headers = {} if prefix == "/api/v1" else bearer(await core_login(client, username))
    return client, headers


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("endpoint", list(GROUP_READS))
@pytest.mark.parametrize("username", list(GROUP_RIGHTS))
async def test_the_group_reads_need_group_admin_over_the_group(make_client, prefix, endpoint, username):
    client, headers = await logged_in(make_client, username, prefix)
    for target, status in zip(TARGETS.values(), GROUP_RIGHTS[username], strict=True):
        response = await client.get(read_path(prefix, endpoint, target), headers=headers)
        assert response.status == status, (target, await response.text())
        if status == 200:
            checked(GROUP_READS[endpoint][1], await response.json())
        else:
            assert await response.json() == NO_RIGHTS


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("endpoint", list(GROUP_READS))
async def test_the_group_reads_refuse_without_credentials(make_client, prefix, endpoint):
    client = await make_client(login=None)
    response = await client.get(read_path(prefix, endpoint, TARGETS["foo"]))
    expected = {"details": "Authentication credentials were not provided."} if prefix == "/api/v1" else NO_TOKEN
    assert (response.status, await response.json()) == (401, expected)


@pytest.mark.parametrize("endpoint", list(GROUP_READS))
async def test_a_403_leaks_no_existence(make_client, endpoint):
    client = await make_client(login="foogroup-admin")
    for target in [("nope", "foogroup", "X@y"), ("footenant", "nogroup", "X@y"), ("footenant", "foogroup", "X@y")]:
        response = await client.get(read_path("/api/v1", endpoint, target))
        assert (response.status, await response.json()) == (403, NO_RIGHTS)


@pytest.mark.parametrize(
    ("endpoint", "target", "message"),
    [
        ("call_centers.list", ("nope", "foogroup", ""), "Tenant nope not found."),
        ("call_centers.list", ("foo", "nogroup", ""), "Group nogroup not found in tenant foo."),
        ("call_center.get", ("foo", "foogroup", "Nope@x"), "Call center Nope@x not found in group foogroup."),
        ("call_center.agents", ("foo", "foogroup", "Nope@x"), "Call center Nope@x not found in group foogroup."),
    ],
)
async def test_a_missing_part_is_a_404_naming_it(make_client, endpoint, target, message):
    client = await make_client()
    response = await client.get(read_path("/api/v1", endpoint, target))
    assert (response.status, await response.json()) == (404, {"details": message})


async def test_the_groups_call_centers(make_client):
    client = await make_client()
    response = await client.get("/api/v1" + FOO + "/services/call_centers/")
    assert checked("call-center-list", await response.json()) == {
        "call_centers": [
            {
                "serviceUserId": "APIOTestCCBasic@sip.netaxis.be",
                "name": "APIOTestCCBasic",
                "phoneNumber": "",
                "extension": "",
                "isActive": True,
                "policy": "Regular",
                "type": "Basic",
            },
            {
                "serviceUserId": "APIOTestCCPremium@sip.netaxis.be",
                "name": "APIOTestCCPremium",
                "phoneNumber": "",
                "extension": "",
                "isActive": True,
                "policy": "Regular",
                "type": "Premium",
            },
        ]
    }


async def test_one_instance(make_client):
    client = await make_client()
    response = await client.get("/api/v1" + BASIC)  # no trailing slash: optional, as on every emulated path
    assert response.status == 200
    assert checked("call-center-instance", await response.json()) == {
        "callCenterInstance": {
            "serviceUserId": "APIOTestCCBasic@sip.netaxis.be",
            "serviceInstanceProfile": {
                "name": "APIOTestCCBasic",
                "cliFirstName": "APIOTestCCBasic",
                "cliLastName": "Call Center",
                "language": "English",
                "timeZone": "Europe/Brussels",
                "phoneNumber": "",
                "extension": "",
                "cliPhoneNumber": None,
                "publicUserIdentity": "",
            },
            "policy": "Regular",
            "type": "Basic",
            "routingType": "Priority Based",
            "queueLength": 10,
            "enableReporting": False,
            "allowAgentLogoff": True,
            "allowCallerToDialEscapeDigit": False,
            "resetCallStatisticsUponEntryInQueue": True,
            "allowCallWaitingForAgents": True,
            "allowCallsToAgentsInWrapUp": True,
            "overrideAgentWrapUpTime": False,
            "forceDeliveryOfCalls": False,
            "enableAutomaticStateChangeForAgents": False,
            "playRingingWhenOfferingCall": True,
            "externalPreferredAudioCodec": "None",
            "internalPreferredAudioCodec": "None",
        }
    }


async def test_the_agents(make_client):
    client = await make_client()
    response = await client.get("/api/v1" + BASIC + "/agents/")
    assert checked("call-center-agents", await response.json()) == {
        "agents": [
            {
                "userId": "ApioUserFoo1@sip.netaxis.be",
                "firstName": "Anna",
                "lastName": "Peeters",
                "phoneNumber": "",
                "extension": "",
            },
            {
                "userId": "ApioUserFoo2@sip.netaxis.be",
                "firstName": "Bram",
                "lastName": "Janssens",
                "phoneNumber": "",
                "extension": "",
            },
        ]
    }


USER_PATH = "/tenants/footenant/groups/foogroup/users/{user}/services/call_centers/"
TEST1, TEST2 = "ApioUserTest1@sip.netaxis.be", "ApioUserTest2@sip.netaxis.be"
USER_RIGHTS = [  # username, the user read, status: an end user reads only their own
    ("agent1", TEST1, 200),
    ("agent1", TEST2, 403),
    ("agent1", "Nobody@x", 403),
    ("apio-admin", TEST2, 200),
    ("footenant-admin", TEST1, 200),
    ("foo-admin", TEST1, 403),
    ("foogroup-admin", TEST1, 403),
    ("foogroup-admin", "Nobody@x", 403),
]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(("username", "user", "status"), USER_RIGHTS)
async def test_a_users_call_centers_are_theirs_or_their_admins(make_client, prefix, username, user, status):
    client, headers = await logged_in(make_client, username, prefix)
    response = await client.get(prefix + USER_PATH.format(user=user), headers=headers)
    assert response.status == status
    if status == 200:
        assert checked("user-call-centers", await response.json()) == {
            "agentACDState": "Available",
            "call_centers": [
                {
                    "serviceUserId": "APIOTestCallCenterP@sip.netaxis.be",
                    "available": True,
                    "phoneNumber": "",
                    "extension": "",
                    "type": "Premium",
                    "logOffAllowed": True,
                }
            ],
        }
    else:
        assert await response.json() == NO_RIGHTS


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_a_users_call_centers_refuse_without_credentials(make_client, prefix):
    client = await make_client(login=None)
    response = await client.get(prefix + USER_PATH.format(user=TEST1))
    expected = {"details": "Authentication credentials were not provided."} if prefix == "/api/v1" else NO_TOKEN
    assert (response.status, await response.json()) == (401, expected)


async def test_a_user_of_another_group_or_nobody_is_a_404(make_client):
    client = await make_client()
    unknown = await client.get("/api/v1" + USER_PATH.format(user="Nobody@x"))
    assert (unknown.status, await unknown.json()) == (404, {"details": "User Nobody@x not found in group foogroup."})
    elsewhere = await client.get("/api/v1" + USER_PATH.format(user="ApioUserFoo1@sip.netaxis.be"))
    assert elsewhere.status == 404


async def test_a_user_who_is_no_agent_is_signed_out_of_nothing(make_client):
    data = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    data["tenants"][1]["groups"][0]["users"].append({"userId": "Idle@x", "firstName": "I", "lastName": "Dle"})
    client = await make_client(data)
    response = await client.get("/api/v1" + USER_PATH.format(user="Idle@x"))
    assert checked("user-call-centers", await response.json()) == {"agentACDState": "Sign-Out", "call_centers": []}


async def test_without_authentication_the_reads_need_no_login(make_client):
    client = await make_client(login=None, auth=False)
    for path in (
        read_path("/api/v01/p1", "call_center.get", TARGETS["foo"]),
        "/api/v01/p1" + USER_PATH.format(user=TEST1),
    ):
        assert (await client.get(path)).status == 200, path


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
async def test_the_reads_are_not_writes(make_client, method):
    client = await make_client()
    response = await client.request(method, "/api/v1" + BASIC + "/")
    assert response.status == 405
    assert await response.json() == {"details": f"Method {method} is not allowed on /api/v1{BASIC}/"}


# CORS with credentials: a portal on another origin logs in with the cookie.

PORTAL = "http://localhost:3000"


async def test_a_portal_on_a_named_origin_logs_in_with_the_cookie_and_reads(make_client):
    client = await make_client(login=None, cors_origins=[PORTAL])
    preflight = await client.options(
        "/api/v1" + BASIC + "/",
        headers={
            "Origin": PORTAL,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == PORTAL
    assert preflight.headers["Access-Control-Allow-Credentials"] == "true"
    login = await client.post(
        "/api/v1/login/", json={"username": "apio-admin", "password": "apio-admin"}, headers={"Origin": PORTAL}
    )
    assert login.status == 200
    assert (login.headers["Access-Control-Allow-Origin"], login.headers["Access-Control-Allow-Credentials"]) == (
        PORTAL,
        "true",
    )
    read = await client.get("/api/v1" + BASIC + "/", headers={"Origin": PORTAL})  # the cookie jar sends sessionid
    assert read.status == 200
    assert (read.headers["Access-Control-Allow-Origin"], read.headers["Access-Control-Allow-Credentials"]) == (
        PORTAL,
        "true",
    )


async def test_a_star_beside_a_named_origin_gives_other_origins_no_credentials(make_client):
    client = await make_client(login=None, cors_origins=["*", PORTAL])
    other = await client.get("/api/v01/health", headers={"Origin": "http://elsewhere.test"})
    assert other.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in other.headers
    named = await client.get("/api/v01/health", headers={"Origin": PORTAL})
    assert (named.headers["Access-Control-Allow-Origin"], named.headers["Access-Control-Allow-Credentials"]) == (
        PORTAL,
        "true",
    )


# A portal's start-up, replayed as APIO core's GUI does it.


async def test_a_portal_starts_up_reads_statistics_through_its_gateway_and_logs_out(make_client):
    client = await make_client(login=None)
    public = await client.get("/api/v01/system/configuration/public")
    assert checked("core-public-configuration", await public.json())["auth"]["SSO"] == []
    tokens = await core_login(client, "footenant-admin")
    headers = bearer(tokens)
    me = checked("core-local-user", await (await client.get("/api/v01/system/users/local", headers=headers)).json())
    assert "provisioning" in me["modules"] and me["admin_of"][0]["level"] == "Tenant"
    found = await client.get("/api/v01/apio/provisioning/gateways", headers=headers)
    [gateway] = checked("core-gateways", await found.json())["gateways"]
    prefix = gateway["prefix"]
    assert checked("core-health", await (await client.get("/api/v01/health")).json())["status"] == "OK"

    listed = await client.get(prefix + P_GROUP + "/services/call_centers/", headers=headers)
    [call_center] = checked("call-center-list", await listed.json())["call_centers"]
    path = prefix + P_GROUP + "/services/call_centers/" + call_center["serviceUserId"]
    instance = await client.get(path + "/", headers=headers)
    assert checked("call-center-instance", await instance.json())["callCenterInstance"]["type"] == "Premium"
    agents = checked("call-center-agents", await (await client.get(path + "/agents/", headers=headers)).json())
    assert [agent["userId"] for agent in agents["agents"]] == [TEST1, TEST2]

    settings = await client.get(path + "/instance_statistics_reporting/", headers=headers)
    assert checked("reporting-settings", await settings.json())["collectionPeriodMinutes"] == 30
    changed = await client.put(
        path + "/instance_statistics_reporting/", json={"collectionPeriodMinutes": 60}, headers=headers
    )
    assert checked("reporting-settings", await changed.json())["collectionPeriodMinutes"] == 60
    query = {"start": "2021-03-01T00:00:00+01:00", "end": "2021-03-06T00:00:00+01:00"}  # fetch sends no GET body
    statistics = await client.get(path + "/statistics/", params=query, headers=headers)
    assert statistics.status == 200
    answer = checked("statistics-response", await statistics.json())
    assert [agent["agentUserId"] for agent in answer["agentStatistics"]] == [TEST1, TEST2]
    with_body = await client.get(path + "/statistics/", json={"statisticsRange": query}, headers=headers)
    assert await with_body.json() == answer

    refreshed = await client.get(
        "/api/v01/auth/access_token", headers={"Authorization": "Bearer " + tokens["refresh_token"]}
    )
    headers = {
        "Authorization": "Bearer " + checked("core-access-token-response", await refreshed.json())["access_token"]
    }
    sign = logout_signature(tokens["refresh_token"])
    logout = await client.get("/api/v01/auth/logout", params={"sign": sign}, headers=headers)
    assert (logout.status, checked("logout-response", await logout.json())) == (200, {})
    after = await client.get(path + "/statistics/", params=query, headers=headers)
    assert (after.status, await after.json()) == (401, BAD_TOKEN)


def test_every_shipped_body_above_keeps_to_the_error_schema():
    for body in (NO_RIGHTS, NO_TOKEN, BAD_TOKEN):
        checked("error", copy.deepcopy(body))
