"""Analysing one endpoint parameter: is it a dependency, a special object, or a request value?

Decides the parameter's location (path/query/header/cookie/body/form/file), its alias
and its validator, with FastAPI's inference rules and assertion messages.
"""

from __future__ import annotations

import logging

import dataclasses
import inspect
from copy import copy
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin

from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from starlette.background import BackgroundTasks as StarletteBackgroundTasks
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from .. import params
from ..exceptions import PydanticV1NotSupportedError, RouteDefinitionError
from .annotations import (
    annotation_is_pydantic_v1,
    field_annotation_is_scalar,
    field_annotation_is_scalar_sequence,
    is_uploadfile_or_nonable_uploadfile_annotation,
    is_uploadfile_sequence_annotation,
    lenient_issubclass,
    optional_model_type,
)
from .fields import ModelField, copy_field_info
from .form_unions import form_union_annotation, form_union_models
from .request_keys import converts_underscores
from .scopes import SecurityScopes

SPECIAL_TYPES = ("request", "websocket", "http_connection", "response", "background_tasks", "security_scopes")


def special_kind(annotation: Any) -> str | None:
    """Which framework-provided object a parameter of this type receives, if any."""
    kinds: tuple[tuple[str, Any], ...] = (
        ("request", Request),
        ("websocket", WebSocket),
        ("http_connection", HTTPConnection),
        ("response", Response),
        ("background_tasks", StarletteBackgroundTasks),
        ("security_scopes", SecurityScopes),
    )
    for kind, cls in kinds:
        if cls is not None and lenient_issubclass(annotation, cls):
            return kind
    return None


@dataclass
class ParamDetails:
    type_annotation: Any
    depends: params.Depends | None
    field: ModelField | None


def _declaration_from_annotated(param_name: str, annotation: Any, value: Any, is_path_param: bool) -> tuple[FieldInfo | None, params.Depends | None]:
    args = get_args(annotation)
    declarations = [arg for arg in args[1:] if isinstance(arg, (params.Param, params.Body, params.Depends))]
    if not declarations:
        return None, None
    last = declarations[-1]
    if isinstance(last, params.Depends):
        return None, last
    field_info = copy_field_info(last, annotation)
    if not (field_info.default is PydanticUndefined or field_info.default is ...):
        raise AssertionError(
            f"`{field_info.__class__.__name__}` default value cannot be set in"
            f" `Annotated` for {param_name!r}. Set the default value with `=` instead."
        )
    if value is not inspect.Signature.empty:
        if is_path_param:
            raise AssertionError(
                "Path parameters cannot have default values: remove the default, or move the parameter out "
                "of the path to make it an optional query parameter."
            )
        field_info.default = value
    else:
        field_info.default = PydanticUndefined
    return field_info, None


def _inferred_field_info(annotation: Any, type_annotation: Any, value: Any, is_path_param: bool) -> FieldInfo:
    default = value if value is not inspect.Signature.empty else PydanticUndefined
    field_info: FieldInfo
    if is_path_param:
        field_info = params.Path(annotation=annotation)
    elif is_uploadfile_or_nonable_uploadfile_annotation(type_annotation) or is_uploadfile_sequence_annotation(type_annotation):
        field_info = params.File(annotation=annotation, default=default)
    elif not field_annotation_is_scalar(type_annotation):
        field_info = params.Body(annotation=annotation, default=default)
    else:
        field_info = params.Query(annotation=annotation, default=default)
    if get_origin(annotation) is Annotated:
        inferred_default = field_info.default
        field_info = copy_field_info(field_info, annotation)
        field_info.default = inferred_default
        if is_path_param:
            field_info.default_factory = None
    return field_info


def analyze_param(*, param_name: str, annotation: Any, value: Any, path_param_names: set[str]) -> ParamDetails:
    """Classify one signature parameter (FastAPI's rules: Annotated, default value, then inference)."""
    is_path_param = param_name in path_param_names
    if hasattr(annotation, "__value__") and type(annotation).__name__ == "TypeAliasType":
        annotation = annotation.__value__
    use_annotation: Any = Any if annotation is inspect.Signature.empty else annotation
    type_annotation = use_annotation
    field_info: FieldInfo | None = None
    depends: params.Depends | None = None
    if get_origin(use_annotation) is Annotated:
        type_annotation = get_args(use_annotation)[0]
        field_info, depends = _declaration_from_annotated(param_name, use_annotation, value, is_path_param)
    if isinstance(value, params.Depends):
        if depends is not None:
            raise AssertionError(f"Cannot specify `Depends` in `Annotated` and default value together for {param_name!r}")
        if field_info is not None:
            raise AssertionError(
                "Cannot specify a FastAPI annotation in `Annotated` and `Depends` as a"
                f" default value together for {param_name!r}"
            )
        depends = value
    elif isinstance(value, FieldInfo):
        if field_info is not None:
            raise AssertionError(f"Cannot specify FastAPI annotations in `Annotated` and default value together for {param_name!r}")
        field_info = value
        field_info.annotation = type_annotation
    if depends is not None and depends.dependency is None:
        depends = dataclasses.replace(copy(depends), dependency=type_annotation)
    if depends is None and special_kind(type_annotation) is not None:
        if field_info is not None:
            raise AssertionError(f"Cannot specify FastAPI annotation for type {type_annotation!r}")
    elif field_info is None and depends is None:
        field_info = _inferred_field_info(use_annotation, type_annotation, value, is_path_param)
    field = _build_field(param_name, field_info, use_annotation, path_param_names) if field_info is not None else None
    return ParamDetails(type_annotation=type_annotation, depends=depends, field=field)


