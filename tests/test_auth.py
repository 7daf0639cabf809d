"""Log in and rights like the real gateway: both ways in, every level and scope, expiry, CORS."""

import base64
import json

import pytest
import yaml

from simulator.instants import seconds
from tests.conftest import DEFAULT_SCENARIO, cc_path, namespace_of

NO_RIGHTS = {"details": "You do not have the rights to access this resource."}
RANGE = {"statisticsRange": {"start": "2021-03-01T00:00:00+01:00", "end": "2021-03-06T00:00:00+01:00"}}
MINUTE = seconds(60)


def scenario_with_more_users(**auth) -> dict:
    """The default scenario, plus a department admin and reseller users of a reseller owning foo/foogroup."""
    data = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    data["resellers"] = [{"id": "r1", "tenants": ["footenant"], "groups": [{"tenant": "foo", "group": "foogroup"}]}]
    data["apiUsers"] += [
        {
            "username": "dept-admin",
            "password": "dept-admin",
            "level": "department",
            "tenant": "foo",
            "group": "foogroup",
        },
        {"username": "reseller-sys", "password": "reseller-sys", "level": "system", "reseller": "r1"},
        {"username": "reseller-foo", "password": "reseller-foo", "level": "tenant", "tenant": "foo", "reseller": "r1"},
    ]
    if auth:
        data["auth"] = auth
    return data


BASIC = ("foo", "foogroup", "APIOTestCCBasic@sip.netaxis.be")
P = ("footenant", "foogroup", "APIOTestCallCenterP@sip.netaxis.be")
UNKNOWN_CC = ("foo", "foogroup", "Nope@sip.netaxis.be")
UNKNOWN_GROUP = ("foo", "nogroup", "APIOTestCCBasic@sip.netaxis.be")
UNKNOWN_TENANT = ("nope", "foogroup", "APIOTestCCBasic@sip.netaxis.be")
TARGETS = [BASIC, P, UNKNOWN_CC, UNKNOWN_GROUP, UNKNOWN_TENANT]
NOT_FOUND = {
    UNKNOWN_CC: {"details": "Call center Nope@sip.netaxis.be not found in group foogroup."},
    UNKNOWN_GROUP: {"details": "Group nogroup not found in tenant foo."},
    UNKNOWN_TENANT: {"details": "Tenant nope not found."},
}
# The status each user gets on each target, in TARGETS order.
RIGHTS = {
    "apio-admin": (200, 200, 404, 404, 404),
    "foo-admin": (200, 403, 404, 404, 403),
    "foogroup-admin": (200, 403, 404, 403, 403),
    "footenant-admin": (403, 200, 403, 403, 403),
    "agent1": (403, 403, 403, 403, 403),
    "dept-admin": (403, 403, 403, 403, 403),
    "reseller-sys": (200, 403, 404, 403, 403),
    "reseller-foo": (200, 403, 404, 403, 403),
}
ENDPOINTS = {
    "reporting.get": ("GET", "instance_statistics_reporting", None),
    "reporting.put": ("PUT", "instance_statistics_reporting", {}),
    "statistics": ("GET", "statistics", RANGE),
}
CASES = [
    (user, target, endpoint, statuses[t])
    for user, statuses in RIGHTS.items()
    for t, target in enumerate(TARGETS)
    for endpoint in ENDPOINTS
]


def expected_body(status: int, target: tuple) -> dict | None:
    return {403: NO_RIGHTS, 404: NOT_FOUND.get(target)}.get(status)


@pytest.mark.parametrize(("user", "target", "endpoint", "status"), CASES)
async def test_every_level_and_scope_through_the_gateway(make_client, user, target, endpoint, status):
    client = await make_client(scenario_with_more_users(), now="2021-06-01T12:00:00Z", login=user)
    method, name, body = ENDPOINTS[endpoint]
    response = await client.request(method, cc_path(*target, name), json=body)
    assert response.status == status
    if status != 200:
        assert await response.json() == expected_body(status, target)


@pytest.mark.parametrize(("user", "target", "endpoint", "status"), CASES)
async def test_every_level_and_scope_through_apio_core(make_client, user, target, endpoint, status):
    client = await make_client(scenario_with_more_users(), now="2021-06-01T12:00:00Z", login=None)
    tokens = await core_login(client, user)
    method, name, body = ENDPOINTS[endpoint]
    response = await client.request(
        method, "/api/v01/p1" + cc_path(*target, name).removeprefix("/api/v1"), json=body, headers=bearer(tokens)
    )
    assert response.status == status
    if status != 200:
        assert await response.json() == expected_body(status, target)


