"""Scenario files: YAML or JSON, checked against `schemas/scenario.schema.json`, then built into the model.

A bad file is refused with every problem found, each naming the file, the place inside it and what is
wrong: `scenarios/x.yaml: tenants[0].groups[0].callCenters[1].calls[12].outcome must be one of ...`.
"""

import copy
import dataclasses
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from simulator.constants import MAX_ALIAS_NODES, MAX_NESTING
from simulator.faults import InvalidFault, RuleSpec
from simulator.generator import (
    BuildRefused,
    InvalidTraffic,
    Traffic,
    current_budget,
    estimated_calls,
    generate_history,
    stream_seed,
)
from simulator.history import History
from simulator.instants import INSTANT_RANGE, InvalidDateTime, in_range, parse_instant
from simulator.live import LiveTraffic
from simulator.model import (
    LEVEL_NAMES,
    REPORTING_FIELDS,
    AgentSession,
    ApiUser,
    AuthSettings,
    Call,
    CallCenter,
    CallCenterType,
    Group,
    Outcome,
    ReportingSettings,
    Reseller,
    Scenario,
    Tenant,
    User,
)
from simulator.scenario_portal import PortalFields
from simulator.schemas import SchemaStore, format_path
from simulator.statistics import build_call_center

Place = tuple[str | int, ...]
"""Where in the document: ("tenants", 0, "groups", 1) for tenants[0].groups[1]."""


class ScenarioError(Exception):
    """A scenario that cannot be loaded; `messages` holds one line per problem."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.messages = [f"{source}: {problem}" for problem in problems]
        super().__init__("\n".join(self.messages))


class _ScenarioLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when there is one
    """YAML as scenario authors mean it: date-times stay text, and a key given twice is an error."""


_ScenarioLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _ScenarioLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            line = key_node.start_mark.line + 1
            raise yaml.constructor.ConstructorError(None, None, f"line {line}: duplicate key {key!r}")
        seen.add(key)
    return loader.construct_mapping(node)


_ScenarioLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """How deep a scenario document may nest, and how much its YAML aliases may add once expanded."""

    max_nesting: int = MAX_NESTING
    max_alias_nodes: int = MAX_ALIAS_NODES


_SURROGATE = "a text holds a lone surrogate (such as \\ud800), which is not Unicode; write the character itself."


def read_document(text: str, source: str, limits: ReadLimits | None = None) -> Any:
    """The data of a YAML or JSON text (JSON is YAML, but its own parser gives the better messages).

    Measured before anything is built from it: nesting, alias expansion and lone surrogates are refused
    here, so that nothing later (the schema check, hashing, copying) recurses too deep or expands a bomb.
    """
    limits = limits or ReadLimits()
    try:
        if text.lstrip().startswith(("{", "[")):
            document = json.loads(text, object_pairs_hook=_no_duplicate_keys)
            _check_data(document, limits, source)
            return document
        loader = _ScenarioLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_nodes(node, limits, source)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except RecursionError:
        raise ScenarioError(source, [_too_deep(limits)]) from None
    except (ValueError, yaml.YAMLError) as exc:
        raise ScenarioError(source, [f"not valid YAML or JSON: {_one_line(exc)}"]) from exc


def _too_deep(limits: ReadLimits) -> str:
    return f"not loaded: it nests deeper than {limits.max_nesting} levels (the nesting limit, --max-nesting)."


def _check_data(document: Any, limits: ReadLimits, source: str) -> None:
    """Nesting and text of parsed JSON, without recursion."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value, source)
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > limits.max_nesting:
            raise ScenarioError(source, [_too_deep(limits)])
        items = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict):
            for key in value:
                _check_text(key, source)
        stack.extend((item, depth + 1) for item in items)


