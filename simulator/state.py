"""What clients can change, kept apart from the immutable scenarios it starts from.

A `Namespace` holds everything a test can change: its scenario, reporting settings, fault rules, the
journal, the clock and the logins. The call histories are never copied: they belong to an immutable
`Scenario`, shared by every namespace that runs on it, so creating or resetting a namespace costs the same
for 10 calls or a million. Built scenarios are kept in a `ScenarioCache`, so loading the same file into
many namespaces builds it once.
"""

import hashlib
import random
import threading
import time
import traceback
from collections import OrderedDict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from simulator.auth import Credentials, LoginBudget
from simulator.clock import Clock
from simulator.constants import (
    BUILD_SECONDS,
    DEFAULT_NAMESPACE,
    INTERNAL_ERRORS_KEPT,
    JOURNAL_BYTES,
    JOURNAL_SIZE,
    MAX_ALIAS_NODES,
    MAX_BODY_BYTES,
    MAX_CALLS,
    MAX_FAULT_RULES,
    MAX_LOGINS,
    MAX_NAMESPACES,
    MAX_NESTING,
    MAX_SCENARIO_BYTES,
    NAMESPACE_HEADER,
    NAMESPACE_NAME,
    SCENARIO_CACHE_SIZE,
)
from simulator.errors import HttpError, InvalidParameters, NotFound
from simulator.faults import Faults
from simulator.generator import BuildBudget
from simulator.instants import Instant
from simulator.journal import Journal, JournalBudget
from simulator.model import REPORTING_FIELDS, CallCenter, CallCenterKey, ReportingSettings, Scenario
from simulator.scenario import ReadLimits, ScenarioError, content_hash, parse_scenario, read_document
from simulator.schemas import SchemaStore

__all__ = ["DEFAULT_NAMESPACE", "MAX_NAMESPACES", "InternalErrorRecord", "Namespace", "Options", "Simulator"]


@dataclass(frozen=True, slots=True)
class Options:
    """How the server was started: what the scenario does not decide."""

    auth: bool | None = None  # None: as the scenario says
    now: Instant | None = None  # None: as the scenario says
    journal_size: int = JOURNAL_SIZE
    max_namespaces: int = MAX_NAMESPACES
    admin_token: str | None = None  # None: the control API is open
    max_body_bytes: int = MAX_BODY_BYTES  # bodies to the emulated API above this size get 413
    scenario_cache_size: int = SCENARIO_CACHE_SIZE
    # Limits that hold in total (docs/control/limits.md)
    max_scenario_bytes: int = MAX_SCENARIO_BYTES
    max_nesting: int = MAX_NESTING
    max_alias_nodes: int = MAX_ALIAS_NODES
    max_calls: int = MAX_CALLS
    build_seconds: float = BUILD_SECONDS
    max_fault_rules: int = MAX_FAULT_RULES
    journal_bytes: int = JOURNAL_BYTES
    max_logins: int = MAX_LOGINS


@dataclass(frozen=True, slots=True)
class InternalErrorRecord:
    """A request the simulator failed on by a bug of its own (a 500 no fault rule asked for)."""

    method: str
    path: str
    message: str
    traceback: str | None  # None when the error was caught as an ApioError (a response schema check)

    def report(self) -> str:
        lines = [f"{self.method} {self.path}: {self.message}"]
        if self.traceback:
            lines.append(self.traceback.rstrip())
        return "\n".join(lines)


