"""What clients can change, kept apart from the immutable scenario it starts from."""

from dataclasses import replace
from typing import Any

from simulator.auth import Credentials
from simulator.clock import Clock
from simulator.errors import NotFound
from simulator.model import REPORTING_FIELDS, CallCenter, CallCenterKey, ReportingSettings, Scenario
from simulator.schemas import SchemaStore


class SimulatorState:
    """One simulated platform: the scenario, what clients changed (settings, logins), and the clock."""

    def __init__(
        self,
        scenario: Scenario,
        clock: Clock | None = None,
        schemas: SchemaStore | None = None,
        auth: bool | None = None,
    ) -> None:
        self.scenario = scenario
        self.clock = clock or Clock(frozen_at=scenario.frozen_now)
        self.schemas = schemas or SchemaStore()
        self.auth_enabled = scenario.auth.enabled if auth is None else auth
        self.credentials = Credentials(scenario.api_users, scenario.auth, self.clock)
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
