"""Classifying type annotations: scalar, sequence, model, file... (pure functions, start-up only)."""

from __future__ import annotations

import dataclasses
import functools
import sys
import types
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from starlette.datastructures import UploadFile

UNION_ORIGINS = (Union, types.UnionType)
SEQUENCE_TYPES: tuple[type[Any], ...] = (list, set, frozenset, tuple, deque, Sequence)
# The concrete type a value declared as each sequence type is rebuilt as (an abstract
# ``Sequence`` becomes a list).
SEQUENCE_BUILDERS: dict[Any, type[Any]] = {Sequence: list, list: list, tuple: tuple, set: set, frozenset: frozenset, deque: deque}


def lenient_issubclass(cls: Any, parents: type[Any] | tuple[type[Any], ...]) -> bool:
    try:
        return isinstance(cls, type) and issubclass(cls, parents)
    except TypeError:  # generic aliases such as list[int]
        return False


def strip_annotated(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def is_union(annotation: Any) -> bool:
    return get_origin(annotation) in UNION_ORIGINS


def _is_sequence_type(annotation: Any) -> bool:
    if lenient_issubclass(annotation, (str, bytes)):
        return False
    return lenient_issubclass(annotation, SEQUENCE_TYPES)


def _is_complex_type(annotation: Any) -> bool:
    return (
        lenient_issubclass(annotation, (BaseModel, Mapping, UploadFile))
        or _is_sequence_type(annotation)
        or dataclasses.is_dataclass(annotation)
    )


def field_annotation_is_complex(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in UNION_ORIGINS:
        return any(field_annotation_is_complex(arg) for arg in get_args(annotation))
    if origin is Annotated:
        return field_annotation_is_complex(get_args(annotation)[0])
    return (
        _is_complex_type(annotation)
        or _is_complex_type(origin)
        or hasattr(origin, "__pydantic_core_schema__")
        or hasattr(origin, "__get_pydantic_core_schema__")
    )


def field_annotation_is_scalar(annotation: Any) -> bool:
    return annotation is Ellipsis or not field_annotation_is_complex(annotation)


def field_annotation_is_sequence(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in UNION_ORIGINS:
        return any(field_annotation_is_sequence(arg) for arg in get_args(annotation) if arg is not type(None))
    if origin is Annotated:
        return field_annotation_is_sequence(get_args(annotation)[0])
    return _is_sequence_type(annotation) or _is_sequence_type(origin)


def field_annotation_is_scalar_sequence(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:
        return field_annotation_is_scalar_sequence(get_args(annotation)[0])
    if origin in UNION_ORIGINS:
        found_sequence = False
        for arg in get_args(annotation):
            if field_annotation_is_scalar_sequence(arg):
                found_sequence = True
            elif not field_annotation_is_scalar(arg):
                return False
        return found_sequence
    return field_annotation_is_sequence(annotation) and all(
        field_annotation_is_scalar(arg) for arg in get_args(annotation)
    )


def optional_model_type(annotation: Any) -> type[BaseModel] | None:
    """The model in ``Model`` or ``Model | None``, else None."""
    annotation = strip_annotated(annotation)
    if is_union(annotation):
        args = get_args(annotation)
        if len(args) == 2 and type(None) in args:
            annotation = next(arg for arg in args if arg is not type(None))
    return annotation if lenient_issubclass(annotation, BaseModel) else None


def _matches_or_optional(annotation: Any, predicate: Any) -> bool:
    annotation = strip_annotated(annotation)
    if predicate(annotation):
        return True
    if is_union(annotation):
        return any(predicate(strip_annotated(arg)) for arg in get_args(annotation) if arg is not type(None))
    return False


def is_uploadfile_or_nonable_uploadfile_annotation(annotation: Any) -> bool:
    return _matches_or_optional(annotation, lambda ann: lenient_issubclass(ann, UploadFile))


def is_uploadfile_sequence_annotation(annotation: Any) -> bool:
    def check(ann: Any) -> bool:
        return field_annotation_is_sequence(ann) and any(
            is_uploadfile_or_nonable_uploadfile_annotation(arg) for arg in get_args(ann)
        )

    return _matches_or_optional(annotation, check)


def is_bytes_or_nonable_bytes_annotation(annotation: Any) -> bool:
    return _matches_or_optional(annotation, lambda ann: lenient_issubclass(ann, bytes))


def is_bytes_sequence_annotation(annotation: Any) -> bool:
    def check(ann: Any) -> bool:
        return field_annotation_is_sequence(ann) and any(
            is_bytes_or_nonable_bytes_annotation(arg) for arg in get_args(ann)
        )

    return _matches_or_optional(annotation, check)


@functools.cache
def _pydantic_v1_model_class() -> type[Any] | None:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            from pydantic import v1
    except ImportError:  # pragma: no cover
        return None
    return v1.BaseModel


def is_pydantic_v1_model_instance(value: Any) -> bool:
    v1_model = _pydantic_v1_model_class() if "pydantic.v1" in sys.modules else None
    return v1_model is not None and isinstance(value, v1_model)


def rebuild_sequence(annotation: Any, value: Any) -> Any:
    """*value* as the concrete sequence type *annotation* declares (``Optional`` unwrapped)."""
    origin = get_origin(annotation) or annotation
    if origin in UNION_ORIGINS:
        member = next(arg for arg in get_args(annotation) if arg is not type(None))
        origin = get_origin(member) or member
    if not lenient_issubclass(origin, SEQUENCE_TYPES):
        raise AssertionError(f"{annotation!r} is not a sequence type")
    return SEQUENCE_BUILDERS[origin](value)


def _is_pydantic_v1_class(annotation: Any) -> bool:
    v1_model = _pydantic_v1_model_class()
    return v1_model is not None and lenient_issubclass(annotation, v1_model)


def annotation_is_pydantic_v1(annotation: Any) -> bool:
    """Whether a ``pydantic.v1`` model appears in the annotation, its union members or item types."""
    if "pydantic.v1" not in sys.modules:
        # No pydantic.v1 model can exist before pydantic.v1 is imported; the answer is
        # no without paying for that import or for walking the annotation.
        return False
    annotation = strip_annotated(annotation)
    if _is_pydantic_v1_class(annotation):
        return True
    if is_union(annotation) and any(_is_pydantic_v1_class(arg) for arg in get_args(annotation)):
        return True
    return field_annotation_is_sequence(annotation) and any(annotation_is_pydantic_v1(arg) for arg in get_args(annotation))
