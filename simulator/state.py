"""What clients can change, kept apart from the immutable scenario it starts from.

A `Namespace` holds everything a test can change: reporting settings, fault rules, the journal, the clock
and the logins. The call histories are never copied: they belong to the immutable `Scenario` that every
namespace shares, so creating or resetting a namespace costs the same for 10 calls or a million.
"""

import random
import re
import time
from dataclasses import dataclass, replace
from typing import Any

from simulator.auth import Credentials
from simulator.clock import Clock
from simulator.errors import HttpError, InvalidParameters, NotFound
from simulator.faults import Faults
from simulator.instants import Instant
from simulator.journal import DEFAULT_SIZE, Journal
from simulator.model import REPORTING_FIELDS, CallCenter, CallCenterKey, ReportingSettings, Scenario
from simulator.schemas import SchemaStore

DEFAULT_NAMESPACE = "default"
MAX_NAMESPACES = 1000
_NAMESPACE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


@dataclass(frozen=True, slots=True)
class Options:
    """How the server was started: what the scenario does not decide."""

    auth: bool | None = None  # None: as the scenario says
    now: Instant | None = None  # None: as the scenario says
    journal_size: int = DEFAULT_SIZE
    max_namespaces: int = MAX_NAMESPACES
    admin_token: str | None = None  # None: the control API is open
    max_body_bytes: int = 1024 * 1024  # bodies to the emulated API above this size get 413


class Namespace:
    """One isolated copy of everything a test can change, started from the loaded scenario."""

    def __init__(self, name: str, scenario: Scenario, schemas: SchemaStore, options: Options) -> None:
        self.name = name
        self.scenario = scenario
        self.schemas = schemas
        now = options.now if options.now is not None else scenario.frozen_now
        self.clock = Clock(frozen_at=now)
        self.auth_enabled = scenario.auth.enabled if options.auth is None else options.auth
        self.credentials = Credentials(scenario.api_users, scenario.auth, self.clock)
        self.faults = Faults(scenario.faults)
        self.journal = Journal(options.journal_size)
        self.random = random.Random(name)  # delays drawn between bounds repeat run after run
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
        settings = replace(self.reporting(key), **values)
        self._reporting[key] = settings
        return settings

    def all_reporting(self) -> dict[CallCenterKey, ReportingSettings]:
        return dict(self._reporting)


class Simulator:
    """The simulated platform: the loaded scenario and its namespaces, created on first use."""

    def __init__(self, scenario: Scenario, schemas: SchemaStore | None = None, options: Options | None = None) -> None:
        self.schemas = schemas or SchemaStore()
        self.options = options or Options()
        self.started = time.monotonic()
        self.scenario = scenario
        self._namespaces: dict[str, Namespace] = {}
        self.namespace(DEFAULT_NAMESPACE)

    def namespace(self, name: str = DEFAULT_NAMESPACE) -> Namespace:
        found = self._namespaces.get(name)
        if found is not None:
            return found
        if not _NAMESPACE_NAME.fullmatch(name):
            raise InvalidParameters(
                "X-Apio-Sim-Namespace must be 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a "
                "letter or digit."
            )
        if len(self._namespaces) >= self.options.max_namespaces:
            raise HttpError(
                429,
                f"Too many namespaces (at most {self.options.max_namespaces}); "
                "delete some with DELETE /__sim/namespaces/<name>.",
            )
        created = Namespace(name, self.scenario, self.schemas, self.options)
        self._namespaces[name] = created
        return created

    def namespaces(self) -> list[Namespace]:
        return list(self._namespaces.values())

    def reset(self, name: str) -> Namespace:
        """Back to the loaded scenario: settings, faults, journal, clock and logins."""
        self._namespaces[name] = Namespace(name, self.scenario, self.schemas, self.options)
        return self._namespaces[name]

    def drop(self, name: str) -> None:
        if name == DEFAULT_NAMESPACE:
            raise InvalidParameters("The default namespace cannot be deleted; reset it instead.")
        if self._namespaces.pop(name, None) is None:
            raise NotFound(f"Namespace {name} not found.")

    def load(self, scenario: Scenario) -> None:
        """Put `scenario` in place of the current one: every namespace starts again from it."""
        self.scenario = scenario
        self._namespaces = {}
        self.namespace(DEFAULT_NAMESPACE)
