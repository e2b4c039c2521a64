"""Security schemes (``components/securitySchemes``) and an operation's ``security`` list.

Input: the security dependencies found in an operation's ``Dependant`` tree, each with
the OAuth2 scopes accumulated down to it.
Output: the scheme definitions by name, and one requirement per scheme with the
scopes of every use of that scheme merged in order.
"""

from __future__ import annotations

from typing import Any

from .._plan.callables import unwrapped_call
from ..dependencies.models import Dependant
from .._encoders import jsonable_encoder
from .inputs import merge_unique


def get_openapi_security_definitions(
    security_dependencies: list[tuple[Dependant, list[str]]],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    definitions: dict[str, Any] = {}
    scopes_by_scheme: dict[str, list[str]] = {}
    for dependant, oauth_scopes in security_dependencies:
        scheme = unwrapped_call(dependant.call)
        name = scheme.scheme_name
        definitions[name] = jsonable_encoder(scheme.model, by_alias=True, exclude_none=True)
        merge_unique(scopes_by_scheme.setdefault(name, []), oauth_scopes)
    requirements = [{name: scopes} for name, scopes in scopes_by_scheme.items()]
    return definitions, requirements
