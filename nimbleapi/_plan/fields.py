"""``ModelField``: one declared value (a parameter, a body, a response) with its compiled adapter.

Built at start-up; the adapter is a pydantic ``TypeAdapter`` over
``Annotated[annotation, *metadata, Field(...)]`` so every constraint of the declaration
is enforced by one pydantic-core call per value.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from copy import copy
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from ..types import IncEx

try:
    from pydantic.warnings import UnsupportedFieldAttributeWarning
except ImportError:  # pydantic 2.11 neither has nor gives this warning
    UnsupportedFieldAttributeWarning = None  # type: ignore[assignment,misc]

Undefined = PydanticUndefined


_adapters: dict[Any, tuple[ConfigDict | None, TypeAdapter[Any]]] = {}

# The FieldInfo attributes ``Field(...)`` accepts back, for pydantic releases before 2.12
# (which added ``FieldInfo.asdict``); an attribute a release does not have is left out.
FIELD_ATTRIBUTES = (
    "default", "default_factory", "alias", "alias_priority", "validation_alias", "serialization_alias",
    "title", "field_title_generator", "description", "examples", "exclude", "exclude_if", "discriminator",
    "deprecated", "json_schema_extra", "frozen", "validate_default", "repr", "init", "init_var", "kw_only",
)


def field_info_asdict(field_info: FieldInfo) -> dict[str, Any]:
    """``field_info.asdict()``: its annotation, metadata and other attributes, on any pydantic 2.11+."""
    if hasattr(field_info, "asdict"):
        return field_info.asdict()  # type: ignore[return-value]
    attributes = {name: getattr(field_info, name) for name in FIELD_ATTRIBUTES if hasattr(field_info, name)}
    return {"annotation": field_info.annotation, "metadata": field_info.metadata, "attributes": attributes}


def _adapter_key(attributes: Mapping[str, Any], config: ConfigDict | None) -> Any:
    """A hashable description of a declaration, or None when part of it cannot be hashed.

    Values carry their type so that ``default=1`` and ``default=True`` (equal in Python)
    do not share a schema.
    """
    items = tuple((name, type(value), value) for name, value in sorted(attributes["attributes"].items()))
    key = (attributes["annotation"], tuple(attributes["metadata"]), items, id(config), config is None)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _adapter_for(field_info: FieldInfo, config: ConfigDict | None) -> TypeAdapter[Any]:
    """The adapter for a declaration; equal declarations (``item_id: int`` on many routes) share one."""
    attributes = field_info_asdict(field_info)
    key = _adapter_key(attributes, config)
    cached = _adapters.get(key) if key is not None else None
    if cached is not None and cached[0] is config:
        return cached[1]
    with warnings.catch_warnings():
        if UnsupportedFieldAttributeWarning is not None:
            # A TypeAdapter warns that alias-like attributes are unused; they are used by us.
            warnings.simplefilter("ignore", category=UnsupportedFieldAttributeWarning)
        rebuilt = Field(**attributes["attributes"])
        arguments = (attributes["annotation"], *attributes["metadata"], rebuilt)
        annotated = Annotated[arguments]  # type: ignore[valid-type]  # known at run time only
        adapter = TypeAdapter(annotated, config=config)
    if key is not None:
        # The config itself is kept and compared, so a reused id() never matches a stale entry.
        _adapters[key] = (config, adapter)
    return adapter


def prefix_error_locations(errors: list[Any], prefix: tuple[int | str, ...]) -> list[dict[str, Any]]:
    """*errors*, a fresh list from ``ValidationError.errors()``, with ``prefix`` put in front
    of each ``loc`` (in place: nothing else holds those dicts)."""
    for error in errors:
        error["loc"] = prefix + tuple(error["loc"])
    return errors


@dataclass
class ModelField:
    """A declared value and the validator/serializer built for it."""

    field_info: FieldInfo
    name: str
    mode: Literal["validation", "serialization"] = "validation"
    config: ConfigDict | None = None

    def __post_init__(self) -> None:
        self._type_adapter: TypeAdapter[Any] = _adapter_for(self.field_info, self.config)

    @property
    def alias(self) -> str:
        alias = self.field_info.alias
        return alias if alias is not None else self.name

    @property
    def validation_alias(self) -> str | None:
        alias = self.field_info.validation_alias
        return alias if isinstance(alias, str) and alias else None

    @property
    def serialization_alias(self) -> str | None:
        return self.field_info.serialization_alias or None

    @property
    def required(self) -> bool:
        return self.field_info.is_required()

    @property
    def default(self) -> Any:
        return self.get_default()

    @property
    def type_(self) -> Any:
        return self.field_info.annotation

    def get_default(self) -> Any:
        if self.field_info.is_required():
            return Undefined
        return self.field_info.get_default(call_default_factory=True)

    def validate(
        self, value: Any, values: dict[str, Any] | None = None, *, loc: tuple[int | str, ...] = ()
    ) -> tuple[Any, list[dict[str, Any]]]:
        try:
            return self._type_adapter.validate_python(value, from_attributes=True), []
        except ValidationError as exc:
            return None, prefix_error_locations(exc.errors(include_url=False), loc)

    def serialize(
        self,
        value: Any,
        *,
        mode: Literal["json", "python"] = "json",
        include: IncEx | None = None,
        exclude: IncEx | None = None,
        by_alias: bool = True,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
    ) -> Any:
        return self._type_adapter.dump_python(
            value,
            mode=mode,
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
        )

    def serialize_json(
        self,
        value: Any,
        *,
        include: IncEx | None = None,
        exclude: IncEx | None = None,
        by_alias: bool = True,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
    ) -> bytes:
        return self._type_adapter.dump_json(
            value,
            include=include,
            exclude=exclude,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
        )

    def __hash__(self) -> int:
        # Fields are identified by object identity (as in FastAPI), not by value.
        return id(self)


def copy_field_info(field_info: FieldInfo, annotation: Any) -> FieldInfo:
    """A copy of *field_info* whose annotation and metadata come from ``Annotated`` *annotation*."""
    merged = type(field_info).from_annotation(annotation)
    copied = copy(field_info)
    for name, value in field_info_asdict(merged)["attributes"].items():
        setattr(copied, name, value)
    copied._attributes_set = merged._attributes_set.copy()
    copied.metadata = merged.metadata
    copied.annotation = merged.annotation
    return copied


def missing_field_error(loc: tuple[int | str, ...]) -> dict[str, Any]:
    return {"type": "missing", "loc": loc, "msg": "Field required", "input": None}


_model_fields_cache: dict[type[Any], list[ModelField]] = {}


def model_fields_of(model: type[Any]) -> list[ModelField]:
    """One ``ModelField`` per field of a pydantic *model* (cached: models are immutable classes)."""
    cached = _model_fields_cache.get(model)
    if cached is not None:
        return cached
    import dataclasses

    from pydantic import BaseModel

    from .annotations import lenient_issubclass

    fields = []
    for name, info in model.model_fields.items():
        nested = lenient_issubclass(info.annotation, (BaseModel, dict)) or dataclasses.is_dataclass(info.annotation)
        fields.append(ModelField(field_info=info, name=name, config=None if nested else model.model_config))
    _model_fields_cache[model] = fields
    return fields


INVALID_RESPONSE_TYPE_MESSAGE = (
    "Invalid args for response field! Hint: check that {type_} is a valid Pydantic field type. "
    "If you are using a return type annotation that is not a valid Pydantic field (e.g. Union[Response, dict, None]) "
    "you can disable generating the response model from the type annotation with the path operation decorator "
    "parameter response_model=None. Read more: https://fastapi.tiangolo.com/tutorial/response-model/"
)


def create_model_field(
    name: str,
    type_: Any,
    default: Any = PydanticUndefined,
    field_info: FieldInfo | None = None,
    alias: str | None = None,
    mode: Literal["validation", "serialization"] = "validation",
) -> ModelField:
    """A ``ModelField`` for *type_*, with FastAPI's error when the type cannot be validated."""
    plain = field_info is None and default is PydanticUndefined and alias is None
    if plain:
        shared = _field_of_type(name, type_, mode)
        if shared is not None:
            return shared
    from pydantic import PydanticSchemaGenerationError

    from ..exceptions import FastAPIError, PydanticV1NotSupportedError
    from .annotations import annotation_is_pydantic_v1

    is_v1 = annotation_is_pydantic_v1(type_)
    if is_v1:
        raise PydanticV1NotSupportedError(
            f"pydantic.v1 models are no longer supported by FastAPI. Please update the response model {type_!r}."
        )
    field_info = field_info or FieldInfo(annotation=type_, default=default, alias=alias)
    try:
        field = ModelField(mode=mode, name=name, field_info=field_info)
    except PydanticSchemaGenerationError:
        raise FastAPIError(INVALID_RESPONSE_TYPE_MESSAGE.format(type_=type_)) from None
    key = _type_key(type_, mode) if plain else None
    if key is not None:
        _fields_of_type[key] = copy(field)
    return field


# (type, mode) -> a field declared with nothing but that type. Response models repeat
# across routes (and across the copies include_router makes); a new field for one of
# them copies this one, adapter included, instead of describing the type again.
_fields_of_type: dict[Any, ModelField] = {}


def _type_key(type_: Any, mode: str) -> Any:
    key = (type_, type(type_), mode)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _field_of_type(name: str, type_: Any, mode: str) -> ModelField | None:
    key = _type_key(type_, mode)
    prototype = _fields_of_type.get(key) if key is not None else None
    if prototype is None:
        return None
    field = copy(prototype)
    field.name = name
    field.field_info = FieldInfo(annotation=type_)
    return field
