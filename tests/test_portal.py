"""The portal answers built from the model: every field, the defaults, the rights, and every shipped scenario."""

import copy
import hashlib

import pytest

from simulator import portal
from simulator.auth import NO_RIGHTS
from simulator.errors import Forbidden, NotFound
from simulator.generator import Traffic
from simulator.instants import seconds
from simulator.model import (
    DEFAULT_QUEUE_LENGTH,
    ApiUser,
    AuthSettings,
    CallCenterKey,
    CallCenterProfile,
    CoreAccount,
    Gateway,
    Group,
    HuntPolicy,
    Level,
    RoutingType,
    Scenario,
)
from simulator.resources import scenarios_dir
from simulator.scenario import ScenarioError, load_scenario, parse_scenario
from simulator.schemas import SchemaStore
from simulator.statistics import compute_statistics
from tests.conftest import DEFAULT_SCENARIO
from tests.portal_corpus import NOW, PORTAL_SCENARIO, portal_scenario

STORE = SchemaStore()
SETTINGS = AuthSettings()
SCENARIO = portal_scenario()
SHIPPED = sorted(scenarios_dir().glob("*.yaml"))


def scenario_problems(**changes) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        portal_scenario(**changes)
    return caught.value.messages


def changed(path: tuple, value) -> dict:
    """The portal scenario with one field set (value None: taken out)."""
    document = copy.deepcopy(PORTAL_SCENARIO)
    node = document
    for part in path[:-1]:
        node = node[part]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return document


def refused(document: dict) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(document, "portal.yaml")
    return caught.value.messages


# Scenario fields and their defaults.

CC = ("tenants", 0, "groups", 0, "callCenters", 0)
CC_AT = "tenants[0].groups[0].callCenters[0]"


def test_a_scenario_without_portal_fields_gets_the_defaults():
    scenario = load_scenario(DEFAULT_SCENARIO)
    assert scenario.gateways == (Gateway("APIO", 1),)
    assert scenario.gateways[0].path == "/api/v01/p1"
    assert scenario.api_users["apio-admin"].core == CoreAccount()
    # An end user's names are the BroadWorks user's.
    assert scenario.api_users["agent1"].core == CoreAccount(first_name="Test1", last_name="Test1")
    profile = scenario.call_centers()[CallCenterKey("foo", "foogroup", "APIOTestCCBasic@sip.netaxis.be")].profile
    assert profile == CallCenterProfile(name="APIOTestCCBasic", cli_first_name="APIOTestCCBasic")
    assert (profile.policy, profile.routing_type, profile.queue_length) == (
        HuntPolicy.REGULAR,
        RoutingType.PRIORITY_BASED,
        10,
    )


def test_every_portal_field_of_a_scenario_is_read():
    root = SCENARIO.api_users["root"].core
    assert root == CoreAccount(
        email="root@x.test",
        language="fr",
        ui_profile="tenant",
        modules=("provisioning", "bulk"),
        roles=("auditor", "operator"),
        need_password_change=True,
        first_name="Rita",
        last_name="Root",
        token="machine-token-0123456789",
    )
    # A name given in the scenario wins over the BroadWorks user's.
    assert (SCENARIO.api_users["ben"].core.first_name, SCENARIO.api_users["ben"].core.last_name) == ("Bob", "Bee")
    assert SCENARIO.gateways == (Gateway("Main gateway", 5), Gateway("Backup.GW", 2))
    sales = SCENARIO.call_centers()[CallCenterKey("t", "g", "sales@x.test")].profile
    assert sales == CallCenterProfile(
        name="Sales desk",
        cli_first_name="Sales",
        cli_last_name="Desk",
        language="French",
        time_zone="Europe/Paris",
        phone_number="+3221234567",
        extension="4567",
        policy=HuntPolicy.CIRCULAR,
        routing_type=RoutingType.SKILL_BASED,
        queue_length=25,
        enable_reporting=True,
        allow_agent_logoff=False,
    )


def test_the_default_name_is_the_id_up_to_the_at_cut_to_thirty_characters():
    profile = SCENARIO.call_centers()[
        CallCenterKey("t", "g", "a-very-long-call-center-name-over-thirty@x.test")
    ].profile
    assert profile.name == "a-very-long-call-center-name-o"
    assert len(profile.name) == 30
    assert profile.cli_first_name == profile.name


