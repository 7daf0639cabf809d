"""Limits that hold in total, and values a schema accepts that once broke the server: each case with its
exact status and body, and proof that nothing changed (docs/control/limits.md)."""

import asyncio
import json
import threading
from typing import Any

import numpy as np
import pytest
from aiohttp import web

from simulator import generator, state
from simulator.api.body import body_refused, read_body
from simulator.auth import Credentials, LoginBudget
from simulator.cli import build_parser, main
from simulator.clock import Clock
from simulator.errors import HttpError
from simulator.generator import BuildBudget, BuildRefused, generate_history
from simulator.journal import Journal, JournalBudget, entry_bytes
from simulator.model import ApiUser, AuthSettings, Level
from tests.conftest import DEFAULT_SCENARIO, WORKED_EXAMPLE, namespace_of
from tests.meanwhile import answered_meanwhile, held_after

NESTING = "scenario: not loaded: it nests deeper than 64 levels (the nesting limit, --max-nesting)."
UNCHANGED_NOW = "2021-02-01T12:00:00Z"


def invalid(*messages: str) -> dict[str, Any]:
    return {"errors": [{"code": 2, "message": message} for message in messages]}


def generating(block: dict[str, Any], name: str = "generated") -> str:
    """A one-call-center scenario around a generate block, as JSON text."""
    return json.dumps(
        {
            "name": name,
            "tenants": [
                {
                    "id": "t",
                    "groups": [
                        {
                            "id": "g",
                            "users": [{"userId": "a@x", "firstName": "A", "lastName": "B"}],
                            "callCenters": [{"id": "cc@x", "agents": ["a@x"], "generate": block}],
                        }
                    ],
                }
            ],
        }
    )


ROUND_THE_CLOCK = {
    "workingDays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    "workingHours": {"open": "00:00", "close": "23:59"},
}


async def scenario_name(client, headers: dict[str, str] | None = None) -> str:
    return (await (await client.get("/__sim/health", headers=headers)).json())["scenario"]["name"]


async def load(client, text: str | bytes):
    body = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return await client.put("/__sim/scenario", data=body, headers={"Content-Type": "application/yaml"})


async def assert_refused(
    client, text: str | bytes, status: int, body: dict[str, Any], meanwhile: threading.Event | None = None
) -> None:
    """Refused with `status` and `body`, nothing changed; with `meanwhile` (from `held_after`), a health
    probe is answered while the refusal is held in the worker thread."""
    loading = load(client, text)
    response = await (loading if meanwhile is None else answered_meanwhile(client, loading, meanwhile))
    assert response.status == status
    assert await response.json() == body
    assert await scenario_name(client) == "worked-example"  # the previous scenario still serves
    assert (await (await client.get("/__sim/clock")).json())["now"] == UNCHANGED_NOW


# Reading: size, aliases, nesting, text


def alias_bomb() -> str:
    """Nine levels of nine aliases: a billion values once expanded, from a few hundred bytes."""
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
    return "\n".join([*lines, "name: *i", "tenants: []"]) + "\n"


async def test_an_alias_bomb_is_refused_at_once(example, monkeypatch):
    """Measured while reading, in the worker thread: the server answers a probe meanwhile."""
    read = held_after(monkeypatch, state, "read_document")
    text = alias_bomb()
    assert len(text) < 500
    message = (
        "scenario: not loaded: its YAML aliases expand to 926177086 more values than are written, more than the "
        "limit of 100000 (--max-alias-nodes)."
    )
    await assert_refused(example, text, 400, invalid(message), meanwhile=read)


async def test_an_alias_that_contains_itself_is_refused(example):
    await assert_refused(
        example,
        "name: &a [*a]\n",
        400,
        invalid("scenario: not loaded: a YAML alias refers to a value that contains it."),
    )


@pytest.mark.parametrize(("limit", "status"), [(1, 200), (0, 400)])
async def test_aliases_within_the_limit_are_expanded(make_client, limit, status):
    client = await make_client(WORKED_EXAMPLE, max_alias_nodes=limit)
    text = WORKED_EXAMPLE.read_text().replace("name: worked-example", "name: &n aliased", 1)
    response = await load(client, text.replace("description: Call center", "description: *n\n#", 1))
    assert response.status == status
    assert await scenario_name(client) == ("aliased" if status == 200 else "worked-example")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 100_000 + "]" * 100_000, id="json-100000-deep"),
        pytest.param("name: x\ntenants:\n" + "".join("  " * i + "- \n" for i in range(1, 900)), id="yaml-900-deep"),
        pytest.param("tenants: " + "[" * 900 + "]" * 900 + "\n", id="yaml-flow-900-deep"),
    ],
)
async def test_deep_nesting_is_a_clean_400(example, text):
    await assert_refused(example, text, 400, invalid(NESTING))


