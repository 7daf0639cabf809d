"""The scenario fields APIO portals read: API users' core accounts, gateways, call-center instances.

Kept apart from `simulator.scenario` so that the statistics side of a scenario reads the same as before;
the loader calls these with a schema-valid document and its `problem` function, for what the schema
cannot check (repeats across items, fields that must agree).
"""

import re
from collections.abc import Callable
from typing import Any

from simulator.model import (
    DEFAULT_QUEUE_LENGTH,
    LEVEL_NAMES,
    CallCenterProfile,
    CoreAccount,
    Gateway,
    HuntPolicy,
    Level,
    RoutingType,
    Tenant,
)
from simulator.schemas import format_path

Place = tuple[str | int, ...]

# Formats the schema leaves to the loader: patterns there would slow the conformance fuzzer down too much.
FORMATS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"[^@\s]+@[^@\s]+"),
    "uiProfile": re.compile(r"\S+"),
    "token": re.compile(r"[A-Za-z0-9._~+-]+"),
    "timeZone": re.compile(r"\S+"),
    "phoneNumber": re.compile(r"\+?[0-9-]+"),
    "extension": re.compile(r"[0-9]+"),
}
DEFAULT_GATEWAYS = (Gateway("APIO", 1),)
NAME_LENGTH = 30  # BroadWorks' limit on a service instance's name and calling line id names


def gateway_key(name: str) -> str:
    """How APIO core's GUI keys a gateway (`src/utils.js`): lower-cased, dots and spaces taken out."""
    return name.lower().replace(".", "").replace(" ", "")


class PortalFields:
    """Reads the portal fields of one scenario document, reporting problems through `problem`."""

    def __init__(self, problem: Callable[[Place, str], None]) -> None:
        self._problem = problem
        self._tokens: dict[str, Place] = {}

    def check_formats(self, data: dict[str, Any], path: Place) -> None:
        for key, pattern in FORMATS.items():
            if isinstance(data.get(key), str) and pattern.fullmatch(data[key]) is None:
                self._problem((*path, key), "has an invalid format.")
        for m, module in enumerate(data.get("modules", [])):
            if FORMATS["uiProfile"].fullmatch(module) is None:
                self._problem((*path, "modules", m), "has an invalid format.")

    def gateways(self, data: dict[str, Any]) -> tuple[Gateway, ...]:
        if "gateways" not in data:
            return DEFAULT_GATEWAYS
        prefixes: dict[int, Place] = {}
        keys: dict[str, Place] = {}
        gateways = []
        for g, item in enumerate(data["gateways"]):
            path: Place = ("gateways", g)
            gateway = Gateway(item["name"], item["prefix"])
            if gateway.prefix in prefixes:
                self._problem(
                    (*path, "prefix"),
                    f"repeats the prefix {gateway.prefix} of {format_path(prefixes[gateway.prefix])}.",
                )
            else:
                prefixes[gateway.prefix] = path
            key = gateway_key(gateway.name)
            if key in keys:
                self._problem(
                    (*path, "name"),
                    f"names the same gateway as {format_path(keys[key])}"
                    f" once lower-cased without dots and spaces ({key!r}).",
                )
            else:
                keys[key] = path
            gateways.append(gateway)
        return tuple(gateways)

    def core_account(self, data: dict[str, Any], path: Place, tenants: dict[str, Tenant]) -> CoreAccount:
        self.check_formats(data, path)
        first_name, last_name = data.get("firstName"), data.get("lastName")
        if LEVEL_NAMES[data["level"]] == Level.USER:
            # An end user is a BroadWorks user: their names are the default.
            group = tenants.get(data.get("tenant", ""), Tenant("")).groups.get(data.get("group", ""))
            user = group.users.get(data.get("userId", "")) if group is not None else None
            if user is not None:
                first_name = first_name or user.first_name
                last_name = last_name or user.last_name
        token = data.get("token")
        if token is not None:
            # The token is a secret: the message names where it was given before, never its value.
            if token in self._tokens:
                self._problem((*path, "token"), f"repeats the token of {format_path(self._tokens[token])}.")
            else:
                self._tokens[token] = path
        return CoreAccount(
            email=data.get("email"),
            language=data.get("language", "en"),
            ui_profile=data.get("uiProfile"),
            modules=tuple(data.get("modules", ("provisioning",))),
            roles=tuple(data.get("roles", ())),
            need_password_change=data.get("needPasswordChange", False),
            first_name=first_name,
            last_name=last_name,
            token=token,
        )

    def call_center_profile(self, data: dict[str, Any], path: Place) -> CallCenterProfile:
        self.check_formats(data, path)
        name = data.get("name", data["id"].split("@")[0][:NAME_LENGTH])
        generated = data.get("generate", {}).get("queueLength")
        queue_length = data.get("queueLength", generated if generated is not None else DEFAULT_QUEUE_LENGTH)
        if generated is not None and queue_length != generated:
            self._problem(
                (*path, "queueLength"),
                f"is {queue_length}, but generate.queueLength is {generated}: the queue has one length.",
            )
        return CallCenterProfile(
            name=name,
            cli_first_name=data.get("cliFirstName", name),
            cli_last_name=data.get("cliLastName", "Call Center"),
            language=data.get("language", "English"),
            time_zone=data.get("timeZone", "Europe/Brussels"),
            phone_number=data.get("phoneNumber", ""),
            extension=data.get("extension", ""),
            policy=HuntPolicy(data.get("policy", HuntPolicy.REGULAR)),
            routing_type=RoutingType(data.get("routingType", RoutingType.PRIORITY_BASED)),
            queue_length=queue_length,
            enable_reporting=data.get("enableReporting", False),
            allow_agent_logoff=data.get("allowAgentLogoff", True),
        )