def _check_text(value: str, source: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ScenarioError(source, [_SURROGATE]) from None


def _check_nodes(root: yaml.Node, limits: ReadLimits, source: str) -> None:
    """Nesting, alias expansion and text of a composed YAML document, without recursion.

    An alias is the same node met again: the document's size once expanded is counted per distinct node
    (so a bomb of nine aliases nine levels deep is measured in microseconds, not built), and what aliases
    add beyond the nodes written is capped. A node that contains itself can never be expanded.
    """
    expanded: dict[int, int] = {}  # node id -> values it stands for, once expanded
    height: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        children = _children(node)
        if children_done:
            open_nodes.discard(key)
            expanded[key] = 1 + sum(expanded[id(child)] for child in children)
            height[key] = 1 + max((height[id(child)] for child in children), default=0)
            if height[key] > limits.max_nesting:
                raise ScenarioError(source, [_too_deep(limits)])
            continue
        if key in expanded:
            continue
        if key in open_nodes:
            raise ScenarioError(source, ["not loaded: a YAML alias refers to a value that contains it."])
        if isinstance(node, yaml.ScalarNode) and isinstance(node.value, str):
            _check_text(node.value, source)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in expanded)
        if len(open_nodes) > limits.max_nesting:
            raise ScenarioError(source, [_too_deep(limits)])
    added = expanded[id(root)] - len(expanded)
    if added > limits.max_alias_nodes:
        raise ScenarioError(
            source,
            [
                f"not loaded: its YAML aliases expand to {added} more values than are written, more than the "
                f"limit of {limits.max_alias_nodes} (--max-alias-nodes)."
            ],
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate key {duplicates[0]!r}")
    return dict(pairs)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def load_scenario(path: Path | str, schemas: SchemaStore | None = None, seed: int | None = None) -> Scenario:
    """A scenario file; `seed`, when given, overrides the file's own."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), [f"cannot be read: {_one_line(exc)}"]) from exc
    return parse_scenario(read_document(text, str(path)), str(path), schemas, default_name=path.stem, seed=seed)


def parse_scenario(
    data: Any,
    source: str,
    schemas: SchemaStore | None = None,
    default_name: str = "scenario",
    seed: int | None = None,
) -> Scenario:
    data = whole_numbers(data)
    problems = (schemas or SchemaStore()).problems("scenario", data, whole="The scenario")
    if problems:
        raise ScenarioError(source, [problem.message for problem in problems])
    budget = current_budget()
    if budget is not None and budget.max_calls is not None:
        expected = planned_calls(data)
        if expected > budget.max_calls:  # refused from the estimate, before a single call is built
            raise BuildRefused(413, budget.too_many(expected))
    builder = _Builder(seed if seed is not None else data.get("seed", 0))
    scenario = builder.scenario(data, default_name)
    if builder.problems:
        raise ScenarioError(source, builder.problems)
    return scenario


def planned_calls(data: dict[str, Any]) -> int:
    """The calls a schema-valid scenario would build: its explicit ones and its generate blocks' estimates."""
    total = 0
    for tenant in data["tenants"]:
        for group in tenant.get("groups", []):
            for call_center in group.get("callCenters", []):
                total += len(call_center.get("calls", []))
                if "generate" in call_center:
                    total += estimated_calls(call_center["generate"])
    return total


def whole_numbers(node: Any) -> Any:
    """The document with every integral float as an int (15.0 as 15): authors and YAML write numbers either
    way, the schema's integers take only ints, and the API answers what the scenario holds."""
    if isinstance(node, float) and node.is_integer():
        return int(node)
    if isinstance(node, dict):
        return {key: whole_numbers(value) for key, value in node.items()}
    if isinstance(node, list):
        return [whole_numbers(item) for item in node]
    return node


def content_hash(document: Any) -> str:
    """A hash of the scenario's content, the same whatever its formatting (YAML or JSON, key order)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


class _Builder:
    """Builds the model from a schema-valid document, collecting what the schema cannot check."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.problems: list[str] = []
        self.portal = PortalFields(self.problem)
        self._ids: dict[str, Place] = {}
        self._tenant_id = ""
        self._group_id = ""

    def problem(self, path: Place, message: str) -> None:
        self.problems.append(f"{format_path(path)} {message}")

    def instant(self, text: str, path: Place) -> int:
        try:
            return parse_instant(text)
        except InvalidDateTime:
            self.problem(path, f"is not a real date-time: {text!r}.")
            return 0

    def claim_id(self, user_id: str, path: Place) -> None:
        """Users and call centers share BroadWorks' one name space of user ids."""
        if user_id in self._ids:
            self.problem(path, f"repeats the user id {user_id!r} of {format_path(self._ids[user_id])}.")
        else:
            self._ids[user_id] = path

    def scenario(self, data: dict[str, Any], default_name: str) -> Scenario:
        frozen_now = None
        if "clock" in data:
            frozen_now = self.instant(data["clock"]["now"], ("clock", "now"))
            if not in_range(frozen_now):
                self.problem(("clock", "now"), f"must be within {INSTANT_RANGE}.")
        tenants: dict[str, Tenant] = {}
        for t, tenant_data in enumerate(data["tenants"]):
            path: Place = ("tenants", t)
            if tenant_data["id"] in tenants:
                self.problem((*path, "id"), f"repeats the tenant id {tenant_data['id']!r}.")
            tenants[tenant_data["id"]] = self.tenant(tenant_data, path)
        resellers = self.resellers(data.get("resellers", []), tenants)
        faults = []
        for f, rule in enumerate(data.get("faults", [])):
            try:
                faults.append(RuleSpec.from_document(rule))
            except InvalidFault as exc:
                self.problem(("faults", f, "action"), f"is refused: {exc}")
        return Scenario(
            name=data.get("name", default_name),
            tenants=tenants,
            frozen_now=frozen_now,
            auth=_auth_settings(data.get("auth", True)),
            api_users=self.api_users(data.get("apiUsers", []), tenants, resellers),
            faults=tuple(faults),
            document=copy.deepcopy(data),
            content_hash=content_hash(data),
            seed=self.seed,
            gateways=self.portal.gateways(data),
        )

    def resellers(self, items: list[dict[str, Any]], tenants: dict[str, Tenant]) -> dict[str, Reseller]:
        resellers: dict[str, Reseller] = {}
        for r, data in enumerate(items):
            path: Place = ("resellers", r)
            if data["id"] in resellers:
                self.problem((*path, "id"), f"repeats the reseller id {data['id']!r}.")
            for t, tenant_id in enumerate(data.get("tenants", [])):
                self.tenant_reference(tenant_id, None, (*path, "tenants", t), tenants)
            for g, group in enumerate(data.get("groups", [])):
                self.tenant_reference(group["tenant"], group["group"], (*path, "groups", g), tenants)
            resellers[data["id"]] = Reseller(
                reseller_id=data["id"],
                tenants=frozenset(data.get("tenants", [])),
                groups=frozenset((group["tenant"], group["group"]) for group in data.get("groups", [])),
            )
        return resellers

    def api_users(
        self, items: list[dict[str, Any]], tenants: dict[str, Tenant], resellers: dict[str, Reseller]
    ) -> dict[str, ApiUser]:
        users: dict[str, ApiUser] = {}
        for u, data in enumerate(items):
            path: Place = ("apiUsers", u)
            if data["username"] in users:
                self.problem((*path, "username"), f"repeats the username {data['username']!r}.")
            if "tenant" in data:
                self.tenant_reference(data["tenant"], data.get("group"), path, tenants)
            if "userId" in data and self._user_known(data, tenants):
                group = tenants[data["tenant"]].groups[data["group"]]
                if data["userId"] not in group.users:
                    self.problem((*path, "userId"), f"names {data['userId']!r}, who is not a user of this group.")
            if "reseller" in data and data["reseller"] not in resellers:
                self.problem((*path, "reseller"), f"names the reseller {data['reseller']!r}, which is not declared.")
            users[data["username"]] = ApiUser(
                username=data["username"],
                password=data["password"],
                level=LEVEL_NAMES[data["level"]],
                tenant_id=data.get("tenant"),
                group_id=data.get("group"),
                user_id=data.get("userId"),
                reseller=resellers.get(data.get("reseller", "")),
                core=self.portal.core_account(data, path, tenants),
            )
        return users

    @staticmethod
    def _user_known(data: dict[str, Any], tenants: dict[str, Tenant]) -> bool:
        tenant = tenants.get(data["tenant"])
        return tenant is not None and data["group"] in tenant.groups

    def tenant_reference(self, tenant_id: str, group_id: str | None, path: Place, tenants: dict[str, Tenant]) -> None:
        tenant = tenants.get(tenant_id)
        if tenant is None:
            self.problem(path, f"names the tenant {tenant_id!r}, which is not declared.")
        elif group_id is not None and group_id not in tenant.groups:
            self.problem(path, f"names the group {group_id!r}, which is not declared in tenant {tenant_id!r}.")

    def tenant(self, data: dict[str, Any], path: Place) -> Tenant:
        self._tenant_id = data["id"]
        groups_data = data.get("groups", [])
        users = {
            user["userId"]: User(user["userId"], user["firstName"], user["lastName"])
            for group in groups_data
            for user in group.get("users", [])
        }
        groups: dict[str, Group] = {}
        for g, group_data in enumerate(groups_data):
            group_path = (*path, "groups", g)
            if group_data["id"] in groups:
                self.problem((*group_path, "id"), f"repeats the group id {group_data['id']!r}.")
            groups[group_data["id"]] = self.group(group_data, group_path, users)
        return Tenant(tenant_id=data["id"], groups=groups)

    def group(self, data: dict[str, Any], path: Place, tenant_users: dict[str, User]) -> Group:
        self._group_id = data["id"]
        users = {}
        for u, user in enumerate(data.get("users", [])):
            self.claim_id(user["userId"], (*path, "users", u, "userId"))
            users[user["userId"]] = tenant_users[user["userId"]]
        call_centers = {}
        for c, cc_data in enumerate(data.get("callCenters", [])):
            cc_path = (*path, "callCenters", c)
            self.claim_id(cc_data["id"], (*cc_path, "id"))
            call_centers[cc_data["id"]] = self.call_center(cc_data, cc_path, tenant_users)
        return Group(group_id=data["id"], users=users, call_centers=call_centers)

    def call_center(self, data: dict[str, Any], path: Place, tenant_users: dict[str, User]) -> CallCenter:
        agents: list[User] = []
        for a, agent_id in enumerate(data.get("agents", [])):
            if agent_id not in tenant_users:
                self.problem((*path, "agents", a), f"names {agent_id!r}, who is not a user of this tenant.")
            elif any(agent.user_id == agent_id for agent in agents):
                self.problem((*path, "agents", a), f"lists {agent_id!r} twice.")
            else:
                agents.append(tenant_users[agent_id])
        agent_ids = {agent.user_id for agent in agents}
        budget = current_budget()
        if budget is not None:
            budget.check_time()
            budget.add_calls(len(data.get("calls", [])))
        calls = [self.call(call, (*path, "calls", i), agent_ids) for i, call in enumerate(data.get("calls", []))]
        sessions = list(self.sessions(data.get("agentSessions", []), (*path, "agentSessions"), agent_ids))
        reporting = {REPORTING_FIELDS[name]: value for name, value in data.get("reporting", {}).items()}
        history = History.from_records(calls, sessions, agents)
        live = None
        if "generate" in data:
            if "last" in data["generate"]:
                live = self.live(data, path, agents, history)
            else:
                history = self.generated(data, path, agents, history)
        built = build_call_center(
            data["id"],
            agents,
            history=history,
            type=CallCenterType(data.get("type", CallCenterType.BASIC)),
            reporting=ReportingSettings(**reporting),
            live=live,
        )
        return dataclasses.replace(built, profile=self.portal.call_center_profile(data, path))

    def live(self, data: dict[str, Any], path: Place, agents: list[User], explicit: History) -> LiveTraffic | None:
        """A rolling window of generated days beside the explicit records; each day is built when asked for."""
        agent_ids = [agent.user_id for agent in agents]
        if not agent_ids:
            self.problem((*path, "generate"), "needs the call center to have agents.")
            return None
        seed = stream_seed(self.seed, self._tenant_id, self._group_id, data["id"])
        try:
            live = LiveTraffic(Traffic.from_document(data["generate"], agent_ids), seed, len(agent_ids))
        except InvalidTraffic as exc:
            self.problem((*path, "generate"), f"is refused: {exc}")
            return None
        for agent in _clashes_with_shifts(live, explicit):
            self.problem((*path, "generate", "shifts"), f"overlap agentSessions of {agent_ids[agent]!r}.")
        return live

    def generated(self, data: dict[str, Any], path: Place, agents: list[User], explicit: History) -> History:
        """The explicit records and the generated traffic, together; the generated part from the seed."""
        agent_ids = [agent.user_id for agent in agents]
        if not agent_ids:
            self.problem((*path, "generate"), "needs the call center to have agents.")
            return explicit
        seed = stream_seed(self.seed, self._tenant_id, self._group_id, data["id"])
        try:
            history = explicit.merged(generate_history(data["generate"], agent_ids, seed))
        except InvalidTraffic as exc:
            self.problem((*path, "generate"), f"is refused: {exc}")
            return explicit
        for agent in history.overlapping_sessions():
            self.problem((*path, "generate", "shifts"), f"overlap agentSessions of {agent_ids[agent]!r}.")
        return history

    def agent_reference(self, agent_id: str, path: Place, agent_ids: set[str]) -> None:
        if agent_id not in agent_ids:
            self.problem(path, f"names {agent_id!r}, who is not an agent of this call center.")

    def call(self, data: dict[str, Any], path: Place, agent_ids: set[str]) -> Call:
        if "agent" in data:
            self.agent_reference(data["agent"], (*path, "agent"), agent_ids)
        for u, agent_id in enumerate(data.get("unansweredBy", [])):
            self.agent_reference(agent_id, (*path, "unansweredBy", u), agent_ids)
        # Unknown agents are reported above; the scenario is refused, but building goes on to find more.
        return Call(
            arrived_at=self.instant(data["arrivedAt"], (*path, "arrivedAt")),
            outcome=Outcome(data["outcome"]),
            wait_seconds=data.get("waitSeconds", 0),
            agent=data["agent"] if data.get("agent") in agent_ids else None,
            talk_seconds=data.get("talkSeconds", 0),
            hold_seconds=data.get("holdSeconds", 0),
            unanswered_by=tuple(agent for agent in data.get("unansweredBy", ()) if agent in agent_ids),
        )

    def sessions(self, sessions: list[dict[str, Any]], path: Place, agent_ids: set[str]) -> Iterator[AgentSession]:
        built = []
        for s, data in enumerate(sessions):
            self.agent_reference(data["agent"], (*path, s, "agent"), agent_ids)
            session = AgentSession(
                agent=data["agent"],
                signed_in_at=self.instant(data["from"], (*path, s, "from")),
                signed_out_at=self.instant(data["to"], (*path, s, "to")) if "to" in data else None,
            )
            if session.signed_out_at is not None and session.signed_out_at <= session.signed_in_at:
                self.problem((*path, s, "to"), "must be later than from.")
            if session.agent in agent_ids:
                built.append((s, session))
        # One agent cannot be signed in twice at once: overlapping sessions would count staffed time twice.
        furthest: dict[str, tuple[int, AgentSession]] = {}
        for s, session in sorted(built, key=lambda item: item[1].signed_in_at):
            if session.agent in furthest:
                e, other = furthest[session.agent]
                if _ends_after(other, session.signed_in_at):
                    self.problem((*path, s), f"overlaps {format_path((*path, e))} of the same agent.")
                if not _ends_after(other, session.signed_out_at):
                    furthest[session.agent] = (s, session)
            else:
                furthest[session.agent] = (s, session)
            yield session


def _auth_settings(value: bool | dict[str, Any]) -> AuthSettings:
    if isinstance(value, bool):
        return AuthSettings(enabled=value)
    names = {
        "enabled": "enabled",
        "sessionMinutes": "session_minutes",
        "accessTokenMinutes": "access_token_minutes",
        "refreshTokenMinutes": "refresh_token_minutes",
        "resellerGroupCheck": "reseller_group_check",
        "resellerTenantCheck": "reseller_tenant_check",
    }
    return AuthSettings(**{names[key]: item for key, item in value.items()})


def _clashes_with_shifts(live: LiveTraffic, explicit: History) -> list[int]:
    """Agents whose explicit sessions overlap a generated shift. Shifts repeat every week, so an explicit
    session is checked against the shifts of its first eight days (and the one before): a longer or open
    session meets every weekly shift of its agent there."""
    clashing: set[int] = set()
    for agent, start, end in zip(
        explicit.session_agent.tolist(), explicit.session_from.tolist(), explicit.session_to.tolist(), strict=True
    ):
        first = live.local_date(start) - timedelta(days=1)
        for d in range(10):
            for other, signed_in, signed_out in live.shifts_of(first + timedelta(days=d)):
                if other == agent and signed_in < end and start < signed_out:
                    clashing.add(agent)
    return sorted(clashing)


def _ends_after(session: AgentSession, instant: int | None) -> bool:
    """Whether the session is still signed in at `instant` (None: forever)."""
    if session.signed_out_at is None:
        return True
    return instant is not None and session.signed_out_at > instant
