"""Handlers of the control API. Each acts on the request's namespace only; health and the namespace list
also say how many there are."""

import asyncio
import copy
import re
import time
from typing import Any

import yaml
from aiohttp import web

from simulator import __version__
from simulator.api.body import required_json_object
from simulator.api.journal import readable
from simulator.api.reporting import render_reporting
from simulator.api.respond import respond, simulator_of, state_of
from simulator.clock import ClockOutOfRange
from simulator.errors import HttpError, InvalidParameters, NotFound, PayloadTooLarge
from simulator.faults import FaultRule, InvalidFault, RuleSpec
from simulator.generator import BuildRefused
from simulator.instants import (
    INSTANT_RANGE,
    MICROS_PER_SECOND,
    OffsetInstant,
    format_date_time,
    parse_instant,
)
from simulator.journal import Entry, Filter
from simulator.model import CallCenterKey, Scenario
from simulator.openapi import openapi_document
from simulator.scenario import ScenarioError
from simulator.state import Namespace

# Health and the OpenAPI document


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document(simulator_of(request).schemas))


async def health(request: web.Request) -> web.Response:
    simulator = simulator_of(request)
    return respond(
        request,
        "health",
        {
            "status": "ready",
            "version": __version__,
            "scenario": scenario_summary(state_of(request).scenario),
            "uptimeSeconds": round(time.monotonic() - simulator.started, 3),
            "namespaces": len(simulator.namespaces()),
        },
    )


def scenario_summary(scenario: Scenario) -> dict[str, Any]:
    call_centers = scenario.call_centers().values()
    return {
        "name": scenario.name,
        "hash": scenario.content_hash,
        "seed": scenario.seed,
        "callCenters": len(call_centers),
        "calls": sum(len(call_center.history) for call_center in call_centers),
    }


# Faults


def rule_answer(rule: FaultRule) -> dict[str, Any]:
    return {"id": rule.rule_id, **rule.document(), "matched": rule.matched, "hits": rule.hits}


async def list_faults(request: web.Request) -> web.Response:
    rules = state_of(request).faults.rules()
    return respond(request, "fault-list", {"faults": [rule_answer(rule) for rule in rules]})


async def add_fault(request: web.Request) -> web.Response:
    namespace = state_of(request)
    document = await required_json_object(request)
    namespace.schemas.require("fault-rule", document)
    limit = simulator_of(request).options.max_fault_rules
    if len(namespace.faults.rules()) >= limit:
        raise HttpError(429, f"Too many fault rules (at most {limit} per namespace); delete some first.")
    try:
        spec = RuleSpec.from_document(document)
    except InvalidFault as exc:
        raise InvalidParameters(f"action: {exc}") from None
    return respond(request, "fault-rule-answer", rule_answer(namespace.faults.add(spec)), status=201)


async def delete_fault(request: web.Request) -> web.Response:
    rule_id = request.match_info["rule_id"]
    if not state_of(request).faults.remove(rule_id):
        raise NotFound(f"Fault rule {rule_id} not found.")
    return respond(request, "control-answer", {"deleted": rule_id})


async def clear_faults(request: web.Request) -> web.Response:
    return respond(request, "control-answer", {"deleted": state_of(request).faults.clear()})


# Journal


async def find_requests(request: web.Request) -> web.Response:
    namespace = state_of(request)
    query = {name: request.query[name] for name in request.query}
    namespace.schemas.require("journal-query", query)
    wanted = Filter(
        endpoint=query.get("endpoint"),
        method=query.get("method"),
        status=int(query["status"]) if "status" in query else None,
        tenant=query.get("tenant"),
        group=query.get("group"),
        call_center=query.get("callCenter"),
        since=_instant(query, "since"),
        until=_instant(query, "until"),
    )
    entries = namespace.journal.find(wanted)
    return respond(request, "journal", {"count": len(entries), "requests": [entry_answer(e) for e in entries]})


def _instant(query: dict[str, str], name: str) -> int | None:
    if name not in query:
        return None
    try:
        return parse_instant(query[name])
    except ValueError:
        raise InvalidParameters(f"{name} is not a real date-time.") from None


def entry_answer(entry: Entry) -> dict[str, Any]:
    request = entry.request
    return {
        "id": entry.number,
        "time": _zulu(entry.at),
        "method": request.method,
        "path": request.path,
        "endpoint": request.endpoint,
        "tenant": request.tenant,
        "group": request.group,
        "callCenter": request.call_center,
        "query": entry.query,
        "body": readable(entry.body),
        "status": entry.status,
        "responseBody": readable(entry.response_body),
        "fault": entry.fault,
        "durationMs": round(entry.duration_ms, 3),
    }


async def clear_requests(request: web.Request) -> web.Response:
    journal = state_of(request).journal
    count = len(journal)
    journal.clear()
    return respond(request, "control-answer", {"deleted": count})


# Clock

_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")


def _zulu(instant: int) -> str:
    return format_date_time(OffsetInstant(instant, 0, zulu=True))


def clock_answer(namespace: Namespace) -> dict[str, Any]:
    return {"now": _zulu(namespace.clock.now()), "frozen": namespace.clock.frozen}