def test_a_generating_call_center_takes_its_queue_length_from_generate():
    profile = SCENARIO.call_centers()[CallCenterKey("t", "h", "gen@x.test")].profile
    assert profile.queue_length == 4
    same = changed(("tenants", 0, "groups", 1, "callCenters", 0, "queueLength"), 4)
    assert (
        parse_scenario(same, "portal.yaml").call_centers()[CallCenterKey("t", "h", "gen@x.test")].profile.queue_length
        == 4
    )


def test_the_default_queue_length_is_the_generators():
    traffic = Traffic.from_document({"from": "2021-03-01", "to": "2021-03-02"}, ["a@x.test"])
    assert traffic.queue_length == DEFAULT_QUEUE_LENGTH == 10
    document = changed(("tenants", 0, "groups", 1, "callCenters", 0, "generate", "queueLength"), None)
    profile = parse_scenario(document, "portal.yaml").call_centers()[CallCenterKey("t", "h", "gen@x.test")].profile
    assert profile.queue_length == DEFAULT_QUEUE_LENGTH


def test_a_queue_length_that_contradicts_generate_is_refused():
    document = changed(("tenants", 0, "groups", 1, "callCenters", 0, "queueLength"), 7)
    assert refused(document) == [
        "portal.yaml: tenants[0].groups[1].callCenters[0].queueLength is 7, but generate.queueLength is 4:"
        " the queue has one length."
    ]


def test_two_gateways_on_one_prefix_are_refused():
    problems = scenario_problems(gateways=[{"name": "A", "prefix": 3}, {"name": "B", "prefix": 3}])
    assert problems == ["portal.yaml: gateways[1].prefix repeats the prefix 3 of gateways[0]."]


def test_two_gateways_that_a_portal_cannot_tell_apart_are_refused():
    problems = scenario_problems(gateways=[{"name": "Main GW", "prefix": 1}, {"name": "main.gw", "prefix": 2}])
    assert problems == [
        "portal.yaml: gateways[1].name names the same gateway as gateways[0]"
        " once lower-cased without dots and spaces ('maingw')."
    ]


def test_two_users_with_one_token_are_refused_without_showing_it():
    document = changed(("apiUsers", 3, "token"), "machine-token-0123456789")
    problems = refused(document)
    assert problems == ["portal.yaml: apiUsers[3].token repeats the token of apiUsers[0]."]
    assert "machine-token" not in problems[0]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("gateways",), [], "gateways: [] should be non-empty"),
        (("gateways", 0, "prefix"), 0, "gateways[0].prefix must be 1 or more."),
        (("gateways", 0, "prefix"), 1000, "gateways[0].prefix must be 999 or less."),
        (("gateways", 0, "prefix"), "5", "gateways[0].prefix must be an integer."),
        (("gateways", 0, "name"), "x" * 71, "gateways[0].name must be at most 70 characters long."),
        (("gateways", 0, "port"), 80, "Unknown field: gateways[0].port."),
        (("gateways", 0, "name"), None, "gateways[0].name is required."),
        (("apiUsers", 0, "email"), "root", "apiUsers[0].email has an invalid format."),
        (("apiUsers", 0, "language"), "nl", 'apiUsers[0].language must be one of "en", "fr", "de".'),
        (("apiUsers", 0, "modules"), ["bulk", "bulk"], "apiUsers[0].modules: ['bulk', 'bulk'] has non-unique elements"),
        (("apiUsers", 0, "uiProfile"), "two words", "apiUsers[0].uiProfile has an invalid format."),
        (("apiUsers", 0, "needPasswordChange"), "yes", "apiUsers[0].needPasswordChange must be a boolean."),
        (("apiUsers", 0, "token"), "short", "apiUsers[0].token must be at least 16 characters long."),
        (("apiUsers", 0, "token"), "x" * 15 + " ", "apiUsers[0].token has an invalid format."),
        (
            (*CC, "policy"),
            "Random",
            f'{CC_AT}.policy must be one of "Circular", "Regular", "Simultaneous", "Uniform", "Weighted".',
        ),
        ((*CC, "routingType"), "Random", f'{CC_AT}.routingType must be one of "Priority Based", "Skill Based".'),
        ((*CC, "queueLength"), 526, f"{CC_AT}.queueLength must be 525 or less."),
        ((*CC, "queueLength"), -1, f"{CC_AT}.queueLength must be 0 or more."),
        ((*CC, "name"), "x" * 31, f"{CC_AT}.name must be at most 30 characters long."),
        ((*CC, "extension"), "1", f"{CC_AT}.extension must be at least 2 characters long."),
        ((*CC, "timeZone"), "Europe/ Brussels", f"{CC_AT}.timeZone has an invalid format."),
        (("apiUsers", 0, "modules"), ["two words"], "apiUsers[0].modules[0] has an invalid format."),
        ((*CC, "extension"), "12a", f"{CC_AT}.extension has an invalid format."),
        ((*CC, "phoneNumber"), "+32 2", f"{CC_AT}.phoneNumber has an invalid format."),
        ((*CC, "enableReporting"), 1, f"{CC_AT}.enableReporting must be a boolean."),
        ((*CC, "allowAgentLogoff"), "no", f"{CC_AT}.allowAgentLogoff must be a boolean."),
    ],
)
def test_bad_portal_fields_are_refused_with_their_place(path, value, message):
    assert refused(changed(path, value)) == [f"portal.yaml: {message}"]