class Namespace:
    """One isolated copy of everything a test can change, started from its scenario."""

    def __init__(
        self,
        name: str,
        scenario: Scenario,
        schemas: SchemaStore,
        options: Options,
        journal_budget: JournalBudget | None = None,
        login_budget: LoginBudget | None = None,
    ) -> None:
        self.name = name
        self.scenario = scenario
        self.schemas = schemas
        now = options.now if options.now is not None else scenario.frozen_now
        self.clock = Clock(frozen_at=now)
        self.auth_enabled = scenario.auth.enabled if options.auth is None else options.auth
        self.credentials = Credentials(scenario.api_users, scenario.auth, self.clock, login_budget)
        self.faults = Faults(scenario.faults)
        self.journal = Journal(options.journal_size, journal_budget)
        self.random = random.Random(name)  # delays drawn between bounds repeat run after run
        self.internal_errors: deque[InternalErrorRecord] = deque(maxlen=INTERNAL_ERRORS_KEPT)
        self._call_centers = scenario.call_centers()
        self._reporting = {key: cc.reporting for key, cc in self._call_centers.items()}

    def call_center(self, key: CallCenterKey) -> CallCenter:
        """The call center at `key`, or NotFound naming the first part of the path that does not exist."""
        call_center = self._call_centers.get(key)
        if call_center is not None:
            return call_center
        tenant = self.scenario.tenants.get(key.tenant_id)
        if tenant is None:
            raise NotFound(f"Tenant {key.tenant_id} not found.")
        if key.group_id not in tenant.groups:
            raise NotFound(f"Group {key.group_id} not found in tenant {key.tenant_id}.")
        raise NotFound(f"Call center {key.call_center_id} not found in group {key.group_id}.")

    def reporting(self, key: CallCenterKey) -> ReportingSettings:
        self.call_center(key)
        return self._reporting[key]

    def update_reporting(self, key: CallCenterKey, changes: dict[str, Any]) -> ReportingSettings:
        """Apply a validated update body: omitted fields stay, an empty e-mail address is deleted."""
        values = {REPORTING_FIELDS[name]: (value if value != "" else None) for name, value in changes.items()}
        settings = replace(self.reporting(key), **values)  # type: ignore[arg-type]  # names checked by the schema
        self._reporting[key] = settings
        return settings

    def all_reporting(self) -> dict[CallCenterKey, ReportingSettings]:
        return dict(self._reporting)

    def retire(self) -> None:
        """Give the server-wide budgets back what this namespace holds: it was dropped or started again."""
        self.journal.clear()
        self.credentials.release()

    def record_internal_error(self, method: str, path: str, message: str, error: BaseException | None) -> None:
        trace = None if error is None else "".join(traceback.format_exception(error))
        self.internal_errors.append(InternalErrorRecord(method, path, message, trace))


class ScenarioCache:
    """Built scenarios, by the SHA-256 of their text and by the hash of their content.

    Keeps the `size` most recently used; a namespace running on a scenario that fell out keeps it alive.
    The text key skips even the YAML parse when the same file comes again; the content key catches the
    same scenario written differently (YAML or JSON, another key order).
    """

    def __init__(self, size: int = SCENARIO_CACHE_SIZE) -> None:
        self.size = size
        self._by_key: OrderedDict[str, Scenario] = OrderedDict()
        self._lock = threading.Lock()  # loads build in worker threads
        self.builds = 0  # how many scenarios were built, not found: what the tests of the cache count

    def build(
        self,
        text: str | bytes,
        schemas: SchemaStore,
        source: str = "scenario",
        limits: ReadLimits | None = None,
        budget: BuildBudget | None = None,
    ) -> Scenario:
        """The scenario of a YAML or JSON text; ScenarioError (from `simulator.scenario`) when it is bad,
        BuildRefused (from `simulator.generator`) when it goes past `budget`. Safe to call from a thread."""
        raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
        text_key = "text:" + hashlib.sha256(raw).hexdigest()
        found = self._get(text_key)
        if found is not None:
            return found
        document = read_document(raw.decode("utf-8") if isinstance(text, bytes) else text, source, limits)
        content_key = self._content_key(document)
        scenario = self._get(content_key) if content_key is not None else None
        if scenario is None:
            with budget.active() if budget is not None else _no_budget():
                scenario = parse_scenario(document, source, schemas)
            with self._lock:
                self.builds += 1
            if content_key is not None:
                self._put(content_key, scenario)
        self._put(text_key, scenario)
        return scenario

    def add(self, scenario: Scenario) -> None:
        """Make an already-built scenario (the server's base) findable by its content."""
        self._put("content:" + scenario.content_hash + f":{scenario.seed}", scenario)

    @staticmethod
    def _content_key(document: Any) -> str | None:
        try:
            seed = document.get("seed", 0) if isinstance(document, dict) else 0
            return "content:" + content_hash(document) + f":{seed}"
        except (TypeError, ValueError):  # not JSON-like: the schema check will say why
            return None

    def _get(self, key: str) -> Scenario | None:
        with self._lock:
            found = self._by_key.get(key)
            if found is not None:
                self._by_key.move_to_end(key)
            return found

    def _put(self, key: str, scenario: Scenario) -> None:
        with self._lock:
            self._by_key[key] = scenario
            self._by_key.move_to_end(key)
            while len(self._by_key) > self.size * 2:  # two keys per scenario
                self._by_key.popitem(last=False)

    def __len__(self) -> int:
        return len({id(scenario) for scenario in self._by_key.values()})


