"""The command line: `apio-sim serve` and `apio-sim validate`."""

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from simulator import __version__
from simulator.app import create_app
from simulator.resources import default_scenario
from simulator.scenario import ScenarioError, load_scenario

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


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

    validate = commands.add_parser("validate", help="check scenario files and report every problem")
    validate.add_argument("files", type=Path, nargs="+", metavar="FILE")
    validate.add_argument("--seed", type=int, help="the seed of generated histories, in place of the scenarios'")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "validate":
        return validate(args.files, args.seed)
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
        app = create_app(scenario, **options)
        asyncio.run(_serve_forever(app, scenario.name, host, port))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"apio-sim: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


async def _serve_forever(app: web.Application, name: str, host: str, port: int) -> None:
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        for address in runner.addresses:
            bound_host, bound_port = address[0], address[1]
            print(f"apio-sim {__version__}: scenario {name!r} on http://{bound_host}:{bound_port}", flush=True)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