async def test_the_nesting_limit_is_configurable(make_client):
    client = await make_client(WORKED_EXAMPLE, max_nesting=3)
    response = await load(client, '{"name": "x", "tenants": [{"id": "t", "groups": [{"id": "g"}]}]}')
    assert response.status == 400
    message = "scenario: not loaded: it nests deeper than 3 levels (the nesting limit, --max-nesting)."
    assert await response.json() == invalid(message)


async def test_a_lone_surrogate_in_a_yaml_scenario_is_refused_by_the_parser(example):
    message = (
        'scenario: not valid YAML or JSON: while parsing a quoted scalar in "<unicode string>", line 1, column 7 '
        'found invalid Unicode character escape code in "<unicode string>", line 1, column 10'
    )
    await assert_refused(example, 'name: "\\ud800"\ntenants: []\n', 400, invalid(message))


async def test_a_lone_surrogate_in_a_scenario_name_is_a_400(example):
    text = '{"name": "\\ud800", "tenants": []}'
    message = (
        "scenario: a text holds a lone surrogate (such as \\ud800), which is not Unicode; write the character itself."
    )
    await assert_refused(example, text, 400, invalid(message))


async def test_a_scenario_over_the_byte_limit_is_a_413(make_client):
    client = await make_client(WORKED_EXAMPLE, max_scenario_bytes=1000)
    response = await load(client, WORKED_EXAMPLE.read_bytes())
    assert response.status == 413
    assert await response.json() == {"details": "The scenario is larger than 1000 bytes (--max-scenario-bytes)."}
    assert await scenario_name(client) == "worked-example"


async def test_a_chunked_scenario_over_the_byte_limit_is_a_413(make_client):
    client = await make_client(DEFAULT_SCENARIO, max_scenario_bytes=1000)

    async def chunks():
        for _ in range(10):
            yield b"#" * 200 + b"\n"

    response = await client.put("/__sim/scenario", data=chunks(), headers={"Content-Type": "application/yaml"})
    assert response.status == 413
    assert await response.json() == {"details": "The scenario is larger than 1000 bytes (--max-scenario-bytes)."}
    assert await scenario_name(client) == "default"


async def test_a_body_read_in_chunks_is_kept_for_every_later_reader(aiohttp_client):
    """`read_body` reads the stream itself, yet `request.read()` afterwards still answers the whole body."""

    async def handler(request: web.Request) -> web.Response:
        first = await read_body(request, 100)
        again = await read_body(request, 100)
        return web.json_response(
            {"first": first.decode(), "same": again is first, "read": (await request.read()).decode()}
        )

    async def over(request: web.Request) -> web.Response:
        return web.json_response({"body": await read_body(request, 10), "refused": body_refused(request)})

    app = web.Application()
    app.router.add_put("/", handler)
    app.router.add_put("/over", over)
    client = await aiohttp_client(app)

    async def chunks(*parts: bytes):
        for part in parts:
            yield part

    answered = await (await client.put("/", data=chunks(b'{"a": ', b"1}"))).json()
    assert answered == {"first": '{"a": 1}', "same": True, "read": '{"a": 1}'}
    assert await (await client.put("/over", data=chunks(b"x" * 8, b"x" * 8))).json() == {"body": None, "refused": True}
    declared = await client.put("/over", data=b"x" * 16)  # refused on its Content-Length, left to aiohttp
    assert await declared.json() == {"body": None, "refused": False}


# Building: calls and time


async def test_a_month_of_100000_calls_an_hour_is_refused_before_building(example, monkeypatch):
    built = held_after(monkeypatch, state, "parse_scenario")  # the estimate is made there, in the worker
    block = {"from": "2021-01-01", "to": "2021-01-30", "callsPerHour": 100000, **ROUND_THE_CLOCK}
    message = (
        "scenario: it would build about 71950000 calls, more than the limit of 2000000 per load; generate fewer "
        "days or calls per hour, or raise the limit (--max-calls)."
    )
    await assert_refused(example, generating(block), 413, {"details": message}, meanwhile=built)


