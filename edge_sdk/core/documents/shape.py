"""Check a JSON value against a document type, and derive the type's JSON Schema; stdlib only.

The document types are ``TypedDict``s (see :mod:`edge_sdk.core.documents`). This module reads
their annotations, so the Python type, the load-time check and the shipped JSON Schema cannot
disagree: there is one declaration and two readings of it.

Supported annotations, which are all a JSON document needs: ``str``, ``int``, ``float``
(an int is a valid float, as in JSON; a bool is neither), ``bool``, ``None``, ``Any``,
``Literal[...]``, ``X | Y``, ``list[X]``, ``dict[str, X]``, nested ``TypedDict`` (``NotRequired``
keys may be absent; keys the type does not name are allowed, so a newer writer's extra fields
never break an older reader).
"""

from __future__ import annotations

import math
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

MAX_PROBLEMS = 5      # a broken document gets the first few problems, not hundreds
MAX_LIST_ITEMS = 10_000  # samples lists are long; their items are still checked, up to here


def _hints(typed_dict: type) -> dict[str, Any]:
    return get_type_hints(typed_dict, include_extras=False)


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    if isinstance(value, dict):
        return "an object"
    return "a list" if isinstance(value, list) else type(value).__name__


def _name(annotation: Any) -> str:
    """How an expected type reads in a message: "a number", "a string or null", "one of 'a', 'b'"."""
    origin = get_origin(annotation)
    if annotation is Any:
        return "anything"
    if annotation is type(None) or annotation is None:
        return "null"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(annotation))
    if origin in (Union, types.UnionType):
        return " or ".join(_name(a) for a in get_args(annotation))
    if origin is list:
        return "a list"
    if origin is dict or is_typeddict(annotation):
        return "an object"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(annotation,
                                                                                                str(annotation))


def problems(value: Any, annotation: Any, where: str = "") -> list[str]:
    """What is wrong with ``value`` as an ``annotation`` (empty when nothing), each naming its field."""
    found: list[str] = []
    _check(value, annotation, where, found)
    return found[:MAX_PROBLEMS]


def _check(value: Any, annotation: Any, where: str, found: list[str]) -> bool:
    if len(found) >= MAX_PROBLEMS:
        return False
    origin = get_origin(annotation)
    here = where or "the document"
    if annotation is Any:
        return True
    if annotation is type(None) or annotation is None:
        ok = value is None
    elif origin in (Union, types.UnionType):
        options = get_args(annotation)
        for option in options:
            trial: list[str] = []
            if _check(value, option, where, trial):
                return True
        # one object-shaped option: its own, precise problem reads better than "expected X or Y"
        shaped = [o for o in options if is_typeddict(o) or get_origin(o) in (list, dict)]
        if len(shaped) == 1 and isinstance(value, (dict, list)):
            return _check(value, shaped[0], where, found)
        ok = False
    elif origin is Literal:
        ok = value in get_args(annotation) and not isinstance(value, bool)
    elif origin is list:
        if not isinstance(value, list):
            ok = False
        else:
            (item,) = get_args(annotation) or (Any,)
            good = True
            for index, element in enumerate(value[:MAX_LIST_ITEMS]):
                good = _check(element, item, f"{where}[{index}]", found) and good
            return good
    elif origin is dict:
        if not isinstance(value, dict):
            ok = False
        else:
            _, item = get_args(annotation) or (str, Any)
            good = True
            for key, element in value.items():
                good = _check(element, item, f"{where}.{key}" if where else str(key), found) and good
            return good
    elif is_typeddict(annotation):
        if not isinstance(value, dict):
            ok = False
        else:
            good = True
            hints = _hints(annotation)
            for key in sorted(annotation.__required_keys__):
                if key not in value:
                    found.append(f"{here}: the field {key!r} is missing")
                    good = False
            for key, hint in hints.items():
                if key in value:
                    good = _check(value[key], hint, f"{where}.{key}" if where else key, found) and good
            return good
    elif annotation is bool:
        ok = isinstance(value, bool)
    elif annotation is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif annotation is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif annotation is str:
        ok = isinstance(value, str)
    else:
        raise TypeError(f"edge_sdk.core.documents.shape cannot check {annotation!r} (at {here})")
    if not ok:
        found.append(f"{here}: expected {_name(annotation)}, got {_describe(value)}")
    return ok


def json_schema(annotation: Any, definitions: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12 subset) of ``annotation``; TypedDicts go to ``definitions``."""
    defs = definitions if definitions is not None else {}
    origin = get_origin(annotation)
    if annotation is Any:
        return {}
    if annotation is type(None) or annotation is None:
        return {"type": "null"}
    if origin in (Union, types.UnionType):
        options = [json_schema(a, defs) for a in get_args(annotation)]
        simple = [o.get("type") for o in options]
        if all(isinstance(t, str) and len(o) == 1 for t, o in zip(simple, options)):
            return {"type": simple}
        return {"anyOf": options}
    if origin is Literal:
        return {"enum": list(get_args(annotation))}
    if origin is list:
        (item,) = get_args(annotation) or (Any,)
        return {"type": "array", "items": json_schema(item, defs)}
    if origin is dict:
        _, item = get_args(annotation) or (str, Any)
        return {"type": "object", "additionalProperties": json_schema(item, defs)}
    if is_typeddict(annotation):
        name = annotation.__name__
        if name not in defs:
            defs[name] = {}  # reserve first: a recursive type refers to itself
            hints = _hints(annotation)
            body: dict[str, Any] = {"type": "object"}
            doc = typing.cast(str | None, annotation.__doc__)
            if doc and not doc.startswith(f"{name}("):
                body["description"] = " ".join(doc.split())
            body["properties"] = {key: json_schema(hint, defs) for key, hint in hints.items()}
            body["required"] = sorted(annotation.__required_keys__)
            defs[name] = body
        return {"$ref": f"#/$defs/{name}"}
    simple_types = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if annotation in simple_types:
        return {"type": simple_types[annotation]}
    raise TypeError(f"no JSON Schema for {annotation!r}")


def document_schema(annotation: type, *, title: str, kind: str, schema_id: str) -> dict[str, Any]:
    """A complete schema file for one document kind: the root type, its ``$defs``, the kind pinned."""
    defs: dict[str, Any] = {}
    root = json_schema(annotation, defs)
    root_name = root["$ref"].rsplit("/", 1)[-1]
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, "title": title,
              **defs[root_name]}
    schema["properties"] = {**schema["properties"], "schema": {"const": f"edge-sdk/{kind}"}}
    others = {name: body for name, body in sorted(defs.items()) if name != root_name}
    if others:
        schema["$defs"] = others
    return schema


def is_finite_number(value: Any) -> bool:
    """A real number a renderer can draw (not a bool, NaN or infinity)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