async def get_clock(request: web.Request) -> web.Response:
    return respond(request, "clock", clock_answer(state_of(request)))


async def put_clock(request: web.Request) -> web.Response:
    namespace = state_of(request)
    change = await required_json_object(request)
    namespace.schemas.require("clock-update", change)
    try:
        if "now" in change:
            namespace.clock.freeze(parse_instant(change["now"]))
        elif "advance" in change:
            namespace.clock.advance(duration_micros(change["advance"]))
        else:
            namespace.clock.real_time()
    except ClockOutOfRange:
        name = "now" if "now" in change else "advance"
        raise InvalidParameters(f"{name}: the clock must stay within {INSTANT_RANGE}; it is unchanged.") from None
    except ValueError:
        raise InvalidParameters("now is not a real date-time.") from None
    namespace.credentials.purge_expired()  # logins the move ended go now, not at the next login
    return respond(request, "clock", clock_answer(namespace))


def duration_micros(value: float | str) -> int:
    """Seconds, or an ISO 8601 duration such as PT15M or P1DT2H, in microseconds."""
    if isinstance(value, str):
        match = _DURATION.fullmatch(value)
        assert match is not None  # the schema's pattern let it through
        days, hours, minutes, secs = (match.group(i) or "0" for i in range(1, 5))
        value = int(days) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(secs)
    return round(value * MICROS_PER_SECOND)


# Scenario and reset


HIDDEN_PASSWORD = "(hidden: GET /__sim/scenario?passwords=true shows it)"
"""What an export says in place of each API user's password, unless asked: a page or a log that gets the
export does not get the logins."""


async def export_scenario(request: web.Request) -> web.StreamResponse:
    """The namespace's current state as a scenario file that, loaded again, behaves the same (with
    `passwords=true`; without, each password is a placeholder)."""
    namespace = state_of(request)
    query = {name: request.query[name] for name in request.query}
    namespace.schemas.require("scenario-query", query)
    document = export_document(namespace)
    if query.get("passwords") != "true":
        for user in document.get("apiUsers", []):
            user["password"] = HIDDEN_PASSWORD
    if query.get("format", "json") == "yaml":
        namespace.schemas.require("scenario", document)
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        return web.Response(text=text, content_type="application/yaml")
    return respond(request, "scenario", document)


def export_document(namespace: Namespace) -> dict[str, Any]:
    document = copy.deepcopy(namespace.scenario.document)
    if document.get("seed", 0) != namespace.scenario.seed:  # loaded with --seed: the export must say so
        document["seed"] = namespace.scenario.seed
    settings = namespace.all_reporting()
    for tenant in document["tenants"]:
        for group in tenant.get("groups", []):
            for call_center in group.get("callCenters", []):
                key = CallCenterKey(tenant["id"], group["id"], call_center["id"])
                call_center["reporting"] = render_reporting(settings[key])
    if namespace.clock.frozen:
        document["clock"] = {"now": _zulu(namespace.clock.now())}
    else:
        document.pop("clock", None)
    rules = [rule.document() for rule in namespace.faults.rules()]
    if rules:
        document["faults"] = rules
    else:
        document.pop("faults", None)
    return document


async def load_scenario(request: web.Request) -> web.Response:
    """Start the request's namespace again on a scenario (YAML or JSON); other namespaces keep theirs.

    Built in a worker thread, so the server keeps answering meanwhile, and the namespace keeps its previous
    scenario until the new one is ready; a build past the limits is stopped and changes nothing. The same
    text, or the same content, comes from the simulator's cache of built scenarios.
    """
    simulator = simulator_of(request)
    name = state_of(request).name
    limit = simulator.options.max_scenario_bytes
    if (request.content_length or 0) > limit:
        raise PayloadTooLarge(f"The scenario is larger than {limit} bytes (--max-scenario-bytes).")
    raw = await request.read()
    if len(raw) > limit:  # a chunked body says its length only once read
        raise PayloadTooLarge(f"The scenario is larger than {limit} bytes (--max-scenario-bytes).")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidParameters("scenario: not UTF-8 text.") from None
    build = simulator.scenarios.build
    try:
        scenario = await asyncio.to_thread(
            build, text, simulator.schemas, "scenario", simulator.read_limits(), simulator.build_budget()
        )
        simulator.check_fault_count(scenario)
    except ScenarioError as error:
        raise InvalidParameters(error.messages) from None
    except BuildRefused as error:
        raise HttpError(error.status, f"scenario: {error.message}") from None
    simulator.load(name, scenario)
    return respond(request, "scenario-loaded", scenario_summary(scenario))


async def reset(request: web.Request) -> web.Response:
    name = state_of(request).name
    simulator_of(request).reset(name)
    return respond(request, "control-answer", {"reset": name})


# Namespaces


async def list_namespaces(request: web.Request) -> web.Response:
    namespaces = [
        {
            "name": namespace.name,
            "requests": len(namespace.journal),
            "faults": len(namespace.faults.rules()),
            "now": _zulu(namespace.clock.now()),
        }
        for namespace in simulator_of(request).namespaces()
    ]
    return respond(request, "namespaces", {"namespaces": namespaces})


async def delete_namespace(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    simulator_of(request).drop(name)
    return respond(request, "control-answer", {"deleted": name})
