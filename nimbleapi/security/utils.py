"""Helpers shared by the security schemes."""

from __future__ import annotations


def get_authorization_scheme_param(
    authorization_header_value: str | None,
) -> tuple[str, str]:
    """Split an ``Authorization`` header into ``(scheme, parameter)``.

    ``"Bearer  abc "`` gives ``("Bearer", "abc")``; a missing or empty header
    gives ``("", "")``. The scheme keeps its case: callers compare it
    case-insensitively, as RFC 9110 asks.
    """
    if not authorization_header_value:
        return "", ""
    scheme, _, param = authorization_header_value.partition(" ")
    return scheme, param.strip()