async def test_the_call_cap_holds_while_building():
    """The estimate is an average: the draws themselves are counted too, before their arrays are made."""
    block = {"from": "2021-01-04", "to": "2021-01-04", "callsPerHour": 100, **ROUND_THE_CLOCK}
    with BuildBudget(max_calls=100).active(), pytest.raises(BuildRefused) as refused:
        generate_history(block, ["a@x"], seed=1)
    assert refused.value.status == 413
    assert refused.value.message.startswith("it would build about 2")
    assert len(generate_history(block, ["a@x"], seed=1).arrived_at) > 100  # no budget: no cap


async def test_an_over_long_build_is_cancelled(make_client, monkeypatch):
    client = await make_client(WORKED_EXAMPLE, build_seconds=5)
    ticks = iter(np.arange(0.0, 1e6, 10.0))  # every look at the clock finds 10 s more: deterministic
    monkeypatch.setattr(generator, "monotonic", lambda: float(next(ticks)))
    block = {"from": "2021-01-04", "to": "2021-01-08", "callsPerHour": 20}
    message = (
        "scenario: building took longer than 5 s and was cancelled; build fewer days, calls or call centers, "
        "or raise the build time limit (--build-seconds)."
    )
    built = held_after(monkeypatch, state, "parse_scenario")  # cancelled in the worker: the server answers
    response = await answered_meanwhile(client, load(client, generating(block)), built)
    assert response.status == 422
    assert await response.json() == {"details": message}
    assert await scenario_name(client) == "worked-example"


async def test_the_server_answers_while_a_scenario_builds(example, monkeypatch):
    """The build runs in a worker thread: here it waits until a health probe has been answered, which can
    only happen if the event loop is free meanwhile; the namespace serves its previous scenario until then."""
    probe_answered = threading.Event()
    build = state.parse_scenario

    def slow_build(*args: Any, **kwargs: Any):
        if not probe_answered.wait(timeout=30):
            raise AssertionError("no health answer while the scenario was building")
        return build(*args, **kwargs)

    monkeypatch.setattr(state, "parse_scenario", slow_build)
    loading = asyncio.ensure_future(load(example, DEFAULT_SCENARIO.read_bytes()))
    await asyncio.sleep(0)
    probe = await example.get("/__sim/health")
    assert probe.status == 200
    assert (await probe.json())["scenario"]["name"] == "worked-example"
    assert not loading.done()  # answered while the load was still running
    probe_answered.set()
    assert (await loading).status == 200
    assert await scenario_name(example) == "default"


# Fault rules


async def test_fault_rules_are_capped_per_namespace(make_client):
    client = await make_client(WORKED_EXAMPLE, max_fault_rules=2)
    for _ in range(2):
        assert (await client.post("/__sim/faults", json={"action": "http-500"})).status == 201
    response = await client.post("/__sim/faults", json={"action": "http-500"})
    assert response.status == 429
    assert await response.json() == {"details": "Too many fault rules (at most 2 per namespace); delete some first."}
    assert len((await (await client.get("/__sim/faults")).json())["faults"]) == 2


async def test_a_scenario_with_too_many_fault_rules_is_refused(make_client):
    client = await make_client(WORKED_EXAMPLE, max_fault_rules=2)
    text = WORKED_EXAMPLE.read_text() + "faults:\n" + "  - {action: http-500}\n" * 3
    message = "scenario: faults: 3 rules, more than the limit of 2 per namespace (--max-fault-rules)."
    await assert_refused(client, text, 400, invalid(message))


# The journal's byte budget


def record(journal: Journal, body: bytes) -> None:
    journal.record(at=0, request=None, query={}, body=body, status=200, response_body=b"", fault=None, duration_ms=0.0)


def test_the_journal_budget_holds_across_journals_oldest_first():
    cost = entry_bytes(
        Journal().record(
            at=0, request=None, query={}, body=b"x" * 1000, status=200, response_body=b"", fault=None, duration_ms=0.0
        )
    )
    budget = JournalBudget(limit=3 * cost)
    first, second = Journal(100, budget), Journal(100, budget)
    record(first, b"x" * 1000)
    record(second, b"x" * 1000)
    record(first, b"x" * 1000)
    assert (len(first), len(second), budget.held) == (2, 1, 3 * cost)
    record(second, b"x" * 1000)  # over the budget: the oldest anywhere (first's first entry) goes
    assert (len(first), len(second), budget.held) == (1, 2, 3 * cost)
    assert [entry.number for entry in first._entries] == [2]
    second.clear()
    assert budget.held == cost


