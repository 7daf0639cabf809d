"""Fault rules: which requests to break, how, and how often. Plain Python; `simulator.api.faults` applies them.

A rule has a match, an action and a dose. Actions are written as short strings, the same in a rule, in a
scenario's `faults:` section and in the `X-Apio-Sim-Fault` header:

    invalid-date-format | date-in-future | end-before-start     the documented 400 sub-errors
    http-401 ... http-504, http-429[:retry-after seconds]       an HTTP error with an APIO body
    delay:MS | delay:LOW-HIGH                                   answer normally, MS later (uniform in LOW..HIGH)
    reset | empty                                               reset the connection | close it without a word
    truncated-body | malformed-body                             cut the body short | send a body that is not JSON
    slow-body:MS                                                dribble the body over MS milliseconds
"""

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from simulator.errors import DATE_IN_FUTURE, END_BEFORE_START, INVALID_DATE_FORMAT

SUB_ERRORS = {
    "invalid-date-format": INVALID_DATE_FORMAT,
    "date-in-future": DATE_IN_FUTURE,
    "end-before-start": END_BEFORE_START,
}
HTTP_STATUSES = (401, 403, 404, 416, 429, 500, 502, 503, 504)
TRANSPORT_ACTIONS = ("reset", "empty", "truncated-body", "malformed-body")
MAX_MILLISECONDS = 60_000

VALID_ACTIONS = (
    "Valid actions: invalid-date-format, date-in-future, end-before-start, http-401, http-403, http-404, http-416,"
    " http-429, http-429:SECONDS, http-500, http-502, http-503, http-504, delay:MS, delay:LOW-HIGH, reset, empty,"
    " truncated-body, malformed-body, slow-body:MS (MS from 0 to 60000)."
)
_ACTION = re.compile(r"(?P<name>[a-z0-9-]+)(?::(?P<low>\d{1,6})(?:-(?P<high>\d{1,6}))?)?")


class InvalidFault(ValueError):
    """A rule or action that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class Action:
    text: str
    kind: str  # "sub-error", "http-error", "delay", "slow-body", or one of TRANSPORT_ACTIONS
    status: int | None = None
    message: str | None = None
    retry_after: int | None = None
    milliseconds: tuple[int, int] = (0, 0)


def parse_action(text: str) -> Action:
    match = _ACTION.fullmatch(text)
    if match is None:
        raise InvalidFault(f"Unknown fault action: {text!r}. {VALID_ACTIONS}")
    name, low, high = match["name"], match["low"], match["high"]
    if name in SUB_ERRORS and low is None:
        return Action(text, "sub-error", status=400, message=SUB_ERRORS[name])
    if name.startswith("http-") and name[5:].isdigit() and int(name[5:]) in HTTP_STATUSES and high is None:
        status = int(name[5:])
        if low is not None and status != 429:
            raise InvalidFault(f"Only http-429 takes a parameter (Retry-After seconds): {text!r}.")
        return Action(text, "http-error", status=status, retry_after=int(low or 1) if status == 429 else None)
    if name in TRANSPORT_ACTIONS and low is None:
        return Action(text, name)
    if name in ("delay", "slow-body") and low is not None and (high is None or name == "delay"):
        bounds = (int(low), int(high if high is not None else low))
        if bounds[0] > bounds[1] or bounds[1] > MAX_MILLISECONDS:
            raise InvalidFault(f"{name} takes milliseconds from 0 to {MAX_MILLISECONDS}, low before high: {text!r}.")
        return Action(text, name, milliseconds=bounds)
    raise InvalidFault(f"Unknown fault action: {text!r}. {VALID_ACTIONS}")


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """What a rule can match on, and what the journal records of a request."""

    method: str
    path: str
    endpoint: str | None = None
    tenant: str | None = None
    group: str | None = None
    call_center: str | None = None


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


@dataclass(slots=True)
class FaultRule:
    """A rule and its dose: skip the first `after` matches, fire with `probability` (seeded), `times` times."""

    rule_id: str
    match: Match
    action: Action
    times: int | None = None
    after: int = 0
    probability: float | None = None
    seed: int | None = None
    matched: int = 0
    hits: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)

    @classmethod
    def from_document(cls, rule_id: str, document: dict[str, Any]) -> "FaultRule":
        """A rule from its schema-valid JSON form."""
        match = Match(**{_MATCH_FIELDS[key]: value for key, value in document.get("match", {}).items()})
        seed = document.get("seed")
        return cls(
            rule_id=rule_id,
            match=match,
            action=parse_action(document["action"]),
            times=document.get("times"),
            after=document.get("after", 0),
            probability=document.get("probability"),
            seed=seed,
            _random=random.Random(seed if seed is not None else rule_id),
        )

    def fires(self, info: RequestInfo) -> bool:
        if not self.match(info):
            return False
        self.matched += 1
        if self.matched <= self.after:
            return False
        if self.probability is not None and self._random.random() >= self.probability:
            return False
        self.hits += 1
        return True

    @property
    def spent(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def document(self) -> dict[str, Any]:
        """The JSON form, with the dose that is left, so that loading it again behaves the same."""
        match = {name: getattr(self.match, attr) for name, attr in _MATCH_FIELDS.items()}
        document: dict[str, Any] = {
            "match": {name: value for name, value in match.items() if value is not None},
            "action": self.action.text,
        }
        if self.times is not None:
            document["times"] = self.times - self.hits
        if self.matched < self.after:
            document["after"] = self.after - self.matched
        if self.probability is not None:
            document["probability"] = self.probability
        if self.seed is not None:
            document["seed"] = self.seed
        return document


class Faults:
    """The fault rules of one namespace, tried in the order they were added."""

    def __init__(self, documents: Iterable[dict[str, Any]] = ()) -> None:
        self._rules: dict[str, FaultRule] = {}
        self._next = 1
        for document in documents:
            self.add(document)

    def add(self, document: dict[str, Any]) -> FaultRule:
        rule = FaultRule.from_document(f"f{self._next}", document)
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
