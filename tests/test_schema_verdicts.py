"""The compiled verdicts give the reference validator's verdicts: the proof that lets them serve responses.

For every schema, real valid documents are mutated at random (any node replaced by arbitrary JSON, keys
dropped or added, strings with a trailing newline, integers turned into floats or booleans, list items
repeated), and both validators must agree on every result, integral floats (30.0) included. `problems`
must answer exactly what the reference answers.
"""

import copy

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.api.statistics import render_statistics
from simulator.control.dashboard import render_series
from simulator.fake_scenario import Shape, build_document
from simulator.instants import parse_date_time
from simulator.resources import scenarios_dir
from simulator.scenario import load_scenario
from simulator.schemas import SchemaStore
from simulator.series import compute_series, parse_bucket
from simulator.statistics import compute_statistics
from tests.portal_corpus import portal_corpus

STORE = SchemaStore()


def statistics_answer(start: str, end: str) -> dict:
    scenario = load_scenario(scenarios_dir() / "worked-example.yaml")
    cc = next(iter(scenario.call_centers().values()))
    s, e = parse_date_time(start), parse_date_time(end)
    return render_statistics(s, e, compute_statistics(cc, s.instant, e.instant, scenario.frozen_now))


def series_answer(start: str, end: str, bucket: str) -> dict:
    scenario = load_scenario(scenarios_dir() / "worked-example.yaml")
    cc = next(iter(scenario.call_centers().values()))
    s, e = parse_date_time(start), parse_date_time(end)
    computed = compute_series(cc, s.instant, e.instant, parse_bucket(bucket), scenario.frozen_now)
    return render_series(s, e, bucket, computed)


RULE = {"id": "f1", "match": {"endpoint": "statistics"}, "action": "http-429:5", "times": 2, "matched": 3, "hits": 1}
ENTRY = {
    "id": 1, "time": "2021-02-01T12:00:00Z", "method": "GET", "path": "/x", "endpoint": "statistics",
    "tenant": "t", "group": "g", "callCenter": "c@x", "query": {"a": "b"}, "body": {"k": [1, 2.5]}, "status": 200,
    "responseBody": None, "fault": None, "durationMs": 1.25,
}  # fmt: skip
OCI_ERROR = {"error_code": 4008, "level": "Error", "summary": "Group not found: g", "detail": ""}
OCI_BODY = {"errors": [{"code": 2, "message": "Group not found: g", "details": {"errors": {"0": OCI_ERROR}}}]}
OCI_ACTION = {
    "type": "oci-error",
    "status": 409,
    "code": 7,
    "message": "m",
    "errors": [OCI_ERROR, {"error_code": 1, "summary": "s"}],
}
SUMMARY = {"name": "s", "hash": "sha256:" + "0" * 64, "seed": 3, "callCenters": 1, "calls": 5}
VALID = {
    "scenario": [
        yaml.safe_load((scenarios_dir() / name).read_text())
        for name in ("default.yaml", "worked-example.yaml", "busy-call-center.yaml")
    ]
    + [build_document(Shape(tenants=1, groups=1, call_centers=1, agents=2, days=2))],
    "statistics-response": [
        statistics_answer("2021-02-01T10:00:00Z", "2021-02-01T11:00:00Z"),
        statistics_answer("2021-02-01T10:00:00.5+01:00", "2021-02-01T13:00:00+01:00"),
    ],
    "statistics-request": [
        {"statisticsRange": {"start": "2021-01-01T00:00:00+01:00", "end": "2021-03-01T00:00:00+01:00"}},
        {"statisticsRange": {"start": "2021-01-01T00:00:00.123Z"}},
    ],
    "reporting-settings": [
        {"generateDailyReport": False, "collectionPeriodMinutes": 30},
        {
            "generateDailyReport": True,
            "collectionPeriodMinutes": 15,
            "reportingEmailAddress1": "a@b.c",
            "reportingEmailAddress2": "d@e.f",
            "statisticsSource": "None",
        },
    ],
    "reporting-settings-update": [{}, {"collectionPeriodMinutes": 60, "reportingEmailAddress1": ""}],
    "error": [
        {"errors": [{"code": 2, "message": "End date can not be earlier than start date."}]},
        {"details": "Tenant x not found."},
        {"error": "Invalid or expired token."},
        OCI_BODY,
    ],
    "oci-error": [OCI_BODY],
    "login-request": [{"username": "a", "password": "b", "provide_basic_profile": True}],
    "login-response": [
        {"ids": {"tenant_id": "t", "group_id": "g"}, "profile": {"user_level": 8, "is_first_login": False}}
    ],
    "core-login-request": [{"username": "a", "password": "b", "proxy": "p1"}],
    "core-login-response": [{"access_token": "a.b.c", "refresh_token": "d.e.f"}],
    "core-access-token-response": [{"access_token": "a.b.c"}],
    "logout-response": [{}],
    "fault-rule": [
        {"match": {"method": "GET", "path": "/api/*"}, "action": "delay:10-20", "probability": 0.5, "seed": 1},
        {"action": "oci-error;error_code=4008;summary=Group not found: g;status=404"},
        {"action": OCI_ACTION, "times": 1},
    ],
    "fault-rule-answer": [RULE],
    "fault-list": [{"faults": [RULE]}],
    "journal": [{"count": 1, "requests": [ENTRY]}],
    "journal-query": [{"endpoint": "statistics", "status": "200", "since": "2021-01-01T00:00:00Z"}],
    "clock": [{"now": "2021-02-01T12:00:00Z", "frozen": True}],
    "clock-update": [{"advance": "PT1H30M"}, {"advance": 2.5}, {"realTime": True}, {"now": "2021-02-01T12:00:00Z"}],
    "health": [{"status": "ready", "version": "0.1.0", "scenario": SUMMARY, "uptimeSeconds": 1.5, "namespaces": 1}],
    "namespaces": [{"namespaces": [{"name": "default", "requests": 0, "faults": 0, "now": "2021-02-01T12:00:00Z"}]}],
    "control-answer": [{"deleted": 2}, {"reset": "default"}],
    "scenario-loaded": [SUMMARY],
    "scenario-query": [{"format": "yaml"}],
    "series": [
        series_answer("2021-02-01T10:00:00Z", "2021-02-01T11:00:00Z", "PT15M"),
        series_answer("2021-02-01T09:30:00.5+01:00", "2021-02-01T13:00:00+01:00", "PT1H"),
    ],
}
VALID.update(portal_corpus())

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=6,
)


