"""The command line: `apio-sim serve` and `apio-sim validate`."""

import argparse
import asyncio
import json
import logging
import math
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from simulator import __version__
from simulator.client import SimulatorClient, SimulatorError
from simulator.constants import (
    BODY_TIMEOUT,
    BUILD_SECONDS,
    JOURNAL_BYTES,
    KEEPALIVE_TIMEOUT,
    MAX_ALIAS_NODES,
    MAX_CALLS,
    MAX_CONNECTIONS,
    MAX_FAULT_RULES,
    MAX_LOGINS,
    MAX_NESTING,
    MAX_SCENARIO_BYTES,
)
from simulator.fake_scenario import DEFAULT_START, Shape, build_document, explicit_document
from simulator.openapi import openapi_document
from simulator.resources import SHIPPED_SCENARIOS, ScenarioNotFound, default_scenario, scenario_file
from simulator.scenario import ScenarioError, load_scenario
from simulator.server import SimulatorServer
from simulator.serving import CUT_SECONDS, stoppable, until_stopped

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


ENVIRONMENT = {
    "scenario": "APIO_SIM_SCENARIO",
    "host": "APIO_SIM_HOST",
    "port": "APIO_SIM_PORT",
    "seed": "APIO_SIM_SEED",
    "no_auth": "APIO_SIM_NO_AUTH",
    "cors": "APIO_SIM_CORS",
    "journal_size": "APIO_SIM_JOURNAL_SIZE",
    "admin_token": "APIO_SIM_ADMIN_TOKEN",
    "allowed_hosts": "APIO_SIM_ALLOWED_HOSTS",
    "keepalive_timeout": "APIO_SIM_KEEPALIVE_TIMEOUT",
    "body_timeout": "APIO_SIM_BODY_TIMEOUT",
    "max_connections": "APIO_SIM_MAX_CONNECTIONS",
    "log_level": "APIO_SIM_LOG_LEVEL",
    "access_log": "APIO_SIM_ACCESS_LOG",
    "max_scenario_bytes": "APIO_SIM_MAX_SCENARIO_BYTES",
    "max_nesting": "APIO_SIM_MAX_NESTING",
    "max_alias_nodes": "APIO_SIM_MAX_ALIAS_NODES",
    "max_calls": "APIO_SIM_MAX_CALLS",
    "build_seconds": "APIO_SIM_BUILD_SECONDS",
    "max_fault_rules": "APIO_SIM_MAX_FAULT_RULES",
    "journal_bytes": "APIO_SIM_JOURNAL_BYTES",
    "max_logins": "APIO_SIM_MAX_LOGINS",
}
"""Every `serve` option can come from the environment (a container's configuration); the command line wins."""

BOOLEAN_OPTIONS = ("no_auth", "access_log")
LOG_LEVELS = ("debug", "info", "warning", "error")
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
MAX_SEED = 2**64 - 1  # as in the scenario schema
MAX_CALLS_PER_HOUR = 100_000


LIMIT_FLAGS: tuple[tuple[str, Callable[[str], Any], float, str], ...] = (
    (
        "--max-scenario-bytes",
        lambda text: _integer(text, 1),
        MAX_SCENARIO_BYTES,
        "largest scenario PUT /__sim/scenario takes",
    ),
    ("--max-nesting", lambda text: _integer(text, 1), MAX_NESTING, "levels a scenario may nest"),
    ("--max-alias-nodes", lambda text: _integer(text, 0), MAX_ALIAS_NODES, "values YAML aliases may add, expanded"),
    ("--max-calls", lambda text: _integer(text, 0), MAX_CALLS, "calls one scenario load may build"),
    ("--build-seconds", lambda text: _seconds(text), BUILD_SECONDS, "seconds a scenario load may build"),
    ("--max-fault-rules", lambda text: _integer(text, 0), MAX_FAULT_RULES, "fault rules per namespace"),
    ("--journal-bytes", lambda text: _integer(text, 0), JOURNAL_BYTES, "bytes all journals keep together"),
    ("--max-logins", lambda text: _integer(text, 0), MAX_LOGINS, "sessions and tokens held at once, in total"),
)
"""The limits of `serve`: flag, conversion, default, help; each is also an APIO_SIM_* variable."""


