"""Reading a pydantic-core schema at start-up, for shortcuts that depend on what it holds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Keys whose values are not schemas (classes, defaults, literal values, JSON-schema hooks).
_NOT_SCHEMAS = frozenset({"cls", "metadata", "default", "ref", "schema_ref", "expected", "config", "function"})


def core_schema_of(adapter: Any) -> Any:
    """*adapter*'s pydantic-core schema, or None when it has none to read (shortcuts then stay off)."""
    try:
        return adapter.core_schema
    except Exception:  # noqa: BLE001 - an adapter without a built schema
        return None


def schema_nodes(schema: Any) -> Iterator[dict[str, Any]]:
    """Every node (a dict with a ``"type"`` name) of *schema*, nested and referenced ones included.

    A model's ``fields`` dict is walked but not yielded, even with a field named ``type``."""
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if isinstance(node.get("type"), str):
                yield node
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
    for node in schema_nodes(schema):
        if "serialization_alias" in node or "alias" in node or node["type"].startswith("function-"):
            return False
        if node["type"] in ("model", "dataclass") and node.get("config", {}).get("serialize_by_alias") is not None:
            return False
    return True
