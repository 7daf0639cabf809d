"""The verdict compiler on the corners of JSON Schema, each decided against the reference validator.

tests/test_schema_verdicts.py mutates the real schemas' documents; here small schemas pin down the
keywords one by one, so that a rule the real schemas do not happen to exercise still agrees.
"""

import subprocess
import sys

import pytest
from jsonschema import Draft202012Validator, validators

from simulator.schemas import SchemaStore
from simulator.verdicts import Unsupported, canonical, compile_check

_Strict = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    ),
)

CASES = [
    ({"type": "integer"}, [1, 0, -5, 2**70, 1.0, True, "1", None]),
    ({"type": "number", "minimum": 0}, [0, 0.0, -0.5, 3, True, False, "3", [1]]),
    ({"type": ["string", "null"], "maxLength": 2}, ["", "ab", "abc", None, 1, ["a"]]),
    ({"minLength": 2, "pattern": "^a"}, ["ab", "a", "ba", 5, None, ["a", "b"]]),
    ({"pattern": "^[0-9]+$"}, ["12", "12\n", "1a", ""]),
    ({"enum": [15, 30, "x", None, [1, True], {"a": 1}]}, [15, 15.0, True, "x", None, [1, True], [1, 1], {"a": 1.0}]),
    ({"enum": ["a", "b"]}, ["a", "c", 1, ["a"], {"a": 1}]),
    ({"const": False}, [False, 0, None, True]),
    ({"const": 1}, [1, 1.0, True]),
    ({"exclusiveMinimum": 0, "maximum": 10}, [0, 0.001, 10, 10.5, "x", True]),
    ({"type": "array", "uniqueItems": True}, [[], [1, 2], [1, 1.0], [1, True], [[1], [1]], [{"a": 1}, {"a": 1}]]),
    ({"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "string"}}, [[], ["a"], ["a", 1], ["a"] * 3]),
    (
        {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}, "additionalProperties": False},
        [{"a": 1}, {"a": 1.0}, {}, {"a": 1, "b": 2}, [], None],
    ),
    (
        {"properties": {"a": {"const": 1}}, "additionalProperties": {"type": "string"}, "maxProperties": 2},
        [{"a": 1, "b": "x"}, {"a": 1, "b": 2}, {"a": 2}, {"a": 1, "b": "x", "c": "y"}, "not an object"],
    ),
    ({"propertyNames": {"maxLength": 1}, "minProperties": 1}, [{}, {"a": 1}, {"ab": 1}, []]),
    ({"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 5}]}, ["x", 5, 4, None]),
    ({"oneOf": [{"type": "integer"}, {"minimum": 3}]}, [1, 4, 3.5, "x"]),
    ({"not": {}}, [1, None]),
    ({"not": {"type": "string"}}, [1, "x"]),
    ({"allOf": [{"minimum": 1}, {"maximum": 2}]}, [0, 1, 2, 3]),
    ({"if": {"properties": {"a": {"const": 1}}}, "then": {"required": ["b"]}}, [{"a": 1}, {"a": 1, "b": 0}, {"a": 2}]),
    ({"if": {"type": "string"}, "else": {"type": "integer"}}, ["x", 1, 1.5]),
    ({"$ref": "#/$defs/n", "$defs": {"n": {"type": "integer", "maximum": 3}}}, [3, 4, "3"]),
    (
        {"$ref": "#/$defs/tree", "$defs": {"tree": {"type": "array", "items": {"$ref": "#/$defs/tree"}}}},
        [[], [[], [[]]], [[], 1]],
    ),
    (True, [1, None]),
    (False, [1, None]),
    ({"type": "object", "properties": {"a~/b": {"type": "string"}}}, [{"a~/b": "x"}, {"a~/b": 1}]),
]


@pytest.mark.parametrize(("schema", "instances"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_the_compiled_verdict_is_the_reference_verdict(schema, instances):
    check = compile_check("test.schema.json", {"test.schema.json": schema})
    reference = _Strict(schema)
    for instance in instances:
        assert check(instance) == reference.is_valid(instance), instance


def test_a_reference_into_another_file_is_followed():
    documents = {
        "common.schema.json": {"$defs": {"id": {"type": "string", "minLength": 1}}},
        "thing.schema.json": {"properties": {"id": {"$ref": "common.schema.json#/$defs/id"}}},
    }
    check = compile_check("thing.schema.json", documents)
    assert check({"id": "x"}) and not check({"id": ""}) and not check({"id": 5})


@pytest.mark.parametrize(
    "schema",
    [
        {"patternProperties": {"^a": {}}},
        {"format": "date-time"},
        {"prefixItems": [{}]},
        {"type": "bignum"},
        {"$ref": "#anchor"},
        {"$ref": "other.schema.json"},
        {"$ref": "#/$defs/missing"},
        {"minimum": "3"},
    ],
)
def test_a_schema_the_compiler_cannot_check_exactly_is_refused(schema):
    with pytest.raises(Unsupported):
        compile_check("test.schema.json", {"test.schema.json": schema})


def test_a_refused_schema_falls_back_to_the_reference_verdict(tmp_path):
    (tmp_path / "odd.schema.json").write_text('{"patternProperties": {"^a": {"type": "string"}}}')
    store = SchemaStore(tmp_path)
    assert store.is_valid("odd", {"ab": "x"})
    assert not store.is_valid("odd", {"ab": 1})
    assert [problem.message for problem in store.problems("odd", {"ab": 1})] == ["ab must be a string."]


def test_equal_values_share_a_canonical_key_exactly_when_json_schema_calls_them_equal():
    assert canonical(1) == canonical(1.0)
    assert canonical(True) != canonical(1)
    assert canonical([1, {"a": None}]) == canonical([1.0, {"a": None}])
    assert canonical({"a": 1, "b": 2}) == canonical({"b": 2, "a": 1})
    assert canonical("1") != canonical(1)


def test_a_document_nested_past_the_stack_is_no_valid_verdict(tmp_path):
    # A recursive schema checks a nested document by recursion; past the stack, the verdict is "not
    # valid", and the reference validator is asked (its answer is the caller's to handle).
    (tmp_path / "tree.schema.json").write_text('{"type": "array", "items": {"$ref": "#"}}')
    store = SchemaStore(tmp_path)
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    assert store.is_valid("tree", [[[]]])
    assert not store.is_valid("tree", deep)


def test_checking_valid_documents_never_imports_jsonschema():
    # The server's start checks its scenario and answers valid documents only: jsonschema stays unloaded.
    program = (
        "import sys\n"
        "from simulator.resources import default_scenario\n"
        "from simulator.scenario import load_scenario\n"
        "from simulator.app import create_app\n"
        "create_app(load_scenario(default_scenario()))\n"
        "print(sorted(m for m in ('jsonschema', 'referencing', 'fastjsonschema') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
