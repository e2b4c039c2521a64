"""One path, query, header or cookie parameter, as every reader of the request sees it.

Input: a parameter's ``ModelField`` (as analysis made it, or as an extension edited it
into ``route.dependant``) and its location. Output: a frozen ``ParamPlan`` holding each
per-field decision once: the request keys (aliases, alias choices and
``convert_underscores`` applied), the name OpenAPI documents, scalar or sequence,
required or not, and, for a parameter model, one plan per model field. The compiled
readers and the OpenAPI generator both read these plans; neither decides again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .fields import ModelField, model_fields_of
from .request_keys import param_model, param_request_keys, reads_sequence, request_keys

RequestKey = tuple[str, str]  # (validation alias, key read from the request)


@dataclass(frozen=True, slots=True)
class ParamPlan:
    """A parameter (or one field of a parameter model) and how a request supplies it."""

    field: ModelField  # validates the value; its ``name`` is the argument's name
    location: str  # "path", "query", "header" or "cookie"
    keys: tuple[RequestKey, ...]  # tried in order; the first present one is read
    documented: RequestKey  # (schema alias, parameter name) in the OpenAPI document
    is_sequence: bool  # every value of the key (``getlist``), not the first
    required: bool
    include_in_schema: bool = True
    model: type[Any] | None = None  # set for a parameter model (``Annotated[Model, Query()]``)
    members: tuple[ParamPlan, ...] = ()  # the model's fields, each read by its own keys

    @property
    def name(self) -> str:
        return self.field.name


def plan_param(field: ModelField, location: str) -> ParamPlan:
    """The plan of one declared parameter."""
    model = param_model(field)
    members: tuple[ParamPlan, ...] = ()
    if model is not None:
        # An optional parameter model makes each of its fields optional.
        optional = field.field_info.annotation is not model and not field.required
        members = tuple(_member_plan(member, location, field, optional) for member in model_fields_of(model))
    return ParamPlan(
        field=field,
        location=location,
        # A plain header parameter's alias already holds its hyphenated name (analysis set it).
        keys=tuple(request_keys(field)),
        documented=param_request_keys(field, location, field)[0],
        is_sequence=reads_sequence(field),
        required=field.field_info.is_required(),
        include_in_schema=getattr(field.field_info, "include_in_schema", True),
        model=model,
        members=members,
    )


def _member_plan(member: ModelField, location: str, parent: ModelField, optional: bool) -> ParamPlan:
    keys = tuple(param_request_keys(member, location, parent))
    return ParamPlan(
        field=member,
        location=location,
        keys=keys,
        documented=keys[0],
        is_sequence=reads_sequence(member),
        required=member.field_info.is_required() and not optional,
    )


def plan_params(fields: Sequence[ModelField], location: str) -> tuple[ParamPlan, ...]:
    """The plans of a node's parameters of one location, in declaration order."""
    return tuple(plan_param(field, location) for field in fields)


def documented_params(plans: Sequence[ParamPlan]) -> list[ParamPlan]:
    """What OpenAPI lists for *plans*: each parameter model's fields in its place."""
    return [flat for plan in plans for flat in (plan.members if plan.model is not None else (plan,))]
