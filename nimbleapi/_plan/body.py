"""The request body of a route: which body parameters exist and how the body is shaped.

FastAPI's rule: a single body parameter *is* the body, unless it is embedded
(``Body(embed=True)``, several body parameters, or a plain form field); then the body is
an object with one key per parameter. ``body_field`` is the single field describing the
whole body (for OpenAPI and for choosing JSON vs form parsing).
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, create_model

from .. import params
from ..dependencies.models import Dependant
from .annotations import is_union, lenient_issubclass, strip_annotated
from .fields import ModelField


def flat_body_params(dependant: Dependant) -> list[ModelField]:
    """Body parameters of the whole tree, depth first in declaration order."""
    found: list[ModelField] = []
    pending = [dependant]
    while pending:
        node = pending.pop()
        found.extend(node.body_params)
        pending.extend(reversed(node.dependencies))
    return found


def form_models(field: ModelField) -> list[type[BaseModel]]:
    """Models a form parameter is made of (``Annotated[Model, Form()]``, unions of models)."""
    if not isinstance(field.field_info, params.Form):
        return []
    annotation = strip_annotated(field.field_info.annotation)
    candidates = [strip_annotated(arg) for arg in get_args(annotation)] if is_union(annotation) else [annotation]
    models = [arg for arg in candidates if lenient_issubclass(arg, BaseModel)]
    others = [arg for arg in candidates if arg is not type(None) and not lenient_issubclass(arg, BaseModel)]
    return [] if others else models


def should_embed_body_fields(fields: list[ModelField]) -> bool:
    if not fields:
        return False
    if len({field.name for field in fields}) > 1:
        return True
    first = fields[0]
    if form_models(first) and any(
        not form_models(field) or field.field_info.annotation is not first.field_info.annotation for field in fields[1:]
    ):
        return True
    if getattr(first.field_info, "embed", None):
        return True
    return (
        isinstance(first.field_info, params.Form)
        and not lenient_issubclass(first.field_info.annotation, BaseModel)
        and not form_models(first)
    )


def create_body_model(*, fields: list[ModelField], model_name: str, config: ConfigDict | None = None) -> type[BaseModel]:
    definitions: dict[str, Any] = {field.name: (field.field_info.annotation, field.field_info) for field in fields}
    return create_model(model_name, __config__=config, **definitions)


def build_body_field(*, body_params: list[ModelField], name: str, embed_body_fields: bool) -> ModelField | None:
    """The one field describing the whole request body (FastAPI's ``route.body_field``)."""
    if not body_params:
        return None
    first = body_params[0]
    if not embed_body_fields:
        return first
    body_model = create_body_model(fields=_unique_by_name(body_params), model_name="Body_" + name)
    required = any(field.field_info.is_required() for field in body_params)
    kwargs: dict[str, Any] = {"annotation": body_model, "alias": "body"}
    if not required:
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
    return ModelField(name="body", field_info=declaration(**kwargs))


def _unique_by_name(fields: list[ModelField]) -> list[ModelField]:
    seen: dict[str, ModelField] = {}
    for field in fields:
        seen.setdefault(field.name, field)
    return list(seen.values())
