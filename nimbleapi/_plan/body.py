"""The request body of a route: which body parameters exist and how the body is shaped.

FastAPI's rule: a single body parameter *is* the body, unless it is embedded
(``Body(embed=True)``, several body parameters, or a plain form field); then the body is
an object with one key per parameter. ``body_field`` is the single field describing the
whole body (for OpenAPI and for choosing JSON vs form parsing).

Form models (``Annotated[Model, Form()]``, unions of models) are flat: their fields sit
next to the other form fields in one form. The generated ``Body_*`` model then keeps one
numbered property per parameter, and its ``json_schema_extra`` rewrites the JSON Schema
into that flat shape (models merged with ``allOf``, optional groups as "absent or valid").
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy, deepcopy
from functools import partial
from typing import Annotated, Any, Union, cast, get_args

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    GetJsonSchemaHandler,
    create_model,
)
from pydantic.types import GetPydanticSchema
from pydantic_core import CoreSchema

from .. import params
from ..dependencies.models import Dependant
from .annotations import lenient_issubclass, optional_model_type
from .fields import ModelField, model_fields_of
from .form_unions import form_union_models
from .request_keys import is_json_field, request_keys

NoneType = type(None)


def flat_body_params(dependant: Dependant) -> list[ModelField]:
    """Body parameters of the whole tree, depth first in declaration order."""
    found: list[ModelField] = []
    pending = [dependant]
    while pending:
        node = pending.pop()
        found.extend(node.body_params)
        pending.extend(reversed(node.dependencies))
    return found


def embeds_body_fields(dependant: Dependant) -> bool:
    """Whether the route of *dependant* reads each body field under its own key of the body
    (``should_embed_body_fields`` of the whole tree's body fields)."""
    return should_embed_body_fields(flat_body_params(dependant))


def takes_whole_body(fields: list[ModelField], embed_body_fields: bool) -> bool:
    """Whether a node's body fields are one field validated from the whole body: one field,
    the route embeds nothing, and it is not a form model (read from the form's keys)."""
    return len(fields) == 1 and not embed_body_fields and not should_embed_body_fields(fields) and not form_models(fields[0])


def form_models(field: ModelField) -> list[type[BaseModel]]:
    """Models a flat form parameter is made of (``Annotated[Model, Form()]``, unions of models)."""
    info = field.field_info
    if not isinstance(info, params.Form) or getattr(info, "embed", None) or is_json_field(field):
        return []
    model = optional_model_type(info.annotation)
    if model is not None:
        return [model]
    return form_union_models(info.annotation)


def single_form_model(field: ModelField) -> type[BaseModel] | None:
    models = form_models(field)
    return models[0] if len(models) == 1 else None


def is_nullable_form_group(field: ModelField) -> bool:
    return bool(form_models(field)) and NoneType in get_args(field.field_info.annotation)


def should_embed_body_fields(fields: list[ModelField]) -> bool:
    if not fields:
        return False
    # The same parameter reached through several dependencies counts once.
    if len({field.name for field in fields}) > 1:
        return True
    first = fields[0]
    # Dependencies may use one parameter name for different form models.
    if form_models(first) and any(
        not form_models(field) or field.field_info.annotation is not first.field_info.annotation for field in fields[1:]
    ):
        return True
    if getattr(first.field_info, "embed", None):
        return True
    # A lone form field needs its key; only a form model (or union of them) is the whole form.
    return (
        isinstance(first.field_info, params.Form)
        and not lenient_issubclass(first.field_info.annotation, BaseModel)
        and not form_models(first)
    )


def create_body_model(*, fields: Sequence[ModelField], model_name: str, config: ConfigDict | None = None) -> type[BaseModel]:
    definitions: dict[str, Any] = {field.name: (field.field_info.annotation, field.field_info) for field in fields}
    return create_model(model_name, __config__=config, **definitions)


def build_body_field(*, body_params: list[ModelField], name: str, embed_body_fields: bool) -> ModelField | None:
    """The one field describing the whole request body (FastAPI's ``route.body_field``)."""
    if not body_params:
        return None
    first = body_params[0]
    if not embed_body_fields and not any(is_nullable_form_group(field) for field in body_params):
        return first
    fields = _unique_by_name(body_params)
    config: ConfigDict | None = None
    if any(form_models(field) for field in body_params):
        fields = [_numbered_form_field(index, field) for index, field in enumerate(body_params)]
        config = {"json_schema_extra": partial(_flatten_form_body_schema, body_params)}
    body_model = create_body_model(fields=fields, model_name="Body_" + name, config=config)
    if not embed_body_fields:
        # A lone optional form group: its own declaration, described by the flat model.
        info = copy(first.field_info)
        info.annotation = body_model
        info.metadata = []
        info.discriminator = None
        return ModelField(name=first.name, field_info=info)
    return ModelField(name="body", field_info=_embedded_body_info(body_params, body_model))


def _embedded_body_info(body_params: list[ModelField], body_model: type[BaseModel]) -> params.Body:
    kwargs: dict[str, Any] = {"annotation": body_model, "alias": "body"}
    if not any(field.field_info.is_required() for field in body_params):
        kwargs["default"] = None
    if any(isinstance(field.field_info, params.File) for field in body_params):
        declaration: type[params.Body] = params.File
    elif any(isinstance(field.field_info, params.Form) for field in body_params):
        declaration = params.Form
    else:
        declaration = params.Body
    if declaration is not params.File:
        media_types = [field.field_info.media_type for field in body_params if isinstance(field.field_info, declaration)]
        if declaration is params.Form and "multipart/form-data" in media_types:
            kwargs["media_type"] = "multipart/form-data"
        elif len(set(media_types)) == 1:
            kwargs["media_type"] = media_types[0]
    return declaration(**kwargs)


def _unique_by_name(fields: list[ModelField]) -> list[ModelField]:
    seen: dict[str, ModelField] = {}
    for field in fields:
        seen.setdefault(field.name, field)
    return list(seen.values())


def _numbered_form_field(index: int, field: ModelField) -> ModelField:
    """Parameter *index* as property ``field_<index>``: several parameters may share a name."""
    info = copy(field.field_info)
    model: Any = single_form_model(field)
    if model is not None:
        described = Annotated[model, GetPydanticSchema(get_pydantic_json_schema=partial(_form_model_schema, model))]
        info.annotation = cast(Any, described if info.annotation is model else Union[described, None])  # noqa: UP007
    info.alias = info.validation_alias = info.serialization_alias = f"field_{index}"
    info.title = info.title or field.name.replace("_", " ").title()
    return ModelField(name=f"field_{index}", field_info=info)


def _request_names(field: ModelField) -> list[str]:
    # The form keys a field is read from: the same rule the request path reads them with.
    return [alias for alias, _ in request_keys(field)]


def _form_model_schema(model: type[BaseModel], core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
    """The model's schema, with properties named by the form keys actually read."""
    schema = handler(core_schema)
    model_schema = handler.resolve_ref_schema(schema)
    properties = model_schema.get("properties", {})
    required = model_schema.get("required", [])
    renamed: dict[str, list[str]] = {}
    for field in model_fields_of(model):
        validation_alias = field.field_info.validation_alias
        schema_name = validation_alias.choices[0] if isinstance(validation_alias, AliasChoices) else field.validation_alias or field.alias
        names = _request_names(field)
        differs = names[0] != schema_name or (len(names) > 1 and schema_name in required)
        if isinstance(schema_name, str) and schema_name in properties and differs:
            renamed[schema_name] = names
    if not renamed:
        return schema
    # A copy: the shared component schema of the model stays as pydantic made it.
    model_schema = deepcopy(model_schema)
    model_schema["properties"] = {renamed.get(name, [name])[0]: value for name, value in model_schema["properties"].items()}
    model_schema["required"] = []
    for name in required:
        names = renamed.get(name, [name])
        if len(names) == 1:
            model_schema["required"].append(names[0])
        else:
            model_schema.setdefault("allOf", []).append({"anyOf": [{"required": [option]} for option in names]})
    return model_schema


def _flatten_form_body_schema(body_params: list[ModelField], schema: dict[str, Any]) -> None:
    """Rewrite ``{field_0: ..., field_1: ...}`` into one flat form: plain fields as properties, models in ``allOf``."""
    numbered = schema.pop("properties")
    schema.pop("required", None)
    properties: dict[str, Any] = {}
    required: list[str] = []
    conditions: list[dict[str, Any]] = []
    for index, param in enumerate(body_params):
        field_schema = numbered[f"field_{index}"]
        models = form_models(param)
        if not models:
            alias = _request_names(param)[0]
            if alias in properties:
                conditions.append({"properties": {alias: field_schema}})
            else:
                properties[alias] = field_schema
            if param.field_info.is_required() and alias not in required:
                required.append(alias)
            continue
        field_schema.pop("default", None)
        if NoneType in get_args(param.field_info.annotation):
            field_schema = _optional_group_schema(param, models, field_schema, conditions)
        conditions.append(field_schema)
    if properties:
        schema["properties"] = properties
    if required:
        schema["required"] = required
    schema["allOf"] = conditions


def _optional_group_schema(
    param: ModelField, models: list[type[BaseModel]], field_schema: dict[str, Any], conditions: list[dict[str, Any]]
) -> dict[str, Any]:
    """A nullable form group is left out by sending none of its fields, never by a ``null`` body."""
    field_schema["anyOf"] = [choice for choice in field_schema["anyOf"] if choice.get("type") != "null"]
    absent: dict[str, Any]
    if any(model.model_config.get("extra") in ("allow", "forbid") for model in models):
        absent = {"maxProperties": 0}
    else:
        names = sorted({name for model in models for item in model_fields_of(model) for name in _request_names(item)})
        absent = {"not": {"anyOf": [{"required": [name]} for name in names]}} if names else {}
    if param.field_info.is_required():
        conditions.append({"not": absent})
        return field_schema
    return {"anyOf": [absent, field_schema]}

