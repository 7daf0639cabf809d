"""Throughput of the documented requests: apio-sim beside a bare aiohttp handler and the usual mock servers.

The requests are those of the APIO documentation: the reporting GET (APIOTestCCBasic), the reporting PUT
(APIOTestCCPremium, the documented body) and the statistics GET with its range in a GET body, once with
the documented two-month range and once with a 5-day range that holds calls. Each runs under wrk
(Debian's `wrk`; one thread, 32 connections, a Lua script that sends the body) after a warm-up, against:

- `apio-sim`: `apio-sim serve --no-auth` on the default scenario (every response schema-checked, journal
  on, access log as shipped);
- `apio-sim auth`: the same with authentication on; the client logs in first and sends the cookie;
- `bare`: a bare aiohttp handler that reads the body and answers the same bytes (aiohttp's ceiling here);
- `wiremock`, `mockoon`, `prism`, when installed (see --peers): each configured from bench/mocks/ to
  answer the same JSON for the same requests.

It prints req/s (median and range over the rounds), p50 and p99 per server and request, the time from
launch to the first 200, and the ratios apio-sim / bare and apio-sim / WireMock. Every answer is checked
once against apio-sim's before the load. All traffic goes to 127.0.0.1; every wait is bounded.

Peers, installed outside the repository (the JVM is the machine's `java`):

    mkdir -p /tmp/mocks && cd /tmp/mocks && npm install --ignore-scripts wiremock @mockoon/cli @stoplight/prism-cli

    python bench/bench_throughput.py [--seconds 4] [--warmup 1] [--rounds 1] [--connections 32]
        [--servers apio-sim,apio-sim-auth,bare,wiremock,mockoon,prism] [--cases ...] [--peers /tmp/mocks]
        [--pin] [--json FILE]
    python bench/bench_throughput.py --write-mocks   # regenerate bench/mocks/ from apio-sim's answers
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MOCKS = Path(__file__).resolve().parent / "mocks"
HOST = "127.0.0.1"
SERVICES = "/api/v1/tenants/{tenant}/groups/foogroup/services/call_centers/{cc}"
BASIC = SERVICES.format(tenant="foo", cc="APIOTestCCBasic@sip.netaxis.be")
PREMIUM = SERVICES.format(tenant="foo", cc="APIOTestCCPremium@sip.netaxis.be")
STATS = SERVICES.format(tenant="footenant", cc="APIOTestCallCenterP@sip.netaxis.be") + "/statistics/"
LOGIN = {"username": "apio-admin", "password": "apio-admin"}


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None
    example: str
    """The name of its answer among the mock servers' examples (Prism picks one with `Prefer: example=`)."""

    @property
    def raw(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode()


def bytecode_env() -> dict[str, str]:
    """The environment with bytecode caching on, its caches outside the repository: start-up as installed."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "apio-sim-bench-pycache")
    return env


def _range(start: str, end: str) -> dict[str, Any]:
    return {"statisticsRange": {"start": start, "end": end}}


CASES = [
    Case("reporting GET", "GET", BASIC + "/instance_statistics_reporting/", None, "reporting-get"),
    Case(
        "reporting PUT",
        "PUT",
        PREMIUM + "/instance_statistics_reporting/",
        {
            "generateDailyReport": False,
            "collectionPeriodMinutes": 30,
            "reportingEmailAddress1": "apio_test_1@netaxis.be",
            "reportingEmailAddress2": "apio_test_2@netaxis.be",
        },
        "reporting-put",
    ),
    Case(
        "statistics 2 months",
        "GET",
        STATS,
        _range("2021-01-01T00:00:00+01:00", "2021-03-01T00:00:00+01:00"),
        "statistics-documented",
    ),
    Case(
        "statistics 5 days",
        "GET",
        STATS,
        _range("2021-03-01T00:00:00+01:00", "2021-03-06T00:00:00+01:00"),
        "statistics-5-days",
    ),
]
CASE_KEYS = {"reporting-get": 0, "reporting-put": 1, "stats-long": 2, "stats-short": 3}

BARE = """
import json, sys
from aiohttp import web

ANSWERS = {(a["method"], a["path"], a["body"].encode()): a["answer"].encode() for a in json.load(open(sys.argv[2]))}


async def answer(request):
    body = ANSWERS.get((request.method, request.path, await request.read()))
    if body is None:
        return web.Response(status=404, body=b'{"details": "no answer"}', content_type="application/json")
    return web.Response(body=body, content_type="application/json")


app = web.Application()
app.router.add_route("*", "/{tail:.*}", answer)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


@dataclass
class Server:
    name: str
    argv: list[str]
    cwd: Path = ROOT
    start_timeout: float = 60.0
    login: bool = False
    prism: bool = False
    process: subprocess.Popen[bytes] | None = None
    port: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    started_in: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def http(url: str, method: str, body: bytes, headers: dict[str, str], timeout: float = 5) -> tuple[int, bytes, Any]:
    request = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    if body:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def start(server: Server, probe: Case, pin: set[int] | None) -> None:
    """Launch it and time the first 200 (to the login when it has one, else to the probe request)."""
    server.port = free_port()
    argv = [part.replace("{port}", str(server.port)) for part in server.argv]
    began = time.perf_counter()
    server.process = subprocess.Popen(
        argv,
        cwd=server.cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=(lambda: os.sched_setaffinity(0, pin)) if pin else None,
        env=bytecode_env(),
    )
    deadline = began + server.start_timeout
    if server.login:
        url, method, body = server.base + "/api/v1/login/", "POST", json.dumps(LOGIN).encode()
    else:
        url, method, body = server.base + probe.path, probe.method, probe.raw
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode} before answering")
        try:
            status, _, headers = http(url, method, body, probe_headers(server, probe), timeout=2)
            if status == 200:
                break
        except OSError:
            pass
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{server.name} gave no 200 within {server.start_timeout:.0f} s")
        time.sleep(0.01)
    server.started_in = time.perf_counter() - began
    if server.login:
        server.headers["Cookie"] = headers["Set-Cookie"].split(";", 1)[0]


