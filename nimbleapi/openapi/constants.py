"""Constants shared by the OpenAPI generator."""

from __future__ import annotations

from .._plan.openapi_constants import METHODS_WITH_BODY as METHODS_WITH_BODY
from .._plan.openapi_constants import REF_PREFIX as REF_PREFIX
from .._plan.openapi_constants import REF_TEMPLATE as REF_TEMPLATE
