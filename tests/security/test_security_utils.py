"""get_authorization_scheme_param."""

from __future__ import annotations

import pytest

from nimbleapi.security.utils import get_authorization_scheme_param


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ("", "")),
        ("", ("", "")),
        ("Bearer", ("Bearer", "")),
        ("Bearer abc", ("Bearer", "abc")),
        ("Bearer   abc def  ", ("Bearer", "abc def")),
        ("basic a:b", ("basic", "a:b")),
    ],
)
def test_splits_scheme_from_parameter(value: str | None, expected: tuple[str, str]) -> None:
    assert get_authorization_scheme_param(value) == expected
