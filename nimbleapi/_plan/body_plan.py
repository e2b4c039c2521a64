"""A route's request body, as every reader of the request sees it.

Input: the body parameters of the route's ``Dependant`` tree and ``route.body_field``
(the one field describing the whole body). Output: frozen plans holding each body
decision once: the keys each field is read by, which fields are form models, whether
the route embeds its fields under their own keys or a node's one field takes the whole
body, form or JSON, and the media type. The compiled body readers and the OpenAPI
generator read these plans; neither decides again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from .. import params
from ..dependencies.models import Dependant
from .body import flat_body_params, form_models, should_embed_body_fields, takes_whole_body
from .fields import ModelField
from .request_keys import reads_sequence, request_keys

DEFAULT_BODY_MEDIA_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class BodyFieldPlan:
    """One body parameter and how the body supplies it."""

    field: ModelField
    aliases: tuple[str, ...]  # the keys of an embedded JSON object or of a form, tried in order
    is_sequence: bool  # a form field reads every value of its key
    form_models: tuple[type[BaseModel], ...]  # a flat form model (or union of them): read from the form's keys


@dataclass(frozen=True, slots=True)
class NodeBodyPlan:
    """The body parameters of one node of the dependency tree."""

    fields: tuple[BodyFieldPlan, ...]
    whole: bool  # the node's one field is validated from the whole body


@dataclass(frozen=True, slots=True)
class BodyPlan:
    """The request body of a route."""

    field: ModelField | None  # the whole body's description (``route.body_field``); None: no body
    fields: tuple[BodyFieldPlan, ...]  # every body parameter of the tree, depth first
    embedded: bool  # each field under its own key of the body
    whole: bool  # the route's one body field is validated from the whole body
    is_form: bool  # read as a form (urlencoded or multipart), else as JSON
    media_type: str
    required: bool


def plan_body_field(field: ModelField) -> BodyFieldPlan:
    return BodyFieldPlan(
        field=field,
        aliases=tuple(alias for alias, _ in request_keys(field)),
        is_sequence=reads_sequence(field),
        form_models=tuple(form_models(field)),
    )


def plan_body_fields(fields: Sequence[ModelField]) -> tuple[BodyFieldPlan, ...]:
    return tuple(plan_body_field(field) for field in fields)


def plan_node_body(fields: Sequence[ModelField], embedded: bool) -> NodeBodyPlan:
    """How one node reads its body parameters, in a route that embeds them or not."""
    return NodeBodyPlan(fields=plan_body_fields(fields), whole=takes_whole_body(list(fields), embedded))


def plan_body(dependant: Dependant, body_field: ModelField | None, embedded: bool | None = None) -> BodyPlan:
    """The body plan of a route; *embedded* as the route resolved it (by default, from its tree)."""
    fields = flat_body_params(dependant)
    return described_body(body_field, plan_body_fields(fields), should_embed_body_fields(fields) if embedded is None else embedded)


def described_body(body_field: ModelField | None, fields: tuple[BodyFieldPlan, ...] = (), embedded: bool = False) -> BodyPlan:
    """The body plan read off ``body_field``, the one field describing the whole body."""
    info = body_field.field_info if body_field is not None else None
    return BodyPlan(
        field=body_field,
        fields=fields,
        embedded=embedded,
        whole=takes_whole_body([plan.field for plan in fields], embedded),
        is_form=isinstance(info, params.Form),
        media_type=getattr(info, "media_type", DEFAULT_BODY_MEDIA_TYPE),
        required=info is not None and info.is_required(),
    )