def probe_headers(server: Server, case: Case) -> dict[str, str]:
    return {**server.headers, **({"Prefer": f"example={case.example}"} if server.prism else {})}


def stop(server: Server) -> None:
    if server.process is not None and server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


def wrk(server: Server, case: Case, seconds: int, connections: int, folder: Path, pin: set[int] | None) -> dict:
    headers = {**probe_headers(server, case), **({"Content-Type": "application/json"} if case.body else {})}
    script = folder / f"{server.name}-{case.example}.lua"
    lines = [f"wrk.method = {json.dumps(case.method)}"]
    if case.body is not None:
        lines.append(f"wrk.body = {json.dumps(case.raw.decode())}")
    lines += [f"wrk.headers[{json.dumps(key)}] = {json.dumps(value)}" for key, value in headers.items()]
    script.write_text("\n".join(lines) + "\n")
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "--latency", "-s", str(script)]
    out = subprocess.run(
        [*argv, server.base + case.path],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
        preexec_fn=(lambda: os.sched_setaffinity(0, pin)) if pin else None,
    ).stdout

    def latency(share: str) -> float:
        value, unit = re.search(rf"{share}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def servers(names: Sequence[str], peers: Path, answers: Path, before: Path | None = None) -> list[Server]:
    python = [sys.executable, "-m", "simulator", "serve", "--port", "{port}"]
    jar = sorted((peers / "node_modules" / "wiremock").glob("**/wiremock-standalone-*.jar"))
    bin_ = peers / "node_modules" / ".bin"
    known: dict[str, Callable[[], Server | None]] = {
        "apio-sim": lambda: Server("apio-sim", [*python, "--no-auth"]),
        "apio-sim-auth": lambda: Server("apio-sim auth", python, login=True),
        # An earlier checkout (`--before DIR`), run from its own folder so that its `simulator` is imported.
        "before": lambda: None if before is None else Server("before", [*python, "--no-auth"], cwd=before),
        "before-auth": lambda: None if before is None else Server("before auth", python, cwd=before, login=True),
        "bare": lambda: Server("bare", [sys.executable, "-c", BARE, "{port}", str(answers)]),
        "wiremock": lambda: (
            Server(
                "wiremock",
                [
                    *("java", "-jar", str(jar[-1]), "--port", "{port}", "--bind-address", HOST),
                    *("--root-dir", str(MOCKS / "wiremock"), "--disable-banner"),
                    *("--max-request-journal-entries", "1000"),
                ],
            )
            if jar and shutil.which("java")
            else None
        ),
        "mockoon": lambda: (
            Server(
                "mockoon",
                [
                    *(str(bin_ / "mockoon-cli"), "start", "-d", str(MOCKS / "mockoon.json")),
                    *("-p", "{port}", "-l", HOST, "-X", "--disable-admin-api"),
                ],
            )
            if (bin_ / "mockoon-cli").exists()
            else None
        ),
        "prism": lambda: (
            Server(
                "prism",
                [str(bin_ / "prism"), "mock", "-h", HOST, "-p", "{port}", "-v", "error", str(MOCKS / "prism.yaml")],
                prism=True,
            )
            if (bin_ / "prism").exists()
            else None
        ),
    }
    chosen = []
    for name in names:
        if name not in known:
            sys.exit(f"unknown server {name!r}; choose among {', '.join(known)}")
        server = known[name]()
        if server is None:
            print(f"{name}: not installed under {peers} (or no --before), skipped (see --help)", file=sys.stderr)
        else:
            chosen.append(server)
    return chosen


def reference_answers(cases: Sequence[Case]) -> list[bytes]:
    """apio-sim's own answers (no authentication) to the cases, in order."""
    server = Server("apio-sim", [sys.executable, "-m", "simulator", "serve", "--port", "{port}", "--no-auth"])
    try:
        start(server, cases[0], None)
        answers = []
        for case in cases:
            status, body, _ = http(server.base + case.path, case.method, case.raw, {})
            if status != 200:
                raise RuntimeError(f"apio-sim answered {case.name} with {status}: {body[:200]!r}")
            answers.append(body)
        return answers
    finally:
        stop(server)


def write_mocks(answers: Sequence[bytes]) -> None:
    """bench/mocks/: WireMock mappings, a Mockoon environment and an OpenAPI document for Prism."""
    (MOCKS / "wiremock" / "mappings").mkdir(parents=True, exist_ok=True)
    for old in (MOCKS / "wiremock" / "mappings").glob("*.json"):
        old.unlink()
    routes = []
    paths: dict[str, dict[str, Any]] = {}
    for case, answer in zip(CASES, answers, strict=True):
        request: dict[str, Any] = {"method": case.method, "urlPath": case.path}
        if case.body is not None:
            request["bodyPatterns"] = [{"equalToJson": case.body}]
        mapping = {
            "request": request,
            "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": answer.decode()},
        }
        (MOCKS / "wiremock" / "mappings" / f"{case.example}.json").write_text(json.dumps(mapping, indent=2) + "\n")
        rules = []
        if case.body is not None and "statisticsRange" in case.body:
            rules = [
                {"target": "body", "modifier": f"statisticsRange.{end}", "value": value, "operator": "equals"}
                for end, value in case.body["statisticsRange"].items()
            ]
        response = {
            "uuid": f"{case.example}-answer",
            "body": answer.decode(),
            "statusCode": 200,
            "label": case.name,
            "headers": [{"key": "Content-Type", "value": "application/json"}],
            "rules": rules,
            "rulesOperator": "AND",
            "disableTemplating": True,
        }
        endpoint = case.path.lstrip("/")
        route = next((r for r in routes if r["endpoint"] == endpoint and r["method"] == case.method.lower()), None)
        if route is None:
            route = {"uuid": case.example, "type": "http", "method": case.method.lower(), "endpoint": endpoint}
            route["responses"] = []
            routes.append(route)
        route["responses"].append(response)
        operation = paths.setdefault(case.path, {}).setdefault(
            case.method.lower(),
            {"responses": {"200": {"description": "OK", "content": {"application/json": {"examples": {}}}}}},
        )
        if case.body is not None:  # else Prism refuses the body with 415
            operation["requestBody"] = {"content": {"application/json": {"schema": {"type": "object"}}}}
        examples = operation["responses"]["200"]["content"]["application/json"]["examples"]
        examples[case.example] = {"value": json.loads(answer)}
    for route in routes:
        route["responses"][0]["default"] = True
    environment = {
        "uuid": "apio-sim-bench",
        "lastMigration": 33,
        "name": "apio-sim benchmark peers",
        "port": 3000,
        "hostname": HOST,
        "cors": False,
        "routes": routes,
        "rootChildren": [{"type": "route", "uuid": route["uuid"]} for route in routes],
    }
    (MOCKS / "mockoon.json").write_text(json.dumps(environment, indent=2) + "\n")
    document = {"openapi": "3.0.3", "info": {"title": "apio-sim benchmark peers", "version": "1"}, "paths": paths}
    (MOCKS / "prism.yaml").write_text(json.dumps(document, indent=2) + "\n")  # JSON is YAML, and Prism reads it