# APIO core's session surface.


def test_the_current_user_with_every_field_set():
    assert portal.local_user(SCENARIO, SCENARIO.api_users["root"]) == {
        "id": 1,
        "username": "root",
        "email": "root@x.test",
        "is_system": True,
        "ui_profile": "tenant",
        "ui_data": {},
        "groups": [],
        "language": "fr",
        "local_user": True,
        "support_reset_password": False,
        "need_password_change": True,
        "modules": ["provisioning", "bulk"],
        "profile": {"user_level": 16, "api_rules": []},
        "roles": [{"id": 1, "name": "auditor"}, {"id": 2, "name": "operator"}],
        "passkeys": [],
        "properties": {},
        "two_fa_option": "none",
        "admin_of": [{"type": "system", "level": "System"}],
        "first_name": "Rita",
        "last_name": "Root",
        "token": "machine-token-0123456789",
    }


def test_an_end_user_administers_nothing_and_has_the_user_profile():
    answer = portal.local_user(SCENARIO, SCENARIO.api_users["ann"])
    assert answer["id"] == 5
    assert answer["email"] == ""
    assert answer["is_system"] is False
    assert answer["ui_profile"] == "user"
    assert answer["language"] == "en"
    assert answer["modules"] == ["provisioning"]
    assert answer["profile"] == {"user_level": 0, "api_rules": []}
    assert answer["roles"] == []
    assert answer["admin_of"] == []
    assert (answer["first_name"], answer["last_name"]) == ("Ann", "A")
    assert "token" not in answer


@pytest.mark.parametrize(
    ("username", "admin_of", "profile"),
    [
        ("seller", [{"type": "tenant", "level": "Tenant", "tenant_id": "t", "reseller_id": "r1"}], "admin"),
        ("dept", [{"type": "department", "level": "Department", "tenant_id": "t", "group_id": "g"}], "admin"),
        ("gadmin", [{"type": "group", "level": "Group", "tenant_id": "t", "group_id": "g"}], "admin"),
    ],
)
def test_an_admin_administers_their_scope_at_their_level(username, admin_of, profile):
    user = SCENARIO.api_users[username]
    answer = portal.local_user(SCENARIO, user)
    assert answer["admin_of"] == admin_of
    assert answer["ui_profile"] == profile
    assert answer["profile"]["user_level"] == int(user.level)
    assert "first_name" not in answer and "last_name" not in answer


def test_the_login_answer_adds_the_user_fields_and_the_token_only_when_there_is_one():
    root = portal.core_login_answer(SCENARIO.api_users["root"], "a.b.c", "d.e.f")
    assert root == {
        "access_token": "a.b.c",
        "refresh_token": "d.e.f",
        "ui_profile": "tenant",
        "email_set": True,
        "ids": {},
        "token": "machine-token-0123456789",
    }
    ann = portal.core_login_answer(SCENARIO.api_users["ann"], "a.b.c", "d.e.f")
    assert ann == {
        "access_token": "a.b.c",
        "refresh_token": "d.e.f",
        "ui_profile": "user",
        "email_set": False,
        "ids": {"tenant_id": "t", "group_id": "g", "user_id": "a@x.test"},
    }


