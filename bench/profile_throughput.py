"""Where a served request's time goes: py-spy samples `apio-sim serve` while wrk sends one documented request.

Starts `apio-sim serve` (default scenario; --auth for authentication on, the client logging in first),
loads it with wrk (one thread, 32 connections, the body in a Lua script) and samples it with py-spy
(`pip install py-spy`; it needs ptrace rights: root, or kernel.yama.ptrace_scope=0). Prints the share of
the busy samples (idle ones are not sampled) spent inside each part of the request path, inclusive, and
the functions with the most samples of their own. Traffic goes to 127.0.0.1 only; every wait is bounded.

    python bench/profile_throughput.py [--case stats-long] [--seconds 8] [--auth] [--raw FILE]
"""

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_throughput import CASE_KEYS, CASES, Server, start, stop

# (label, test on one frame "function (file:line)"): a sample counts once per part it passes through.
PARTS: list[tuple[str, tuple[str, ...]]] = [
    ("statistics computation (compute_statistics)", ("compute_statistics (simulator/statistics.py",)),
    ("response check (respond -> SchemaStore.problems)", ("respond (simulator/api/respond.py",)),
    ("request check (statistics_range)", ("statistics_range (simulator/api/statistics.py",)),
    ("compiled verdicts, both checks (simulator/verdicts.py code)", ("<verdict of ",)),
    ("reading the body as JSON (read_json_object)", ("read_json_object (simulator/api/body.py",)),
    ("JSON encoding (json_response)", ("json_response (aiohttp",)),
    ("rendering (render_statistics / render_reporting)", ("render_statistics (", "render_reporting (")),
    ("date parsing and formatting (instants.py)", ("simulator/instants.py",)),
    ("access log (AccessLogger.log)", ("log (aiohttp/web_log.py",)),
    ("journal (request_info / request_body / Journal.record)", ("simulator/api/journal.py", "simulator/journal.py")),
    ("fault rules (_choose / _deliver)", ("_choose (simulator/api/faults.py", "_deliver (simulator/api/faults.py")),
    ("authentication middleware (guard.py)", ("simulator/api/guard.py",)),
    ("the handler (get_statistics / get_reporting / put_reporting)", ("get_statistics (", "_reporting (")),
    ("all simulator middlewares and handler (from namespaces down)", ("emulated_namespace (simulator/app.py",)),
    ("aiohttp request handling (RequestHandler._handle_request)", ("_handle_request (aiohttp",)),
    ("aiohttp writing the response (finish_response / prepare / write)", ("finish_response (aiohttp",)),
    ("aiohttp parsing (data_received)", ("data_received (aiohttp",)),
    ("asyncio event loop itself (_run_once, not in a callback)", ()),
]


def parse(raw: str) -> list[tuple[list[str], int]]:
    stacks = []
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="stats-long", choices=list(CASE_KEYS))
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second (default 250)")
    parser.add_argument("--auth", action="store_true", help="authentication on (default: serve --no-auth)")
    parser.add_argument("--raw", type=Path, help="keep py-spy's collapsed stacks in this file")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists() or shutil.which("wrk") is None:
        sys.exit("needs py-spy (pip install py-spy) and wrk (apt-get install wrk)")
    if not 1 <= args.seconds <= 120:
        sys.exit("--seconds must be between 1 and 120")
    case = CASES[CASE_KEYS[args.case]]
    argv = [sys.executable, "-m", "simulator", "serve", "--port", "{port}"]
    server = Server("apio-sim", argv if args.auth else [*argv, "--no-auth"], login=args.auth)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        raw = args.raw or folder / "stacks.txt"
        try:
            start(server, case, None)
            script = folder / "request.lua"
            headers = {**server.headers, **({"Content-Type": "application/json"} if case.body else {})}
            lines = [f"wrk.method = {json.dumps(case.method)}"]
            if case.body is not None:
                lines.append(f"wrk.body = {json.dumps(case.raw.decode())}")
            lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
            script.write_text("\n".join(lines) + "\n")
            url = server.base + case.path
            subprocess.run(  # warm-up
                ["wrk", "-t1", f"-c{args.connections}", "-d1s", "-s", str(script), url],
                capture_output=True,
                check=True,
                timeout=60,
            )
            spy = subprocess.Popen(
                [
                    *(py_spy, "record", "--pid", str(server.process.pid), "--duration", str(args.seconds)),
                    *("--rate", str(args.rate), "--format", "raw", "--nonblocking", "--output", str(raw)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            load = subprocess.run(
                ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "-s", str(script), url],
                capture_output=True,
                text=True,
                check=True,
                timeout=args.seconds + 60,
            ).stdout
            _, errors = spy.communicate(timeout=args.seconds + 60)
            if spy.returncode != 0:
                sys.exit(f"py-spy failed: {errors.decode()[-500:]}")
        finally:
            stop(server)
        stacks = parse(raw.read_text())
    rate = next((line.strip() for line in load.splitlines() if "Requests/sec" in line), "")
    total = sum(count for _, count in stacks)
    print(f"{case.name}, {'authentication on' if args.auth else '--no-auth'}: {rate}; {total} busy samples")
    for label, needles in PARTS:
        if needles:
            hits = sum(c for frames, c in stacks if any(n in f for f in frames for n in needles))
        else:
            hits = sum(c for frames, c in stacks if frames[-1].startswith("_run_once"))
        print(f"{100 * hits / total:6.1f}%  {label}")
    own: collections.Counter[str] = collections.Counter()
    for frames, count in stacks:
        own[re.sub(r":\d+\)$", ")", frames[-1])] += count  # per function, not per line
    print(f"\nfunctions with the most samples of their own (top {args.top}):")
    for frame, count in own.most_common(args.top):
        print(f"{100 * count / total:6.1f}%  {frame}")


if __name__ == "__main__":
    main()
