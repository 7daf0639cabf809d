"""A scenario that sets every portal field, and valid portal answers built from it and the shipped ones."""

import copy
from typing import Any

from simulator import portal
from simulator.instants import parse_instant
from simulator.resources import scenarios_dir
from simulator.scenario import load_scenario, parse_scenario

PORTAL_SCENARIO: dict[str, Any] = {
    "name": "portal",
    "clock": {"now": "2021-03-01T10:00:00+01:00"},
    "gateways": [{"name": "Main gateway", "prefix": 5}, {"name": "Backup.GW", "prefix": 2}],
    "resellers": [{"id": "r1", "tenants": ["t"], "groups": [{"tenant": "t", "group": "g"}]}],
    "apiUsers": [
        {
            "username": "root",
            "password": "root-password",
            "level": "system",
            "email": "root@x.test",
            "language": "fr",
            "uiProfile": "tenant",
            "modules": ["provisioning", "bulk"],
            "roles": ["auditor", "operator"],
            "needPasswordChange": True,
            "firstName": "Rita",
            "lastName": "Root",
            "token": "machine-token-0123456789",
        },
        {"username": "seller", "password": "p", "level": "tenant", "tenant": "t", "reseller": "r1", "modules": []},
        {"username": "dept", "password": "p", "level": "department", "tenant": "t", "group": "g"},
        {"username": "gadmin", "password": "p", "level": "group", "tenant": "t", "group": "g",
         "modules": ["orchestration"]},
        {"username": "ann", "password": "p", "level": "user", "tenant": "t", "group": "g", "userId": "a@x.test"},
        {"username": "ben", "password": "p", "level": "user", "tenant": "t", "group": "h", "userId": "b@x.test",
         "lastName": "Bee"},
    ],
    "tenants": [
        {
            "id": "t",
            "groups": [
                {
                    "id": "g",
                    "users": [
                        {"userId": "a@x.test", "firstName": "Ann", "lastName": "A"},
                        {"userId": "c@x.test", "firstName": "Cas", "lastName": "C"},
                    ],
                    "callCenters": [
                        {
                            "id": "sales@x.test",
                            "type": "Premium",
                            "name": "Sales desk",
                            "cliFirstName": "Sales",
                            "cliLastName": "Desk",
                            "language": "French",
                            "timeZone": "Europe/Paris",
                            "phoneNumber": "+3221234567",
                            "extension": "4567",
                            "policy": "Circular",
                            "routingType": "Skill Based",
                            "queueLength": 25,
                            "enableReporting": True,
                            "allowAgentLogoff": False,
                            "agents": ["c@x.test", "a@x.test", "b@x.test"],
                            "agentSessions": [
                                {"agent": "a@x.test", "from": "2021-03-01T08:00:00+01:00"},
                                {"agent": "c@x.test", "from": "2021-03-01T08:00:00+01:00",
                                 "to": "2021-03-01T09:00:00+01:00"},
                            ],
                        },
                        {"id": "a-very-long-call-center-name-over-thirty@x.test", "agents": ["a@x.test"]},
                    ],
                },
                {
                    "id": "h",
                    "users": [{"userId": "b@x.test", "firstName": "Bob", "lastName": "B"}],
                    "callCenters": [
                        {
                            "id": "gen@x.test",
                            "type": "Standard",
                            "agents": ["b@x.test"],
                            "generate": {
                                "from": "2021-03-01",
                                "to": "2021-03-02",
                                "callsPerHour": 2,
                                "queueLength": 4,
                            },
                        }
                    ],
                },
            ],
        },
        {"id": "empty"},
    ],
}  # fmt: skip

NOW = parse_instant(PORTAL_SCENARIO["clock"]["now"])


def portal_scenario(**changes: Any):
    document = copy.deepcopy(PORTAL_SCENARIO)
    document.update(changes)
    return parse_scenario(document, "portal.yaml")


def portal_corpus() -> dict[str, list[Any]]:
    """Valid documents of every portal schema, for the schema verdict tests."""
    scenarios = [portal_scenario()] + [load_scenario(path) for path in sorted(scenarios_dir().glob("*.yaml"))]
    users = [(scenario, user) for scenario in scenarios for user in scenario.api_users.values()]
    call_centers = [cc for scenario in scenarios for cc in scenario.call_centers().values()]
    tenants = [tenant for scenario in scenarios for tenant in scenario.tenants.values()]
    token = "a.b.c"
    return {
        "core-local-user": [portal.local_user(scenario, user) for scenario, user in users],
        "core-login-answer": [portal.core_login_answer(user, token, token) for _, user in users],
        "core-public-configuration": [portal.public_configuration(scenario) for scenario in scenarios],
        "core-gateways": [portal.gateways(scenario) for scenario in scenarios],
        "core-health": [portal.core_health()],
        "call-center-list": [portal.call_center_list(g) for t in tenants for g in t.groups.values()],
        "call-center-instance": [portal.call_center_instance(cc) for cc in call_centers],
        "call-center-agents": [portal.call_center_agents(cc) for cc in call_centers],
        "user-call-centers": [
            portal.user_call_centers(tenant, user, NOW)
            for tenant in tenants
            for group in tenant.groups.values()
            for user in group.users.values()
        ],
        "oci-error": [
            portal.oci_error_body(2, "Group not found", [portal.OciError(4008, "Group not found", detail="")]),
            portal.oci_error_body(
                2,
                "Two problems",
                [
                    portal.OciError(4410, "Invalid phone number", portal.OciLevel.WARNING, "+32x"),
                    portal.OciError(4008, "Group not found", portal.OciLevel.ERROR, "g"),
                ],
            ),
        ],
        "scenario-portal": [{}, PORTAL_SCENARIO],  # definitions only: any document keeps to it
    }
