"""A small synchronous client for the control API: faults, journal, clock, scenario, reset, namespaces.

Standard library only, so any script or test can drive a running simulator:

    from simulator.client import SimulatorClient

    sim = SimulatorClient("http://127.0.0.1:8080")
    sim.reset()
    sim.add_fault({"match": {"endpoint": "statistics"}, "action": "http-503", "times": 1})
    ...  # exercise the code under test
    assert sim.requests(endpoint="statistics", status=503)["count"] == 1
"""

import ipaddress
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Self

from simulator.constants import CONTROL_PREFIX, NAMESPACE_HEADER

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def opener_for(url: str) -> urllib.request.OpenerDirector:
    """A urllib opener for `url`: never through http_proxy/https_proxy when the host is loopback (a proxy
    cannot reach the caller's own machine); other hosts honour the proxy variables as they are now."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return _DIRECT
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return _DIRECT if loopback else urllib.request.build_opener()


class SimulatorError(Exception):
    """The simulator refused a call; `status` and `body` are its answer."""

    def __init__(self, status: int, body: Any, what: str | None = None) -> None:
        super().__init__(
            f"{what + ': ' if what else ''}{status}: {json.dumps(body) if not isinstance(body, str) else body}"
        )
        self.status = status
        self.body = body

    @classmethod
    def from_http_error(cls, error: urllib.error.HTTPError, what: str | None = None) -> Self:
        with error:
            text = error.read().decode("utf-8", errors="replace")
        try:
            answer: Any = json.loads(text)
        except ValueError:
            answer = text
        return cls(error.code, answer, what)


class SimulatorClient:
    def __init__(
        self,
        url: str,
        namespace: str | None = None,
        admin_token: str | None = None,
        timeout: float = 10.0,
        *,
        touched: set[str] | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.namespace_name = namespace
        self.admin_token = admin_token
        self.timeout = timeout
        self.touched: set[str] = set() if touched is None else touched
        """The namespaces this client and those made by `namespace()` acted on (the pytest plugin drops them)."""

    def namespace(self, name: str) -> "SimulatorClient":
        """The same server, acting on another namespace (created on first use)."""
        return SimulatorClient(self.url, name, self.admin_token, self.timeout, touched=self.touched)

    @property
    def headers(self) -> dict[str, str]:
        """Headers that put a request to the emulated API in this client's namespace."""
        return {NAMESPACE_HEADER: self.namespace_name} if self.namespace_name else {}

    # Health, reset, namespaces

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def reset(self) -> dict[str, Any]:
        return self._call("POST", "/reset")

    def namespaces(self) -> list[dict[str, Any]]:
        return self._call("GET", "/namespaces")["namespaces"]

    def delete_namespace(self, name: str) -> dict[str, Any]:
        return self._call("DELETE", "/namespaces/" + urllib.parse.quote(name, safe=""))

    # Faults

    def add_fault(self, rule: dict[str, Any]) -> dict[str, Any]:
        """Add a fault rule; answers it with its id."""
        return self._call("POST", "/faults", rule)

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "/faults")["faults"]

    def delete_fault(self, rule_id: str) -> dict[str, Any]:
        return self._call("DELETE", "/faults/" + urllib.parse.quote(rule_id, safe=""))

    def clear_faults(self) -> dict[str, Any]:
        return self._call("DELETE", "/faults")

    # Journal

    def requests(self, **filters: Any) -> dict[str, Any]:
        """The journal: {"count", "requests"}; filters: endpoint, method, status, tenant, group, callCenter,
        since, until (call_center= is taken for callCenter)."""
        if "call_center" in filters:
            filters["callCenter"] = filters.pop("call_center")
        query = urllib.parse.urlencode({name: value for name, value in filters.items() if value is not None})
        return self._call("GET", "/requests" + (f"?{query}" if query else ""))

    def clear_requests(self) -> dict[str, Any]:
        return self._call("DELETE", "/requests")

    # Clock

    def clock(self) -> dict[str, Any]:
        return self._call("GET", "/clock")

    def freeze(self, instant: str) -> dict[str, Any]:
        """Stop the clock at an ISO 8601 instant, such as 2021-03-01T12:00:00+01:00."""
        return self._call("PUT", "/clock", {"now": instant})

    def advance(self, duration: float | str) -> dict[str, Any]:
        """Move the clock on by seconds or an ISO 8601 duration (PT15M, P1D)."""
        return self._call("PUT", "/clock", {"advance": duration})

    def real_time(self) -> dict[str, Any]:
        return self._call("PUT", "/clock", {"realTime": True})

    # Scenario

    def load_scenario(self, scenario: str | dict[str, Any]) -> dict[str, Any]:
        """Start this client's namespace again on a scenario (YAML or JSON text, or a dict); the other
        namespaces keep theirs. `reset()` then returns to it."""
        text = scenario if isinstance(scenario, str) else json.dumps(scenario)
        return self._call("PUT", "/scenario", raw=text.encode("utf-8"))

    def export_scenario(self, passwords: bool = False) -> dict[str, Any]:
        """The namespace's state as a scenario; the API users' passwords only with `passwords=True`."""
        return self._call("GET", "/scenario?passwords=true" if passwords else "/scenario")

    def _call(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> Any:
        headers = dict(self.headers)
        if self.admin_token:
            headers["Authorization"] = f"Bearer {self.admin_token}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + CONTROL_PREFIX + path, data=data, method=method, headers=headers)
        if self.namespace_name:
            self.touched.add(self.namespace_name)
        try:
            with opener_for(self.url).open(request, timeout=self.timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            raise SimulatorError.from_http_error(error) from None
