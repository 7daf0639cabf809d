"""Who may drive the control API: the `Host` allow-list, browsers' origins, the admin token, and bodies
that only a script can send.

A web page can send a "simple" request (a form, or text/plain) to any address without a preflight, and a
page whose name was rebound to 127.0.0.1 (DNS rebinding) even reads the answers. So, before anything
else runs (in particular before the request's namespace is looked up or created):

- on loopback, `Host` must name the simulator (localhost, 127.0.0.1, ::1 or an allowed host): 403;
- a state change carrying an `Origin` that is neither the simulator's own nor one of `--cors`: 403;
- with `--admin-token`, `Authorization: Bearer <token>`: 401;
- a state change with a body is JSON (`PUT /__sim/scenario` also YAML), which a form cannot send: 416.

A middleware of the control application only, so it never looks at the path.
"""

import hmac
import ipaddress
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from simulator.api.respond import simulator_of
from simulator.control.dashboard import is_dashboard_file
from simulator.errors import BadMediaType, Forbidden, Unauthorized

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
"""The names a client on the same machine calls a simulator listening on loopback by."""

READS = frozenset({"GET", "HEAD", "OPTIONS"})
JSON_TYPES = frozenset({"application/json"})
YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})
"""What a web page may send anywhere without a preflight: refused even with an empty body."""


@dataclass(frozen=True, slots=True)
class AccessRules:
    """`allowed_hosts` None: any Host (a server others reach by any name); `origins` are those of --cors."""

    allowed_hosts: frozenset[str] | None = None
    origins: frozenset[str] = frozenset()
    yaml_routes: set[Any] = field(default_factory=set)  # routes whose body may be YAML (filled by the app)


ACCESS: web.AppKey[AccessRules] = web.AppKey("access", AccessRules)


def host_names(names: Iterable[str]) -> frozenset[str]:
    """Host names as they are compared: lower case, no brackets around an IPv6 address, no port."""
    return frozenset(_host_name(name) for name in names if name.strip())


def is_loopback(host: str) -> bool:
    """Whether a listening address is reachable from this machine only."""
    name = _host_name(host)
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _host_name(value: str) -> str:
    value = value.strip().lower()
    if value.startswith("["):  # [::1]:8080
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:  # name:port; a bare IPv6 address has more than one colon
        return value.split(":", 1)[0]
    return value


def _origin_host(origin: str) -> str | None:
    """`scheme://host[:port]` of an Origin header, as `host[:port]`; None for `null` or anything odd."""
    scheme, sep, rest = origin.partition("://")
    if not sep or scheme not in ("http", "https") or not rest or "/" in rest:
        return None
    return rest.lower()


def media_type(request: web.Request) -> str | None:
    header = request.headers.get("Content-Type")
    return None if header is None else header.split(";", 1)[0].strip().lower()


def _check_host(request: web.Request, allowed: Collection[str] | None) -> None:
    if allowed is None or "*" in allowed:
        return
    host = request.headers.get("Host")
    if host is None:  # HTTP/1.0 without Host: no browser sends that
        return
    if _host_name(host) not in allowed:
        raise Forbidden(
            f"Host {host!r} is not allowed: a simulator on loopback answers its control API only to "
            f"{', '.join(sorted(allowed))} (add names with --allowed-hosts)."
        )


def _check_origin(request: web.Request, origins: Collection[str]) -> None:
    origin = request.headers.get("Origin")
    if origin is None or request.method in READS or "*" in origins or origin in origins:
        return
    host = request.headers.get("Host")
    if host is not None and _origin_host(origin) == host.lower():  # the simulator's own origin
        return
    raise Forbidden(
        f"Origin {origin!r} may not change the simulator's state: only the origins of --cors may "
        "(a web page must not drive the control API)."
    )


def _check_media_type(request: web.Request, yaml: bool) -> None:
    if request.method in READS:
        return
    kind = media_type(request)
    if not request.body_exists and kind not in FORM_TYPES:
        return  # POST /__sim/reset and DELETEs carry nothing (some clients still name a type)
    accepted = JSON_TYPES | YAML_TYPES if yaml else JSON_TYPES
    if kind not in accepted and not (kind is not None and kind.endswith("+json")):
        wanted = "application/json or application/yaml" if yaml else "application/json"
        raise BadMediaType(f"Content-Type must be {wanted}, not {kind or 'missing'}.")


@web.middleware
async def control_access(request: web.Request, handler: Handler) -> web.StreamResponse:
    rules = request.app.get(ACCESS) or AccessRules()
    _check_host(request, rules.allowed_hosts)
    _check_origin(request, rules.origins)
    token = simulator_of(request).options.admin_token
    if token and not is_dashboard_file(request.path):
        given = request.headers.get("Authorization", "")
        # surrogateescape: raw non-UTF-8 bytes of a header arrive as lone surrogates; they match no token.
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), f"Bearer {token}".encode()):
            raise Unauthorized("The control API needs 'Authorization: Bearer <admin token>'.")
    _check_media_type(request, request.match_info.route in rules.yaml_routes)
    return await handler(request)
