"""Starlette's private API that nimbleapi relies on, imported here and nowhere else.

Starlette may change these between releases without notice; keeping them in one module
means one place to adapt. (Not under ``nimbleapi._compat``: that package is FastAPI's
``fastapi._compat`` and loads Pydantic helpers that a served request never needs.)
"""

from __future__ import annotations

from starlette._exception_handler import wrap_app_handling_exceptions as wrap_app_handling_exceptions
from starlette._utils import get_route_path as get_route_path
from starlette._utils import is_async_callable as is_async_callable
