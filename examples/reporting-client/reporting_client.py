"""A tiny reporting client for the APIO call-center statistics endpoints: what a consumer project looks like.

Standard library only. It logs in through the gateway, keeps the session cookie, reads and changes the
reporting settings, fetches statistics, and retries when the gateway answers 502, 503 or 504.
"""

import json
import time
import urllib.error
import urllib.request
from typing import Any


class ApioError(Exception):
    """The gateway refused a call; `status` and `body` are its answer."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body

    @property
    def messages(self) -> list[str]:
        if isinstance(self.body, dict) and "errors" in self.body:
            return [error["message"] for error in self.body["errors"]]
        return [self.body.get("details") or self.body.get("error", "")] if isinstance(self.body, dict) else []


class ReportingClient:
    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        retries: int = 2,
        pause: float = 0.05,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.username, self.password = username, password
        self.retries, self.pause = retries, pause
        self.extra_headers = headers or {}
        self.cookie: str | None = None

    def login(self) -> dict[str, Any]:
        answer, response_headers = self._call(
            "POST", "/api/v1/login/", {"username": self.username, "password": self.password}
        )
        self.cookie = response_headers["Set-Cookie"].split(";", 1)[0]
        return answer

    def settings(self, tenant: str, group: str, call_center: str) -> dict[str, Any]:
        return self._call("GET", self._path(tenant, group, call_center, "instance_statistics_reporting"))[0]

    def update_settings(self, tenant: str, group: str, call_center: str, **changes: Any) -> dict[str, Any]:
        path = self._path(tenant, group, call_center, "instance_statistics_reporting")
        return self._call("PUT", path, changes)[0]

    def statistics(
        self, tenant: str, group: str, call_center: str, start: str, end: str | None = None
    ) -> dict[str, Any]:
        statistics_range = {"start": start} if end is None else {"start": start, "end": end}
        path = self._path(tenant, group, call_center, "statistics")
        return self._call("GET", path, {"statisticsRange": statistics_range})[0]

    @staticmethod
    def _path(tenant: str, group: str, call_center: str, endpoint: str) -> str:
        return f"/api/v1/tenants/{tenant}/groups/{group}/services/call_centers/{call_center}/{endpoint}/"

    def _call(self, method: str, path: str, body: Any = None) -> tuple[Any, Any]:
        headers = {"Content-Type": "application/json", **self.extra_headers}
        if self.cookie:
            headers["Cookie"] = self.cookie
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return json.load(response), response.headers
            except urllib.error.HTTPError as error:
                with error:
                    answer = json.load(error)
                if error.code in (502, 503, 504) and attempt < self.retries:
                    time.sleep(self.pause)
                    continue
                raise ApioError(error.code, answer) from None
        raise AssertionError("unreachable")
