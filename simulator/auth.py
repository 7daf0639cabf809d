"""Who may call the API: rights by level and scope, and login sessions and tokens on the simulator's clock.

Plain Python: the HTTP side (cookies, Bearer headers, error bodies) lives in `simulator.api.login` and the
authentication guard (`simulator.api.guard`).
"""

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from simulator.clock import Clock
from simulator.constants import MAX_LOGINS
from simulator.errors import Forbidden, HttpError, InvalidParameters
from simulator.instants import MICROS_PER_SECOND, Instant, seconds
from simulator.model import ApiUser, AuthSettings, Level

NO_RIGHTS = "You do not have the rights to access this resource."
_PURGE_FLOOR = 1024


def check_rights(user: ApiUser, tenant_id: str, group_id: str, settings: AuthSettings) -> None:
    """Allow `user` a group-level resource that needs at least Group Admin, or raise Forbidden.

    Decided from the path alone, before anything is looked up, so a 403 never reveals whether the tenant,
    group or call center exists.
    """
    if user.level < Level.GROUP:
        raise Forbidden(NO_RIGHTS)
    if user.level == Level.GROUP and (user.tenant_id, user.group_id) != (tenant_id, group_id):
        raise Forbidden(NO_RIGHTS)
    if user.level == Level.TENANT and user.tenant_id != tenant_id:
        raise Forbidden(NO_RIGHTS)
    reseller = user.reseller
    if reseller is not None:
        if settings.reseller_group_check and (tenant_id, group_id) not in reseller.groups:
            raise Forbidden(NO_RIGHTS)
        if settings.reseller_tenant_check and tenant_id not in reseller.tenants:
            raise Forbidden(NO_RIGHTS)


def login_ids(user: ApiUser) -> dict[str, str]:
    """The `ids` of the login answer: only those that fit the user's level."""
    ids = {"tenant_id": user.tenant_id, "group_id": user.group_id, "user_id": user.user_id}
    return {key: value for key, value in ids.items() if value is not None}


@dataclass(frozen=True, slots=True)
class _Grant:
    user: ApiUser
    kind: str  # "session", "access" or "refresh"
    expires_at: Instant
    login: str  # the login this grant comes from: logging out ends all of them


class LoginBudget:
    """The cap on sessions and tokens held at once, shared by every namespace of a server.

    Knows the live `Credentials` drawing on it, so that a login at the cap can first drop the expired grants
    of every namespace: each namespace has its own clock, and one whose clock moved on (or whose logins ran
    out) must not keep the others locked out.
    """

    def __init__(self, limit: int = MAX_LOGINS) -> None:
        self.limit = limit
        self.held = 0
        self._holders: dict[int, Credentials] = {}  # by id: released ones leave, so none is kept alive

    def join(self, holder: "Credentials") -> None:
        self._holders[id(holder)] = holder

    def leave(self, holder: "Credentials") -> None:
        self._holders.pop(id(holder), None)

    def purge_expired(self) -> int:
        """Drop the expired grants of every namespace; how many went. Run only at the cap: a holder with
        nothing expired on its clock answers without a scan, so this is O(namespaces) then."""
        return sum(holder.purge_expired() for holder in list(self._holders.values()))


