"""Fault rules: which requests to break, how, and how often; `simulator.api.faults` runs them.

A rule has a match, an action and a dose. An action is parsed once, when its rule is added (or its scenario
built, or its header read), into one of the classes below, and each knows what it does to a request:
answer in place of the handler (the errors), hold the handler back (a delay), never answer (reset, empty)
or break the answer on its way out (the body actions). Actions are written the same in a rule, in a
scenario's `faults:` section and in the `X-Apio-Sim-Fault` header:

    invalid-date-format | date-in-future | end-before-start     the documented 400 sub-errors
    http-401 ... http-504, http-429[:retry-after seconds]       an HTTP error with an APIO body
    oci-error;error_code=N;summary=TEXT[;status=..;code=..;message=..;level=..;detail=..]
                                                                an error BroadWorks raised (OCI mapping)
    delay:MS | delay:LOW-HIGH                                   answer normally, MS later (uniform in LOW..HIGH)
    reset | empty                                               reset the connection | close it without a word
    truncated-body | malformed-body                             cut the body short | send a body that is not JSON
    slow-body:MS                                                dribble the body over MS milliseconds

A rule (not the header) may also give `oci-error` as an object, with any number of OCI errors:
`{"type": "oci-error", "status": 400, "code": 2, "message": ..., "errors": [{"error_code": ..., ...}]}`.
"""

import asyncio
import random
import re
import socket
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, ClassVar

from aiohttp import web

from simulator.auth import NO_RIGHTS
from simulator.errors import (
    DATE_IN_FUTURE,
    END_BEFORE_START,
    INVALID_DATE_FORMAT,
    INVALID_PARAMETERS,
    ApioError,
    BadMediaType,
    CoreUnauthorized,
    Forbidden,
    HttpError,
    InternalError,
    InvalidParameters,
    NotFound,
    Unauthorized,
)
from simulator.oci import BroadWorksError, OciError, OciLevel

SUB_ERRORS = {
    "invalid-date-format": INVALID_DATE_FORMAT,
    "date-in-future": DATE_IN_FUTURE,
    "end-before-start": END_BEFORE_START,
}
HTTP_STATUSES = (401, 403, 404, 416, 429, 500, 502, 503, 504)
MAX_MILLISECONDS = 60_000
OCI_ERROR = "oci-error"
OCI_STATUSES = range(400, 600)
OCI_DEFAULT_STATUS = 400
OCI_DEFAULT_CODE = INVALID_PARAMETERS  # the simulator's choice: APIO documents no code for BroadWorks errors
MAX_OCI_ERRORS = 10
MAX_OCI_TEXT = 1000

VALID_ACTIONS = (
    "Valid actions: invalid-date-format, date-in-future, end-before-start, http-401, http-403, http-404, http-416,"
    " http-429, http-429:SECONDS, http-500, http-502, http-503, http-504, oci-error;error_code=N;summary=TEXT,"
    " delay:MS, delay:LOW-HIGH, reset, empty, truncated-body, malformed-body, slow-body:MS (MS from 0 to 60000)."
)
_ACTION = re.compile(r"(?P<name>[a-z0-9-]+)(?::(?P<low>\d{1,6})(?:-(?P<high>\d{1,6}))?)?")
# `;name=value`, the value bare (up to the next `;`) or double-quoted with backslash escapes.
_OCI_PARAMETER = re.compile(r';\s*(?P<name>[a-z_]+)\s*=\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^;"]*))')
_OCI_TEXT_FIELDS = ("message", "summary", "level", "detail")
_OCI_NUMBER_FIELDS = ("status", "code", "error_code")

_HTTP_MESSAGES = {
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service unavailable.",
    504: "Gateway timeout.",
}


