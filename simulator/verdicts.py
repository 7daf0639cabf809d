"""Compiled verdicts: a schema turned into one Python function that answers "is this document valid?".

Every response leaves through such a check, so it is written for speed: no messages, no paths, no error
objects, only straight-line tests that return False at the first broken rule. Messages come from the
reference validator (jsonschema), which `simulator.schemas` asks whenever a verdict is False.

The verdicts are those of JSON Schema 2020-12 as jsonschema decides them, with this simulator's strict
integers (30.0 is no integer), for the keywords the schemas in `schemas/` use. A schema that uses any
other keyword is refused with `Unsupported` when compiled, never checked loosely; `simulator.schemas` then
asks the reference validator for every verdict of that schema. tests/test_schema_verdicts.py shows, on
mutated documents of every schema, that both validators agree.
"""

import json
import re
from collections.abc import Callable
from numbers import Number
from typing import Any

Check = Callable[[Any], bool]

# Words that say something about a schema but never decide a verdict.
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples", "x-expected"}
)
_TYPE_DEPENDENT = {
    "object": ("required", "properties", "additionalProperties", "minProperties", "maxProperties", "propertyNames"),
    "array": ("items", "minItems", "maxItems", "uniqueItems"),
    "string": ("minLength", "maxLength", "pattern"),
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"),
}
_KNOWN = frozenset(
    {*_ANNOTATIONS, "type", "enum", "const", "$ref", "allOf", "anyOf", "oneOf", "not", "if", "then", "else"}
    | {word for words in _TYPE_DEPENDENT.values() for word in words}
)
# The test each JSON type names: jsonschema's, with integers strict (no bool, no integral float).
_TYPE_TESTS = {
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "string": "isinstance({v}, str)",
    "null": "{v} is None",
    "boolean": "isinstance({v}, bool)",
    "integer": "(isinstance({v}, int) and not isinstance({v}, bool))",
    "number": "(isinstance({v}, (int, float, _Number)) and not isinstance({v}, bool))",
}


class Unsupported(Exception):
    """The schema uses a keyword (or a form of one) that this compiler does not check."""