async def test_the_reseller_tenant_check_is_configurable(make_client):
    client = await make_client(scenario_with_more_users(resellerTenantCheck=True), login="reseller-sys")
    # r1 owns the group foo/foogroup but not the tenant foo.
    response = await client.get(cc_path(*BASIC, "instance_statistics_reporting"))
    assert (response.status, await response.json()) == (403, NO_RIGHTS)


async def test_the_reseller_group_check_can_be_turned_off(make_client):
    client = await make_client(scenario_with_more_users(resellerGroupCheck=False), login="reseller-sys")
    response = await client.get(cc_path(*P, "instance_statistics_reporting"))
    assert response.status == 200


@pytest.mark.parametrize(
    ("user", "answer"),
    [
        ("apio-admin", {"ids": {}, "profile": {"user_level": 16, "is_first_login": False}}),
        ("foo-admin", {"ids": {"tenant_id": "foo"}, "profile": {"user_level": 12, "is_first_login": False}}),
        (
            "foogroup-admin",
            {
                "ids": {"tenant_id": "foo", "group_id": "foogroup"},
                "profile": {"user_level": 8, "is_first_login": False},
            },
        ),
        (
            "footenant-admin",
            {"ids": {"tenant_id": "footenant"}, "profile": {"user_level": 12, "is_first_login": False}},
        ),
        (
            "agent1",
            {
                "ids": {"tenant_id": "footenant", "group_id": "foogroup", "user_id": "ApioUserTest1@sip.netaxis.be"},
                "profile": {"user_level": 0, "is_first_login": False},
            },
        ),
        (
            "dept-admin",
            {
                "ids": {"tenant_id": "foo", "group_id": "foogroup"},
                "profile": {"user_level": 4, "is_first_login": False},
            },
        ),
        ("reseller-sys", {"ids": {}, "profile": {"user_level": 16, "is_first_login": False, "access_type": 1}}),
    ],
)
async def test_the_gateway_login_answers_ids_and_profile_with_a_session_cookie(make_client, user, answer):
    client = await make_client(scenario_with_more_users(), login=None)
    response = await client.post("/api/v1/login", json={"username": user, "password": user})
    assert response.status == 200
    assert await response.json() == answer
    cookie = response.cookies["sessionid"]
    assert len(cookie.value) == 32
    assert (cookie["path"], cookie["httponly"], cookie["samesite"]) == ("/", True, "Lax")


async def test_the_deprecated_profile_flag_is_accepted(make_client):
    client = await make_client(login=None)
    body = {"username": "apio-admin", "password": "apio-admin", "provide_basic_profile": True}
    response = await client.post("/api/v1/login/", json=body)
    assert response.status == 200


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "apio-admin", "password": "wrong"},
        {"username": "apio-admin", "password": "APIO-ADMIN"},
        {"username": "nobody", "password": "nobody"},
        {"username": "", "password": ""},
    ],
)
async def test_wrong_credentials_get_401_and_no_session(make_client, credentials):
    client = await make_client(login=None)
    response = await client.post("/api/v1/login/", json=credentials)
    assert response.status == 401
    assert await response.json() == {"details": "Invalid username or password."}
    assert "sessionid" not in response.cookies
    core = await client.post("/api/v01/auth/login", json=credentials)
    assert core.status == 401
    assert await core.json() == {"error": "Invalid username or password."}


@pytest.mark.parametrize("path", ["/api/v1/login/", "/api/v01/auth/login"])
@pytest.mark.parametrize(
    ("raw", "status", "body"),
    [
        (b"", 416, {"details": "The request body must be a JSON object."}),
        (b'["apio-admin"]', 416, {"details": "The request body must be a JSON object."}),
        (b"{username: apio-admin}", 416, {"details": "The request body is not valid JSON."}),
        (b'{"username": "apio-admin"}', 400, {"errors": [{"code": 2, "message": "password is required."}]}),
        (
            b'{"username": 1, "password": ["x"]}',
            400,
            {
                "errors": [
                    {"code": 2, "message": "password must be a string."},
                    {"code": 2, "message": "username must be a string."},
                ]
            },
        ),
        (
            b'{"username": "apio-admin", "password": "apio-admin", "remember": true}',
            400,
            {"errors": [{"code": 2, "message": "Unknown field: remember."}]},
        ),
    ],
)
async def test_a_bad_login_body_is_refused(make_client, path, raw, status, body):
    client = await make_client(login=None)
    response = await client.post(path, data=raw)
    assert response.status == status
    assert await response.json() == body