class InvalidFault(ValueError):
    """A rule or action that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """What a rule can match on, and what the journal records of a request."""

    method: str
    path: str
    endpoint: str | None = None
    tenant: str | None = None
    group: str | None = None
    call_center: str | None = None


# Actions


@dataclass(frozen=True, slots=True)
class Action:
    """What a fault does to one request; this base answers normally. `text` is what the journal records."""

    text: str
    reaches_handler: ClassVar[bool] = True  # False: the request is never acted on

    def document(self) -> str | dict[str, Any]:
        """The action as a rule gives it back."""
        return self.text

    def error(self, info: RequestInfo) -> ApioError | None:
        """The error answered in place of the handler, if this action is one."""
        return None

    async def before(self, draw: random.Random) -> None:
        """Runs before the handler."""

    async def deliver(self, request: web.Request, response: web.Response | None) -> web.StreamResponse:
        """Sends the answer (None when the handler was not reached), broken as the action says."""
        assert response is not None
        return response


@dataclass(frozen=True, slots=True)
class SubError(Action):
    """One of the documented 400 sub-errors of the statistics endpoint, word for word."""

    message: str = ""

    def error(self, info: RequestInfo) -> ApioError:
        return InvalidParameters(self.message)


class TooManyRequests(HttpError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(429, "Too many requests.")
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


@dataclass(frozen=True, slots=True)
class HttpFault(Action):
    """An HTTP error, with the body the real gateway (or APIO core) gives for that status."""

    status: int = 500
    retry_after: int | None = None  # 429 only

    def error(self, info: RequestInfo) -> ApioError:
        status = self.status
        if status == 401:
            if info.path.startswith("/api/v01/"):
                return CoreUnauthorized("Invalid or expired token.")
            return Unauthorized("Invalid or expired session.")
        if status == 403:
            return Forbidden(NO_RIGHTS)
        if status == 404:
            if info.call_center is not None:
                return NotFound(f"Call center {info.call_center} not found in group {info.group}.")
            return NotFound(f"No such endpoint: {info.path}")
        if status == 416:
            return BadMediaType("The request body must be a JSON object.")
        if status == 429:
            return TooManyRequests(self.retry_after or 1)
        if status == 500:
            return InternalError(_HTTP_MESSAGES[500])
        return HttpError(status, _HTTP_MESSAGES[status])


@dataclass(frozen=True, slots=True)
class OciFault(Action):
    """An error BroadWorks raised, passed on by APIO with the OCI errors in `details`."""

    status: int = OCI_DEFAULT_STATUS
    code: int = OCI_DEFAULT_CODE
    message: str = ""
    errors: tuple[OciError, ...] = ()
    source: Mapping[str, Any] | None = None  # the object form, as the rule gave it

    def document(self) -> str | dict[str, Any]:
        return self.text if self.source is None else dict(self.source)

    def error(self, info: RequestInfo) -> ApioError:
        return BroadWorksError(self.status, self.code, self.message, self.errors)


@dataclass(frozen=True, slots=True)
class Delay(Action):
    """The normal answer, later: uniformly between the bounds, drawn from the namespace's seeded random."""

    low_ms: int = 0
    high_ms: int = 0

    async def before(self, draw: random.Random) -> None:
        await asyncio.sleep(draw.uniform(self.low_ms, self.high_ms) / 1000)


@dataclass(frozen=True, slots=True)
class Reset(Action):
    """The connection is reset (TCP RST) before the request is acted on."""

    reaches_handler: ClassVar[bool] = False

    async def deliver(self, request: web.Request, response: web.Response | None) -> web.StreamResponse:
        transport = request.transport
        if transport is not None:
            sock = transport.get_extra_info("socket")
            if sock is not None:  # linger 0: the kernel answers with RST instead of a clean close
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        return web.Response()


@dataclass(frozen=True, slots=True)
class Empty(Action):
    """The connection is closed without a byte, before the request is acted on."""

    reaches_handler: ClassVar[bool] = False

    async def deliver(self, request: web.Request, response: web.Response | None) -> web.StreamResponse:
        if request.transport is not None:
            request.transport.close()
        return web.Response()


def _body_of(response: web.Response | None) -> tuple[int, bytes]:
    assert response is not None
    return response.status, response.body if isinstance(response.body, bytes) else b""


