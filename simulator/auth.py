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
from simulator.errors import Forbidden
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


class Credentials:
    """The live sessions and tokens of one simulated platform."""

    def __init__(self, users: dict[str, ApiUser], settings: AuthSettings, clock: Clock) -> None:
        self.users = users
        self.settings = settings
        self._clock = clock
        self._grants: dict[str, _Grant] = {}
        self._purge_above = _PURGE_FLOOR
        self._signing_key = secrets.token_bytes(32)

    def __len__(self) -> int:
        """How many sessions and tokens are held, expired ones not yet purged included."""
        return len(self._grants)

    def authenticate(self, username: object, password: object) -> ApiUser | None:
        user = self.users.get(username) if isinstance(username, str) else None
        if user is None or not isinstance(password, str):
            return None
        return user if hmac.compare_digest(user.password.encode(), password.encode()) else None

    def open_session(self, user: ApiUser) -> str:
        """A gateway login: the value of the `sessionid` cookie."""
        session_id = secrets.token_hex(16)
        self._grant(session_id, user, "session", self.settings.session_minutes, login=session_id)
        return session_id

    def issue_tokens(self, user: ApiUser) -> tuple[str, str]:
        """An APIO core login: an access token and a refresh token."""
        login = secrets.token_hex(8)
        return self._token(user, "access", login), self._token(user, "refresh", login)

    def refresh(self, refresh_token: str) -> str | None:
        grant = self._valid(refresh_token, "refresh")
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
            return None
        return grant

    def _grant(self, key: str, user: ApiUser, kind: str, minutes: int, login: str) -> None:
        now = self._clock.now()
        if len(self._grants) >= self._purge_above:
            # Expired grants nobody presents again would pile up: drop them, at amortised O(1) per login.
            self._grants = {k: grant for k, grant in self._grants.items() if grant.expires_at > now}
            self._purge_above = max(_PURGE_FLOOR, 2 * len(self._grants))
        self._grants[key] = _Grant(user, kind, now + seconds(60 * minutes), login)

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