@pytest.mark.parametrize("path", ["/api/v1/login/", "/api/v1/logout/", "/api/v01/auth/login"])
async def test_login_endpoints_take_post_only(make_client, path):
    client = await make_client(login=None)
    response = await client.get(path)
    assert response.status == 405
    assert response.headers["Allow"] == "POST"


async def test_without_a_session_the_gateway_answers_401(make_client):
    client = await make_client(login=None)
    response = await client.get(cc_path(*BASIC, "instance_statistics_reporting"))
    assert response.status == 401
    assert await response.json() == {"details": "Authentication credentials were not provided."}


async def test_credentials_come_before_the_lookup(make_client):
    client = await make_client(login=None)
    response = await client.get(cc_path(*UNKNOWN_TENANT, "statistics"), data=b"not even json")
    assert (response.status, await response.json()) == (
        401,
        {"details": "Authentication credentials were not provided."},
    )


@pytest.mark.parametrize("cookie", ["garbage", "", "0" * 32, "x" * 5000, "\u00e9t\u00e9"])
async def test_a_garbage_session_cookie_gets_401(make_client, cookie):
    client = await make_client(login=None)
    response = await client.get(cc_path(*BASIC, "instance_statistics_reporting"), cookies={"sessionid": cookie})
    assert response.status == 401
    assert await response.json() == {"details": "Invalid or expired session."}


async def test_logout_ends_the_session(client):
    path = cc_path(*BASIC, "instance_statistics_reporting")
    assert (await client.get(path)).status == 200
    session_id = client.session.cookie_jar.filter_cookies(client.make_url("/"))["sessionid"].value
    response = await client.post("/api/v1/logout/")
    assert response.status == 200
    assert await response.json() == {}
    assert response.cookies["sessionid"].value == ""
    stale = await client.get(path, cookies={"sessionid": session_id})
    assert (stale.status, await stale.json()) == (401, {"details": "Invalid or expired session."})
    again = await client.post("/api/v1/logout/", cookies={"sessionid": session_id})
    assert (again.status, await again.json()) == (401, {"details": "No valid session to log out of."})


async def test_a_session_expires_on_the_simulator_clock(client):
    path = cc_path(*BASIC, "instance_statistics_reporting")
    clock = namespace_of(client).clock
    clock.advance(479 * MINUTE)
    assert (await client.get(path)).status == 200
    clock.advance(MINUTE)
    response = await client.get(path)
    assert (response.status, await response.json()) == (401, {"details": "Invalid or expired session."})


async def test_lifetimes_come_from_the_scenario(make_client):
    client = await make_client(scenario_with_more_users(sessionMinutes=5), now="2021-06-01T12:00:00Z")
    path = cc_path(*BASIC, "instance_statistics_reporting")
    namespace_of(client).clock.advance(5 * MINUTE - 1)
    assert (await client.get(path)).status == 200
    namespace_of(client).clock.advance(1)
    assert (await client.get(path)).status == 401


# APIO core in front of the gateway.

P_PROXY_STATISTICS = "/api/v01/p1" + cc_path(*P, "statistics").removeprefix("/api/v1")


async def core_login(client, user: str = "apio-admin") -> dict:
    response = await client.post("/api/v01/auth/login", json={"username": user, "password": user})
    assert response.status == 200, await response.text()
    return await response.json()


def bearer(tokens: dict | str, kind: str = "access_token") -> dict:
    token = tokens if isinstance(tokens, str) else tokens[kind]
    return {"Authorization": f"Bearer {token}"}


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def test_core_login_gives_signed_tokens_with_their_lifetimes(make_client):
    client = await make_client(login=None)
    tokens = await core_login(client, "foogroup-admin")
    assert set(tokens) == {"access_token", "refresh_token", "ui_profile", "email_set", "ids"}
    access, refresh = claims(tokens["access_token"]), claims(tokens["refresh_token"])
    assert (access["sub"], access["typ"], access["exp"] - access["iat"]) == ("foogroup-admin", "access", 15 * 60)
    assert (refresh["typ"], refresh["exp"] - refresh["iat"]) == ("refresh", 7 * 24 * 3600)
    assert access["iat"] == 1622541600  # the simulator's clock: 2021-06-01T12:00:00+02:00