def canonical(value: Any) -> Any:
    """A hashable key under which two JSON values are equal exactly when jsonschema's `equal` says so:
    True is not 1, 1 is 1.0, and lists and objects compare item by item."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, list):
        return ("l", tuple(canonical(item) for item in value))
    if isinstance(value, dict):
        return ("d", frozenset((key, canonical(item)) for key, item in value.items()))
    if value is None:
        return ("z",)
    return ("n", value)


def _unique(items: list[Any]) -> bool:
    keys = {canonical(item) for item in items}
    return len(keys) == len(items)


class _Compiler:
    def __init__(self, documents: dict[str, Any]) -> None:
        self.documents = documents  # by file name, as `$ref`s name them
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {"_Number": Number, "_canonical": canonical, "_unique": _unique}
        self.functions: dict[tuple[str, str], str] = {}  # (file, JSON pointer) -> function name
        self.pending: list[tuple[str, str, Any]] = []
        self.inlining: list[tuple[str, str]] = []  # the references being written in place, outermost first
        self.names = 0

    def name(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def constant(self, value: Any, prefix: str = "_c") -> str:
        name = self.name(prefix)
        self.constants[name] = value
        return name

    def function_for(self, file: str, pointer: str) -> str:
        """The name of the function that checks the node at `pointer` of `file`, compiled once."""
        key = (file, pointer)
        if key not in self.functions:
            self.functions[key] = name = self.name("_f")
            self.pending.append((name, file, self.resolve(file, pointer)))
        return self.functions[key]

    def anonymous(self, file: str, schema: Any) -> str:
        """A function for a subschema that is needed as a verdict of its own (anyOf, not, if ...)."""
        name = self.name("_f")
        self.pending.append((name, file, schema))
        return name

    def resolve(self, file: str, pointer: str) -> Any:
        if file not in self.documents:
            raise Unsupported(f"$ref to an unknown file: {file}")
        node = self.documents[file]
        for part in pointer.split("/")[1:] if pointer else []:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise Unsupported(f"$ref to a missing place: {file}#{pointer}")
            node = node[part]
        return node

    def compile(self, file: str) -> Check:
        entry = self.function_for(file, "")
        while self.pending:
            name, where, schema = self.pending.pop()
            self.lines.append(f"def {name}(v0):")
            body: list[str] = []
            self.emit(where, schema, "v0", body, 1)
            self.lines.extend(body or ["    pass"])
            self.lines.append("    return True")
        namespace = dict(self.constants)
        exec(compile("\n".join(self.lines), f"<verdict of {file}>", "exec"), namespace)
        return namespace[entry]

    def emit(self, file: str, schema: Any, v: str, out: list[str], depth: int) -> None:
        pad = "    " * depth
        if schema is True:
            return
        if schema is False:
            out.append(f"{pad}return False")
            return
        if not isinstance(schema, dict):
            raise Unsupported(f"not a schema: {schema!r}")
        unknown = set(schema) - _KNOWN
        if unknown:
            raise Unsupported(f"keywords not compiled: {', '.join(sorted(unknown))}")
        types = schema.get("type")
        if types is not None:
            names = [types] if isinstance(types, str) else types
            if not isinstance(names, list) or not names or any(name not in _TYPE_TESTS for name in names):
                raise Unsupported(f"type: {types!r}")
            test = " or ".join(_TYPE_TESTS[name].format(v=v) for name in names)
            out.append(f"{pad}if not ({test}): return False")
        if "enum" in schema:
            self.emit_enum(schema["enum"], v, out, pad)
        if "const" in schema:
            out.append(f"{pad}if _canonical({v}) != {self.constant(canonical(schema['const']))}: return False")
        sure = names[0] if types is not None and len(names) == 1 else None
        for kind, words in _TYPE_DEPENDENT.items():
            present = [word for word in words if word in schema]
            if not present:
                continue
            inner: list[str] = []
            emitter = getattr(self, f"emit_{kind}")
            if sure == kind or (kind == "number" and sure == "integer"):
                emitter(file, schema, v, out, depth)
            else:
                emitter(file, schema, v, inner, depth + 1)
                if inner:
                    out.append(f"{pad}if {_TYPE_TESTS[kind].format(v=v)}:")
                    out.extend(inner)
        if "$ref" in schema:
            self.emit_reference(file, schema["$ref"], v, out, depth)
        for subschema in schema.get("allOf", []):
            self.emit(file, subschema, v, out, depth)
        if "anyOf" in schema:
            calls = " or ".join(f"{self.anonymous(file, sub)}({v})" for sub in schema["anyOf"])
            out.append(f"{pad}if not ({calls}): return False")
        if "oneOf" in schema:
            calls = ", ".join(f"{self.anonymous(file, sub)}({v})" for sub in schema["oneOf"])
            out.append(f"{pad}if sum(({calls},)) != 1: return False")
        if "not" in schema:
            out.append(f"{pad}if {self.anonymous(file, schema['not'])}({v}): return False")
        if "if" in schema:
            condition = f"{self.anonymous(file, schema['if'])}({v})"
            if "then" in schema:
                out.append(f"{pad}if {condition} and not {self.anonymous(file, schema['then'])}({v}): return False")
            if "else" in schema:
                out.append(f"{pad}if not {condition} and not {self.anonymous(file, schema['else'])}({v}): return False")

    def emit_reference(self, file: str, ref: Any, v: str, out: list[str], depth: int) -> None:
        """The target's checks, written in place (a call costs more than most checks), except where the
        target is being written already (a recursive schema): there, a call to its function."""
        if not isinstance(ref, str):
            raise Unsupported(f"$ref: {ref!r}")
        target, _, pointer = ref.partition("#")
        if pointer and not pointer.startswith("/"):
            raise Unsupported(f"$ref to an anchor: {ref}")
        key = (target or file, pointer)
        if key in self.inlining or len(self.inlining) >= _MAX_INLINED:
            out.append(f"{'    ' * depth}if not {self.function_for(*key)}({v}): return False")
            return
        self.inlining.append(key)
        self.emit(key[0], self.resolve(*key), v, out, depth)
        self.inlining.pop()

    def emit_enum(self, values: Any, v: str, out: list[str], pad: str) -> None:
        if not isinstance(values, list):
            raise Unsupported("enum must be a list")
        if all(isinstance(value, str) for value in values):  # only a string equals a string
            out.append(
                f"{pad}if not (isinstance({v}, str) and {v} in {self.constant(frozenset(values))}): return False"
            )
        else:
            keys = frozenset(canonical(value) for value in values)
            out.append(f"{pad}if _canonical({v}) not in {self.constant(keys)}: return False")

    def emit_object(self, file: str, schema: dict[str, Any], v: str, out: list[str], depth: int) -> None:
        pad = "    " * depth
        required = schema.get("required", [])
        if required:
            out.append(f"{pad}if not {self.constant(frozenset(required))} <= {v}.keys(): return False")
        _emit_lengths(schema, "minProperties", "maxProperties", v, out, pad)
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        if extra is False:
            out.append(f"{pad}if not {v}.keys() <= {self.constant(frozenset(properties))}: return False")
        for key, subschema in properties.items():
            body: list[str] = []
            item = self.name("v")
            self.emit(file, subschema, item, body, depth + 1)
            if body:
                out.append(f"{pad}{item} = {v}.get({json.dumps(key)}, _absent)")
                out.append(f"{pad}if {item} is not _absent:")
                out.extend(body)
        self.constants["_absent"] = _ABSENT
        if extra is not True and extra is not False:
            key, item = self.name("k"), self.name("v")
            body = []
            self.emit(file, extra, item, body, depth + 2)
            if body:
                out.append(f"{pad}for {key}, {item} in {v}.items():")
                out.append(f"{pad}    if {key} not in {self.constant(frozenset(properties))}:")
                out.extend(body)
        if "propertyNames" in schema:
            self.emit_each(file, schema["propertyNames"], v, out, depth, "k")  # a dict's iteration: its keys

    def emit_array(self, file: str, schema: dict[str, Any], v: str, out: list[str], depth: int) -> None:
        pad = "    " * depth
        _emit_lengths(schema, "minItems", "maxItems", v, out, pad)
        if schema.get("uniqueItems") is True:
            out.append(f"{pad}if not _unique({v}): return False")
        if "items" in schema:
            self.emit_each(file, schema["items"], v, out, depth, "v")

    def emit_each(self, file: str, schema: Any, v: str, out: list[str], depth: int, prefix: str) -> None:
        """The checks of `schema` on each element of `v` (the items of a list, the keys of a dict)."""
        element = self.name(prefix)
        body: list[str] = []
        self.emit(file, schema, element, body, depth + 1)
        if body:
            out.append(f"{'    ' * depth}for {element} in {v}:")
            out.extend(body)

    def emit_string(self, file: str, schema: dict[str, Any], v: str, out: list[str], depth: int) -> None:
        pad = "    " * depth
        _emit_lengths(schema, "minLength", "maxLength", v, out, pad)
        if "pattern" in schema:
            search = self.constant(re.compile(schema["pattern"]).search, "_search")
            out.append(f"{pad}if {search}({v}) is None: return False")

    def emit_number(self, file: str, schema: dict[str, Any], v: str, out: list[str], depth: int) -> None:
        pad = "    " * depth
        for word, broken in (
            ("minimum", "<"),
            ("maximum", ">"),
            ("exclusiveMinimum", "<="),
            ("exclusiveMaximum", ">="),
        ):
            if word in schema:
                bound = schema[word]
                if isinstance(bound, bool) or not isinstance(bound, (int, float)):
                    raise Unsupported(f"{word}: {bound!r}")
                out.append(f"{pad}if {v} {broken} {bound!r}: return False")


def _emit_lengths(schema: dict[str, Any], low: str, high: str, v: str, out: list[str], pad: str) -> None:
    """The checks of a length's bounds (items, characters or properties)."""
    if low in schema:
        out.append(f"{pad}if len({v}) < {int(schema[low])}: return False")
    if high in schema:
        out.append(f"{pad}if len({v}) > {int(schema[high])}: return False")


_ABSENT = object()
_MAX_INLINED = 8
"""References written in place inside one another, at most; deeper ones are calls."""
_BROKEN_BOUNDS = (("minimum", "<"), ("maximum", ">"), ("exclusiveMinimum", "<="), ("exclusiveMaximum", ">="))
"""Each bound, and the comparison that breaks it."""


def compile_check(file: str, documents: dict[str, Any]) -> Check:
    """The verdict function of the schema in `file`; `documents` holds every schema file by name (the
    targets of `$ref`s). Raises Unsupported for a schema it cannot check exactly."""
    return _Compiler(documents).compile(file)