@dataclass(frozen=True, slots=True)
class MalformedBody(Action):
    """A complete answer whose body is the first half of the JSON."""

    async def deliver(self, request: web.Request, response: web.Response | None) -> web.StreamResponse:
        status, body = _body_of(response)
        return web.Response(status=status, body=body[: len(body) // 2], content_type="application/json")


async def _stream(request: web.Request, status: int, body: bytes) -> web.StreamResponse:
    stream = web.StreamResponse(status=status, headers={"Content-Type": "application/json"})
    stream.content_length = len(body)
    await stream.prepare(request)
    return stream


@dataclass(frozen=True, slots=True)
class TruncatedBody(Action):
    """The whole body's Content-Length, half of the body, then the connection drops."""

    async def deliver(self, request: web.Request, response: web.Response | None) -> web.StreamResponse:
        status, body = _body_of(response)
        stream = await _stream(request, status, body)
        await stream.write(body[: len(body) // 2])
        if request.transport is not None:
            request.transport.abort()
        return stream


@dataclass(frozen=True, slots=True)
class SlowBody(Action):
    """The normal answer, its body dribbled in up to 20 pieces over the duration."""

    milliseconds: int = 0

    async def deliver(self, request: web.Request, response: web.Response | None) -> web.StreamResponse:
        status, body = _body_of(response)
        stream = await _stream(request, status, body)
        pieces = max(1, min(len(body), 20))
        step = -(-len(body) // pieces)
        pause = self.milliseconds / 1000 / pieces
        for offset in range(0, len(body), step):  # the last piece leaves when the duration is over
            await asyncio.sleep(pause)
            await stream.write(body[offset : offset + step])
        await stream.write_eof()
        return stream


_PLAIN_ACTIONS: dict[str, type[Action]] = {
    "reset": Reset,
    "empty": Empty,
    "truncated-body": TruncatedBody,
    "malformed-body": MalformedBody,
}


def parse_action(form: str | Mapping[str, Any]) -> Action:
    """The action a rule's `action` (a string, or an object) or a fault header names; InvalidFault says why not."""
    if isinstance(form, Mapping):
        return _oci_from_object(form)
    if form == OCI_ERROR or form.startswith(OCI_ERROR + ";"):
        return _oci_from_text(form)
    match = _ACTION.fullmatch(form)
    if match is None:
        raise InvalidFault(f"Unknown fault action: {form!r}. {VALID_ACTIONS}")
    name, low, high = match["name"], match["low"], match["high"]
    if name in SUB_ERRORS and low is None:
        return SubError(form, message=SUB_ERRORS[name])
    if name.startswith("http-") and name[5:].isdigit() and int(name[5:]) in HTTP_STATUSES and high is None:
        status = int(name[5:])
        if low is not None and status != 429:
            raise InvalidFault(f"Only http-429 takes a parameter (Retry-After seconds): {form!r}.")
        return HttpFault(form, status=status, retry_after=int(low or 1) if status == 429 else None)
    if name in _PLAIN_ACTIONS and low is None:
        return _PLAIN_ACTIONS[name](form)
    if name in ("delay", "slow-body") and low is not None and (high is None or name == "delay"):
        bounds = (int(low), int(high if high is not None else low))
        if bounds[0] > bounds[1] or bounds[1] > MAX_MILLISECONDS:
            raise InvalidFault(f"{name} takes milliseconds from 0 to {MAX_MILLISECONDS}, low before high: {form!r}.")
        if name == "delay":
            return Delay(form, low_ms=bounds[0], high_ms=bounds[1])
        return SlowBody(form, milliseconds=bounds[0])
    raise InvalidFault(f"Unknown fault action: {form!r}. {VALID_ACTIONS}")


def _oci_from_text(text: str) -> OciFault:
    """`oci-error;error_code=4008;summary=Group not found` and the other parameters, each at most once."""
    values: dict[str, str] = {}
    position = len(OCI_ERROR)
    while position < len(text):
        parameter = _OCI_PARAMETER.match(text, position)
        if parameter is None or (parameter.end() < len(text) and text[parameter.end()] != ";"):
            raise InvalidFault(
                f"oci-error takes ;name=value parameters (a value with ; in double quotes), not {text[position:]!r}."
            )
        name = parameter["name"]
        if name not in _OCI_TEXT_FIELDS + _OCI_NUMBER_FIELDS:
            raise InvalidFault(
                f"Unknown oci-error parameter {name!r}: give error_code and summary, and if you like status, code,"
                " message, level and detail."
            )
        if name in values:
            raise InvalidFault(f"oci-error parameter {name!r} is given twice.")
        quoted = parameter["quoted"]
        values[name] = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else parameter["bare"].strip()
        position = parameter.end()
    numbers: dict[str, int] = {}
    for name in _OCI_NUMBER_FIELDS:
        if name in values:
            if not values[name].isdigit() or len(values[name]) > 9:
                raise InvalidFault(f"oci-error parameter {name} must be a whole number, not {values[name]!r}.")
            numbers[name] = int(values[name])
    for name in ("error_code", "summary"):
        if name not in values:
            raise InvalidFault(f"oci-error needs {name}: e.g. oci-error;error_code=4008;summary=Group not found.")
    error = _oci_error(numbers["error_code"], values["summary"], values.get("level"), values.get("detail", ""))
    return _oci_fault(text, numbers.get("status"), numbers.get("code"), values.get("message"), (error,), None)


def _oci_from_object(form: Mapping[str, Any]) -> OciFault:
    """The object form (checked by fault-rule.schema.json first; checked again here for direct callers)."""
    if form.get("type") != OCI_ERROR:
        raise InvalidFault(f'An action object must have "type": "{OCI_ERROR}". {VALID_ACTIONS}')
    unknown = sorted(set(form) - {"type", "status", "code", "message", "errors"})
    if unknown:
        raise InvalidFault(f"Unknown oci-error field: {unknown[0]}.")
    items = form.get("errors")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_OCI_ERRORS:
        raise InvalidFault(f"oci-error needs errors: a list of 1 to {MAX_OCI_ERRORS} OCI errors.")
    errors = []
    for item in items:
        if not isinstance(item, Mapping) or set(item) - {"error_code", "summary", "level", "detail"}:
            raise InvalidFault("Each OCI error has error_code, summary, and if you like level and detail.")
        detail = item.get("detail", "")
        if not isinstance(detail, str):
            raise InvalidFault("An OCI error's detail must be a string.")
        errors.append(_oci_error(item.get("error_code"), item.get("summary"), item.get("level"), detail))
    status, code, message = form.get("status"), form.get("code"), form.get("message")
    for name, number in (("status", status), ("code", code)):
        if number is not None and (not isinstance(number, int) or isinstance(number, bool)):
            raise InvalidFault(f"oci-error {name} must be a whole number.")
    if message is not None and not isinstance(message, str):
        raise InvalidFault("oci-error message must be a string.")
    return _oci_fault(OCI_ERROR, status, code, message, tuple(errors), dict(form))


def _oci_error(error_code: Any, summary: Any, level: Any, detail: str) -> OciError:
    if not isinstance(error_code, int) or isinstance(error_code, bool) or error_code < 0:
        raise InvalidFault("An OCI error's error_code must be a whole number, 0 or more.")
    if not isinstance(summary, str) or not 1 <= len(summary) <= MAX_OCI_TEXT:
        raise InvalidFault(f"An OCI error's summary must be text of 1 to {MAX_OCI_TEXT} characters.")
    if len(detail) > MAX_OCI_TEXT:
        raise InvalidFault(f"An OCI error's detail must be at most {MAX_OCI_TEXT} characters.")
    levels = [str(level) for level in OciLevel]
    if level is not None and level not in levels:
        raise InvalidFault(f"An OCI error's level must be {' or '.join(levels)}, not {level!r}.")
    return OciError(error_code, summary, OciLevel(level) if level is not None else OciLevel.ERROR, detail)


def _oci_fault(
    text: str,
    status: int | None,
    code: int | None,
    message: str | None,
    errors: tuple[OciError, ...],
    source: Mapping[str, Any] | None,
) -> OciFault:
    if status is not None and status not in OCI_STATUSES:
        raise InvalidFault(f"oci-error status must be from 400 to 599, not {status}.")
    if code is not None and code < 0:
        raise InvalidFault("oci-error code must be 0 or more.")
    if message is not None and not 1 <= len(message) <= MAX_OCI_TEXT:
        raise InvalidFault(f"oci-error message must be text of 1 to {MAX_OCI_TEXT} characters.")
    return OciFault(
        text,
        status=OCI_DEFAULT_STATUS if status is None else status,
        code=OCI_DEFAULT_CODE if code is None else code,
        message=errors[0].summary if message is None else message,  # what APIO shows when it has no text of its own
        errors=errors,
        source=source,
    )


# Rules


@dataclass(frozen=True, slots=True)
class Match:
    method: str | None = None
    endpoint: str | None = None
    path: str | None = None  # a glob: * matches anything, also across slashes
    tenant: str | None = None
    group: str | None = None
    call_center: str | None = None

    def __call__(self, info: RequestInfo) -> bool:
        return (
            (self.method is None or self.method.upper() == info.method)
            and (self.endpoint is None or self.endpoint == info.endpoint)
            and (self.path is None or fnmatchcase(info.path, self.path))
            and (self.tenant is None or self.tenant == info.tenant)
            and (self.group is None or self.group == info.group)
            and (self.call_center is None or self.call_center == info.call_center)
        )


_MATCH_FIELDS = {
    "method": "method",
    "endpoint": "endpoint",
    "path": "path",
    "tenant": "tenant",
    "group": "group",
    "callCenter": "call_center",
}


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule as written, parsed once: a scenario holds these, and each namespace counts its own doses."""

    match: Match
    action: Action
    times: int | None = None
    after: int = 0
    probability: float | None = None
    seed: int | None = None

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> "RuleSpec":
        """A rule from its schema-valid JSON form; InvalidFault if its action cannot be used."""
        match = Match(**{_MATCH_FIELDS[key]: value for key, value in document.get("match", {}).items()})
        return cls(
            match=match,
            action=parse_action(document["action"]),
            times=document.get("times"),
            after=document.get("after", 0),
            probability=document.get("probability"),
            seed=document.get("seed"),
        )


@dataclass(slots=True)
class FaultRule:
    """A rule and its dose: skip the first `after` matches, fire with `probability` (seeded), `times` times."""

    rule_id: str
    spec: RuleSpec
    matched: int = 0
    hits: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)

    @classmethod
    def start(cls, rule_id: str, spec: RuleSpec) -> "FaultRule":
        return cls(rule_id, spec, _random=random.Random(spec.seed if spec.seed is not None else rule_id))

    @property
    def action(self) -> Action:
        return self.spec.action

    def fires(self, info: RequestInfo) -> bool:
        spec = self.spec
        if not spec.match(info):
            return False
        self.matched += 1
        if self.matched <= spec.after:
            return False
        if spec.probability is not None and self._random.random() >= spec.probability:
            return False
        self.hits += 1
        return True

    @property
    def spent(self) -> bool:
        return self.spec.times is not None and self.hits >= self.spec.times

    def document(self) -> dict[str, Any]:
        """The JSON form, with the dose that is left, so that loading it again behaves the same."""
        spec = self.spec
        match = {name: getattr(spec.match, attr) for name, attr in _MATCH_FIELDS.items()}
        document: dict[str, Any] = {
            "match": {name: value for name, value in match.items() if value is not None},
            "action": spec.action.document(),
        }
        if spec.times is not None:
            document["times"] = spec.times - self.hits
        if self.matched < spec.after:
            document["after"] = spec.after - self.matched
        if spec.probability is not None:
            document["probability"] = spec.probability
        if spec.seed is not None:
            document["seed"] = spec.seed
        return document


class Faults:
    """The fault rules of one namespace, tried in the order they were added."""

    def __init__(self, specs: Iterable[RuleSpec] = ()) -> None:
        self._rules: dict[str, FaultRule] = {}
        self._next = 1
        for spec in specs:
            self.add(spec)

    def add(self, spec: RuleSpec) -> FaultRule:
        rule = FaultRule.start(f"f{self._next}", spec)
        self._next += 1
        self._rules[rule.rule_id] = rule
        return rule

    def rules(self) -> list[FaultRule]:
        return list(self._rules.values())

    def remove(self, rule_id: str) -> bool:
        return self._rules.pop(rule_id, None) is not None

    def clear(self) -> int:
        count = len(self._rules)
        self._rules.clear()
        return count

    def pick(self, info: RequestInfo) -> FaultRule | None:
        """The first rule that fires for this request; a rule whose dose is spent is removed."""
        for rule in self.rules():
            if rule.fires(info):
                if rule.spent:
                    del self._rules[rule.rule_id]
                return rule
        return None
