"""The command line: `apio-sim serve` and `apio-sim validate`."""

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from simulator import __version__
from simulator.client import SimulatorClient, SimulatorError
from simulator.fake_scenario import Shape, build_document, explicit_document
from simulator.openapi import openapi_document
from simulator.resources import default_scenario
from simulator.scenario import ScenarioError, load_scenario
from simulator.server import SimulatorServer

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
}
"""Every `serve` option can come from the environment (a container's configuration); the command line wins."""


def _from_environment(parser: argparse.ArgumentParser) -> None:
    """Defaults of `serve` from APIO_SIM_* variables, converted like their options."""
    defaults = {}
    for dest, variable in ENVIRONMENT.items():
        value = os.environ.get(variable)
        if value is None or value == "":
            continue
        if dest == "no_auth":
            defaults[dest] = value.strip().lower() in ("1", "true", "yes", "on")
        elif dest in ("port", "seed", "journal_size"):
            try:
                defaults[dest] = int(value)
            except ValueError:
                parser.error(f"{variable} must be a whole number, not {value!r}")
        elif dest == "scenario":
            defaults[dest] = Path(value)
        else:
            defaults[dest] = value
    parser.set_defaults(**defaults)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="apio-sim", description="Simulate the APIO call-center statistics API.")
    parser.add_argument("--version", action="version", version=f"apio-sim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the emulated API on a scenario")
    serve.add_argument("--scenario", type=Path, help="scenario file (YAML or JSON); default: the shipped default")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port, 0 for any free one (default {DEFAULT_PORT})"
    )

    serve.add_argument("--seed", type=int, help="the seed of generated histories, in place of the scenario's")
    serve.add_argument(
        "--no-auth", action="store_true", help="serve without authentication, whatever the scenario says"
    )
    serve.add_argument(
        "--cors",
        metavar="ORIGINS",
        help="allow these browser origins, comma-separated (e.g. http://localhost:3000), or * for any",
    )

    serve.add_argument(
        "--journal-size", type=int, default=1000, metavar="N", help="requests the journal keeps (default 1000)"
    )
    serve.add_argument("--admin-token", metavar="TOKEN", help="require 'Authorization: Bearer TOKEN' on /__sim/")

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
    generate.add_argument("--start", type=date.fromisoformat, default=date(2021, 3, 1), help="first day (2021-03-01)")
    generate.add_argument("--calls-per-hour", type=float, default=20, metavar="R", help="per call center (default 20)")
    generate.add_argument("--time-zone", default="Europe/Brussels", help="the call centers' time zone")
    generate.add_argument("--locale", default="en_US", help="Faker locale of the agents' names (default en_US)")
    generate.add_argument("--seed", type=int, default=0, help="decides names and histories (default 0)")
    generate.add_argument("--explicit", action="store_true", help="write calls and agentSessions, not generate blocks")
    generate.add_argument("--output", "-o", type=Path, help="file to write (.yaml or .json); default: standard output")

    validate = commands.add_parser("validate", help="check scenario files and report every problem")
    validate.add_argument("files", type=Path, nargs="+", metavar="FILE")
    validate.add_argument("--seed", type=int, help="the seed of generated histories, in place of the scenarios'")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
    }
    return serve(args.scenario or default_scenario(), args.host, args.port, args.seed, **options)


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
            print(f"{path}: ok ({_count(len(call_centers), 'call center')}, {_count(calls, 'call')})")
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
        start=args.start,
        calls_per_hour=args.calls_per_hour,
        time_zone=args.time_zone,
        locale=args.locale,
        seed=args.seed,
    )
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
        args.output.write_text(text, encoding="utf-8")
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def serve(scenario_path: Path, host: str, port: int, seed: int | None = None, **options: Any) -> int:
    """Serve until interrupted; `options` are those of `create_app`."""
    try:
        scenario = load_scenario(scenario_path, seed=seed)
    except ScenarioError as error:
        print("\n".join(error.messages), file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(_serve_forever(SimulatorServer(scenario, host=host, port=port, access_log=True, **options)))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"apio-sim: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


async def _serve_forever(server: SimulatorServer) -> None:
    async with server:
        for bound_host, bound_port in server.addresses:
            print(
                f"apio-sim {__version__}: scenario {server.scenario.name!r} on http://{bound_host}:{bound_port}",
                flush=True,
            )
        await asyncio.Event().wait()