async def test_core_login_accepts_a_proxy_name(make_client):
    client = await make_client(login=None)
    body = {"username": "apio-admin", "password": "apio-admin", "proxy": "p1"}
    assert (await client.post("/api/v01/auth/login/", json=body)).status == 200


async def test_the_proxy_prefix_reaches_the_same_endpoints(make_client):
    client = await make_client(login=None)
    tokens = await core_login(client)
    via_core = await client.get(P_PROXY_STATISTICS, json=RANGE, headers=bearer(tokens))
    assert via_core.status == 200
    gateway = await make_client(login="apio-admin")
    direct = await gateway.get(cc_path(*P, "statistics"), json=RANGE)
    assert await via_core.json() == await direct.json()
    put = await client.put(
        "/api/v01/p1" + cc_path(*BASIC, "instance_statistics_reporting").removeprefix("/api/v1"),
        json={"collectionPeriodMinutes": 60},
        headers=bearer(tokens),
    )
    assert (await put.json())["collectionPeriodMinutes"] == 60


async def test_each_prefix_takes_its_own_credentials(make_client):
    client = await make_client(login="apio-admin")  # holds a gateway session cookie
    tokens = await core_login(client)
    no_token = await client.get(P_PROXY_STATISTICS, json=RANGE)
    assert (no_token.status, await no_token.json()) == (401, {"error": "Authorization header is missing."})
    client.session.cookie_jar.clear()
    no_cookie = await client.get(cc_path(*P, "statistics"), json=RANGE, headers=bearer(tokens))
    assert (no_cookie.status, await no_cookie.json()) == (
        401,
        {"details": "Authentication credentials were not provided."},
    )


@pytest.mark.parametrize(
    "header",
    ["Basic YXBpby1hZG1pbjphcGlvLWFkbWlu", "Bearer", "Bearer ", "Token abc", "Bearer a b", "bearer"],
)
async def test_a_malformed_authorization_header_gets_401(make_client, header):
    client = await make_client(login=None)
    response = await client.get(P_PROXY_STATISTICS, json=RANGE, headers={"Authorization": header})
    assert response.status == 401
    assert await response.json() == {"error": "Authorization header must be 'Bearer <token>'."}


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.sig", "x" * 4000])
async def test_a_garbage_token_gets_401(make_client, token):
    client = await make_client(login=None)
    response = await client.get(P_PROXY_STATISTICS, json=RANGE, headers=bearer(token))
    assert (response.status, await response.json()) == (401, {"error": "Invalid or expired token."})


async def test_the_scheme_name_is_case_insensitive(make_client):
    client = await make_client(login=None)
    tokens = await core_login(client)
    response = await client.get(
        P_PROXY_STATISTICS, json=RANGE, headers={"Authorization": f"bearer {tokens['access_token']}"}
    )
    assert response.status == 200


async def test_a_refresh_token_is_no_access_token_and_back(make_client):
    client = await make_client(login=None)
    tokens = await core_login(client)
    wrong_way = await client.get(P_PROXY_STATISTICS, json=RANGE, headers=bearer(tokens, "refresh_token"))
    assert (wrong_way.status, await wrong_way.json()) == (401, {"error": "Invalid or expired token."})
    refreshed = await client.get("/api/v01/auth/access_token", headers=bearer(tokens, "access_token"))
    assert (refreshed.status, await refreshed.json()) == (401, {"error": "Invalid or expired refresh token."})


async def test_an_access_token_expires_and_the_refresh_token_renews_it(make_client):
    client = await make_client(login=None)
    clock = namespace_of(client).clock
    tokens = await core_login(client, "footenant-admin")
    clock.advance(15 * MINUTE - 1)
    assert (await client.get(P_PROXY_STATISTICS, json=RANGE, headers=bearer(tokens))).status == 200
    clock.advance(1)
    expired = await client.get(P_PROXY_STATISTICS, json=RANGE, headers=bearer(tokens))
    assert (expired.status, await expired.json()) == (401, {"error": "Invalid or expired token."})
    refreshed = await client.get("/api/v01/auth/access_token", headers=bearer(tokens, "refresh_token"))
    assert refreshed.status == 200
    new_access = (await refreshed.json())["access_token"]
    assert claims(new_access)["sub"] == "footenant-admin"
    assert (await client.get(P_PROXY_STATISTICS, json=RANGE, headers=bearer(new_access))).status == 200


