"""Sessions and tokens as plain objects: expiry, logout and a bounded store."""

from simulator.auth import Credentials
from simulator.clock import Clock
from simulator.instants import seconds
from simulator.model import ApiUser, AuthSettings, Level

ADMIN = ApiUser("admin", "secret", Level.SYSTEM)


def credentials(clock: Clock) -> Credentials:
    return Credentials({"admin": ADMIN}, AuthSettings(session_minutes=10), clock)


def test_passwords_are_compared_exactly():
    store = credentials(Clock(frozen_at=0))
    assert store.authenticate("admin", "secret") is ADMIN
    assert store.authenticate("admin", "secret ") is None
    assert store.authenticate("admin", None) is None
    assert store.authenticate(["admin"], "secret") is None


def test_expired_sessions_do_not_pile_up():
    clock = Clock(frozen_at=0)
    store = credentials(clock)
    for _ in range(5000):
        store.open_session(ADMIN)
        clock.advance(seconds(1))
    # Sessions live 600 s: at most the last 600 are live; the expired ones are purged as logins go on.
    assert len(store) <= 2 * 1024 + 600
    live = store.open_session(ADMIN)
    assert store.user_of(live, "session") is ADMIN


def test_live_sessions_survive_a_purge():
    clock = Clock(frozen_at=0)
    store = credentials(clock)
    first = store.open_session(ADMIN)
    for _ in range(3000):
        store.open_session(ADMIN)
    assert store.user_of(first, "session") is ADMIN
