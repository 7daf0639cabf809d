"""What APIO portals read besides statistics, built from the model: plain Python, no HTTP.

APIO core's session surface (the current user, the public configuration, health, the gateways, the login
answer), the call-center reads a dashboard starts from, the rights they need, and the body of an error that
BroadWorks raised. docs/portals.md says which client reads which field, and what is inferred.

Rights are decided from the path alone, before anything is looked up, so a 403 never reveals whether a
tenant, group, user or call center exists; lookups then raise NotFound naming the first missing part.
"""

import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

from simulator.auth import NO_RIGHTS, check_rights, login_ids
from simulator.errors import Forbidden, NotFound
from simulator.instants import Instant
from simulator.model import (
    ApiUser,
    AuthSettings,
    CallCenter,
    CallCenterKey,
    Group,
    Level,
    Scenario,
    Tenant,
    User,
)
from simulator.oci import BroadWorksError, OciError, OciLevel, oci_error_body  # noqa: F401  (part of this API)
from simulator.statistics import compute_statistics

SYNC_PREFIX = "/api/v01/apio/sync"
"""The legacy proxy prefix of older APIO core GUIs: it serves the emulated API like every gateway's."""

# BroadWorks' defaults for a new call-center instance, for the settings the simulator does not model.
INSTANCE_DEFAULTS: dict[str, Any] = {
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

# The simulator takes any non-empty password: the rules it publishes say so.
PASSWORD_RULES: dict[str, Any] = {
    "digits": False,
    "duplicate_limit": 0,
    "min_length": 1,
    "min_entropy": 0,
    "uppercase": False,
    "special_chars": False,
}

_LEVEL_LABELS = {
    Level.USER: "User",
    Level.DEPARTMENT: "Department",
    Level.GROUP: "Group",
    Level.TENANT: "Tenant",
    Level.SYSTEM: "System",
}


# Rights.


def check_group_rights(user: ApiUser, tenant_id: str, group_id: str, settings: AuthSettings) -> None:
    """The group's call centers, one of them, its agents: minimum Group Admin over the group."""
    check_rights(user, tenant_id, group_id, settings)


def check_user_rights(user: ApiUser, tenant_id: str, group_id: str, user_id: str, settings: AuthSettings) -> None:
    """A user's call centers: minimum End User, who reads only their own; admins as for the group."""
    if user.level >= Level.GROUP:
        check_rights(user, tenant_id, group_id, settings)
    elif (user.tenant_id, user.group_id, user.user_id) != (tenant_id, group_id, user_id):
        raise Forbidden(NO_RIGHTS)


# Lookups: NotFound names the first part of the path that does not exist, as the statistics paths do.


def find_tenant(scenario: Scenario, tenant_id: str) -> Tenant:
    tenant = scenario.tenants.get(tenant_id)
    if tenant is None:
        raise NotFound(f"Tenant {tenant_id} not found.")
    return tenant


def find_group(scenario: Scenario, tenant_id: str, group_id: str) -> Group:
    group = find_tenant(scenario, tenant_id).groups.get(group_id)
    if group is None:
        raise NotFound(f"Group {group_id} not found in tenant {tenant_id}.")
    return group


def find_call_center(scenario: Scenario, key: CallCenterKey) -> CallCenter:
    call_center = find_group(scenario, key.tenant_id, key.group_id).call_centers.get(key.call_center_id)
    if call_center is None:
        raise NotFound(f"Call center {key.call_center_id} not found in group {key.group_id}.")
    return call_center


def find_user(scenario: Scenario, tenant_id: str, group_id: str, user_id: str) -> User:
    user = find_group(scenario, tenant_id, group_id).users.get(user_id)
    if user is None:
        raise NotFound(f"User {user_id} not found in group {group_id}.")
    return user


# APIO core's session surface.


def ui_profile(user: ApiUser) -> str:
    """The scenario's, or by level the profiles of APIO core's own GUI (system, admin, user)."""
    if user.core.ui_profile is not None:
        return user.core.ui_profile
    if user.level == Level.SYSTEM:
        return "system"
    return "user" if user.level == Level.USER else "admin"


def core_login_answer(user: ApiUser, access_token: str, refresh_token: str) -> dict[str, Any]:
    """POST /api/v01/auth/login: the tokens, and what APIO core adds about the user."""
    answer: dict[str, Any] = {
        "access_token": access_token,
        "refresh_token": refresh_token,
        "ui_profile": ui_profile(user),
        "email_set": user.core.email is not None,
        "ids": login_ids(user),
    }
    if user.core.token is not None:
        answer["token"] = user.core.token
    return answer


def admin_of(user: ApiUser) -> list[dict[str, Any]]:
    """What the user administers, with its level: nothing for an end user."""
    if user.level == Level.USER:
        return []
    entry: dict[str, Any] = {"type": _LEVEL_LABELS[user.level].lower(), "level": _LEVEL_LABELS[user.level]}
    entry.update({key: value for key, value in login_ids(user).items() if key != "user_id"})
    if user.reseller is not None:
        entry["reseller_id"] = user.reseller.reseller_id
    return [entry]


def local_user(scenario: Scenario, user: ApiUser) -> dict[str, Any]:
    """GET /api/v01/system/users/local: the current user as APIO core keeps them."""
    core = user.core
    answer: dict[str, Any] = {
        "id": list(scenario.api_users).index(user.username) + 1,
        "username": user.username,
        "email": core.email if core.email is not None else "",
        "is_system": user.level == Level.SYSTEM,
        "ui_profile": ui_profile(user),
        "ui_data": {},
        "groups": [],
        "language": core.language,
        "local_user": True,
        "support_reset_password": False,
        "need_password_change": core.need_password_change,
        "modules": list(core.modules),
        "profile": {"user_level": int(user.level), "api_rules": []},
        "roles": [{"id": r, "name": name} for r, name in enumerate(core.roles, start=1)],
        "passkeys": [],
        "properties": {},
        "two_fa_option": "none",
        "admin_of": admin_of(user),
    }
    if core.first_name is not None:
        answer["first_name"] = core.first_name
    if core.last_name is not None:
        answer["last_name"] = core.last_name
    if core.token is not None:
        answer["token"] = core.token
    return answer


def platform_modules(scenario: Scenario) -> list[str]:
    """Every module some API user has (the default user's provisioning when there are no API users)."""
    users = scenario.api_users.values()
    return sorted({module for user in users for module in user.core.modules} if users else {"provisioning"})


def gateway_list(scenario: Scenario) -> list[dict[str, str]]:
    return [{"name": gateway.name, "prefix": gateway.path} for gateway in scenario.gateways]


def public_configuration(scenario: Scenario) -> dict[str, Any]:
    """GET /api/v01/system/configuration/public: read before login, so it holds nothing user-specific."""
    return {
        "password": dict(PASSWORD_RULES),
        "auth": {"SSO": []},
        "gui": {"prod": False, "modules": platform_modules(scenario)},
        "gateways": gateway_list(scenario),
    }


def gateways(scenario: Scenario) -> dict[str, Any]:
    """GET /api/v01/apio/provisioning/gateways."""
    return {"gateways": gateway_list(scenario)}


def core_health() -> dict[str, Any]:
    """GET /api/v01/health: up, no demo licence. No `valid_until`: APIO core's GUI reads a null one as expired."""
    return {"status": "OK", "demo": False}


GATEWAY_API = "/api/v1"


def gateway_path(scenario: Scenario, path: str) -> str | None:
    """The gateway path (`/api/v1/tenants/...`) that a path under a proxy prefix stands for, or None.

    A gateway's prefix stands for `/api/v1` (`/api/v01/p5/tenants/` is `/api/v1/tenants/`); the legacy
    sync prefix is followed by the whole gateway path (`/api/v01/apio/sync/api/v1/tenants/`). None: no
    known prefix, a JSON 404 to answer.
    """
    for gateway in scenario.gateways:
        if path == gateway.path or path.startswith(gateway.path + "/"):
            return GATEWAY_API + path[len(gateway.path) :]
    rest = path[len(SYNC_PREFIX) :] if path.startswith(SYNC_PREFIX + "/") else ""
    if rest == GATEWAY_API or rest.startswith(GATEWAY_API + "/"):
        return rest
    return None


def logout_signature(refresh_token: str) -> str:
    """The `sign` APIO core's GUI sends to log out: `sha1:` and the SHA-1 of the refresh token, in hex."""
    return "sha1:" + hashlib.sha1(refresh_token.encode()).hexdigest()


def signs(sign: str, refresh_token: str) -> bool:
    """Whether a logout's `sign` names this refresh token (compared in constant time)."""
    return hmac.compare_digest(sign.strip().lower().encode(), logout_signature(refresh_token).encode())


# The call-center reads.


def call_center_list(group: Group) -> dict[str, Any]:
    """GET .../groups/{group}/services/call_centers/: the group's call centers, in scenario order."""
    return {
        "call_centers": [
            {
                "serviceUserId": service_user_id,
                "name": call_center.profile.name,
                "phoneNumber": call_center.profile.phone_number,
                "extension": call_center.profile.extension,
                "isActive": True,
                "policy": str(call_center.profile.policy),
                "type": str(call_center.type),
            }
            for service_user_id, call_center in group.call_centers.items()
        ]
    }


def call_center_instance(call_center: CallCenter) -> dict[str, Any]:
    """GET .../services/call_centers/{call_center}/: the service instance, as BroadWorks answers it."""
    profile = call_center.profile
    return {
        "callCenterInstance": {
            "serviceUserId": call_center.service_user_id,
            "serviceInstanceProfile": {
                "name": profile.name,
                "cliFirstName": profile.cli_first_name,
                "cliLastName": profile.cli_last_name,
                "language": profile.language,
                "timeZone": profile.time_zone,
                "phoneNumber": profile.phone_number,
                "extension": profile.extension,
                "cliPhoneNumber": None,
                "publicUserIdentity": "",
            },
            "policy": str(profile.policy),
            "type": str(call_center.type),
            "routingType": str(profile.routing_type),
            "queueLength": profile.queue_length,
            "enableReporting": profile.enable_reporting,
            "allowAgentLogoff": profile.allow_agent_logoff,
            **INSTANCE_DEFAULTS,
        }
    }


def call_center_agents(call_center: CallCenter) -> dict[str, Any]:
    """GET .../services/call_centers/{call_center}/agents/: its agents, in the order statistics list them."""
    return {
        "agents": [
            {
                "userId": agent.user_id,
                "firstName": agent.first_name,
                "lastName": agent.last_name,
                "phoneNumber": "",
                "extension": "",
            }
            for agent in call_center.agents
        ]
    }


def _agent_of(tenant: Tenant, user_id: str) -> Iterator[tuple[CallCenter, int]]:
    """The tenant's call centers the user is an agent of, with their place among its agents."""
    for group in tenant.groups.values():
        for call_center in group.call_centers.values():
            for position, agent in enumerate(call_center.agents):
                if agent.user_id == user_id:
                    yield call_center, position


def _available(call_center: CallCenter, position: int, now: Instant) -> bool:
    """Whether the agent at `position` is signed in at `now`: the statistics' own answer, live traffic included."""
    return compute_statistics(call_center, now, now + 1, now).agents[position].available


def user_call_centers(tenant: Tenant, user: User, now: Instant) -> dict[str, Any]:
    """GET .../groups/{group}/users/{user}/services/call_centers/: the call centers the user is an agent of.

    `available` is whether the user is signed in to that call center at `now`, as in the statistics; the
    ACD state is Available when they are signed in to any, Sign-Out otherwise.
    """
    entries = [
        {
            "serviceUserId": call_center.service_user_id,
            "available": _available(call_center, position, now),
            "phoneNumber": call_center.profile.phone_number,
            "extension": call_center.profile.extension,
            "type": str(call_center.type),
            "logOffAllowed": call_center.profile.allow_agent_logoff,
        }
        for call_center, position in _agent_of(tenant, user.user_id)
    ]
    return {
        "agentACDState": "Available" if any(entry["available"] for entry in entries) else "Sign-Out",
        "call_centers": entries,
    }
