"""Parsing urlencoded and multipart bodies with Starlette (python-multipart), within limits."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from pydantic import ConfigDict, NonNegativeInt, TypeAdapter, with_config
from starlette.datastructures import FormData
from starlette.requests import Request
from typing_extensions import TypedDict


@with_config(ConfigDict(strict=True, extra="forbid"))
class FormLimits(TypedDict, total=False):
    """Limits for parsing ``Form``/``File``/``UploadFile`` parameters."""

    max_fields: NonNegativeInt
    max_files: NonNegativeInt
    max_part_size: NonNegativeInt


_form_limits_adapter = TypeAdapter(FormLimits)


def validate_form_limits(limits: FormLimits | dict[str, Any] | None) -> FormLimits:
    return {} if limits is None else _form_limits_adapter.validate_python(limits)


async def read_form(request: Request, limits: FormLimits | None) -> FormData:
    """Parse the form; its files are closed when the request's exit stack closes."""
    form = await request.form(**(limits or {}))
    stack = request.scope.get("fastapi_inner_astack")
    if isinstance(stack, AsyncExitStack):
        stack.push_async_callback(form.close)
    return form
