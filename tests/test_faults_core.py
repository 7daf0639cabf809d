"""Fault rules as plain objects: the action grammar, doses, and the export of what is left."""

import pytest

from simulator.faults import (
    Delay,
    Empty,
    Faults,
    HttpFault,
    InvalidFault,
    MalformedBody,
    RequestInfo,
    Reset,
    RuleSpec,
    SlowBody,
    SubError,
    TruncatedBody,
    parse_action,
)

STATISTICS = RequestInfo("GET", "/api/v1/x/statistics", "statistics", "t", "g", "c")
REPORTING = RequestInfo("PUT", "/api/v1/x/instance_statistics_reporting", "reporting.put", "t", "g", "c")


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("date-in-future", SubError("date-in-future", message="Start date or end date in the future")),
        ("http-503", HttpFault("http-503", status=503)),
        ("http-429", HttpFault("http-429", status=429, retry_after=1)),
        ("http-429:120", HttpFault("http-429:120", status=429, retry_after=120)),
        ("delay:250", Delay("delay:250", low_ms=250, high_ms=250)),
        ("delay:100-300", Delay("delay:100-300", low_ms=100, high_ms=300)),
        ("slow-body:2000", SlowBody("slow-body:2000", milliseconds=2000)),
        ("reset", Reset("reset")),
        ("empty", Empty("empty")),
        ("truncated-body", TruncatedBody("truncated-body")),
        ("malformed-body", MalformedBody("malformed-body")),
    ],
)
def test_actions_parse(text, action):
    assert parse_action(text) == action


def rules(*documents: dict) -> Faults:
    return Faults(RuleSpec.from_document(document) for document in documents)


@pytest.mark.parametrize(
    "text",
    ["http-418", "http-503:5", "delay", "delay:5-1", "delay:70000", "slow-body:1-2", "reset:1", "date-in-future:1", ""],
)
def test_other_actions_are_refused(text):
    with pytest.raises(InvalidFault):
        parse_action(text)


def test_a_rule_fires_only_on_what_it_matches():
    faults = rules({"match": {"endpoint": "reporting.put"}, "action": "http-503"})
    assert faults.pick(STATISTICS) is None
    assert faults.pick(REPORTING).action.status == 503


def test_the_export_keeps_what_is_left_of_the_dose():
    faults = rules({"action": "http-503", "times": 3, "after": 2, "probability": 1.0, "seed": 4})
    for _ in range(3):
        faults.pick(STATISTICS)
    [rule] = faults.rules()
    assert (rule.matched, rule.hits) == (3, 1)
    assert rule.document() == {"match": {}, "action": "http-503", "times": 2, "probability": 1.0, "seed": 4}
    again = rules(rule.document())
    assert [again.pick(STATISTICS) is not None for _ in range(3)] == [True, True, False]
