"""The simulated platform's objects: plain, immutable Python, no HTTP in sight.

A scenario builds these once; requests only read them. What a client can change (reporting settings) is
kept apart, in `simulator.state`.
"""

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any

from simulator.instants import Instant, seconds

if TYPE_CHECKING:
    from simulator.faults import RuleSpec
    from simulator.history import History
    from simulator.live import LiveTraffic


class Outcome(StrEnum):
    """How a call offered to a call center ended (the scenario file's names)."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"
    TRANSFERRED = "transferred"
    TIMED_OUT = "timedOut"
    BUSY_OVERFLOW = "busyOverflow"


class CallCenterType(StrEnum):
    BASIC = "Basic"
    STANDARD = "Standard"
    PREMIUM = "Premium"


@dataclass(frozen=True, slots=True)
class ReportingSettings:
    """The call center's statistics reporting settings; None means unset."""

    generate_daily_report: bool = False
    collection_period_minutes: int = 30
    reporting_email_address1: str | None = None
    reporting_email_address2: str | None = None
    statistics_source: str | None = None


# APIO's names for the reporting settings, in the order responses list them, and the fields they set.
REPORTING_FIELDS = {
    "generateDailyReport": "generate_daily_report",
    "collectionPeriodMinutes": "collection_period_minutes",
    "reportingEmailAddress1": "reporting_email_address1",
    "reportingEmailAddress2": "reporting_email_address2",
    "statisticsSource": "statistics_source",
}


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    first_name: str
    last_name: str


@dataclass(frozen=True, slots=True)
class Call:
    """One call offered to a call center.

    A queued call leaves the queue `wait_seconds` after it arrived, with its outcome; an answered one is
    then connected for `talk_seconds` and on hold for `hold_seconds`. A busy overflow never enters the
    queue: it happens at arrival.
    """

    arrived_at: Instant
    outcome: Outcome
    wait_seconds: int = 0
    agent: str | None = None
    talk_seconds: int = 0
    hold_seconds: int = 0
    unanswered_by: tuple[str, ...] = ()

    @property
    def outcome_at(self) -> Instant:
        return self.arrived_at + seconds(self.wait_seconds)

    @property
    def talk_ends_at(self) -> Instant:
        return self.outcome_at + seconds(self.talk_seconds)


@dataclass(frozen=True, slots=True)
class AgentSession:
    """A span during which the agent staffs the call center; `signed_out_at` None means still signed in."""

    agent: str
    signed_in_at: Instant
    signed_out_at: Instant | None = None

    def covers(self, instant: Instant) -> bool:
        return self.signed_in_at <= instant and (self.signed_out_at is None or instant < self.signed_out_at)


@dataclass(frozen=True, slots=True)
class CallCenter:
    """A call center and its history, as columns (`statistics.build_call_center`); its statistics index is kept
    beside it, by `statistics.index_of`, so that the model holds no engine objects."""

    service_user_id: str
    type: CallCenterType
    reporting: ReportingSettings
    agents: tuple[User, ...]
    history: "History"
    live: "LiveTraffic | None" = None
    """Generated traffic on a rolling window of days (`generate: {last: ...}`), beside the fixed history."""
    profile: "CallCenterProfile" = field(default_factory=lambda: CallCenterProfile())

    @property
    def calls(self) -> list[Call]:
        """The history's calls as records, in arrival order: built on demand, for export and checks."""
        return self.history.calls(self.agents)

    @property
    def sessions(self) -> list[AgentSession]:
        return self.history.sessions(self.agents)


@dataclass(frozen=True, slots=True)
class Group:
    group_id: str
    users: dict[str, User] = field(default_factory=dict)
    call_centers: dict[str, CallCenter] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Tenant:
    tenant_id: str
    groups: dict[str, Group] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CallCenterKey:
    """Where a call center lives: what the URL names."""

    tenant_id: str
    group_id: str
    call_center_id: str


class Level(IntEnum):
    """APIO's user levels, as `profile.user_level` gives them."""

    USER = 0
    DEPARTMENT = 4
    GROUP = 8
    TENANT = 12
    SYSTEM = 16


