"""JSON in and out of the request path: byte for byte what the standard library gives,
with orjson installed and without it."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import math
import uuid
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from nimbleapi._compile import jsonio
from nimbleapi.encoders import jsonable_encoder
from nimbleapi.responses import JSONResponse


@pytest.fixture(params=["orjson", "json-only"])
def codec(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "json-only":
        monkeypatch.setattr(jsonio, "orjson_dumps", None)
        monkeypatch.setattr(jsonio, "orjson_loads", None)
    return str(request.param)


class Color(str, enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Model(BaseModel):
    name: str
    at: datetime.date


@dataclasses.dataclass
class Point:
    x: int
    y: float


class StrSubclass(str):
    pass


CONTENT = [
    pytest.param({"message": "Hello, World!"}, id="plain-dict"),
    pytest.param({"a": [1, 2, {"b": None, "c": True}], "d": ""}, id="nested"),
    pytest.param({"f": [1.5, 1e16, 1e-07, -0.0, 100.0]}, id="floats"),
    pytest.param({"big": 2**64, "small": -(2**63) - 1}, id="integers-past-64-bits"),
    pytest.param([[[[[[]]]]]], id="deep-lists"),
    pytest.param({"_sa_instance_state": 1, "kept": 2}, id="sqlalchemy-private-key"),
    pytest.param({1: "one", None: "none", 2.5: "float-key", False: "bool-key"}, id="non-string-keys"),
    pytest.param(("a", 1), id="tuple"),
    pytest.param("é\n\t\x00\u2028\U0001f600", id="unicode-and-control-characters"),
    pytest.param({"color": Color.RED, "level": Level.HIGH}, id="enums"),
    pytest.param({"model": Model(name="x", at=datetime.date(2020, 1, 2))}, id="model"),
    pytest.param({"point": Point(1, 2.5)}, id="dataclass"),
    pytest.param({"id": uuid.UUID(int=1), "when": datetime.datetime(2020, 1, 2, 3, 4, 5)}, id="uuid-datetime"),
    pytest.param({"s": StrSubclass("sub")}, id="str-subclass"),
    pytest.param({"set": {1}}, id="set"),
    pytest.param(None, id="none"),
    pytest.param(2**80, id="huge-integer"),
]


@pytest.mark.parametrize("content", CONTENT)
def test_untyped_content_is_rendered_as_json_response_renders_it(codec: str, content: Any) -> None:
    assert jsonio.encode_untyped(content) == JSONResponse(jsonable_encoder(content)).body


@pytest.mark.parametrize("content", [float("nan"), {"x": [float("inf")]}])
def test_out_of_range_floats_fail_as_json_response_fails(codec: str, content: Any) -> None:
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        JSONResponse(jsonable_encoder(content))
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        jsonio.encode_untyped(content)


BODIES = [
    pytest.param(b'{"a": 1, "b": [1.5, "x", null, true]}', id="object"),
    pytest.param(b'{"a": 1, "a": 2}', id="duplicate-keys"),
    pytest.param(b"18446744073709551616", id="integer-past-64-bits"),
    pytest.param(b'{"id": -9223372036854775809}', id="negative-integer-past-64-bits"),
    pytest.param(b"[1e400, -1e400]", id="infinite-literals"),
    pytest.param(b"NaN", id="nan"),
    pytest.param(b'"\\ud800"', id="escaped-lone-surrogate"),
    pytest.param(b'"\xed\xa0\x80"', id="raw-lone-surrogate"),
    pytest.param(b"\xef\xbb\xbf{}", id="byte-order-mark"),
    pytest.param('{"k": "é"}'.encode("utf-16"), id="utf-16"),
    pytest.param(b'{"a": 1,}', id="trailing-comma"),
    pytest.param(b'{"a": "\x00"}', id="raw-control-character"),
    pytest.param(b"\xff", id="not-utf-8"),
    pytest.param(b"", id="empty"),
    pytest.param(b"[" * 2000 + b"]" * 2000, id="deep-nesting"),
]


def _outcome(loads: Any, body: bytes) -> Any:
    try:
        value = loads(body)
    except (ValueError, RecursionError) as exc:
        details = (exc.msg, exc.pos) if isinstance(exc, json.JSONDecodeError) else str(exc)
        return ("error", type(exc), details)
    return ("value", _comparable(value))


def _comparable(value: Any) -> Any:
    """Values with their types, NaN made equal to itself."""
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    return (type(value), value)


@pytest.mark.parametrize("body", BODIES)
def test_request_bodies_are_read_as_json_loads_reads_them(codec: str, body: bytes) -> None:
    assert _outcome(jsonio.loads_json, body) == _outcome(json.loads, body)


def test_a_replaced_json_loads_reads_the_body(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json, "loads", lambda body: {"read by": "replacement"})
    assert jsonio.loads_json(b'{"a": 1}') == {"read by": "replacement"}


@pytest.mark.parametrize(
    "errors",
    [
        [{"type": "int_parsing", "loc": ("path", "item_id"), "msg": "Input should be a valid integer", "input": "abc"}],
        [{"type": "missing", "loc": ("body", "items", 0, "name"), "msg": "Field required", "input": {"price": 1.5}}],
        [{"type": "value_error", "loc": ("query", "q"), "msg": "bad", "input": "x", "ctx": {"error": ValueError("no")}}],
        [{"type": "enum", "loc": ("query", "c"), "msg": "m", "input": Color.RED, "ctx": {"expected": "'red'"}}],
        [{"type": "t", "loc": ("body", Level.HIGH), "msg": "m", "input": None}],
        [{"type": "t", "loc": ["body"], "msg": "m", "input": uuid.UUID(int=5), "url": "https://errors.example/t"}],
        [{"type": "t", "loc": ("body",), "msg": "m", "input": {"_sa_state": 1, "keep": 2}}],
        [{"custom": "shape", "when": datetime.date(2024, 1, 2)}],
        ["not a dict", 3, 2.5],
        {"detail": "not a list"},
        [],
    ],
)
def test_error_detail_is_what_the_default_handler_renders(errors: Any, codec: str) -> None:
    expected = JSONResponse({"detail": jsonable_encoder(errors)}).body
    assert jsonio.encode_error_detail(errors) == expected


def test_non_finite_floats_in_error_detail_are_written_as_pydantic_json_mode_writes_them(codec: str) -> None:
    errors = [{"type": "finite_number", "loc": ("body", "tags", 0), "msg": "m", "input": [float("inf"), 1.5]}]
    assert jsonio.encode_error_detail(errors) == (
        b'{"detail":[{"type":"finite_number","loc":["body","tags",0],"msg":"m","input":'
        + TypeAdapter(Any).dump_json([float("inf"), 1.5])
        + b"}]}"
    )
