"""The JSON Schemas in `schemas/`: loaded once, and the single source of every field rule.

Validation errors are turned into short messages that name the field, such as
`collectionPeriodMinutes must be one of 15, 30, 60.`
"""

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from simulator.resources import schemas_dir

SCHEMA_SUFFIX = ".schema.json"


def _strict_integer(_checker: Any, instance: Any) -> bool:
    # JSON Schema lets 30.0 pass as an integer; BroadWorks takes no such thing.
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
)

# When one place breaks several rules, the first of these says best what is wrong ("30" is not an
# integer, rather than not one of 15, 30, 60).
_RULE_ORDER = {rule: rank for rank, rule in enumerate(["required", "additionalProperties", "not", "type"])}

_TYPE_NAMES = {
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
        registry: Registry = Registry().with_resources(
            (name, Resource.from_contents(document, default_specification=DRAFT202012))
            for name, document in documents.items()
        )
        self.documents = documents
        self._validators = {
            name.removesuffix(SCHEMA_SUFFIX): _Validator(document, registry=registry)
            for name, document in documents.items()
        }

    def file_name(self, schema: str) -> str:
        return schema + SCHEMA_SUFFIX

    def problems(self, schema: str, instance: Any) -> list[Problem]:
        """The problems of `instance` against `schema`: one per place (the most basic rule), ordered by place."""
        errors = self._validators[schema].iter_errors(instance)
        by_place: dict[tuple[str | int, ...], Problem] = {}
        for problem in sorted(
            (problem for error in _leaves(errors) if (problem := _describe(error)) is not None),
            key=lambda p: (_RULE_ORDER.get(p.rule, len(_RULE_ORDER)), p.message),
        ):
            by_place.setdefault(problem.path, problem)
        return sorted(by_place.values(), key=lambda p: tuple(str(part) for part in p.path))


def _leaves(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    """The innermost errors: `if/then` and `$ref` wrap the ones that say what is wrong."""
    for error in errors:
        if error.context:
            yield from _leaves(error.context)
        else:
            yield error


def _describe(error: ValidationError) -> Problem | None:
    path = tuple(error.absolute_path)
    where = format_path(path)
    rule = str(error.validator)
    value = error.validator_value
    subject = where or "The body"
    if rule == "required":
        missing = error.message.split("'")[1]
        return Problem((*path, missing), f"{format_path((*path, missing))} is required.", rule)
    if rule == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extras = sorted(key for key in error.instance if key not in allowed)
        return Problem((*path, extras[0]), f"Unknown field: {format_path((*path, extras[0]))}.", rule)
    if rule == "type":
        return Problem(path, f"{subject} must be {_TYPE_NAMES.get(value, value)}.", rule)
    if rule == "enum":
        choices = ", ".join(json.dumps(choice) for choice in value)
        return Problem(path, f"{subject} must be one of {choices}.", rule)
    if rule == "const":
        return Problem(path, f"{subject} must be {json.dumps(value)}.", rule)
    if rule == "minLength":
        return Problem(path, f"{subject} must be at least {value} characters long.", rule)
    if rule == "maxLength":
        return Problem(path, f"{subject} must be at most {value} characters long.", rule)
    if rule == "minimum":
        return Problem(path, f"{subject} must be {value} or more.", rule)
    if rule == "maximum":
        return Problem(path, f"{subject} must be {value} or less.", rule)
    if rule == "pattern":
        return Problem(path, f"{subject} has an invalid format.", rule)
    if rule == "not" and value == {}:
        return Problem(path, f"{subject} is not allowed here.", rule)
    if rule == "if":
        return None  # the `then` branch reports what is wrong
    return Problem(path, f"{subject}: {error.message}", rule)


def format_path(path: Iterable[str | int]) -> str:
    """`tenants[0].groups[0].callCenters[1]` from ("tenants", 0, "groups", 0, "callCenters", 1)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
