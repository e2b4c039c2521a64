"""Constants the OpenAPI document and the schemas it holds share; public as
``nimbleapi.openapi.constants``. Kept here, below the generator, so schema generation
reads them without loading the generator's package."""

from __future__ import annotations

METHODS_WITH_BODY = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}
REF_PREFIX = "#/components/schemas/"
REF_TEMPLATE = "#/components/schemas/{model}"
