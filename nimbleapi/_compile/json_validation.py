"""Validating a JSON body straight from its bytes, where that cannot change the outcome.

FastAPI parses a JSON body with ``json.loads`` and validates the result in Python mode.
pydantic-core can validate the bytes in one pass (``validate_json``), which is faster,
but JSON mode differs for some types: strict JSON mode accepts strings for dates, UUIDs
and enums, ``Decimal`` keeps the digits as written, bytes may be base64, unions choose
by JSON exactness, and validators can ask ``info.mode``. So the one-pass route is taken
only for schemas built from the kinds below, which validate a JSON value exactly as they
validate the Python value ``json.loads`` makes of it; any error falls back to the usual
two steps, which report it as FastAPI does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic_core import SchemaValidator

from .._plan.fields import ModelField
from .core_schema import core_schema_of, every_node

# Core schema kinds that read a JSON value and its ``json.loads`` value the same way.
_SAME_IN_BOTH_MODES = frozenset({
    "any", "none", "bool", "int", "float", "str", "literal",
    "list", "dict", "nullable", "default",
    "model", "model-fields", "model-field", "typed-dict", "typed-dict-field",
    "definitions", "definition-ref",
})
# Configuration that makes JSON mode read some values differently.
_MODE_SENSITIVE_CONFIG = ("strict", "val_json_bytes", "val_temporal_unit")


def direct_json_validator(field: ModelField) -> Callable[[bytes], Any] | None:
    """``validate_json`` of *field*'s validator when it gives what ``validate_python(json.loads(...))``
    gives for every body it accepts; None otherwise."""
    adapter = getattr(field, "_type_adapter", None)
    validator = getattr(adapter, "validator", None)
    if not isinstance(validator, SchemaValidator):
        return None
    schema = core_schema_of(adapter)
    return validator.validate_json if schema is not None and _reads_json_as_python(schema) else None


def _reads_json_as_python(schema: Any) -> bool:
    return every_node(schema, _reads_node_json_as_python, _JSON_AS_PYTHON)


def _reads_node_json_as_python(node: dict[str, Any]) -> bool:
    kind = node["type"]
    if kind not in _SAME_IN_BOTH_MODES:
        return False
    if node.get("strict") or _config_is_mode_sensitive(node.get("config")):
        return False
    if kind == "model" and (node.get("custom_init") or node.get("root_model") or node.get("post_init")):
        return False
    return not (kind in ("model-fields", "typed-dict") and node.get("extras_schema"))


_JSON_AS_PYTHON: dict[Any, bool] = {}


def _config_is_mode_sensitive(config: Any) -> bool:
    return isinstance(config, dict) and any(config.get(key) for key in _MODE_SENSITIVE_CONFIG)
