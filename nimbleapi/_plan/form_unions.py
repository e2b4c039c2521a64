"""Unions of form models (``Annotated[A | B, Form()]``): one form, read by whichever model fits.

Each member reads the raw form entries by its own fields: a key repeated in the form is
a list for a member whose field takes a list and one value for a member whose field
takes one. Analysis puts that reshaping into the parameter's declared type, as FastAPI
does: every member becomes ``Annotated[Model, BeforeValidator(partial(normalize_form_model,
model=Model)), Tag(...)]``. Extensions find the members validated as form data by that
very function, and the compiled route validates with the parameter's own field.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.functional_validators import BeforeValidator
from pydantic.types import Tag
from starlette.datastructures import FormData

from .annotations import is_union, lenient_issubclass
from .raw_values import form_items, model_keys

NoneType = type(None)


def form_union_models(annotation: Any) -> list[type[BaseModel]]:
    """The models of ``A | B [| None]`` (two or more models, nothing else), else []."""
    if not is_union(annotation):
        return []
    models: list[type[BaseModel]] = []
    for arg in get_args(annotation):
        if arg is NoneType:
            continue
        if get_origin(arg) is Annotated:
            arg = get_args(arg)[0]
        if not lenient_issubclass(arg, BaseModel):
            return []
        models.append(arg)
    # ``Model | None`` is a single (optional) form model, not a union.
    return models if len(models) > 1 else []


def normalize_form_model(value: Any, *, model: type[BaseModel]) -> Any:
    """Reshape raw form entries (repeated keys as lists) the way *model*'s fields read them."""
    if not isinstance(value, dict):
        return value
    entries = FormData(
        [(key, item) for key, items in value.items() for item in (items if isinstance(items, list) else [items])]
    )
    shaped = {alias: item for alias, item, _ in form_items(model_keys(model), entries)}
    # A validator may put None or [] in; a browser cannot, and they must reach the model as given.
    for key, item in value.items():
        if item is None or (isinstance(item, list) and not item):
            shaped[key] = item
    return shaped


def form_union_annotation(annotation: Any) -> Any:
    """``A | B`` where each member first reshapes the raw form entries with ``normalize_form_model``.

    The reshaping happens inside the union, per member. A ``Tag`` keeps error locations
    naming the member (the model name, or the tag the user gave).
    """
    choices: list[Any] = []
    for choice in get_args(annotation):
        if choice is NoneType:
            choices.append(choice)
            continue
        model: Any = choice
        metadata: list[Any] = []
        if get_origin(choice) is Annotated:
            model, *metadata = get_args(choice)
        tag = next((item for item in reversed(metadata) if isinstance(item, Tag)), Tag(model.__name__))
        choices.append(Annotated[choice, BeforeValidator(partial(normalize_form_model, model=model)), tag])
    return Union[tuple(choices)]  # noqa: UP007
