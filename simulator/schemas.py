"""The JSON Schemas in `schemas/`: loaded once, and the single source of every field rule.

Validation errors are turned into short messages that name the field, such as
`collectionPeriodMinutes must be one of 15, 30, 60.`; where a pattern decides, the schema's `x-expected`
says what is expected (`now must be an ISO 8601 date-time with seconds and an offset, such as ...`).

Two validators read the same schemas. The reference one (jsonschema) decides and explains every refusal.
A compiled one (`simulator.verdicts`, tens of times faster) only confirms documents that are valid, which
is nearly all of them; a property test (tests/test_schema_verdicts.py) shows the two give identical
verdicts. jsonschema is imported when a document is first refused, not before: a server start that
checks only valid documents never loads it. Where this simulator is stricter than JSON Schema (30.0 is no
integer here), both are made as strict.
"""

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.errors import InvalidParameters
from simulator.resources import schemas_dir
from simulator.verdicts import Check, Unsupported, compile_check

if TYPE_CHECKING:
    from jsonschema import ValidationError

SCHEMA_SUFFIX = ".schema.json"


def _strict_integer(_checker: Any, instance: Any) -> bool:
    # JSON Schema lets 30.0 pass as an integer; BroadWorks takes no such thing.
    return isinstance(instance, int) and not isinstance(instance, bool)


def _reference_class() -> Any:
    """jsonschema's Draft 2020-12 validator with strict integers (imported on the first refusal)."""
    global _REFERENCE_CLASS
    if _REFERENCE_CLASS is None:
        from jsonschema import Draft202012Validator, validators

        _REFERENCE_CLASS = validators.extend(
            Draft202012Validator,
            type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
        )
    return _REFERENCE_CLASS


_REFERENCE_CLASS: Any = None

# When one place breaks several rules, the first of these says best what is wrong ("30" is not an
# integer, rather than not one of 15, 30, 60).
_RULE_ORDER = {rule: rank for rank, rule in enumerate(["required", "additionalProperties", "not", "type"])}