async def test_namespaces_give_their_journal_bytes_back_when_dropped_or_reset(example):
    budget = namespace_of(example).journal._budget
    record(namespace_of(example).journal, b"x" * 100)
    assert budget.held > 0
    assert (await example.post("/__sim/reset")).status == 200
    assert budget.held == 0
    assert (await example.get("/__sim/health", headers={"X-Apio-Sim-Namespace": "a"})).status == 200
    record(namespace_of(example, "a").journal, b"x" * 100)
    assert budget.held > 0
    assert (await example.delete("/__sim/namespaces/a")).status == 200
    assert budget.held == 0


# Logins


USER = ApiUser(username="admin", password="secret", level=Level.SYSTEM)


def test_live_logins_are_capped_in_total_and_expired_ones_purged():
    clock = Clock(frozen_at=0)
    budget = LoginBudget(limit=3)
    settings = AuthSettings(session_minutes=10)
    one, other = (
        Credentials({"admin": USER}, settings, clock, budget),
        Credentials({"admin": USER}, settings, clock, budget),
    )
    one.open_session(USER)
    other.issue_tokens(USER)
    with pytest.raises(HttpError) as refused:
        one.open_session(USER)
    assert refused.value.status == 429
    assert refused.value.message == (
        "Too many live logins (at most 3 sessions and tokens); log out, let them expire or reset the namespace."
    )
    assert (len(one), len(other), budget.held) == (1, 2, 3)
    clock.advance(11 * 60 * 1_000_000)  # the session expired; the tokens (30 min and more) did not
    assert one.purge_expired() == 1
    assert budget.held == 2
    one.open_session(USER)
    other.release()
    assert budget.held == 1


TOO_MANY_LOGINS = (
    "Too many live logins (at most 2 sessions and tokens); log out, let them expire or reset the namespace."
)


def test_a_login_at_the_cap_purges_the_expired_logins_of_every_namespace():
    """Each namespace has its own clock: logins expired on one must not lock the others out."""
    budget = LoginBudget(limit=2)
    settings = AuthSettings(session_minutes=10)
    moved, still = Clock(frozen_at=0), Clock(frozen_at=0)
    filler = Credentials({"admin": USER}, settings, moved, budget)
    other = Credentials({"admin": USER}, settings, still, budget)
    filler.open_session(USER)
    filler.open_session(USER)
    with pytest.raises(HttpError) as refused:  # nothing expired anywhere: refused, nothing dropped
        other.open_session(USER)
    assert (refused.value.status, refused.value.message) == (429, TOO_MANY_LOGINS)
    assert (len(filler), len(other), budget.held) == (2, 0, 2)
    moved.advance(11 * 60 * 1_000_000)  # the filler's clock alone moves on, by itself (no purge yet)
    assert len(filler) == 2
    other.open_session(USER)
    assert (len(filler), len(other), budget.held) == (0, 1, 1)


def test_a_namespace_given_back_takes_no_more_of_the_cap():
    """A request that waited through a reset may still log in on the discarded namespace: not counted."""
    budget = LoginBudget(limit=2)
    clock = Clock(frozen_at=0)
    discarded = Credentials({"admin": USER}, AuthSettings(), clock, budget)
    discarded.open_session(USER)
    discarded.release()
    discarded.issue_tokens(USER)
    assert budget.held == 0
    Credentials({"admin": USER}, AuthSettings(), clock, budget).issue_tokens(USER)  # the whole cap is free
    assert budget.held == 2


async def test_the_login_cap_answers_429_and_moving_the_clock_frees_it(make_client):
    client = await make_client(DEFAULT_SCENARIO, login=None, max_logins=1)
    credentials = {"username": "apio-admin", "password": "apio-admin"}
    assert (await client.post("/api/v1/login/", json=credentials)).status == 200
    refused = await client.post("/api/v1/login/", json=credentials)
    assert refused.status == 429
    message = "Too many live logins (at most 1 sessions and tokens); log out, let them expire or reset the namespace."
    assert await refused.json() == {"details": message}
    assert (await client.put("/__sim/clock", json={"advance": 9 * 3600})).status == 200
    assert len(namespace_of(client).credentials) == 0  # purged when the clock moved, not at the next login
    assert (await client.post("/api/v1/login/", json=credentials)).status == 200


