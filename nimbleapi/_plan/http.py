"""Facts about HTTP paths and statuses that analysis, compilation and the OpenAPI document
share (``nimbleapi.utils`` serves them at FastAPI's names)."""

from __future__ import annotations

import re
from typing import Any

_BODYLESS_STATUS_CODES = frozenset({204, 205, 304})
_OPENAPI_STATUS_PATTERNS = frozenset({"default", "1XX", "2XX", "3XX", "4XX", "5XX"})


def is_body_allowed_for_status_code(status_code: int | str | None) -> bool:
    """Whether a response with this status may carry a body (1xx, 204, 205 and 304 may not)."""
    if status_code is None or status_code in _OPENAPI_STATUS_PATTERNS:
        return True
    code = int(status_code)
    return code >= 200 and code not in _BODYLESS_STATUS_CODES


def get_path_param_names(path: str) -> set[str]:
    return set(re.findall("{(.*?)}", path))


def deep_dict_update(main_dict: dict[Any, Any], update_dict: dict[Any, Any]) -> None:
    """Merge *update_dict* into *main_dict*: nested dicts merged, lists concatenated."""
    for key, value in update_dict.items():
        current = main_dict.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            deep_dict_update(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            main_dict[key] = current + value
        else:
            main_dict[key] = value