_TYPE_NAMES = {
    "null": "null",
    "boolean": "a boolean",
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "object": "an object",
    "array": "an array",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One way in which a document breaks its schema."""

    path: tuple[str | int, ...]
    message: str
    rule: str

    @property
    def where(self) -> str:
        return format_path(self.path)


class SchemaStore:
    """Every schema of a directory, by name (`statistics-response` for statistics-response.schema.json)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or schemas_dir()
        documents = {
            path.name: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(self.directory.glob("*" + SCHEMA_SUFFIX))
        }
        self.documents = documents
        self._registry: Any = None  # the reference validator's, built on the first refusal
        self._validators: dict[str, Any] = {}  # built on first use: a server start checks only a few schemas
        self._checks: dict[str, Check | None] = {}  # None: a schema the compiler refused; the reference decides
        self._bundle_key = json.dumps(documents, sort_keys=True)

    def file_name(self, schema: str) -> str:
        return schema + SCHEMA_SUFFIX

    def require(self, schema: str, instance: Any) -> None:
        """Raise 400 INVALID_PARAMETERS, one error per problem, unless `instance` keeps to `schema`."""
        problems = self.problems(schema, instance)
        if problems:
            raise InvalidParameters(problem.message for problem in problems)

    def is_valid(self, schema: str, instance: Any) -> bool:
        """The compiled verdict (the reference one for a schema the compiler refuses); only a `True` is
        taken on trust (see `problems`)."""
        try:
            check = self._checks[schema]
        except KeyError:
            check = self._checks[schema] = _compiled(self._bundle_key, self.file_name(schema), self.documents)
        if check is None:
            return not self.reference_problems(schema, instance)
        try:
            return check(instance)
        except RecursionError:  # nested deeper than the stack: the reference decides (and says so)
            return False

    def problems(self, schema: str, instance: Any, whole: str = "The body") -> list[Problem]:
        """The problems of `instance` against `schema`: one per place (the most basic rule), ordered by place.

        `whole` names the instance itself in messages about its top level.
        """
        if self.is_valid(schema, instance):
            return []
        return self.reference_problems(schema, instance, whole)

    def reference_problems(self, schema: str, instance: Any, whole: str = "The body") -> list[Problem]:
        """The reference validator's verdict and messages (what `problems` answers whenever it matters)."""
        validator = self._validators.get(schema)
        if validator is None:
            document = _without_meta_schema(self.documents[self.file_name(schema)])
            validator = self._validators[schema] = _reference_class()(document, registry=self._reference_registry())
        errors = validator.iter_errors(instance)
        by_place: dict[tuple[str | int, ...], Problem] = {}
        for problem in sorted(
            (problem for error in _leaves(errors) for problem in _describe(error, whole)),
            key=lambda p: (_RULE_ORDER.get(p.rule, len(_RULE_ORDER)), p.message),
        ):
            by_place.setdefault(problem.path, problem)
        return sorted(by_place.values(), key=lambda p: tuple(str(part) for part in p.path))

    def _reference_registry(self) -> Any:
        """Every schema, for the reference validator's `$ref`s. It sees no `$schema`: a `$ref` into a
        document that names its meta-schema would otherwise be checked by jsonschema's stock Draft 2020-12
        class, whose integers take 30.0."""
        if self._registry is None:
            from referencing import Registry
            from referencing.jsonschema import DRAFT202012

            self._registry = Registry().with_resources(
                (name, DRAFT202012.create_resource(_without_meta_schema(document)))
                for name, document in self.documents.items()
            )
        return self._registry


def _without_meta_schema(document: Any) -> Any:
    if isinstance(document, dict) and "$schema" in document:
        return {key: value for key, value in document.items() if key != "$schema"}
    return document


_COMPILED: dict[tuple[str, str], Check | None] = {}
"""Compiled verdicts, shared by every store that holds the same schemas."""


def _compiled(bundle_key: str, file: str, documents: dict[str, Any]) -> Check | None:
    key = (bundle_key, file)
    if key not in _COMPILED:
        try:
            _COMPILED[key] = compile_check(file, documents)
        except Unsupported:
            _COMPILED[key] = None
    return _COMPILED[key]


def rebased(file_name: str, node: Any, prefix: str) -> Any:
    """A schema whose references point into one document that holds every schema under `prefix`.

    `file.schema.json#/x` becomes `{prefix}file/x`, and a local `#/x` becomes `{prefix}<this file>/x`;
    `$schema` and `$id` are left out. Serves the compiled validators' bundle and the OpenAPI components.
    """
    name = file_name.removesuffix(SCHEMA_SUFFIX)
    if isinstance(node, dict):
        converted = {}
        for key, value in node.items():
            if key in ("$schema", "$id"):
                continue
            if key == "$ref" and isinstance(value, str):
                target, _, fragment = value.partition("#")
                converted[key] = f"{prefix}{target.removesuffix(SCHEMA_SUFFIX) if target else name}{fragment}"
            else:
                converted[key] = rebased(file_name, value, prefix)
        return converted
    if isinstance(node, list):
        return [rebased(file_name, item, prefix) for item in node]
    return node


def _leaves(errors: Iterable["ValidationError"]) -> Iterator["ValidationError"]:
    """The innermost errors: `anyOf` and `oneOf` wrap the ones that say what is wrong.

    Of their branches, only those whose type fits the value speak (an object given for "a boolean or an
    object" is judged as an object); when none fits, all do.
    """
    for error in errors:
        if not error.context:
            yield error
            continue
        branches: dict[Any, list[ValidationError]] = {}
        for inner in error.context:
            branches.setdefault(inner.relative_schema_path[0], []).append(inner)
        fitting = [
            branch
            for branch in branches.values()
            if not any(inner.validator == "type" and inner.absolute_path == error.absolute_path for inner in branch)
        ]
        for branch in fitting or branches.values():
            yield from _leaves(branch)


def _describe(error: "ValidationError", whole: str) -> Iterator[Problem]:
    path = tuple(error.absolute_path)
    rule = str(error.validator)
    value = error.validator_value
    subject = format_path(path) or whole
    if rule == "required":
        # One error per missing name; its message starts with the name's repr.
        missing = next(name for name in value if name not in error.instance and error.message.startswith(repr(name)))
        yield Problem((*path, missing), f"{format_path((*path, missing))} is required.", rule)
    elif rule == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        for extra in sorted(key for key in error.instance if key not in allowed):
            yield Problem((*path, extra), f"Unknown field: {format_path((*path, extra))}.", rule)
    elif rule == "if":
        return  # the `then` branch reports what is wrong
    else:
        yield Problem(path, _MESSAGES.get(rule, _other)(subject, value, error), rule)


def _other(subject: str, _value: Any, error: "ValidationError") -> str:
    return f"{subject}: {error.message}"


_MESSAGES = {
    "type": lambda subject, value, _: f"{subject} must be {_type_names(value)}.",
    "enum": lambda subject, value, _: f"{subject} must be one of {', '.join(json.dumps(v) for v in value)}.",
    "const": lambda subject, value, _: f"{subject} must be {json.dumps(value)}.",
    "minLength": lambda subject, value, _: f"{subject} must be at least {value} characters long.",
    "maxLength": lambda subject, value, _: f"{subject} must be at most {value} characters long.",
    "minimum": lambda subject, value, _: f"{subject} must be {value} or more.",
    "maximum": lambda subject, value, _: f"{subject} must be {value} or less.",
    "pattern": lambda subject, _value, error: _bad_format(subject, error),
    "minProperties": lambda subject, value, _: f"{subject} must have at least {value} field(s).",
    "maxProperties": lambda subject, value, _: f"{subject} must have at most {value} field(s).",
    "not": lambda subject, value, error: _not_allowed(subject) if value == {} else _other(subject, value, error),
}


def _type_names(value: str | list[str]) -> str:
    """ "a string", or "a string or null" for a list of types."""
    names = [_TYPE_NAMES.get(name, name) for name in ([value] if isinstance(value, str) else value)]
    return " or ".join(names)


def _bad_format(subject: str, error: "ValidationError") -> str:
    # A pattern says nothing to a reader: its schema's `x-expected` names the format, with an example.
    expected = error.schema.get("x-expected") if isinstance(error.schema, dict) else None
    return f"{subject} must be {expected}." if expected else f"{subject} has an invalid format."


def _not_allowed(subject: str) -> str:
    return f"{subject} is not allowed here."


def format_path(path: Iterable[str | int]) -> str:
    """`tenants[0].groups[0].callCenters[1]` from ("tenants", 0, "groups", 0, "callCenters", 1)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