LEVEL_NAMES = {
    "user": Level.USER,
    "department": Level.DEPARTMENT,
    "group": Level.GROUP,
    "tenant": Level.TENANT,
    "system": Level.SYSTEM,
}


@dataclass(frozen=True, slots=True)
class Reseller:
    """An APIO reseller: owns some tenants (TenantData) and groups (GroupData)."""

    reseller_id: str
    tenants: frozenset[str] = frozenset()
    groups: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True, slots=True)
class ApiUser:
    """A user who may call the API, with the tenant and group the level needs."""

    username: str
    password: str
    level: Level
    tenant_id: str | None = None
    group_id: str | None = None
    user_id: str | None = None
    reseller: Reseller | None = None
    core: "CoreAccount" = field(default_factory=lambda: CoreAccount())


@dataclass(frozen=True, slots=True)
class AuthSettings:
    enabled: bool = True
    session_minutes: int = 480
    access_token_minutes: int = 15
    refresh_token_minutes: int = 7 * 24 * 60
    reseller_group_check: bool = True
    reseller_tenant_check: bool = False


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    tenants: dict[str, Tenant]
    frozen_now: Instant | None = None
    auth: AuthSettings = AuthSettings()
    api_users: dict[str, ApiUser] = field(default_factory=dict)
    faults: tuple["RuleSpec", ...] = ()  # parsed once, when the scenario is built
    document: dict[str, Any] = field(default_factory=dict)
    """The scenario file as loaded: what `GET /__sim/scenario` starts from."""
    content_hash: str = ""
    seed: int = 0
    """Decided every generated history: the scenario's `seed`, or the one given on the command line."""
    gateways: tuple["Gateway", ...] = field(default_factory=lambda: (Gateway("APIO", 1),))
    """The gateways APIO core lists; each serves the emulated API under `/api/v01/p{prefix}/`."""

    def call_centers(self) -> dict[CallCenterKey, CallCenter]:
        return {
            CallCenterKey(tenant.tenant_id, group.group_id, cc_id): call_center
            for tenant in self.tenants.values()
            for group in tenant.groups.values()
            for cc_id, call_center in group.call_centers.items()
        }


# What APIO portals read besides statistics (simulator.portal renders it): the user's APIO core account,
# the gateways, and the call center's service instance. Every field has a default, so scenarios need none.


class HuntPolicy(StrEnum):
    CIRCULAR = "Circular"
    REGULAR = "Regular"
    SIMULTANEOUS = "Simultaneous"
    UNIFORM = "Uniform"
    WEIGHTED = "Weighted"


class RoutingType(StrEnum):
    PRIORITY_BASED = "Priority Based"
    SKILL_BASED = "Skill Based"


DEFAULT_QUEUE_LENGTH = 10
"""The generator's default queue, so an instance never contradicts the traffic generated for it."""


@dataclass(frozen=True, slots=True)
class CallCenterProfile:
    """The call center's service instance, as GroupCallCenterGetInstanceRequest answers it."""

    name: str = ""
    cli_first_name: str = ""
    cli_last_name: str = "Call Center"
    language: str = "English"
    time_zone: str = "Europe/Brussels"
    phone_number: str = ""
    extension: str = ""
    policy: HuntPolicy = HuntPolicy.REGULAR
    routing_type: RoutingType = RoutingType.PRIORITY_BASED
    queue_length: int = DEFAULT_QUEUE_LENGTH
    enable_reporting: bool = False
    allow_agent_logoff: bool = True


@dataclass(frozen=True, slots=True)
class CoreAccount:
    """What APIO core keeps about an API user, beyond the level and scope the gateway checks."""

    email: str | None = None
    language: str = "en"
    ui_profile: str | None = None
    """None: by level (system, admin or user), the profiles of APIO core's own GUI."""
    modules: tuple[str, ...] = ("provisioning",)
    roles: tuple[str, ...] = ()
    need_password_change: bool = False
    first_name: str | None = None
    last_name: str | None = None
    token: str | None = None
    """A long-lived machine-to-machine API token, when the user has one."""


@dataclass(frozen=True, slots=True)
class Gateway:
    """A gateway as APIO core lists it: its name and the number of its proxy prefix."""

    name: str
    prefix: int

    @property
    def path(self) -> str:
        return f"/api/v01/p{self.prefix}"
