"""Reading query strings: the pairs Starlette's ``QueryParams`` would read."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from nimbleapi._compile.params import parse_query_string


@pytest.mark.parametrize(
    "query",
    [
        b"",
        b"a=1",
        b"a=1&b=2&a=3",
        b"a&b=&=c&&d==e",
        b"q=hello%20world&x=%E2%82%AC",
        b"q=a+b",
        b"bad=%zz&broken=%E2%82",
        b"semi=1;2",
        "caf\u00e9=\u00e9".encode(),
        b"?a=1#frag",
    ],
)
def test_query_pairs_match_starlettes_parsing(query: bytes) -> None:
    assert parse_query_string(query) == parse_qsl(query.decode("latin-1"), keep_blank_values=True)