def test_the_public_configuration_lists_every_module_and_gateway():
    assert portal.public_configuration(SCENARIO) == {
        "password": {
            "digits": False,
            "duplicate_limit": 0,
            "min_length": 1,
            "min_entropy": 0,
            "uppercase": False,
            "special_chars": False,
        },
        "auth": {"SSO": []},
        "gui": {"prod": False, "modules": ["bulk", "orchestration", "provisioning"]},
        "gateways": [{"name": "Main gateway", "prefix": "/api/v01/p5"}, {"name": "Backup.GW", "prefix": "/api/v01/p2"}],
    }


def test_a_platform_without_api_users_still_lists_provisioning():
    assert portal.platform_modules(Scenario("bare", {})) == ["provisioning"]
    users = {"u": ApiUser("u", "p", Level.SYSTEM, core=CoreAccount(modules=()))}
    assert portal.platform_modules(Scenario("none", {}, api_users=users)) == []


def test_the_gateways_and_health():
    assert portal.gateways(SCENARIO) == {
        "gateways": [{"name": "Main gateway", "prefix": "/api/v01/p5"}, {"name": "Backup.GW", "prefix": "/api/v01/p2"}]
    }
    assert portal.gateways(load_scenario(DEFAULT_SCENARIO)) == {"gateways": [{"name": "APIO", "prefix": "/api/v01/p1"}]}
    assert portal.core_health() == {"status": "OK", "demo": False}


@pytest.mark.parametrize(
    ("path", "gateway_path"),
    [
        ("/api/v01/p5/tenants/t/groups/g/", "/api/v1/tenants/t/groups/g/"),
        ("/api/v01/p2/login/", "/api/v1/login/"),
        ("/api/v01/p5", "/api/v1"),
        ("/api/v01/apio/sync/api/v1/tenants/t/", "/api/v1/tenants/t/"),
        ("/api/v01/apio/sync/api/v1", "/api/v1"),
        ("/api/v01/p1/tenants/t/", None),  # this scenario has no gateway on p1
        ("/api/v01/p55/tenants/t/", None),
        ("/api/v01/p5x/tenants/", None),
        ("/api/v01/apio/sync/tenants/t/", None),
        ("/api/v01/apio/sync", None),
        ("/api/v1/tenants/t/", None),
    ],
)
def test_a_proxied_path_stands_for_a_gateway_path(path, gateway_path):
    assert portal.gateway_path(SCENARIO, path) == gateway_path


def test_a_logout_sign_is_the_sha1_of_the_refresh_token():
    assert portal.logout_signature("abc") == "sha1:a9993e364706816aba3e25717850c26c9cd0d89d"
    token = "x.y.z"
    sign = "sha1:" + hashlib.sha1(token.encode()).hexdigest()
    assert portal.signs(sign, token)
    assert portal.signs(sign.upper(), token)
    assert not portal.signs(sign, "x.y.w")
    assert not portal.signs(hashlib.sha1(token.encode()).hexdigest(), token)  # the sha1: tag is part of it
    assert not portal.signs("", token)


# Rights: from the path alone, 403 with APIO's message.

USERS = SCENARIO.api_users


@pytest.mark.parametrize(
    ("username", "tenant", "group", "allowed"),
    [
        ("root", "t", "g", True),
        ("root", "nowhere", "nothing", True),
        ("seller", "t", "g", True),
        ("seller", "t", "h", False),  # the reseller owns g only
        ("gadmin", "t", "g", True),
        ("gadmin", "t", "h", False),
        ("dept", "t", "g", False),
        ("ann", "t", "g", False),
    ],
)
def test_the_group_reads_need_group_admin_over_the_group(username, tenant, group, allowed):
    if allowed:
        portal.check_group_rights(USERS[username], tenant, group, SETTINGS)
    else:
        with pytest.raises(Forbidden) as caught:
            portal.check_group_rights(USERS[username], tenant, group, SETTINGS)
        assert (caught.value.status, caught.value.body()) == (403, {"details": NO_RIGHTS})


