"""JSON in and out of the request path, exactly as the standard library does it, faster.

* ``encode_untyped(content)``: the body ``JSONResponse(jsonable_encoder(content))`` renders,
  byte for byte. ``jsonable_encoder`` is skipped for data it would return unchanged, and
  orjson writes what it writes identically (no floats).
* ``loads_json(body)``: the value ``json.loads(body)`` returns, or its very error. orjson
  reads what it reads identically (not integers past 64 bits, which it turns into floats).

orjson is optional; without it both fall back to ``json`` alone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from .._encoders import jsonable_encoder

try:  # an accelerator, used only where its results are identical to ``json``'s
    from orjson import dumps as orjson_dumps
    from orjson import loads as orjson_loads
except ImportError:  # pragma: no cover - exercised by the tests with orjson hidden
    orjson_dumps = orjson_loads = None  # type: ignore[assignment]

# ---- writing ---------------------------------------------------------------------------------------

# Exactly the encoder ``JSONResponse.render`` configures through ``json.dumps``.
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_ASCII_JSON_ENCODER = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))


def _json_text_function() -> Callable[[Any], str]:
    """``_JSON_ENCODER.encode``, with the C encoder that ``json.dumps`` builds per call built once.

    It is built without a circular-reference table: it only ever sees acyclic data
    (``jsonable_encoder`` output, or data ``_plain_json`` walked to the end).
    """
    make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if make_encoder is None:  # pragma: no cover - Python without the C accelerator
        return _JSON_ENCODER.encode
    encode_chunks = make_encoder(
        None, _JSON_ENCODER.default, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )
    return lambda content: "".join(encode_chunks(content, 0))


_json_text = _json_text_function()
_SCALARS = frozenset({str, int, float, bool, type(None)})
_NON_FLOAT_SCALARS = frozenset({str, int, bool, type(None)})
_KEY_SCALARS = frozenset({int, float, bool, type(None)})

# What ``_plain_json`` finds in a value.
NOT_PLAIN, PLAIN, PLAIN_WITH_FLOATS = 0, 1, 3


def _plain_json(value: Any) -> int:
    """Whether ``jsonable_encoder`` would hand *value* back as it is (so it can be skipped).

    ``PLAIN`` (or ``PLAIN_WITH_FLOATS``) for exact JSON types all the way down, with keys
    of the types ``json`` accepts; ``NOT_PLAIN`` for anything else (subclasses such as
    enums are left to the encoder) and for keys starting with ``_sa``, which it drops.
    """
    kind = type(value)
    if kind in _SCALARS:
        return PLAIN_WITH_FLOATS if kind is float else PLAIN
    if kind is dict:
        found = PLAIN
        for key, item in value.items():
            key_kind = type(key)
            if key_kind is str:
                if key.startswith("_sa"):
                    return NOT_PLAIN
            elif key_kind not in _KEY_SCALARS:
                return NOT_PLAIN
            if type(item) not in _NON_FLOAT_SCALARS:
                item_found = _plain_json(item)
                if not item_found:
                    return NOT_PLAIN
                found |= item_found
        return found
    if kind is list or kind is tuple:
        found = PLAIN
        for item in value:
            if type(item) not in _NON_FLOAT_SCALARS:
                item_found = _plain_json(item)
                if not item_found:
                    return NOT_PLAIN
                found |= item_found
        return found
    return NOT_PLAIN


# The keys of a pydantic error (``ValidationError.errors()``), and the types of ``loc`` parts.
_ERROR_KEYS = frozenset({"type", "loc", "msg", "input", "ctx", "url"})
_LOC_PART_TYPES = frozenset({str, int})


def _plain_error(error: Any) -> int:
    """``_plain_json`` of one validation error, taking the shortcuts its usual shape allows."""
    if type(error) is not dict:
        return _plain_json(error)
    found = PLAIN
    for key, value in error.items():
        if key not in _ERROR_KEYS:
            return _plain_json(error)
        kind = type(value)
        if kind in _NON_FLOAT_SCALARS:
            continue
        if kind is tuple and key == "loc":
            for part in value:
                if type(part) not in _LOC_PART_TYPES:
                    return NOT_PLAIN
            continue
        value_found = _plain_json(value)
        if not value_found:
            return NOT_PLAIN
        found |= value_found
    return found


def encode_error_detail(errors: Any) -> bytes:
    """``encode_untyped({"detail": errors})`` for a list of validation errors, checked faster.

    A non-finite float in an error (``{"tags": [1e999]}`` sent to a mistyped field) has no
    JSON form; where ``JSONResponse`` would fail with a 500, it is written as pydantic's
    JSON mode writes it (``null``) and the answer stays a 422.
    """
    try:
        return _encode_error_detail(errors)
    except ValueError:
        finite = _non_finite_as_null(jsonable_encoder({"detail": errors}))
        return _encode(finite, PLAIN_WITH_FLOATS)


def _non_finite_as_null(value: Any) -> Any:
    """Encoder output (dicts, lists, scalars) with NaN and infinities replaced by None."""
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is dict:
        return {key: _non_finite_as_null(item) for key, item in value.items()}
    if kind is list:
        return [_non_finite_as_null(item) for item in value]
    return value


def _encode_error_detail(errors: Any) -> bytes:
    if type(errors) is not list:
        return encode_untyped({"detail": errors})
    found = PLAIN
    for error in errors:
        error_found = _plain_error(error)
        if not error_found:
            return _encode({"detail": errors}, NOT_PLAIN)
        found |= error_found
    return _encode({"detail": errors}, found)


def encode_untyped(content: Any) -> bytes:
    """The body ``JSONResponse(jsonable_encoder(content))`` renders, byte for byte."""
    return _encode(content, _plain_json(content))


def _encode(content: Any, found: int) -> bytes:
    """*content* as ``JSONResponse(jsonable_encoder(content))`` renders it, given what
    ``_plain_json`` finds in it.

    orjson writes plain data without floats exactly as ``json`` does (checked for every
    code point); floats are written differently (``1e+16`` vs ``1e16``), so they, and
    whatever orjson refuses (integers past 64 bits, deep nesting), go through ``json``.
    """
    if found == PLAIN and orjson_dumps is not None:
        try:
            return orjson_dumps(content)
        except TypeError:
            pass
    if found == NOT_PLAIN:
        content = jsonable_encoder(content)
    text = _json_text(content)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (``json.loads`` reads "\\ud800" into one) has no UTF-8 form; where
        # JSONResponse would fail with a 500, write it as a JSON escape instead.
        return _ASCII_JSON_ENCODER.encode(content).encode("ascii")


# ---- reading ---------------------------------------------------------------------------------------

# Digits become "0", everything else " ": a run of 19 digits is then one substring search.
_DIGITS_ONLY = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_DIGIT_RUN = b"0" * 19
_JSON_LOADS = json.loads


def loads_json(body: bytes) -> Any:
    """``json.loads(body)``: the same value, or the same ``JSONDecodeError``.

    orjson reads an integer of 19 digits or more (past 64 bits) as a float, so a body with
    such a run of digits goes to ``json``; so does anything orjson rejects, some of which
    ``json`` accepts (``NaN``, a byte order mark, lone surrogates, ``1e400``).
    """
    # A replaced ``json.loads`` (a patch, a test double) is what reads the body.
    if orjson_loads is not None and json.loads is _JSON_LOADS and _LONG_DIGIT_RUN not in body.translate(_DIGITS_ONLY):
        try:
            return orjson_loads(body)
        except ValueError:
            pass
    return json.loads(body)


def normalize_non_finite_floats(value: Any) -> Any:
    """JSON has no NaN/Infinity: encode them as null, as JSONResponse-compatible clients expect."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: normalize_non_finite_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalize_non_finite_floats(item) for item in value]
    return value