def places(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from places(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from places(value, (*path, index))


def mutate(document, data):
    document = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(list(places(document))))
        if not path:
            return data.draw(JSON)
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        key, value = path[-1], parent[path[-1]]
        change = data.draw(st.sampled_from(["replace", "drop", "add", "newline", "float", "bool", "repeat"]))
        if change == "replace":
            parent[key] = data.draw(JSON)
        elif change == "drop" and isinstance(parent, dict):
            del parent[key]
        elif change == "add" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=10))] = data.draw(JSON)
        elif change == "newline" and isinstance(value, str):
            parent[key] = value + "\n"
        elif change == "float" and isinstance(value, int) and not isinstance(value, bool):
            parent[key] = float(value)
        elif change == "bool" and isinstance(value, int):
            parent[key] = bool(value)
        elif change == "repeat" and isinstance(value, list) and value:
            value.append(copy.deepcopy(value[data.draw(st.integers(0, len(value) - 1))]))
    return document


@pytest.mark.parametrize("schema", sorted(VALID))
def test_the_corpus_is_valid(schema):
    for document in VALID[schema]:
        assert STORE.reference_problems(schema, document) == []
        assert STORE.is_valid(schema, document)


def test_every_schema_but_the_shared_definitions_has_a_corpus():
    assert set(VALID) == {name.removesuffix(".schema.json") for name in STORE.documents} - {"common"}


@pytest.mark.parametrize("schema", sorted(VALID))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_both_validators_give_the_same_verdict(schema, data):
    document = mutate(data.draw(st.sampled_from(VALID[schema])), data)
    reference = STORE.reference_problems(schema, document)
    assert STORE.is_valid(schema, document) == (reference == []), document
    assert STORE.problems(schema, document) == reference


def test_a_field_of_several_types_is_named_in_its_message():
    # Found by this file's mutations: the message for a list of types used to raise instead.
    assert [p.message for p in STORE.reference_problems("control-answer", {"deleted": 2.0})] == [
        "deleted must be an integer or a string."
    ]
    assert [
        p.message for p in STORE.reference_problems("journal", {"count": 0, "requests": [{**ENTRY, "fault": 5}]})
    ] == ["requests[0].fault must be a string or null."]


def test_integers_are_strict_behind_a_reference_to_another_schema_file():
    # Found by this file's mutations: a scenario's `reporting` refers to reporting-settings.schema.json,
    # which names its meta-schema, and jsonschema used to check it with its stock class, where 15.0 is an
    # integer; the compiled validator said no.
    call_center = {"id": "cc@x", "reporting": {"generateDailyReport": False, "collectionPeriodMinutes": 15.0}}
    document = {"tenants": [{"id": "t", "groups": [{"id": "g", "callCenters": [call_center]}]}]}
    assert [p.message for p in STORE.reference_problems("scenario", document)] == [
        "tenants[0].groups[0].callCenters[0].reporting.collectionPeriodMinutes must be an integer."
    ]
    assert not STORE.is_valid("scenario", document)