def _build_field(param_name: str, field_info: FieldInfo, annotation: Any, path_param_names: set[str]) -> ModelField:
    is_path_param = param_name in path_param_names
    if is_path_param:
        if not isinstance(field_info, params.Path):
            raise AssertionError(f"Cannot use `{field_info.__class__.__name__}` for path param {param_name!r}")
    elif isinstance(field_info, params.Param) and getattr(field_info, "in_", None) is None:
        field_info.in_ = params.ParamTypes.query
    if isinstance(field_info, params.Form):
        ensure_multipart_is_installed()
        if form_union_models(field_info.annotation):
            field_info.annotation = form_union_annotation(field_info.annotation)
    validation_alias = field_info.validation_alias
    if (
        isinstance(field_info, params.Path)
        and isinstance(validation_alias, AliasChoices)
        and all(isinstance(choice, str) for choice in validation_alias.choices)
    ):
        for choice in validation_alias.choices:
            if choice in path_param_names:
                field_info = copy(field_info)
                field_info.validation_alias = choice
                break
    if not field_info.alias and isinstance(field_info, params.Header) and converts_underscores("header", field_info):
        alias = param_name.replace("_", "-")
    else:
        alias = field_info.alias or param_name
    field_info.alias = alias
    if annotation_is_pydantic_v1(field_info.annotation):
        raise PydanticV1NotSupportedError(
            "pydantic.v1 models are no longer supported by FastAPI."
            f" Please update the param {param_name}: {field_info.annotation!r}."
        )
    try:
        field = ModelField(name=param_name, field_info=field_info)
    except Exception as exc:
        if exc.__class__.__name__ == "PydanticSchemaGenerationError":
            raise RouteDefinitionError(
                f"Invalid args for response field! Hint: check that {field_info.annotation} is a valid Pydantic field type. "
                "If you are using a return type annotation that is not a valid Pydantic field (e.g. Union[Response, dict, None]) "
                "you can disable generating the response model from the type annotation with the path operation decorator "
                "parameter response_model=None. Read more: https://fastapi.tiangolo.com/tutorial/response-model/"
            ) from None
        raise
    if is_path_param:
        if not field_annotation_is_scalar(field.field_info.annotation):
            raise AssertionError(
                "Path params must be of one of the supported types: a scalar such as int, str, UUID or an Enum. "
                "Declare lists and models as query or body parameters instead."
            )
    elif isinstance(field_info, params.Query):
        annotation_ = field.field_info.annotation
        if not (
            field_annotation_is_scalar(annotation_)
            or field_annotation_is_scalar_sequence(annotation_)
            or optional_model_type(annotation_) is not None
        ):
            raise AssertionError(
                f"Query parameter {param_name!r} must be one of the supported types: a scalar, a list of scalars "
                "or a pydantic model of scalars. Use Body() for nested data."
            )
    return field


MULTIPART_NOT_INSTALLED = (
    'Form data requires "python-multipart" to be installed. \n'
    'You can install "python-multipart" with: \n\n'
    "pip install python-multipart\n"
)
MULTIPART_INCORRECT_INSTALL = (
    'Form data requires "python-multipart" to be installed. '
    'It seems you installed "multipart" instead. \n'
    'You can remove "multipart" with: \n\n'
    "pip uninstall multipart\n\n"
    'And then install "python-multipart" with: \n\n'
    "pip install python-multipart\n"
)


def ensure_multipart_is_installed() -> None:
    """Fail at start-up, not at the first request, when a form route cannot be served."""
    # FastAPI's logger (``nimbleapi.logger.logger``): logging keeps one logger per name.
    logger = logging.getLogger("fastapi")

    try:
        from python_multipart import __version__

        assert __version__ > "0.0.12"
    except (ImportError, AssertionError):
        try:
            from multipart import __version__ as other_version

            assert other_version
            try:
                from multipart.multipart import parse_options_header

                assert parse_options_header
            except ImportError:
                logger.error(MULTIPART_INCORRECT_INSTALL)
                raise RuntimeError(MULTIPART_INCORRECT_INSTALL) from None
        except ImportError:
            logger.error(MULTIPART_NOT_INSTALLED)
            raise RuntimeError(MULTIPART_NOT_INSTALLED) from None