async def test_a_lone_surrogate_as_a_password_is_a_400(make_client):
    client = await make_client(DEFAULT_SCENARIO, login=None)
    body = b'{"username": "apio-admin", "password": "\\ud800"}'
    response = await client.post("/api/v1/login/", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert await response.json() == invalid("password: not Unicode text (it holds a lone surrogate such as \\ud800).")
    assert len(namespace_of(client).credentials) == 0


# The clock's range


@pytest.mark.parametrize("now", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
async def test_a_clock_outside_the_range_is_refused_and_unchanged(example, now):
    response = await example.put("/__sim/clock", json={"now": now})
    assert response.status == 400
    message = "now: the clock must stay within 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z; it is unchanged."
    assert await response.json() == invalid(message)
    assert (await (await example.get("/__sim/clock")).json())["now"] == UNCHANGED_NOW
    assert (await example.get("/__sim/namespaces")).status == 200


async def test_advancing_past_the_range_is_refused_and_nothing_wedges(example):
    statuses = [(await example.put("/__sim/clock", json={"advance": 3_153_600_000})).status for _ in range(80)]
    assert statuses == [200] * 79 + [400]  # 79 centuries fit before the year 9999, the 80th does not
    clock = await (await example.get("/__sim/clock")).json()
    assert clock["now"] == "9915-11-05T12:00:00Z"
    for path in ("/__sim/namespaces", "/__sim/requests", "/__sim/scenario", "/__sim/health"):
        assert (await example.get(path)).status == 200, path


async def test_a_scenario_clock_outside_the_range_is_refused(example):
    text = WORKED_EXAMPLE.read_text().replace('"2021-02-01T12:00:00Z"', '"9999-12-31T23:59:59-23:59"')
    message = "scenario: clock.now must be within 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z."
    await assert_refused(example, text, 400, invalid(message))


# Odd values


async def test_a_directory_of_the_time_zone_database_is_a_clear_400(example):
    block = {"from": "2021-01-04", "to": "2021-01-04", "timeZone": "Europe"}
    message = "scenario: tenants[0].groups[0].callCenters[0].generate is refused: timeZone: unknown time zone 'Europe'."
    await assert_refused(example, generating(block), 400, invalid(message))


async def test_raw_non_ascii_bytes_in_a_bearer_token_are_a_401(make_client):
    client = await make_client(WORKED_EXAMPLE, admin_token="secret")
    reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
    writer.write(
        b"GET /__sim/health HTTP/1.1\r\nHost: sim\r\nAuthorization: Bearer \xff\xfe\xc3\r\nConnection: close\r\n\r\n"
    )
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert int(head.split()[1]) == 401
    assert json.loads(body) == {"details": "The control API needs 'Authorization: Bearer <admin token>'."}


# The limits on the command line and in the environment


def test_the_limits_are_flags_and_variables(monkeypatch):
    monkeypatch.setenv("APIO_SIM_BUILD_SECONDS", "2.5")
    monkeypatch.setenv("APIO_SIM_JOURNAL_BYTES", "1000")
    args = build_parser().parse_args(["serve", "--max-calls", "5", "--journal-bytes", "2000"])
    assert (args.max_calls, args.build_seconds, args.journal_bytes, args.max_logins) == (5, 2.5, 2000, 100_000)


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["--journal-size", "-1"], "argument --journal-size: must be 0 or more, not -1"),
        (["--max-calls", "-1"], "argument --max-calls: must be 0 or more, not -1"),
        (["--max-nesting", "0"], "argument --max-nesting: must be 1 or more, not 0"),
        (
            ["--build-seconds", "inf"],
            "argument --build-seconds: must be more than 0 and at most 86400 seconds, not 'inf'",
        ),
    ],
)
def test_bad_limit_flags_are_one_line(capsys, argv, line):
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--port", "0", *argv])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines() == [f"apio-sim serve: {line} (see apio-sim serve --help)"]


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        (
            "APIO_SIM_BUILD_SECONDS",
            "0",
            "APIO_SIM_BUILD_SECONDS must be more than 0 and at most 86400 seconds, not '0'",
        ),
        ("APIO_SIM_MAX_LOGINS", "many", "APIO_SIM_MAX_LOGINS must be a whole number, not 'many'"),
    ],
)
def test_bad_limit_variables_are_one_line(monkeypatch, capsys, variable, value, line):
    monkeypatch.setenv(variable, value)
    assert main(["serve", "--port", "0"]) == 2
    assert capsys.readouterr().err.splitlines() == [f"apio-sim serve: {line} (see apio-sim serve --help)"]


def test_a_directory_of_the_time_zone_database_is_refused_by_generate(capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--time-zone", "Europe"])
    assert "unknown IANA time zone 'Europe'" in capsys.readouterr().err