@pytest.mark.parametrize(
    ("username", "tenant", "group", "user_id", "allowed"),
    [
        ("ann", "t", "g", "a@x.test", True),
        ("ann", "t", "g", "c@x.test", False),  # another user of the same group
        ("ann", "t", "h", "a@x.test", False),
        ("ann", "u", "g", "a@x.test", False),
        ("dept", "t", "g", "a@x.test", False),
        ("gadmin", "t", "g", "c@x.test", True),
        ("gadmin", "t", "h", "b@x.test", False),
        ("seller", "t", "g", "a@x.test", True),
        ("root", "t", "h", "nobody@x.test", True),
    ],
)
def test_a_users_call_centers_are_theirs_or_their_admins(username, tenant, group, user_id, allowed):
    if allowed:
        portal.check_user_rights(USERS[username], tenant, group, user_id, SETTINGS)
    else:
        with pytest.raises(Forbidden) as caught:
            portal.check_user_rights(USERS[username], tenant, group, user_id, SETTINGS)
        assert (caught.value.status, caught.value.body()) == (403, {"details": NO_RIGHTS})


# Lookups: 404 naming the first missing part.


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: portal.find_group(SCENARIO, "x", "g"), "Tenant x not found."),
        (lambda: portal.find_group(SCENARIO, "empty", "g"), "Group g not found in tenant empty."),
        (lambda: portal.find_user(SCENARIO, "t", "g", "b@x.test"), "User b@x.test not found in group g."),
        (lambda: portal.find_user(SCENARIO, "t", "q", "b@x.test"), "Group q not found in tenant t."),
        (
            lambda: portal.find_call_center(SCENARIO, CallCenterKey("t", "g", "gen@x.test")),
            "Call center gen@x.test not found in group g.",
        ),
        (lambda: portal.find_call_center(SCENARIO, CallCenterKey("y", "g", "c")), "Tenant y not found."),
    ],
)
def test_a_lookup_of_something_missing_is_a_404(call, message):
    with pytest.raises(NotFound) as caught:
        call()
    assert (caught.value.status, caught.value.body()) == (404, {"details": message})


def test_lookups_find_what_exists():
    assert portal.find_group(SCENARIO, "t", "h").group_id == "h"
    assert portal.find_user(SCENARIO, "t", "h", "b@x.test").first_name == "Bob"
    assert portal.find_call_center(SCENARIO, CallCenterKey("t", "h", "gen@x.test")).service_user_id == "gen@x.test"


# The call-center reads.


def test_the_groups_call_centers_in_scenario_order():
    assert portal.call_center_list(portal.find_group(SCENARIO, "t", "g")) == {
        "call_centers": [
            {
                "serviceUserId": "sales@x.test",
                "name": "Sales desk",
                "phoneNumber": "+3221234567",
                "extension": "4567",
                "isActive": True,
                "policy": "Circular",
                "type": "Premium",
            },
            {
                "serviceUserId": "a-very-long-call-center-name-over-thirty@x.test",
                "name": "a-very-long-call-center-name-o",
                "phoneNumber": "",
                "extension": "",
                "isActive": True,
                "policy": "Regular",
                "type": "Basic",
            },
        ]
    }
    assert portal.call_center_list(Group("none")) == {"call_centers": []}


