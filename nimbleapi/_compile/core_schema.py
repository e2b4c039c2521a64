"""Reading a pydantic-core schema at start-up, for shortcuts that depend on what it holds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

# Keys whose values are not schemas (classes, defaults, literal values, JSON-schema hooks).
_NOT_SCHEMAS = frozenset({"cls", "metadata", "default", "ref", "schema_ref", "expected", "config", "function"})


def core_schema_of(adapter: Any) -> Any:
    """*adapter*'s pydantic-core schema, or None when it has none to read (shortcuts then stay off)."""
    try:
        return adapter.core_schema
    except Exception:  # noqa: BLE001 - an adapter without a built schema
        return None


def every_node(schema: Any, accepts: Callable[[dict[str, Any]], bool], by_model: dict[Any, bool]) -> bool:
    """Whether *accepts* holds for every node (a dict with a ``"type"`` name) of *schema*,
    nested and referenced ones included.

    The answer for a model's own schema is kept in *by_model* under its class, so a model
    that a thousand routes answer with is walked once, not a thousand times."""
    for node in _nodes_up_to_models(schema):
        if not accepts(node):
            return False
        cls = node.get("cls") if node["type"] == "model" else None
        if cls is not None:
            known = by_model.get(cls)
            if known is None:
                inner = {key: value for key, value in node.items() if key not in _NOT_SCHEMAS}
                known = by_model[cls] = every_node(list(inner.values()), accepts, by_model)
            if not known:
                return False
    return True


def _nodes_up_to_models(schema: Any) -> Iterator[dict[str, Any]]:
    """Every node of *schema* up to its models' (a model's node is yielded, not walked into).

    A model's ``fields`` dict is walked but not yielded, even with a field named ``type``."""
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if isinstance(node.get("type"), str):
                yield node
                if node["type"] == "model" and node.get("cls") is not None:
                    continue
            pending.extend(
                value for key, value in node.items() if key not in _NOT_SCHEMAS and isinstance(value, (dict, list, tuple))
            )
        elif isinstance(node, (list, tuple)):
            pending.extend(node)


def serializes_alike_by_alias(schema: Any) -> bool:
    """Whether ``by_alias`` cannot change what *schema* serialises: no field has an alias and
    no custom function (which could read ``info.by_alias``) takes part. No schema: no telling."""
    if schema is None:
        return False
    return every_node(schema, _serializes_alike_by_alias, _ALIKE_BY_ALIAS)


def _serializes_alike_by_alias(node: dict[str, Any]) -> bool:
    if "serialization_alias" in node or "alias" in node or node["type"].startswith("function-"):
        return False
    return not (node["type"] in ("model", "dataclass") and node.get("config", {}).get("serialize_by_alias") is not None)


_ALIKE_BY_ALIAS: dict[Any, bool] = {}


# Keys of a schema node that do not change what validating a value gives.
_NOT_VALIDATING = frozenset({"type", "schema", "metadata", "serialization", "default", "ref"})


def takes_text_as_is(adapter: Any) -> bool:
    """Whether validating a ``str`` with *adapter* returns it unchanged: a plain ``str``
    schema (no constraint, no transformation, not strict), possibly optional or defaulted."""
    schema = core_schema_of(adapter)
    while isinstance(schema, dict) and schema.get("type") in ("default", "nullable"):
        if not _NOT_VALIDATING.issuperset(schema):
            return False
        schema = schema.get("schema")
    return isinstance(schema, dict) and schema.get("type") == "str" and _NOT_VALIDATING.issuperset(schema) and "schema" not in schema