@contextmanager
def _no_budget() -> Iterator[None]:
    yield


class Simulator:
    """The simulated platform: its base scenario and the namespaces, created on first use from it.

    Each namespace runs on a scenario of its own: the base one, unless a scenario was loaded into it.
    Nothing is global: loading a scenario or resetting changes one namespace only.
    """

    def __init__(self, scenario: Scenario, schemas: SchemaStore | None = None, options: Options | None = None) -> None:
        self.schemas = schemas or SchemaStore()
        self.options = options or Options()
        self.started = time.monotonic()
        self.base = scenario
        self.scenarios = ScenarioCache(self.options.scenario_cache_size)
        self.scenarios.add(scenario)
        self.journal_budget = JournalBudget(self.options.journal_bytes)
        self.login_budget = LoginBudget(self.options.max_logins)
        self._namespaces: dict[str, Namespace] = {}
        self.namespace(DEFAULT_NAMESPACE)

    def namespace(self, name: str = DEFAULT_NAMESPACE) -> Namespace:
        found = self._namespaces.get(name)
        if found is not None:
            return found
        return self._create(name, self.base)

    def _create(self, name: str, scenario: Scenario) -> Namespace:
        if not NAMESPACE_NAME.fullmatch(name):
            raise InvalidParameters(
                f"{NAMESPACE_HEADER} must be 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a "
                "letter or digit."
            )
        if name not in self._namespaces and len(self._namespaces) >= self.options.max_namespaces:
            raise HttpError(
                429,
                f"Too many namespaces (at most {self.options.max_namespaces}); "
                "delete some with DELETE /__sim/namespaces/<name>.",
            )
        created = Namespace(name, scenario, self.schemas, self.options, self.journal_budget, self.login_budget)
        previous = self._namespaces.get(name)
        if previous is not None:
            previous.retire()
        self._namespaces[name] = created
        return created

    def current(self, namespace: Namespace) -> Namespace:
        """`namespace`, if it is still the one of its name: a reset, a load or a drop replaces the object."""
        if self._namespaces.get(namespace.name) is not namespace:
            raise HttpError(
                409,
                f"The namespace {namespace.name} was reset, reloaded or deleted while this request waited; "
                "the request was not acted on.",
            )
        return namespace

    def namespaces(self) -> list[Namespace]:
        return list(self._namespaces.values())

    def read_limits(self) -> ReadLimits:
        return ReadLimits(max_nesting=self.options.max_nesting, max_alias_nodes=self.options.max_alias_nodes)

    def build_budget(self) -> BuildBudget:
        """A fresh budget for one load: its clock starts now."""
        return BuildBudget(max_calls=self.options.max_calls, seconds=self.options.build_seconds)

    def check_fault_count(self, scenario: Scenario) -> None:
        if len(scenario.faults) > self.options.max_fault_rules:
            raise ScenarioError(
                "scenario",
                [
                    f"faults: {len(scenario.faults)} rules, more than the limit of {self.options.max_fault_rules} "
                    "per namespace (--max-fault-rules)."
                ],
            )

    def reset(self, name: str) -> Namespace:
        """Back to the namespace's scenario (the one loaded into it, else the base): settings, faults,
        journal, clock and logins."""
        current = self._namespaces.get(name)
        return self._create(name, self.base if current is None else current.scenario)

    def load(self, name: str, scenario: Scenario) -> Namespace:
        """Start namespace `name` again on `scenario`; every other namespace is left as it is."""
        return self._create(name, scenario)

    def drop(self, name: str) -> None:
        if name == DEFAULT_NAMESPACE:
            raise InvalidParameters("The default namespace cannot be deleted; reset it instead.")
        dropped = self._namespaces.pop(name, None)
        if dropped is None:
            raise NotFound(f"Namespace {name} not found.")
        dropped.retire()

    def start_over(self, scenario: Scenario | None = None) -> Namespace:
        """Drop every namespace and start the default one again, on `scenario` (default: the base)."""
        for dropped in self._namespaces.values():
            dropped.retire()
        self._namespaces = {}
        return self._create(DEFAULT_NAMESPACE, scenario or self.base)
