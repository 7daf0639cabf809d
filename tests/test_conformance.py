"""Conformance fuzzing: schemathesis against a running simulator's own OpenAPI document, every operation.

A fixed seed and a bounded number of examples keep it repeatable and quick enough for CI. No response may be
a 5xx, and every response must match its documented status and schema (schemathesis.toml lists the
refusals APIO documents). Where the fuzzer found something, the cause was fixed and a regression test kept.
"""

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from simulator.openapi import openapi_document
from tests.test_cli import start, stop

ROOT = Path(__file__).resolve().parent.parent


def login(url: str, path: str) -> urllib.request.addinfourl:
    body = json.dumps({"username": "apio-admin", "password": "apio-admin"}).encode()
    return urllib.request.urlopen(urllib.request.Request(url + path, data=body, method="POST"), timeout=10)


def test_every_operation_conforms_to_the_openapi_document(tmp_path):
    server, url = start(log=False)
    try:
        with login(url, "/api/v1/login/") as response:
            cookie = response.headers["Set-Cookie"].split(";", 1)[0]
        with login(url, "/api/v01/auth/login") as response:
            token = json.load(response)["access_token"]
        result = subprocess.run(
            [
                str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(ROOT / "schemathesis.toml"),
                "run", url + "/openapi.json",
                "--seed", "1", "--max-examples", "20", "--workers", "1",
                "--suppress-health-check", "too_slow",  # a time limit: on a loaded machine it fails at random
                "-H", f"Cookie: {cookie}", "-H", f"Authorization: Bearer {token}",
            ],
            capture_output=True, text=True, timeout=600, cwd=tmp_path,
        )  # fmt: skip
    finally:
        stop(server)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    # Every operation of the document but the one that serves it, which schemathesis leaves out of its count.
    paths = openapi_document()["paths"]
    operations = sum(len(methods) for path, methods in paths.items() if path != "/openapi.json")
    assert f"Selected: {operations}/{operations}" in result.stdout