def test_an_instance_with_every_field_set():
    sales = portal.find_call_center(SCENARIO, CallCenterKey("t", "g", "sales@x.test"))
    assert portal.call_center_instance(sales) == {
        "callCenterInstance": {
            "serviceUserId": "sales@x.test",
            "serviceInstanceProfile": {
                "name": "Sales desk",
                "cliFirstName": "Sales",
                "cliLastName": "Desk",
                "language": "French",
                "timeZone": "Europe/Paris",
                "phoneNumber": "+3221234567",
                "extension": "4567",
                "cliPhoneNumber": None,
                "publicUserIdentity": "",
            },
            "policy": "Circular",
            "type": "Premium",
            "routingType": "Skill Based",
            "queueLength": 25,
            "enableReporting": True,
            "allowAgentLogoff": False,
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


def test_an_instance_with_the_defaults():
    scenario = load_scenario(DEFAULT_SCENARIO)
    basic = portal.find_call_center(scenario, CallCenterKey("foo", "foogroup", "APIOTestCCBasic@sip.netaxis.be"))
    instance = portal.call_center_instance(basic)["callCenterInstance"]
    assert instance["serviceInstanceProfile"] == {
        "name": "APIOTestCCBasic",
        "cliFirstName": "APIOTestCCBasic",
        "cliLastName": "Call Center",
        "language": "English",
        "timeZone": "Europe/Brussels",
        "phoneNumber": "",
        "extension": "",
        "cliPhoneNumber": None,
        "publicUserIdentity": "",
    }
    assert {key: instance[key] for key in ("policy", "type", "routingType", "queueLength", "enableReporting")} == {
        "policy": "Regular",
        "type": "Basic",
        "routingType": "Priority Based",
        "queueLength": 10,
        "enableReporting": False,
    }
    assert instance["allowAgentLogoff"] is True


def test_the_agents_in_the_order_statistics_list_them():
    sales = portal.find_call_center(SCENARIO, CallCenterKey("t", "g", "sales@x.test"))
    assert portal.call_center_agents(sales) == {
        "agents": [
            {"userId": "c@x.test", "firstName": "Cas", "lastName": "C", "phoneNumber": "", "extension": ""},
            {"userId": "a@x.test", "firstName": "Ann", "lastName": "A", "phoneNumber": "", "extension": ""},
            {"userId": "b@x.test", "firstName": "Bob", "lastName": "B", "phoneNumber": "", "extension": ""},
        ]
    }


def test_a_users_call_centers_say_where_they_are_signed_in_now():
    tenant = SCENARIO.tenants["t"]
    ann = portal.find_user(SCENARIO, "t", "g", "a@x.test")
    assert portal.user_call_centers(tenant, ann, NOW) == {
        "agentACDState": "Available",
        "call_centers": [
            {
                "serviceUserId": "sales@x.test",
                "available": True,
                "phoneNumber": "+3221234567",
                "extension": "4567",
                "type": "Premium",
                "logOffAllowed": False,
            },
            {
                "serviceUserId": "a-very-long-call-center-name-over-thirty@x.test",
                "available": False,
                "phoneNumber": "",
                "extension": "",
                "type": "Basic",
                "logOffAllowed": True,
            },
        ],
    }
    # Before her session she is signed out everywhere.
    early = portal.user_call_centers(tenant, ann, NOW - seconds(3 * 3600))
    assert early["agentACDState"] == "Sign-Out"
    assert [entry["available"] for entry in early["call_centers"]] == [False, False]


def test_a_session_that_ended_is_signed_out():
    cas = portal.find_user(SCENARIO, "t", "g", "c@x.test")
    answer = portal.user_call_centers(SCENARIO.tenants["t"], cas, NOW)
    assert answer["agentACDState"] == "Sign-Out"
    assert [(e["serviceUserId"], e["available"]) for e in answer["call_centers"]] == [("sales@x.test", False)]
    during = portal.user_call_centers(SCENARIO.tenants["t"], cas, NOW - seconds(3600) - 1)
    assert during["agentACDState"] == "Available"


def test_a_user_who_is_no_agent_has_no_call_centers():
    ann = portal.find_user(SCENARIO, "t", "g", "a@x.test")
    assert portal.user_call_centers(SCENARIO.tenants["empty"], ann, NOW) == {
        "agentACDState": "Sign-Out",
        "call_centers": [],
    }


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_available_agrees_with_the_statistics_in_every_shipped_scenario(path):
    scenario = load_scenario(path)
    now = scenario.frozen_now if scenario.frozen_now is not None else NOW
    for tenant in scenario.tenants.values():
        for group in tenant.groups.values():
            for user in group.users.values():
                answer = portal.user_call_centers(tenant, user, now)
                for entry in answer["call_centers"]:
                    cc = next(
                        cc
                        for g in tenant.groups.values()
                        for i, cc in g.call_centers.items()
                        if i == entry["serviceUserId"]
                    )
                    stats = compute_statistics(cc, now, now + 1, now)
                    [agent] = [a for a in stats.agents if a.agent.user_id == user.user_id]
                    assert entry["available"] == agent.available


# Every answer keeps to its schema, for every shipped scenario and the portal one.


@pytest.mark.parametrize("path", [*SHIPPED, None], ids=lambda path: path.name if path else "portal")
def test_every_answer_keeps_to_its_schema(path):
    scenario = load_scenario(path) if path else SCENARIO
    now = scenario.frozen_now or NOW
    answers = [("core-public-configuration", portal.public_configuration(scenario))]
    answers.append(("core-gateways", portal.gateways(scenario)))
    answers.append(("core-health", portal.core_health()))
    for user in scenario.api_users.values():
        answers.append(("core-local-user", portal.local_user(scenario, user)))
        answers.append(("core-login-answer", portal.core_login_answer(user, "a.b.c", "d.e.f")))
    for tenant in scenario.tenants.values():
        for group in tenant.groups.values():
            answers.append(("call-center-list", portal.call_center_list(group)))
            for user in group.users.values():
                answers.append(("user-call-centers", portal.user_call_centers(tenant, user, now)))
            for call_center in group.call_centers.values():
                answers.append(("call-center-instance", portal.call_center_instance(call_center)))
                answers.append(("call-center-agents", portal.call_center_agents(call_center)))
    assert len(answers) > 5
    for schema, answer in answers:
        assert STORE.reference_problems(schema, answer) == [], (schema, answer)


def test_the_schemas_refuse_what_the_builders_never_answer():
    configuration = portal.public_configuration(SCENARIO)
    configuration["gateways"][0]["prefix"] = "/api/v01/p5/"
    assert [p.message for p in STORE.reference_problems("core-public-configuration", configuration)] == [
        "gateways[0].prefix has an invalid format."
    ]
    health = {"status": "OK", "demo": False, "valid_until": None}
    assert [p.message for p in STORE.reference_problems("core-health", health)] == ["Unknown field: valid_until."]


# Errors that BroadWorks raised.


def test_a_broadworks_error_body_keys_its_oci_errors_from_zero():
    errors = [
        portal.OciError(4008, "Group not found: g", detail="g"),
        portal.OciError(4410, "Invalid phone number", portal.OciLevel.WARNING),
    ]
    body = portal.oci_error_body(2, "Group not found: g", errors)
    assert body == {
        "errors": [
            {
                "code": 2,
                "message": "Group not found: g",
                "details": {
                    "errors": {
                        "0": {"error_code": 4008, "level": "Error", "summary": "Group not found: g", "detail": "g"},
                        "1": {"error_code": 4410, "level": "Warning", "summary": "Invalid phone number", "detail": ""},
                    }
                },
            }
        ]
    }
    assert STORE.reference_problems("oci-error", body) == []
    # What the portals show.
    assert body["errors"][0]["details"]["errors"]["0"]["summary"] == "Group not found: g"


def test_a_broadworks_error_carries_its_status_and_body():
    error = portal.BroadWorksError(409, 11, "Already there", [portal.OciError(4500, "Duplicate")])
    assert (error.status, error.code, error.message) == (409, 11, "Already there")
    assert error.body() == portal.oci_error_body(11, "Already there", [portal.OciError(4500, "Duplicate")])
    assert error.headers() == {}


def test_a_broadworks_error_without_an_oci_error_is_refused():
    with pytest.raises(ValueError, match="at least one OCI error"):
        portal.oci_error_body(2, "x", [])
    with pytest.raises(ValueError, match="at least one OCI error"):
        portal.BroadWorksError(400, 2, "x", [])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda body: body["errors"][0]["details"]["errors"].clear(), "must have at least 1 field(s)"),
        (lambda body: body["errors"][0]["details"]["errors"].update({"a": {}}), None),
        (lambda body: body["errors"][0]["details"]["errors"]["0"].update(level="Fatal"), "must be one of"),
        (lambda body: body["errors"][0]["details"]["errors"]["0"].pop("summary"), "is required"),
        (lambda body: body["errors"][0].pop("details"), "is required"),
    ],
)
def test_the_oci_error_schema_refuses_a_broken_mapping(change, message):
    body = portal.oci_error_body(2, "x", [portal.OciError(4008, "Group not found")])
    change(body)
    problems = STORE.reference_problems("oci-error", body)
    assert problems
    if message is not None:
        assert message in problems[0].message
