"""The whole OpenAPI 3.1 document: info, servers, paths, webhooks, components, tags.

Input: the application's routes and webhooks plus its metadata.
Output: a JSON-ready ``dict``, validated through ``nimbleapi.openapi.models.OpenAPI``
(which also fixes the order of keys) and encoded with aliases, ``None`` left out.
Built once per application and cached by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._encoders import jsonable_encoder
from .paths import DocumentContext, generate_path_item
from .routes import RoutePlans, fields_of_api_routes, iter_api_routes, served_form
from .schemas import build_definitions, collect_flat_models, get_model_name_map


def build_info(
    *,
    title: str,
    version: str,
    summary: str | None = None,
    description: str | None = None,
    terms_of_service: str | None = None,
    contact: dict[str, Any] | None = None,
    license_info: dict[str, Any] | None = None,
) -> dict[str, Any]:
    info: dict[str, Any] = {"title": title, "version": version}
    optional = {
        "summary": summary,
        "description": description,
        "termsOfService": terms_of_service,
        "contact": contact,
        "license": license_info,
    }
    info.update({key: value for key, value in optional.items() if value})
    return info


class _Components:
    """Collects security schemes and schema definitions while paths are generated."""

    def __init__(self, definitions: dict[str, Any]) -> None:
        self.security_schemes: dict[str, Any] = {}
        self.definitions = definitions

    def add_paths(self, api_routes: Sequence[Any], context: DocumentContext) -> dict[str, dict[str, Any]]:
        """The path items of *api_routes* (routes ``iter_api_routes`` gave)."""
        paths: dict[str, dict[str, Any]] = {}
        for route in api_routes:
            path_item, security_schemes, definitions = generate_path_item(route, context)
            if path_item:
                paths.setdefault(route.path_format, {}).update(path_item)
            self.security_schemes.update(security_schemes)
            self.definitions.update(definitions)
        return paths

    def as_dict(self) -> dict[str, Any]:
        components: dict[str, Any] = {}
        if self.security_schemes:
            components["securitySchemes"] = self.security_schemes
        if self.definitions:
            components["schemas"] = {name: self.definitions[name] for name in sorted(self.definitions)}
        return components


def generate_openapi(
    *,
    info: dict[str, Any],
    openapi_version: str,
    routes: Sequence[Any],
    webhooks: Sequence[Any] | None = None,
    tags: list[dict[str, Any]] | None = None,
    servers: list[dict[str, Any]] | None = None,
    separate_input_output_schemas: bool = True,
    external_docs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    from ..openapi.models import OpenAPI

    # Walked once: each walk makes new route contexts, and the plans are kept per route object.
    api_routes = [served_form(route) for route in iter_api_routes(routes)]
    api_webhooks = [served_form(route) for route in iter_api_routes(webhooks or [])]
    plans = RoutePlans()
    fields = fields_of_api_routes([*api_routes, *api_webhooks], plans)
    field_mapping, definitions = build_definitions(fields, separate_input_output_schemas=separate_input_output_schemas)
    context = DocumentContext(
        field_mapping=field_mapping,
        model_name_map=get_model_name_map(collect_flat_models(fields)),
        separate_input_output_schemas=separate_input_output_schemas,
        plans=plans,
    )
    components = _Components(definitions)
    paths = components.add_paths(api_routes, context)
    webhook_paths = components.add_paths(api_webhooks, context)
    output: dict[str, Any] = {"openapi": openapi_version, "info": info}
    if servers:
        output["servers"] = servers
    if component_dict := components.as_dict():
        output["components"] = component_dict
    output["paths"] = paths
    if webhook_paths:
        output["webhooks"] = webhook_paths
    if tags:
        output["tags"] = tags
    if external_docs:
        output["externalDocs"] = external_docs
    return jsonable_encoder(OpenAPI(**output), by_alias=True, exclude_none=True)  # type: ignore[no-any-return]