class Credentials:
    """The live sessions and tokens of one simulated platform."""

    def __init__(
        self, users: dict[str, ApiUser], settings: AuthSettings, clock: Clock, budget: LoginBudget | None = None
    ) -> None:
        self.users = users
        self.settings = settings
        self._clock = clock
        self._grants: dict[str, _Grant] = {}
        self._purge_above = _PURGE_FLOOR
        self._signing_key = secrets.token_bytes(32)
        self._budget = budget or LoginBudget()
        self._budget.join(self)
        self._next_expiry: Instant | None = None  # the earliest expiry held: no purge can free anything before

    def __len__(self) -> int:
        """How many sessions and tokens are held, expired ones not yet purged included."""
        return len(self._grants)

    def authenticate(self, username: object, password: object) -> ApiUser | None:
        user = self.users.get(username) if isinstance(username, str) else None
        if user is None or not isinstance(password, str):
            return None
        try:
            given = password.encode()
        except UnicodeEncodeError:  # JSON can write "\ud800", which no UTF-8 text holds
            raise InvalidParameters("password: not Unicode text (it holds a lone surrogate such as \\ud800).") from None
        return user if hmac.compare_digest(user.password.encode(), given) else None

    def purge_expired(self) -> int:
        """Drop the sessions and tokens that have expired on the clock; how many went."""
        now = self._clock.now()
        if self._next_expiry is None or now < self._next_expiry:
            return 0  # nothing expired yet: no scan
        kept = {key: grant for key, grant in self._grants.items() if grant.expires_at > now}
        dropped = len(self._grants) - len(kept)
        self._grants = kept
        self._next_expiry = min((grant.expires_at for grant in kept.values()), default=None)
        self._budget.held -= dropped
        self._purge_above = max(_PURGE_FLOOR, 2 * len(kept))
        return dropped

    def release(self) -> None:
        """Give every grant back to the budget: the namespace holding them is gone or started again."""
        self._budget.held -= len(self._grants)
        self._budget.leave(self)
        self._grants = {}
        self._next_expiry = None
        # A request still in flight on this namespace (one delayed by a fault) may log in after this: it must
        # not take a share of the server's cap that nothing would give back.
        self._budget = LoginBudget(self._budget.limit)

    def _make_room(self, needed: int) -> None:
        """Refuse a login that would take the server past its cap, once expired grants are dropped: this
        namespace's first, then every namespace's."""
        if self._budget.held + needed <= self._budget.limit:
            return
        self.purge_expired()
        if self._budget.held + needed > self._budget.limit:
            self._budget.purge_expired()
        if self._budget.held + needed > self._budget.limit:
            raise HttpError(
                429,
                f"Too many live logins (at most {self._budget.limit} sessions and tokens); log out, "
                "let them expire or reset the namespace.",
            )

    def open_session(self, user: ApiUser) -> str:
        """A gateway login: the value of the `sessionid` cookie."""
        self._make_room(1)
        session_id = secrets.token_hex(16)
        self._grant(session_id, user, "session", self.settings.session_minutes, login=session_id)
        return session_id

    def issue_tokens(self, user: ApiUser) -> tuple[str, str]:
        """An APIO core login: an access token and a refresh token."""
        self._make_room(2)
        login = secrets.token_hex(8)
        return self._token(user, "access", login), self._token(user, "refresh", login)

    def refresh(self, refresh_token: str) -> str | None:
        grant = self._valid(refresh_token, "refresh")
        if grant is not None:
            self._make_room(1)
        return None if grant is None else self._token(grant.user, "access", grant.login)

    def user_of(self, credential: str, kind: str) -> ApiUser | None:
        grant = self._valid(credential, kind)
        return None if grant is None else grant.user

    def end_login(self, credential: str, kind: str) -> bool:
        """Log out: end every session or token of the login `credential` belongs to."""
        grant = self._valid(credential, kind)
        if grant is None:
            return False
        for key in [key for key, other in self._grants.items() if other.login == grant.login]:
            del self._grants[key]
            self._budget.held -= 1
        return True

    def end_login_named(self, kind: str, names: Callable[[str], bool]) -> bool:
        """Log out the login of the first live `kind` credential that `names` accepts (a logout's `sign`)."""
        for credential in [key for key, grant in self._grants.items() if grant.kind == kind and names(key)]:
            if self.end_login(credential, kind):
                return True
        return False

    def _valid(self, credential: str, kind: str) -> _Grant | None:
        grant = self._grants.get(credential)
        if grant is None or grant.kind != kind:
            return None
        if self._clock.now() >= grant.expires_at:
            del self._grants[credential]
            self._budget.held -= 1
            return None
        return grant

    def _grant(self, key: str, user: ApiUser, kind: str, minutes: int, login: str) -> None:
        now = self._clock.now()
        if len(self._grants) >= self._purge_above:
            # Expired grants nobody presents again would pile up: drop them, at amortised O(1) per login.
            self.purge_expired()
        if key not in self._grants:
            self._budget.held += 1
        expires_at = now + seconds(60 * minutes)
        self._grants[key] = _Grant(user, kind, expires_at, login)
        if self._next_expiry is None or expires_at < self._next_expiry:
            self._next_expiry = expires_at

    def _token(self, user: ApiUser, kind: str, login: str) -> str:
        """A signed JWT (HS256), so clients that read `exp` from their tokens work as with APIO core."""
        minutes = self.settings.access_token_minutes if kind == "access" else self.settings.refresh_token_minutes
        now = self._clock.now()
        claims = {
            "sub": user.username,
            "typ": kind,
            "iat": now // MICROS_PER_SECOND,
            "exp": (now + seconds(60 * minutes)) // MICROS_PER_SECOND,
            "jti": secrets.token_hex(8),
        }
        header = _b64({"alg": "HS256", "typ": "JWT"})
        payload = _b64(claims)
        signature = hmac.new(self._signing_key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        token = f"{header}.{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
        self._grant(token, user, kind, minutes, login)
        return token


def _b64(document: dict[str, object]) -> str:
    raw = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