def check(server: Server, cases: Sequence[Case], expected: Sequence[bytes]) -> list[str]:
    """Problems with the server's answers: a status other than 200, or JSON other than apio-sim's."""
    problems = []
    for case, answer in zip(cases, expected, strict=True):
        status, body, _ = http(server.base + case.path, case.method, case.raw, probe_headers(server, case))
        if status != 200:
            problems.append(f"{case.name}: status {status}: {body[:200]!r}")
        elif json.loads(body) != json.loads(answer):
            problems.append(f"{case.name}: another JSON: {body[:200]!r}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=4, help="each measurement (default 4)")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of load before the first round (default 1)")
    parser.add_argument("--rounds", type=int, default=1, help="measurements per server and request (default 1)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--servers", default="apio-sim,apio-sim-auth,bare,wiremock,mockoon,prism")
    parser.add_argument("--cases", default=",".join(CASE_KEYS), help=f"among {', '.join(CASE_KEYS)}")
    parser.add_argument(
        "--peers",
        type=Path,
        default=Path(os.environ.get("APIO_SIM_BENCH_PEERS", "/tmp/mocks")),
        help="where the peers were installed with npm (default $APIO_SIM_BENCH_PEERS or /tmp/mocks)",
    )
    parser.add_argument(
        "--before", type=Path, help="a checkout of an earlier version, served as 'before' and 'before-auth'"
    )
    parser.add_argument("--pin", action="store_true", help="servers on the last CPU, wrk on the others")
    parser.add_argument("--json", type=Path, help="also write every measurement to this file")
    parser.add_argument("--write-mocks", action="store_true", help="regenerate bench/mocks/ and stop")
    args = parser.parse_args()
    if args.write_mocks:
        write_mocks(reference_answers(CASES))
        print(f"wrote {MOCKS}")
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    for name in ("seconds", "rounds", "connections"):
        if not 1 <= getattr(args, name) <= 600:
            sys.exit(f"--{name} must be between 1 and 600")
    if not 0 <= args.warmup <= 60:
        sys.exit("--warmup must be between 0 and 60")
    cases = [CASES[CASE_KEYS[key]] for key in args.cases.split(",") if key in CASE_KEYS]
    if len(cases) != len(args.cases.split(",")):
        sys.exit(f"--cases: choose among {', '.join(CASE_KEYS)}")
    cpus = sorted(os.sched_getaffinity(0))
    server_cpus, wrk_cpus = ({cpus[-1]}, set(cpus[:-1])) if args.pin and len(cpus) > 1 else (None, None)

    expected = reference_answers(cases)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        answers = folder / "answers.json"
        answers.write_text(
            json.dumps(
                [
                    {"method": c.method, "path": c.path, "body": c.raw.decode(), "answer": a.decode()}
                    for c, a in zip(cases, expected, strict=True)
                ]
            )
        )
        running = servers(args.servers.split(","), args.peers, answers, args.before)
        total = len(running) * len(cases) * (args.warmup + args.rounds * args.seconds)
        print(f"{len(running)} servers x {len(cases)} requests: about {total} s of load", flush=True)
        results: dict[str, dict[str, list[dict]]] = {}
        try:
            for server in list(running):
                try:
                    start(server, cases[0], server_cpus)
                except RuntimeError as error:  # one peer that will not start does not stop the others
                    print(f"{server.name}: skipped: {error}", file=sys.stderr)
                    stop(server)
                    running.remove(server)
                    continue
                server.problems = check(server, cases, expected)
                print(f"{server.name}: first 200 after {server.started_in:.2f} s", flush=True)
                for problem in server.problems:
                    print(f"  {server.name} does not answer like apio-sim: {problem}", file=sys.stderr)
                results[server.name] = {case.name: [] for case in cases}
            for case in cases:
                for server in running:
                    if args.warmup:
                        wrk(server, case, args.warmup, args.connections, folder, wrk_cpus)
            for _ in range(args.rounds):  # servers take turns, so a noisy minute spreads over all of them
                for case in cases:
                    for server in running:
                        results[server.name][case.name].append(
                            wrk(server, case, args.seconds, args.connections, folder, wrk_cpus)
                        )
        finally:
            for server in running:
                stop(server)
    report(running, cases, results, args)
    if args.json:
        args.json.write_text(
            json.dumps({"start_s": {s.name: s.started_in for s in running}, "runs": results}, indent=1) + "\n"
        )


