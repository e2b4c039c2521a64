"""JSON Schema for declared values: one pydantic pass over every field of a document.

Input: the ``ModelField`` objects of all routes (parameters, bodies, responses).
Output: a mapping ``(field, mode) -> JSON Schema`` and the shared ``definitions``
that land in ``components/schemas``. Pydantic names the definitions (and adds the
``-Input``/``-Output`` suffixes when a model differs between validation and
serialization); nothing here is computed per request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic.type_adapter import _type_has_config
from pydantic_core import CoreSchema, PydanticSerializationError

from .._plan.fields import ModelField
from .._plan.openapi_constants import REF_TEMPLATE

SchemaMode = Literal["validation", "serialization"]
FieldMapping = dict[tuple[ModelField, SchemaMode], JsonSchemaValue]
NamedType = type[BaseModel] | type[Enum]


class OpenAPIJsonSchema(GenerateJsonSchema):
    """Pydantic's generator, with ``bytes`` described as OpenAPI 3.1 binary content, and
    one ``TypeAdapter`` per default's type and config (pydantic builds one per default)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._default_adapters: dict[tuple[type, int], tuple[Any, TypeAdapter[Any]]] = {}

    def encode_default(self, dft: Any) -> Any:
        """Pydantic's encoding of a default (its ``dump_python`` in JSON mode through a
        ``TypeAdapter`` of the default's type), with that adapter built once per type and
        config: building it costs far more than the dump, and a document has a default
        per optional parameter."""
        config = self._config.config_dict
        if self.mode == "validation" and ("ser_json_temporal" in config or "ser_json_timedelta" in config):
            return super().encode_default(dft)  # pydantic filters the config first
        adapted = Any if _type_has_config(type(dft)) else type(dft)
        key = (adapted, id(config))
        known = self._default_adapters.get(key)
        if known is None:
            try:
                adapter = TypeAdapter(adapted, config=config)
            except Exception:
                return super().encode_default(dft)  # pydantic raises its own error
            # The entry keeps the config, so its id is not reused meanwhile.
            known = self._default_adapters[key] = (config, adapter)
        try:
            return known[1].dump_python(dft, by_alias=self.by_alias, mode="json")
        except Exception as exc:
            raise PydanticSerializationError(f"Unable to encode default value {dft}") from exc

    def bytes_schema(self, schema: CoreSchema) -> JsonSchemaValue:
        # OpenAPI 3.1 describes raw bytes with contentMediaType instead of format=binary.
        json_schema: JsonSchemaValue = {"type": "string", "contentMediaType": "application/octet-stream"}
        config = self._config
        encoding = config.ser_json_bytes if self.mode == "serialization" else config.val_json_bytes
        if encoding == "base64":
            json_schema["contentEncoding"] = "base64"
        self.update_with_validations(json_schema, schema, self.ValidationsMapping.bytes)
        return json_schema


def _is_named_type(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, (BaseModel, Enum))


def _collect_from_annotation(annotation: Any, found: set[NamedType]) -> None:
    if _is_named_type(annotation):
        if annotation in found:
            return
        found.add(annotation)
        if issubclass(annotation, BaseModel):
            for field_info in annotation.model_fields.values():
                _collect_from_annotation(field_info.annotation, found)
        return
    if get_origin(annotation) is not None:
        for argument in get_args(annotation):
            _collect_from_annotation(argument, found)


def collect_flat_models(fields: Iterable[ModelField]) -> set[NamedType]:
    """Every model and enum reachable from the fields' annotations."""
    found: set[NamedType] = set()
    for field in fields:
        _collect_from_annotation(field.field_info.annotation, found)
    return found


def normalize_name(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9.\-_]", "_", name)


def get_model_name_map(models: Iterable[NamedType]) -> dict[NamedType, str]:
    """Model -> component name; when two models share a name, the last one keeps it."""
    by_name = {normalize_name(model.__name__): model for model in models}
    return {model: name for name, model in by_name.items()}


def _annotation_has_computed_fields(annotation: Any, seen: set[type[BaseModel]]) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return False
        seen.add(annotation)
        if annotation.model_computed_fields:
            return True
        return any(_annotation_has_computed_fields(info.annotation, seen) for info in annotation.model_fields.values())
    return any(_annotation_has_computed_fields(argument, seen) for argument in get_args(annotation))


def has_computed_fields(field: ModelField) -> bool:
    """Whether the field's type (or a nested model) has computed fields.

    Such types keep separate input and output schemas even when the document asks
    for shared ones, because the output has properties the input lacks.
    """
    core_schema: Any = field._type_adapter.core_schema
    if core_schema.get("schema", {}).get("computed_fields", []):
        return True  # dataclasses carry computed fields without being models
    return _annotation_has_computed_fields(field.field_info.annotation, set())


def _schema_mode(field: ModelField, separate_input_output_schemas: bool) -> SchemaMode:
    if separate_input_output_schemas or has_computed_fields(field):
        return field.mode
    return "validation"


def _model_fields(models: Iterable[NamedType], mode: SchemaMode) -> list[ModelField]:
    return [ModelField(field_info=FieldInfo(annotation=model), name=model.__name__, mode=mode) for model in models]


def build_definitions(
    fields: Sequence[ModelField], *, separate_input_output_schemas: bool = True
) -> tuple[FieldMapping, dict[str, dict[str, Any]]]:
    """Generate every field's schema and the shared definitions in one pydantic run."""
    by_mode = {
        mode: collect_flat_models(field for field in fields if field.mode == mode)
        for mode in ("validation", "serialization")
    }
    # Models reachable only through other types are generated on their own too, so that
    # each gets its definition in the mode it was reached in.
    declared = {field.field_info.annotation for field in fields}
    reachable = _model_fields(by_mode["validation"], "validation") + _model_fields(
        by_mode["serialization"], "serialization"
    )
    extra = [field for field in reachable if field.field_info.annotation not in declared]
    inputs = [
        (field, _schema_mode(field, separate_input_output_schemas), field._type_adapter.core_schema)
        for field in [*fields, *extra]
    ]
    generator = OpenAPIJsonSchema(ref_template=REF_TEMPLATE)
    field_mapping, definitions = generator.generate_definitions(inputs=inputs)
    for definition in definitions.values():
        if "description" in definition:
            # A form feed ends the public part of a docstring (the rest is for developers).
            definition["description"] = definition["description"].split("\f")[0]
    return field_mapping, {str(name): definition for name, definition in definitions.items()}


def field_schema(
    field: ModelField,
    field_mapping: FieldMapping,
    *,
    separate_input_output_schemas: bool = True,
    alias: str | None = None,
) -> dict[str, Any]:
    """The schema generated for ``field``, titled after its alias when it is inline."""
    mode: SchemaMode = field.mode
    if not separate_input_output_schemas and not has_computed_fields(field):
        mode = "validation"
    schema = field_mapping[(field, mode)].copy()
    if "$ref" not in schema:
        if alias is None:
            specific = field.validation_alias if field.mode == "validation" else field.serialization_alias
            alias = specific or field.alias
        schema["title"] = field.field_info.title or alias.title().replace("_", " ")
    return schema