class _Parser(argparse.ArgumentParser):
    """Mistakes get one line, not argparse's usage block: the line says what is wrong and where help is."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _from_environment(parser: argparse.ArgumentParser) -> None:
    """Defaults of `serve` from APIO_SIM_* variables, converted and checked like their options.

    A bad value is refused when `serve` runs, not when another command (a container's `health`) does.
    """
    actions = {action.dest: action for action in parser._actions}
    defaults: dict[str, Any] = {}
    errors: list[str] = []
    for dest, variable in ENVIRONMENT.items():
        value = os.environ.get(variable)
        if value is None or value == "":
            continue
        convert: Callable[[str], Any] = _boolean if dest in BOOLEAN_OPTIONS else actions[dest].type or str
        choices = actions[dest].choices
        try:
            converted = convert(value)
            if choices is not None and converted not in choices:
                raise argparse.ArgumentTypeError(f"must be one of {', '.join(choices)}, not {value!r}")
        except (argparse.ArgumentTypeError, ValueError) as exc:
            errors.append(f"{variable} {exc}" if str(exc).startswith("must") else f"{variable}: {exc}")
        else:
            defaults[dest] = converted
    parser.set_defaults(**defaults, environment_errors=errors)


ENVIRONMENT_HELP = "\n".join(
    ["environment: each option can come from a variable (the command line wins):"]
    + [f"  {variable:<22} --{dest.replace('_', '-')}" for dest, variable in ENVIRONMENT.items()]
    + ["  (APIO_SIM_NO_AUTH and APIO_SIM_ACCESS_LOG take 1, true, yes, on or 0, false, no, off)"]
)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="apio-sim", description="Simulate the APIO call-center statistics API.")
    parser.add_argument("--version", action="version", version=f"apio-sim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve",
        help="serve the emulated API on a scenario",
        description="Serve the emulated APIO API and the /__sim/ control API until interrupted.",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--scenario",
        type=_scenario,
        metavar="FILE",
        help="scenario file (YAML or JSON), or the name of a shipped one: "
        f"{', '.join(_shipped_scenarios())}; default: default",
    )
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    serve.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port, 0 for any free one (default {DEFAULT_PORT})"
    )

    serve.add_argument("--seed", type=_seed, help="the seed of generated histories, in place of the scenario's")
    serve.add_argument(
        "--no-auth", action="store_true", help="serve without authentication, whatever the scenario says"
    )
    serve.add_argument(
        "--cors",
        metavar="ORIGINS",
        help="allow these browser origins, comma-separated (e.g. http://localhost:3000), or * for any",
    )

    serve.add_argument(
        "--journal-size", type=_whole, default=1000, metavar="N", help="requests the journal keeps (default 1000)"
    )
    serve.add_argument("--admin-token", metavar="TOKEN", help="require 'Authorization: Bearer TOKEN' on /__sim/")
    serve.add_argument(
        "--allowed-hosts",
        metavar="NAMES",
        help="Host names the control API answers on loopback besides localhost, 127.0.0.1 and ::1, "
        "comma-separated, or * for any (on other addresses any Host is answered unless names are given)",
    )
    serve.add_argument(
        "--keepalive-timeout",
        type=_seconds,
        default=KEEPALIVE_TIMEOUT,
        metavar="S",
        help=f"seconds an idle connection stays open (default {KEEPALIVE_TIMEOUT:g})",
    )
    serve.add_argument(
        "--body-timeout",
        type=_seconds,
        default=BODY_TIMEOUT,
        metavar="S",
        help=f"seconds a request body may take to arrive, then 408 (default {BODY_TIMEOUT:g})",
    )
    serve.add_argument(
        "--max-connections",
        type=_whole,
        default=MAX_CONNECTIONS,
        metavar="N",
        help=f"connections open at once, beyond which 503; 0 for no cap (default {MAX_CONNECTIONS})",
    )
    serve.add_argument(
        "--log-level", choices=LOG_LEVELS, default="info", help="least severe log messages shown (default info)"
    )
    serve.add_argument("--quiet", "-q", action="store_true", help="log warnings and errors only")
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="log one line per request at level info (off by default: the journal, GET /__sim/requests, "
        "records every request, and the log line costs about a tenth of a request's time)",
    )
    limits = serve.add_argument_group("limits (docs/control/limits.md)")
    for flag, convert, default, text in LIMIT_FLAGS:
        limits.add_argument(flag, type=convert, default=default, metavar="N", help=f"{text} (default {default:g})")

    _from_environment(serve)

    health = commands.add_parser("health", help="exit 0 when the simulator on this machine answers its health check")
    health.add_argument(
        "--url", help="the simulator (default http://127.0.0.1:$APIO_SIM_PORT, port 8080; APIO_SIM_ADMIN_TOKEN is sent)"
    )

    commands.add_parser("openapi", help="print the OpenAPI 3.1 document of the simulator's API")

    generate = commands.add_parser("generate", help="write a new scenario with generated call histories")
    generate.add_argument("--tenants", type=_positive, default=1, metavar="N", help="tenants (default 1)")
    generate.add_argument("--groups", type=_positive, default=1, metavar="M", help="groups per tenant (default 1)")
    generate.add_argument(
        "--call-centers", type=_positive, default=2, metavar="K", help="call centers per group (default 2)"
    )
    generate.add_argument("--agents", type=_positive, default=5, metavar="A", help="agents per call center (default 5)")
    generate.add_argument("--days", type=_positive, default=30, metavar="D", help="days of history (default 30)")
    generate.add_argument(
        "--start", type=_date, metavar="YYYY-MM-DD", help="first day (default 2021-03-01; not with --live)"
    )
    generate.add_argument(
        "--calls-per-hour", type=_rate, default=20, metavar="R", help="per call center and working hour (default 20)"
    )
    generate.add_argument(
        "--time-zone", type=_time_zone, default="Europe/Brussels", metavar="TZ", help="IANA (default Europe/Brussels)"
    )
    generate.add_argument("--locale", default="en_US", help="Faker locale of the agents' names (default en_US)")
    generate.add_argument("--seed", type=_seed, default=0, help="decides names and histories (default 0)")
    generate.add_argument("--explicit", action="store_true", help="write calls and agentSessions, not generate blocks")
    generate.add_argument(
        "--live", action="store_true", help="rolling windows: the last D days up to now, moving with a real-time clock"
    )
    generate.add_argument("--output", "-o", type=Path, help="file to write (.yaml or .json); default: standard output")

    validate = commands.add_parser(
        "validate",
        help="check scenario files and report every problem",
        description="Load each scenario file as serve would, and print `FILE: ok (...)` or one line per problem "
        "(naming the file and the place in it). Exit 0 when all load, 1 when one does not, 2 when a file is missing.",
    )
    validate.add_argument("files", type=_scenario, nargs="+", metavar="FILE", help="scenario files (YAML or JSON)")
    validate.add_argument(
        "--seed", type=_seed, help="the seed of generated histories, in place of the scenarios' (they are built)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve" and args.environment_errors:
        print(f"apio-sim serve: {args.environment_errors[0]} (see apio-sim serve --help)", file=sys.stderr)
        return 2
    if args.command == "validate":
        return validate(args.files, args.seed)
    if args.command == "generate":
        return generate(args)
    if args.command == "health":
        return health(args.url)
    if args.command == "openapi":
        print(json.dumps(openapi_document(), indent=2))
        return 0
    cors = [origin.strip() for origin in (args.cors or "").split(",") if origin.strip()]
    options = {
        "auth": False if args.no_auth else None,
        "cors_origins": cors,
        "journal_size": args.journal_size,
        "admin_token": args.admin_token,
        **{flag[2:].replace("-", "_"): getattr(args, flag[2:].replace("-", "_")) for flag, *_ in LIMIT_FLAGS},
        "allowed_hosts": [name.strip() for name in (args.allowed_hosts or "").split(",") if name.strip()],
        "keepalive_timeout": args.keepalive_timeout,
        "body_timeout": args.body_timeout,
        "max_connections": args.max_connections,
    }
    log_level = "warning" if args.quiet else args.log_level
    return stoppable(
        serve,
        args.scenario or default_scenario(),
        args.host,
        args.port,
        args.seed,
        log_level=log_level,
        access_log=args.access_log,
        **options,
    )


def validate(files: Sequence[Path], seed: int | None = None) -> int:
    failed = False
    for path in files:
        try:
            scenario = load_scenario(path, seed=seed)
        except ScenarioError as error:
            failed = True
            print("\n".join(error.messages), file=sys.stderr)
        else:
            call_centers = scenario.call_centers().values()
            calls = sum(len(cc.history) for cc in call_centers)
            live = sum(1 for cc in call_centers if cc.live is not None)  # their days are built when asked for
            rolling = f", {live} with live traffic" if live else ""
            print(f"{path}: ok ({_count(len(call_centers), 'call center')}, {_count(calls, 'call')}{rolling})")
    return 1 if failed else 0


def health(url: str | None) -> int:
    """The container's health check: the control API's /__sim/health, with the admin token if there is one."""
    base = url or f"http://127.0.0.1:{os.environ.get('APIO_SIM_PORT') or DEFAULT_PORT}"
    client = SimulatorClient(base, admin_token=os.environ.get("APIO_SIM_ADMIN_TOKEN") or None, timeout=2)
    try:
        answer = client.health()
    except (SimulatorError, OSError) as exc:
        print(f"apio-sim health: {base}: {exc}", file=sys.stderr)
        return 1
    print(f"{base}: {answer['status']}, scenario {answer['scenario']['name']!r}")
    return 0


def generate(args: argparse.Namespace) -> int:
    shape = Shape(
        tenants=args.tenants,
        groups=args.groups,
        call_centers=args.call_centers,
        agents=args.agents,
        days=args.days,
        start=args.start or DEFAULT_START,
        live=args.live,
        calls_per_hour=args.calls_per_hour,
        time_zone=args.time_zone,
        locale=args.locale,
        seed=args.seed,
    )
    if args.live and (args.explicit or args.start):
        option = "--explicit" if args.explicit else "--start"
        print(f"apio-sim generate: --live writes windows that move with the clock; drop {option}.", file=sys.stderr)
        return 2
    try:
        document = build_document(shape)
        if args.explicit:
            document = explicit_document(document)
    except (AttributeError, ScenarioError) as exc:  # Faker answers an unknown locale with AttributeError
        print(f"apio-sim generate: {exc}", file=sys.stderr)
        return 2
    if args.output is not None and args.output.suffix == ".json":
        text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"apio-sim generate: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    return 0


def _integer(text: str, low: int, high: int | None = None) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < low or (high is not None and value > high):
        raise argparse.ArgumentTypeError(
            f"must be {low} or more, not {value}" if high is None else f"must be from {low} to {high}, not {value}"
        )
    return value


def _positive(text: str) -> int:
    return _integer(text, 1)


def _whole(text: str) -> int:
    return _integer(text, 0)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, not {text!r}") from None
    if not (math.isfinite(value) and 0 < value <= 86400):
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 86400 seconds, not {text!r}")
    return value


def _port(text: str) -> int:
    return _integer(text, 0, 65535)


def _seed(text: str) -> int:
    return _integer(text, 0, MAX_SEED)


def _boolean(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE + FALSE:
        return word in TRUE
    raise argparse.ArgumentTypeError(f"must be one of {', '.join(TRUE + FALSE)}, not {text!r}")


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
    if not (math.isfinite(value) and 0 <= value <= MAX_CALLS_PER_HOUR):
        raise argparse.ArgumentTypeError(f"must be from 0 to {MAX_CALLS_PER_HOUR}, not {text!r}")
    return value


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a date written YYYY-MM-DD, such as 2021-03-01, not {text!r}"
        ) from None


def _time_zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory of the database ("Europe")
        raise argparse.ArgumentTypeError(f"unknown IANA time zone {text!r}; try Europe/Brussels or UTC") from None
    return text


def _shipped_scenarios() -> list[str]:
    return sorted(SHIPPED_SCENARIOS)


def _scenario(text: str) -> Path:
    """A scenario file, or a shipped scenario named without its directory and suffix (`busy-call-center`)."""
    try:
        return scenario_file(text)
    except ScenarioNotFound:
        if Path(text).exists():
            raise argparse.ArgumentTypeError(f"not a file: {text}") from None
        raise argparse.ArgumentTypeError(
            f"file not found: {text} (nor a shipped scenario: {', '.join(_shipped_scenarios())})"
        ) from None


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def serve(
    scenario_path: Path,
    host: str,
    port: int,
    seed: int | None = None,
    log_level: str = "info",
    access_log: bool = False,
    **options: Any,
) -> int:
    """Serve until SIGTERM or SIGINT; `options` are those of `create_app`."""
    try:
        scenario = load_scenario(scenario_path, seed=seed)
    except ScenarioError as error:
        print("\n".join(error.messages), file=sys.stderr)
        return 2
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    authentication = scenario.auth.enabled if options.get("auth") is None else options["auth"]
    modes = (
        f"authentication {'on' if authentication else 'off'}, "
        f"admin token {'required on /__sim/' if options.get('admin_token') else 'off'}"
    )
    try:
        server = SimulatorServer(
            scenario, host=host, port=port, access_log=access_log, shutdown_timeout=CUT_SECONDS, **options
        )
        asyncio.run(_serve_forever(server, f"scenario {scenario.name!r} ({modes})"))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"apio-sim: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


async def _serve_forever(server: SimulatorServer, name: str) -> None:
    """Serve until SIGTERM or SIGINT; `name` describes what is served in the start-up line."""
    async with server:
        for bound_host, bound_port in server.addresses:
            print(f"apio-sim {__version__}: {name} on http://{bound_host}:{bound_port}", flush=True)
        await until_stopped(server.runner)