async def test_a_refresh_token_expires_after_seven_days(make_client):
    client = await make_client(login=None)
    tokens = await core_login(client)
    namespace_of(client).clock.advance(7 * 24 * 60 * MINUTE)
    response = await client.get("/api/v01/auth/access_token", headers=bearer(tokens, "refresh_token"))
    assert (response.status, await response.json()) == (401, {"error": "Invalid or expired refresh token."})


async def test_core_logout_ends_every_token_of_the_login(make_client):
    client = await make_client(login=None)
    tokens = await core_login(client)
    other = await core_login(client)
    response = await client.get("/api/v01/auth/logout?sign=abc", headers=bearer(tokens))
    assert (response.status, await response.json()) == (200, {})
    assert (await client.get(P_PROXY_STATISTICS, json=RANGE, headers=bearer(tokens))).status == 401
    refresh = await client.get("/api/v01/auth/access_token", headers=bearer(tokens, "refresh_token"))
    assert refresh.status == 401
    assert (await client.get(P_PROXY_STATISTICS, json=RANGE, headers=bearer(other))).status == 200
    again = await client.get("/api/v01/auth/logout", headers=bearer(tokens))
    assert (again.status, await again.json()) == (401, {"error": "Invalid or expired token."})


# Turning authentication off.


@pytest.mark.parametrize("auth", [False, {"enabled": False}])
async def test_a_scenario_can_turn_authentication_off(make_client, auth):
    data = scenario_with_more_users()
    data["auth"] = auth
    client = await make_client(data, now="2021-06-01T12:00:00Z", login=None)
    assert (await client.get(cc_path(*P, "statistics"), json=RANGE)).status == 200
    assert (await client.get(P_PROXY_STATISTICS, json=RANGE)).status == 200


async def test_the_server_option_turns_authentication_off(make_client):
    client = await make_client(login=None, auth=False)
    assert (await client.get(cc_path(*UNKNOWN_TENANT, "statistics"), json=RANGE)).status == 404


async def test_logging_in_still_works_with_authentication_off(make_client):
    client = await make_client(login=None, auth=False)
    response = await client.post("/api/v1/login/", json={"username": "agent1", "password": "agent1"})
    assert response.status == 200
    assert (await client.get(cc_path(*P, "statistics"), json=RANGE)).status == 200


# CORS for browser portals.

PORTAL = "http://portal.test:3000"


async def preflight(client, origin: str, path: str = P_PROXY_STATISTICS):
    return await client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )


async def test_a_preflight_from_an_allowed_origin_is_answered(make_client):
    client = await make_client(login=None, cors_origins=[PORTAL])
    response = await preflight(client, PORTAL)
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == PORTAL
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Allow-Methods"] == "GET, PUT, POST, OPTIONS"
    assert response.headers["Access-Control-Allow-Headers"] == "authorization,content-type"
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert response.headers["Vary"] == "Origin"


async def test_answers_to_an_allowed_origin_carry_cors_headers_even_on_errors(make_client):
    client = await make_client(login=None, cors_origins=[PORTAL])
    refused = await client.get(cc_path(*P, "statistics"), json=RANGE, headers={"Origin": PORTAL})
    assert refused.status == 401
    assert refused.headers["Access-Control-Allow-Origin"] == PORTAL
    login = await client.post(
        "/api/v1/login/", json={"username": "apio-admin", "password": "apio-admin"}, headers={"Origin": PORTAL}
    )
    assert login.headers["Access-Control-Allow-Credentials"] == "true"
    answered = await client.get(cc_path(*P, "statistics"), json=RANGE, headers={"Origin": PORTAL})
    assert answered.status == 200
    assert answered.headers["Access-Control-Allow-Origin"] == PORTAL


async def test_another_origin_gets_no_cors_headers(make_client):
    client = await make_client(login=None, cors_origins=[PORTAL])
    response = await preflight(client, "http://evil.test")
    assert response.status == 405
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_a_star_allows_any_origin_without_credentials(make_client):
    client = await make_client(login=None, cors_origins=["*", PORTAL])
    response = await preflight(client, "http://anything.test")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    named = await preflight(client, PORTAL)  # an origin named beside the star keeps its credentials
    assert named.headers["Access-Control-Allow-Origin"] == PORTAL
    assert named.headers["Access-Control-Allow-Credentials"] == "true"


async def test_without_cors_no_preflight_is_answered(make_client):
    client = await make_client(login=None)
    response = await preflight(client, PORTAL)
    assert response.status == 405
    assert "Access-Control-Allow-Origin" not in response.headers
