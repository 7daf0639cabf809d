"""Fault rules as plain objects: the action grammar, doses, and the export of what is left."""

import pytest

from simulator.faults import Faults, InvalidFault, RequestInfo, parse_action

STATISTICS = RequestInfo("GET", "/api/v1/x/statistics", "statistics", "t", "g", "c")
REPORTING = RequestInfo("PUT", "/api/v1/x/instance_statistics_reporting", "reporting.put", "t", "g", "c")


@pytest.mark.parametrize(
    ("text", "kind", "status", "milliseconds", "retry_after"),
    [
        ("date-in-future", "sub-error", 400, (0, 0), None),
        ("http-503", "http-error", 503, (0, 0), None),
        ("http-429", "http-error", 429, (0, 0), 1),
        ("http-429:120", "http-error", 429, (0, 0), 120),
        ("delay:250", "delay", None, (250, 250), None),
        ("delay:100-300", "delay", None, (100, 300), None),
        ("slow-body:2000", "slow-body", None, (2000, 2000), None),
        ("reset", "reset", None, (0, 0), None),
        ("empty", "empty", None, (0, 0), None),
        ("truncated-body", "truncated-body", None, (0, 0), None),
        ("malformed-body", "malformed-body", None, (0, 0), None),
    ],
)
def test_actions_parse(text, kind, status, milliseconds, retry_after):
    action = parse_action(text)
    assert (action.kind, action.status, action.milliseconds, action.retry_after) == (
        kind,
        status,
        milliseconds,
        retry_after,
    )


@pytest.mark.parametrize(
    "text",
    ["http-418", "http-503:5", "delay", "delay:5-1", "delay:70000", "slow-body:1-2", "reset:1", "date-in-future:1", ""],
)
def test_other_actions_are_refused(text):
    with pytest.raises(InvalidFault):
        parse_action(text)


def test_a_rule_fires_only_on_what_it_matches():
    faults = Faults([{"match": {"endpoint": "reporting.put"}, "action": "http-503"}])
    assert faults.pick(STATISTICS) is None
    assert faults.pick(REPORTING).action.status == 503


def test_the_export_keeps_what_is_left_of_the_dose():
    faults = Faults([{"action": "http-503", "times": 3, "after": 2, "probability": 1.0, "seed": 4}])
    for _ in range(3):
        faults.pick(STATISTICS)
    [rule] = faults.rules()
    assert (rule.matched, rule.hits) == (3, 1)
    assert rule.document() == {"match": {}, "action": "http-503", "times": 2, "probability": 1.0, "seed": 4}
    again = Faults([rule.document()])
    assert [again.pick(STATISTICS) is not None for _ in range(3)] == [True, True, False]