def report(running: Sequence[Server], cases: Sequence[Case], results: dict, args: argparse.Namespace) -> None:
    print(
        f"\nwrk -t1 -c{args.connections}, {args.rounds} x {args.seconds} s after {args.warmup} s of warm-up"
        f"{', pinned' if args.pin else ''}; req/s median (min-max), latencies in ms (median over rounds)"
    )
    print(f"{'request':<20} {'server':<14} {'req/s':>8} {'range':>15} {'p50':>7} {'p99':>7} {'non-2xx':>8}")
    for case in cases:
        medians = {}
        for server in running:
            runs = results[server.name][case.name]
            rps = [run["rps"] for run in runs]
            medians[server.name] = statistics.median(rps)
            p50 = statistics.median(run["p50"] for run in runs)
            p99 = statistics.median(run["p99"] for run in runs)
            bad = sum(run["non_2xx"] for run in runs)
            spread = f"{min(rps):,.0f}-{max(rps):,.0f}"
            print(
                f"{case.name:<20} {server.name:<14} {medians[server.name]:>8,.0f} {spread:>15} "
                f"{p50:>7.2f} {p99:>7.2f} {bad:>8}"
            )
        ratios = [
            f"{ours} / {theirs} {medians[ours] / medians[theirs]:.2f}"
            for ours in ("apio-sim", "apio-sim auth")
            for theirs in ("bare", "wiremock")
            if ours in medians and theirs in medians
        ]
        if ratios:
            print(f"{'':<20} {'; '.join(ratios)}")
    print("start to first 200: " + ", ".join(f"{s.name} {s.started_in:.2f} s" for s in running))
    for server in running:
        if server.problems:
            print(f"{server.name} did not answer like apio-sim: " + "; ".join(server.problems))


if __name__ == "__main__":
    main()
