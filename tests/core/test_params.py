"""Path, query, header and cookie parameters: sources, conversion, constraints, aliases and models.

Endpoint annotations are evaluated eagerly (no ``from __future__ import annotations``):
endpoints here refer to names local to their test, which a postponed annotation cannot see.
"""

import datetime as dt
import functools
import uuid
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal

import pytest
from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from starlette.requests import HTTPConnection

from nimbleapi import Cookie, FastAPI, Header, Path, Query, Request
from nimbleapi.exceptions import FastAPIDeprecationWarning
from nimbleapi.testclient import TestClient


def client_for(app: FastAPI) -> TestClient:
    return TestClient(app)


def only_error(response: Any) -> dict[str, Any]:
    """The single validation error of a 422 response."""
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert len(errors) == 1, errors
    return errors[0]


# --- path parameters ------------------------------------------------------------------------


def test_path_param_is_converted_to_annotated_type() -> None:
    app = FastAPI()

    @app.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, Any]:
        return {"item_id": item_id, "is_int": isinstance(item_id, int)}

    assert client_for(app).get("/items/5").json() == {"item_id": 5, "is_int": True}


def test_path_param_invalid_value_gives_422_with_location() -> None:
    app = FastAPI()

    @app.get("/typed/{item_id}")
    def typed(item_id: int) -> int:
        return item_id

    error = only_error(client_for(app).get("/typed/foo"))
    assert error == {
        "type": "int_parsing",
        "loc": ["path", "item_id"],
        "msg": "Input should be a valid integer, unable to parse string as an integer",
        "input": "foo",
    }


def test_path_param_with_path_function_in_annotated() -> None:
    app = FastAPI()

    @app.get("/items/{item_id}")
    def item(item_id: Annotated[int, Path(title="The ID", ge=1)]) -> int:
        return item_id

    client = client_for(app)
    assert client.get("/items/3").json() == 3
    assert only_error(client.get("/items/0"))["type"] == "greater_than_equal"


def test_path_param_with_path_function_as_default() -> None:
    app = FastAPI()

    @app.get("/items/{item_id}")
    def item(item_id: int = Path(lt=10)) -> int:
        return item_id

    client = client_for(app)
    assert client.get("/items/9").json() == 9
    assert only_error(client.get("/items/10"))["ctx"] == {"lt": 10}


def test_path_param_float() -> None:
    app = FastAPI()

    @app.get("/price/{amount}")
    def price(amount: float) -> float:
        return amount * 2

    assert client_for(app).get("/price/1.25").json() == 2.5


def test_path_param_bool() -> None:
    app = FastAPI()

    @app.get("/flag/{on}")
    def flag(on: bool) -> bool:
        return on

    client = client_for(app)
    assert client.get("/flag/true").json() is True
    assert client.get("/flag/0").json() is False
    assert only_error(client.get("/flag/maybe"))["type"] == "bool_parsing"


class Color(str, Enum):
    red = "red"
    green = "green"


def test_path_param_enum_accepts_member_value() -> None:
    app = FastAPI()

    @app.get("/colors/{color}")
    def color(color: Color) -> dict[str, Any]:
        return {"is_member": isinstance(color, Color), "name": color.name}

    assert client_for(app).get("/colors/green").json() == {"is_member": True, "name": "green"}


def test_path_param_enum_rejects_unknown_value() -> None:
    app = FastAPI()

    @app.get("/colors/{color}")
    def color(color: Color) -> str:
        return color.value

    error = only_error(client_for(app).get("/colors/blue"))
    assert error == {
        "type": "enum",
        "loc": ["path", "color"],
        "msg": "Input should be 'red' or 'green'",
        "input": "blue",
        "ctx": {"expected": "'red' or 'green'"},
    }


def test_path_param_literal() -> None:
    app = FastAPI()

    @app.get("/mode/{mode}")
    def mode(mode: Literal["fast", "slow"]) -> str:
        return mode

    client = client_for(app)
    assert client.get("/mode/fast").json() == "fast"
    assert only_error(client.get("/mode/medium"))["type"] == "literal_error"


# --- query parameters ---------------------------------------------------------------------


def test_query_params_optional_with_defaults() -> None:
    app = FastAPI()

    @app.get("/items")
    def items(skip: int = 0, limit: int = 10) -> dict[str, int]:
        return {"skip": skip, "limit": limit}

    client = client_for(app)
    assert client.get("/items").json() == {"skip": 0, "limit": 10}
    assert client.get("/items?skip=5&limit=2").json() == {"skip": 5, "limit": 2}


def test_query_param_without_default_is_required() -> None:
    app = FastAPI()

    @app.get("/search")
    def search(q: str) -> str:
        return q

    error = only_error(client_for(app).get("/search"))
    assert error == {"type": "missing", "loc": ["query", "q"], "msg": "Field required", "input": None}


def test_query_param_none_default_is_optional() -> None:
    app = FastAPI()

    @app.get("/search")
    def search(q: str | None = None) -> dict[str, str | None]:
        return {"q": q}

    client = client_for(app)
    assert client.get("/search").json() == {"q": None}
    assert client.get("/search?q=x").json() == {"q": "x"}


def test_query_param_optional_type_without_default_is_still_required() -> None:
    app = FastAPI()

    @app.get("/search")
    def search(q: str | None) -> dict[str, str | None]:
        return {"q": q}

    assert only_error(client_for(app).get("/search"))["type"] == "missing"


def test_query_param_bool_conversions() -> None:
    app = FastAPI()

    @app.get("/flag")
    def flag(on: bool = False) -> bool:
        return on

    client = client_for(app)
    for raw in ["1", "true", "True", "on", "yes"]:
        assert client.get(f"/flag?on={raw}").json() is True, raw
    for raw in ["0", "false", "off", "no"]:
        assert client.get(f"/flag?on={raw}").json() is False, raw


def test_query_param_default_style_and_annotated_style_behave_alike() -> None:
    app = FastAPI()

    @app.get("/default")
    def default_style(q: str | None = Query(default=None, max_length=3)) -> str | None:
        return q

    @app.get("/annotated")
    def annotated_style(q: Annotated[str | None, Query(max_length=3)] = None) -> str | None:
        return q

    client = client_for(app)
    for path in ["/default", "/annotated"]:
        assert client.get(path).json() is None
        assert client.get(path, params={"q": "abc"}).json() == "abc"
        assert only_error(client.get(path, params={"q": "abcd"}))["type"] == "string_too_long"


def test_query_param_uses_last_value_when_repeated_for_scalar() -> None:
    app = FastAPI()

    @app.get("/q")
    def q(value: str) -> str:
        return value

    assert client_for(app).get("/q?value=a&value=b").json() == "b"


def test_query_list_param_collects_repeated_values() -> None:
    app = FastAPI()

    @app.get("/tags")
    def tags(tag: Annotated[list[str], Query()]) -> list[str]:
        return tag

    assert client_for(app).get("/tags?tag=a&tag=b&tag=c").json() == ["a", "b", "c"]


def test_query_list_param_items_are_converted() -> None:
    app = FastAPI()

    @app.get("/ids")
    def ids(i: Annotated[list[int], Query()] = []) -> list[int]:  # noqa: B006
        return i

    client = client_for(app)
    assert client.get("/ids?i=1&i=2").json() == [1, 2]
    error = only_error(client.get("/ids?i=1&i=x"))
    assert error["loc"] == ["query", "i", 1]
    assert error["type"] == "int_parsing"


def test_query_list_param_default_when_absent() -> None:
    app = FastAPI()

    @app.get("/tags")
    def tags(tag: Annotated[list[str], Query()] = ["x", "y"]) -> list[str]:  # noqa: B006
        return tag

    assert client_for(app).get("/tags").json() == ["x", "y"]


def test_query_list_param_required_when_no_default() -> None:
    app = FastAPI()

    @app.get("/tags")
    def tags(tag: Annotated[list[str], Query()]) -> list[str]:
        return tag

    error = only_error(client_for(app).get("/tags"))
    assert error["type"] == "missing"
    assert error["loc"] == ["query", "tag"]


def test_query_optional_list_param_is_none_when_absent() -> None:
    app = FastAPI()

    @app.get("/tags")
    def tags(tag: Annotated[list[str] | None, Query()] = None) -> list[str] | None:
        return tag

    client = client_for(app)
    assert client.get("/tags").json() is None
    assert client.get("/tags?tag=1").json() == ["1"]


def test_query_set_param_deduplicates() -> None:
    app = FastAPI()

    @app.get("/tags")
    def tags(tag: Annotated[set[str], Query()]) -> list[str]:
        return sorted(tag)

    assert client_for(app).get("/tags?tag=b&tag=a&tag=b").json() == ["a", "b"]


def test_query_enum_param() -> None:
    app = FastAPI()

    @app.get("/paint")
    def paint(color: Color = Color.red) -> str:
        return color.value

    client = client_for(app)
    assert client.get("/paint").json() == "red"
    assert client.get("/paint?color=green").json() == "green"
    assert only_error(client.get("/paint?color=pink"))["loc"] == ["query", "color"]


def test_unknown_query_params_are_ignored() -> None:
    app = FastAPI()

    @app.get("/q")
    def q(a: int = 1) -> int:
        return a

    assert client_for(app).get("/q?a=2&unknown=3").json() == 2


def test_query_param_empty_string_is_passed_for_str() -> None:
    app = FastAPI()

    @app.get("/q")
    def q(a: str = "default") -> str:
        return a

    assert client_for(app).get("/q?a=").json() == ""


def test_query_param_empty_string_is_invalid_int() -> None:
    app = FastAPI()

    @app.get("/q")
    def q(a: int) -> int:
        return a

    error = only_error(client_for(app).get("/q?a="))
    assert error["type"] == "int_parsing"
    assert error["input"] == ""


def test_query_default_factory() -> None:
    app = FastAPI()

    @app.get("/q")
    def q(values: Annotated[list[int], Query(default_factory=lambda: [1, 2])]) -> list[int]:
        return values

    client = TestClient(app)
    assert client.get("/q").json() == [1, 2]
    assert client.get("/q?values=5").json() == [5]


def test_optional_int_query_with_none_default() -> None:
    app = FastAPI()

    @app.get("/n")
    def n(value: int | None = None) -> dict[str, int | None]:
        return {"value": value}

    client = client_for(app)
    assert client.get("/n").json() == {"value": None}
    assert client.get("/n?value=3").json() == {"value": 3}


def test_int_query_rejects_float_string() -> None:
    app = FastAPI()

    @app.get("/n")
    def n(value: int) -> int:
        return value

    assert only_error(client_for(app).get("/n?value=1.5"))["type"] == "int_parsing"


def test_query_param_with_title_and_description_is_documented() -> None:
    app = FastAPI()

    @app.get("/doc")
    def doc(q: Annotated[str | None, Query(title="Query", description="Search text", deprecated=True)] = None) -> None:
        pass

    parameter = app.openapi()["paths"]["/doc"]["get"]["parameters"][0]
    assert parameter["name"] == "q"
    assert parameter["description"] == "Search text"
    assert parameter["deprecated"] is True
    assert parameter["required"] is False


def test_query_include_in_schema_false_still_reads_value() -> None:
    app = FastAPI()

    @app.get("/hidden")
    def hidden(secret: Annotated[str | None, Query(include_in_schema=False)] = None) -> str | None:
        return secret

    assert client_for(app).get("/hidden?secret=s").json() == "s"
    assert "parameters" not in app.openapi()["paths"]["/hidden"]["get"]


def test_mutable_query_default_is_not_shared_between_requests() -> None:
    app = FastAPI()

    @app.get("/tags")
    def tags(tag: Annotated[list[str], Query()] = []) -> list[str]:  # noqa: B006
        tag.append("added")
        return tag

    client = client_for(app)
    assert client.get("/tags").json() == ["added"]
    assert client.get("/tags").json() == ["added"]


# --- special types ----------------------------------------------------------------------------


def test_uuid_param_is_parsed() -> None:
    app = FastAPI()

    @app.get("/things/{thing_id}")
    def thing(thing_id: uuid.UUID) -> dict[str, Any]:
        return {"version": thing_id.version, "id": thing_id}

    value = uuid.uuid4()
    assert client_for(app).get(f"/things/{value}").json() == {"version": 4, "id": str(value)}


def test_uuid_param_rejects_garbage() -> None:
    app = FastAPI()

    @app.get("/things/{thing_id}")
    def thing(thing_id: uuid.UUID) -> str:
        return str(thing_id)

    assert only_error(client_for(app).get("/things/not-a-uuid"))["type"] == "uuid_parsing"


def test_date_and_datetime_query_params() -> None:
    app = FastAPI()

    @app.get("/when")
    def when(day: dt.date, at: dt.datetime) -> dict[str, Any]:
        return {"weekday": day.isoweekday(), "hour": at.hour, "at": at}

    response = client_for(app).get("/when", params={"day": "2024-02-29", "at": "2024-01-02T03:04:05"})
    assert response.json() == {"weekday": 4, "hour": 3, "at": "2024-01-02T03:04:05"}


def test_invalid_date_gives_date_error() -> None:
    app = FastAPI()

    @app.get("/when")
    def when(day: dt.date) -> str:
        return day.isoformat()

    assert only_error(client_for(app).get("/when?day=2024-13-01"))["type"] == "date_from_datetime_parsing"


def test_time_and_timedelta_query_params() -> None:
    app = FastAPI()

    @app.get("/span")
    def span(start: dt.time, length: dt.timedelta) -> dict[str, Any]:
        return {"minute": start.minute, "seconds": length.total_seconds()}

    response = client_for(app).get("/span", params={"start": "10:30:00", "length": "PT1M30S"})
    assert response.json() == {"minute": 30, "seconds": 90.0}


def test_decimal_query_param_keeps_precision() -> None:
    app = FastAPI()

    @app.get("/money")
    def money(amount: Decimal) -> str:
        return str(amount + Decimal("0.1"))

    assert client_for(app).get("/money?amount=0.2").json() == "0.3"


def test_decimal_constraints_max_digits_and_decimal_places() -> None:
    app = FastAPI()

    @app.get("/money")
    def money(amount: Annotated[Decimal, Query(max_digits=4, decimal_places=2)]) -> str:
        return str(amount)

    client = client_for(app)
    assert client.get("/money?amount=12.34").json() == "12.34"
    assert only_error(client.get("/money?amount=1.234"))["type"] == "decimal_max_places"
    assert only_error(client.get("/money?amount=123.45"))["type"] == "decimal_max_digits"


def test_union_typed_query_param_prefers_exact_string_match() -> None:
    app = FastAPI()

    @app.get("/u")
    def u(value: int | str) -> dict[str, Any]:
        return {"value": value, "type": type(value).__name__}

    assert client_for(app).get("/u?value=5").json() == {"value": "5", "type": "str"}


def test_union_typed_query_param_converts_to_first_fitting_type() -> None:
    app = FastAPI()

    @app.get("/u")
    def u(value: int | dt.date) -> dict[str, Any]:
        return {"type": type(value).__name__}

    client = client_for(app)
    assert client.get("/u?value=5").json() == {"type": "int"}
    assert client.get("/u?value=2024-01-02").json() == {"type": "date"}


# --- numeric and string constraints ----------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint", "good", "bad", "error_type", "ctx"),
    [
        pytest.param({"gt": 1}, "2", "1", "greater_than", {"gt": 1}, id="gt"),
        pytest.param({"ge": 1}, "1", "0", "greater_than_equal", {"ge": 1}, id="ge"),
        pytest.param({"lt": 5}, "4", "5", "less_than", {"lt": 5}, id="lt"),
        pytest.param({"le": 5}, "5", "6", "less_than_equal", {"le": 5}, id="le"),
        pytest.param({"multiple_of": 3}, "9", "10", "multiple_of", {"multiple_of": 3}, id="multiple_of"),
    ],
)
def test_numeric_query_constraints(
    constraint: dict[str, int], good: str, bad: str, error_type: str, ctx: dict[str, int]
) -> None:
    app = FastAPI()

    @app.get("/n")
    def n(value: Annotated[int, Query(**constraint)]) -> int:
        return value

    client = client_for(app)
    assert client.get("/n", params={"value": good}).json() == int(good)
    error = only_error(client.get("/n", params={"value": bad}))
    assert error["type"] == error_type
    assert error["loc"] == ["query", "value"]
    assert error["ctx"] == ctx
    assert error["input"] == bad


def test_float_constraint_error_message() -> None:
    app = FastAPI()

    @app.get("/n")
    def n(size: Annotated[float, Query(gt=0, lt=10.5)]) -> float:
        return size

    error = only_error(client_for(app).get("/n?size=10.5"))
    assert error == {
        "type": "less_than",
        "loc": ["query", "size"],
        "msg": "Input should be less than 10.5",
        "input": "10.5",
        "ctx": {"lt": 10.5},
    }


def test_min_length_constraint() -> None:
    app = FastAPI()

    @app.get("/s")
    def s(q: Annotated[str, Query(min_length=3)]) -> str:
        return q

    client = client_for(app)
    assert client.get("/s?q=abc").json() == "abc"
    assert only_error(client.get("/s?q=ab")) == {
        "type": "string_too_short",
        "loc": ["query", "q"],
        "msg": "String should have at least 3 characters",
        "input": "ab",
        "ctx": {"min_length": 3},
    }


def test_max_length_constraint() -> None:
    app = FastAPI()

    @app.get("/s")
    def s(q: Annotated[str, Query(max_length=2)]) -> str:
        return q

    assert only_error(client_for(app).get("/s?q=abc")) == {
        "type": "string_too_long",
        "loc": ["query", "q"],
        "msg": "String should have at most 2 characters",
        "input": "abc",
        "ctx": {"max_length": 2},
    }


def test_pattern_constraint() -> None:
    app = FastAPI()

    @app.get("/s")
    def s(code: Annotated[str, Query(pattern="^[a-z]+$")]) -> str:
        return code

    client = client_for(app)
    assert client.get("/s?code=abc").json() == "abc"
    assert only_error(client.get("/s?code=ABC")) == {
        "type": "string_pattern_mismatch",
        "loc": ["query", "code"],
        "msg": "String should match pattern '^[a-z]+$'",
        "input": "ABC",
        "ctx": {"pattern": "^[a-z]+$"},
    }


def test_regex_argument_is_deprecated_alias_of_pattern() -> None:
    with pytest.warns(FastAPIDeprecationWarning, match="`regex` has been deprecated, please use `pattern` instead"):
        marker = Query(regex="^x+$")

    app = FastAPI()

    @app.get("/s")
    def s(code: Annotated[str, marker]) -> str:
        return code

    client = client_for(app)
    assert client.get("/s?code=xx").json() == "xx"
    assert only_error(client.get("/s?code=y"))["type"] == "string_pattern_mismatch"


def test_list_length_constraints_apply_to_the_list() -> None:
    app = FastAPI()

    @app.get("/tags")
    def tags(tag: Annotated[list[str], Query(min_length=2)]) -> list[str]:
        return tag

    client = client_for(app)
    assert client.get("/tags?tag=a&tag=b").json() == ["a", "b"]
    assert only_error(client.get("/tags?tag=a"))["type"] == "too_short"


def test_several_invalid_params_are_reported_path_then_query_then_header() -> None:
    app = FastAPI()

    @app.get("/multi/{a}")
    def multi(c: Annotated[str, Header()], b: int, a: int) -> None:
        pass

    response = client_for(app).get("/multi/x?b=y")
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["path", "a"], ["query", "b"], ["header", "c"]]


# --- aliases -----------------------------------------------------------------------------------


def test_query_alias_reads_the_alias_name() -> None:
    app = FastAPI()

    @app.get("/items")
    def items(item_query: Annotated[str, Query(alias="item-query")]) -> str:
        return item_query

    client = client_for(app)
    assert client.get("/items?item-query=x").json() == "x"
    error = only_error(client.get("/items?item_query=x"))
    assert error["loc"] == ["query", "item-query"]


def test_query_validation_alias_reads_that_name() -> None:
    app = FastAPI()

    @app.get("/items")
    def items(p: Annotated[str, Query(validation_alias="p_val")]) -> str:
        return p

    client = client_for(app)
    assert client.get("/items?p_val=x").json() == "x"
    error = only_error(client.get("/items?p=x"))
    assert error["loc"] == ["query", "p_val"]


def test_query_validation_alias_choices_accept_any_choice() -> None:
    app = FastAPI()

    @app.get("/items")
    def items(p: Annotated[str, Query(validation_alias=AliasChoices("first", "second"))]) -> str:
        return p

    client = client_for(app)
    assert client.get("/items?first=1").json() == "1"
    assert client.get("/items?second=2").json() == "2"
    assert client.get("/items?p=3").status_code == 422


def test_header_alias_is_used_verbatim() -> None:
    app = FastAPI()

    @app.get("/h")
    def h(token: Annotated[str, Header(alias="X-Api-Key")]) -> str:
        return token

    client = client_for(app)
    assert client.get("/h", headers={"x-api-key": "k"}).json() == "k"
    error = only_error(client.get("/h"))
    assert error["loc"] == ["header", "X-Api-Key"]


def test_cookie_alias() -> None:
    app = FastAPI()

    @app.get("/c")
    def c(session: Annotated[str, Cookie(alias="session-id")]) -> str:
        return session

    client = TestClient(app, cookies={"session-id": "abc"})
    assert client.get("/c").json() == "abc"


def test_query_list_with_alias() -> None:
    app = FastAPI()

    @app.get("/items")
    def items(ids: Annotated[list[int], Query(alias="id")] = []) -> list[int]:  # noqa: B006
        return ids

    assert client_for(app).get("/items?id=1&id=2&ids=3").json() == [1, 2]


# --- headers ----------------------------------------------------------------------------------


def test_header_underscores_are_converted_to_hyphens() -> None:
    app = FastAPI()

    @app.get("/h")
    def h(user_agent: Annotated[str, Header()]) -> str:
        return user_agent

    assert client_for(app).get("/h", headers={"User-Agent": "probe/1"}).json() == "probe/1"


def test_header_name_with_underscore_is_not_matched_by_default() -> None:
    app = FastAPI()

    @app.get("/h")
    def h(x_thing: Annotated[str | None, Header()] = None) -> str | None:
        return x_thing

    client = client_for(app)
    assert client.get("/h", headers={"x-thing": "dash"}).json() == "dash"
    assert client.get("/h", headers={"x_thing": "underscore"}).json() is None


def test_header_convert_underscores_false_keeps_underscores() -> None:
    app = FastAPI()

    @app.get("/h")
    def h(x_thing: Annotated[str | None, Header(convert_underscores=False)] = None) -> str | None:
        return x_thing

    client = client_for(app)
    assert client.get("/h", headers={"x_thing": "underscore"}).json() == "underscore"
    assert client.get("/h", headers={"x-thing": "dash"}).json() is None


def test_header_lookup_is_case_insensitive() -> None:
    app = FastAPI()

    @app.get("/h")
    def h(x_token: Annotated[str, Header()]) -> str:
        return x_token

    assert client_for(app).get("/h", headers={"X-TOKEN": "up"}).json() == "up"


def test_missing_required_header_error_uses_converted_name() -> None:
    app = FastAPI()

    @app.get("/h")
    def h(x_token: Annotated[str, Header()]) -> str:
        return x_token

    assert only_error(client_for(app).get("/h")) == {
        "type": "missing",
        "loc": ["header", "x-token"],
        "msg": "Field required",
        "input": None,
    }


def test_list_header_collects_repeated_headers() -> None:
    app = FastAPI()

    @app.get("/h")
    def h(x_token: Annotated[list[str] | None, Header()] = None) -> list[str] | None:
        return x_token

    client = client_for(app)
    response = client.get("/h", headers=[("x-token", "a"), ("x-token", "b")])
    assert response.json() == ["a", "b"]
    assert client.get("/h").json() is None


def test_header_default_style() -> None:
    app = FastAPI()

    @app.get("/h")
    def h(x_num: int = Header(default=1)) -> int:
        return x_num

    client = client_for(app)
    assert client.get("/h").json() == 1
    assert client.get("/h", headers={"x-num": "5"}).json() == 5


def test_repeated_header_for_scalar_param_uses_first_value() -> None:
    app = FastAPI()

    @app.get("/h")
    def h(x_value: Annotated[str, Header()]) -> str:
        return x_value

    response = client_for(app).get("/h", headers=[("x-value", "first"), ("x-value", "second")])
    assert response.json() == "first"


def test_comma_separated_header_is_one_list_item() -> None:
    app = FastAPI()

    @app.get("/h")
    def h(x_values: Annotated[list[str], Header()]) -> list[str]:
        return x_values

    assert client_for(app).get("/h", headers={"x-values": "a,b"}).json() == ["a,b"]


# --- cookies ---------------------------------------------------------------------------------


def test_cookie_param_reads_cookie() -> None:
    app = FastAPI()

    @app.get("/c")
    def c(ads_id: Annotated[str | None, Cookie()] = None) -> str | None:
        return ads_id

    assert client_for(app).get("/c").json() is None
    assert TestClient(app, cookies={"ads_id": "xyz"}).get("/c").json() == "xyz"


def test_cookies_from_every_cookie_header_are_merged_in_order() -> None:
    app = FastAPI()

    @app.get("/c")
    def c(
        session: Annotated[str | None, Cookie()] = None, theme: Annotated[str | None, Cookie()] = None
    ) -> list[str | None]:
        return [session, theme]

    # HTTP/2 sends one cookie per header; a later header wins for a repeated name.
    headers = [("cookie", "theme=dark"), ("cookie", "session=abc"), ("cookie", "theme=light")]
    assert client_for(app).get("/c", headers=headers).json() == ["abc", "light"]


def test_required_cookie_missing_gives_422() -> None:
    app = FastAPI()

    @app.get("/c")
    def c(session: Annotated[str, Cookie()]) -> str:
        return session

    assert only_error(client_for(app).get("/c")) == {
        "type": "missing",
        "loc": ["cookie", "session"],
        "msg": "Field required",
        "input": None,
    }


def test_cookie_is_converted_to_type() -> None:
    app = FastAPI()

    @app.get("/c")
    def c(count: int = Cookie()) -> int:
        return count + 1

    assert TestClient(app, cookies={"count": "41"}).get("/c").json() == 42


# --- parameter models --------------------------------------------------------------------


class Filters(BaseModel):
    limit: int = Field(default=100, gt=0, le=100)
    offset: int = 0
    order_by: Literal["created_at", "updated_at"] = "created_at"
    tags: list[str] = []


def test_query_model_collects_fields() -> None:
    app = FastAPI()

    @app.get("/items")
    def items(filters: Annotated[Filters, Query()]) -> Filters:
        return filters

    response = client_for(app).get("/items?limit=5&tags=a&tags=b&order_by=updated_at")
    assert response.json() == {"limit": 5, "offset": 0, "order_by": "updated_at", "tags": ["a", "b"]}


def test_query_model_defaults_when_nothing_given() -> None:
    app = FastAPI()

    @app.get("/items")
    def items(filters: Annotated[Filters, Query()]) -> Filters:
        return filters

    assert client_for(app).get("/items").json() == {
        "limit": 100,
        "offset": 0,
        "order_by": "created_at",
        "tags": [],
    }


def test_query_model_field_errors_are_located_in_query() -> None:
    app = FastAPI()

    @app.get("/items")
    def items(filters: Annotated[Filters, Query()]) -> Filters:
        return filters

    error = only_error(client_for(app).get("/items?limit=0"))
    assert error["loc"] == ["query", "limit"]
    assert error["type"] == "greater_than"


def test_query_model_ignores_unknown_params_by_default() -> None:
    app = FastAPI()

    @app.get("/items")
    def items(filters: Annotated[Filters, Query()]) -> Filters:
        return filters

    assert client_for(app).get("/items?tool=plumbus").status_code == 200


class StrictFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = 10


def test_query_model_extra_forbid_rejects_unknown_params() -> None:
    app = FastAPI()

    @app.get("/items")
    def items(filters: Annotated[StrictFilters, Query()]) -> StrictFilters:
        return filters

    client = client_for(app)
    assert client.get("/items?limit=3").json() == {"limit": 3}
    assert only_error(client.get("/items?tool=plumbus")) == {
        "type": "extra_forbidden",
        "loc": ["query", "tool"],
        "msg": "Extra inputs are not permitted",
        "input": "plumbus",
    }


class CommonHeaders(BaseModel):
    host: str
    save_data: bool = False
    x_tag: list[str] = []


def test_header_model_converts_field_underscores() -> None:
    app = FastAPI()

    @app.get("/h")
    def h(headers: Annotated[CommonHeaders, Header()]) -> CommonHeaders:
        return headers

    response = client_for(app).get("/h", headers=[("save-data", "true"), ("x-tag", "a"), ("x-tag", "b")])
    assert response.json() == {"host": "testserver", "save_data": True, "x_tag": ["a", "b"]}


def test_header_model_missing_field_error_uses_header_name() -> None:
    class Required(BaseModel):
        x_request_id: str

    app = FastAPI()

    @app.get("/h")
    def h(headers: Annotated[Required, Header()]) -> Required:
        return headers

    error = only_error(client_for(app).get("/h"))
    assert error["type"] == "missing"
    assert error["loc"] == ["header", "x-request-id"]


class ForbidHeaders(BaseModel):
    model_config = ConfigDict(extra="forbid")
    x_token: str | None = None


def test_header_model_extra_forbid_rejects_unknown_headers() -> None:
    app = FastAPI()

    @app.get("/h")
    def h(headers: Annotated[ForbidHeaders, Header()]) -> ForbidHeaders:
        return headers

    response = client_for(app).get("/h", headers={"x-token": "t"})
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert {e["type"] for e in errors} == {"extra_forbidden"}
    assert ["header", "host"] in [e["loc"] for e in errors]


class Cookies(BaseModel):
    session_id: str
    tracker: str | None = None


def test_cookie_model_collects_cookies() -> None:
    app = FastAPI()

    @app.get("/c")
    def c(cookies: Annotated[Cookies, Cookie()]) -> Cookies:
        return cookies

    client = TestClient(app, cookies={"session_id": "s1", "tracker": "t"})
    assert client.get("/c").json() == {"session_id": "s1", "tracker": "t"}


def test_cookie_model_missing_required_cookie() -> None:
    app = FastAPI()

    @app.get("/c")
    def c(cookies: Annotated[Cookies, Cookie()]) -> Cookies:
        return cookies

    error = only_error(client_for(app).get("/c"))
    assert error["loc"] == ["cookie", "session_id"]
    assert error["type"] == "missing"


class ForbidCookies(BaseModel):
    model_config = ConfigDict(extra="forbid")
    session_id: str


def test_cookie_model_extra_forbid_rejects_unknown_cookies() -> None:
    app = FastAPI()

    @app.get("/c")
    def c(cookies: Annotated[ForbidCookies, Cookie()]) -> ForbidCookies:
        return cookies

    client = TestClient(app, cookies={"session_id": "s", "other": "o"})
    assert only_error(client.get("/c")) == {
        "type": "extra_forbidden",
        "loc": ["cookie", "other"],
        "msg": "Extra inputs are not permitted",
        "input": "o",
    }


def test_query_model_reads_field_aliases() -> None:
    class Aliased(BaseModel):
        page: int = Field(alias="Page")

    app = FastAPI()

    @app.get("/items")
    def items(query: Annotated[Aliased, Query()]) -> Aliased:
        return query

    client = client_for(app)
    assert client.get("/items?Page=2").json() == {"Page": 2}
    assert only_error(client.get("/items?page=2")) == {
        "type": "missing",
        "loc": ["query", "Page"],
        "msg": "Field required",
        "input": {"page": "2"},
    }


def test_header_model_without_underscore_conversion() -> None:
    class RawHeaders(BaseModel):
        x_a: str | None = None

    app = FastAPI()

    @app.get("/h")
    def h(headers: Annotated[RawHeaders, Header(convert_underscores=False)]) -> RawHeaders:
        return headers

    response = client_for(app).get("/h", headers={"x-a": "dash", "x_a": "underscore"})
    assert response.json() == {"x_a": "underscore"}


# --- where an unmarked parameter is read from ------------------------------------------


def test_path_value_wins_over_same_named_query_param() -> None:
    app = FastAPI()

    @app.get("/a/{name}")
    def a(name: str, extra: str = "e") -> list[str]:
        return [name, extra]

    assert client_for(app).get("/a/n?name=ignored&extra=x").json() == ["n", "x"]


def test_unannotated_param_is_a_string_query_param() -> None:
    app = FastAPI()

    @app.get("/u")
    def u(value):  # type: ignore[no-untyped-def]
        return {"value": value, "type": type(value).__name__}

    assert client_for(app).get("/u?value=3").json() == {"value": "3", "type": "str"}


def test_list_param_without_marker_is_read_from_body() -> None:
    app = FastAPI()

    @app.post("/tags")
    def tags(tags: list[str]) -> list[str]:
        return tags

    client = TestClient(app)
    assert client.post("/tags", json=["a", "b"]).json() == ["a", "b"]
    assert client.post("/tags?tags=q").json()["detail"][0]["loc"] == ["body"]


def test_endpoints_declaring_equal_defaults_of_other_types_keep_their_own() -> None:
    app = FastAPI()
    app.get("/int")(lambda size=1: {"size": size})
    app.get("/float")(lambda size=1.0: {"size": size})
    app.get("/bool")(lambda size=True: {"size": size})
    client = client_for(app)

    assert client.get("/int").text == '{"size":1}'
    assert client.get("/float").text == '{"size":1.0}'
    assert client.get("/bool").text == '{"size":true}'
    defaults = [path["get"]["parameters"][0]["schema"]["default"] for path in app.openapi()["paths"].values()]
    assert [type(default) for default in defaults] == [int, float, bool]


def test_parameter_declared_alike_on_many_endpoints_reads_each_routes_path() -> None:
    def one(item_id: int) -> int:
        return item_id

    def listed(item_id: int) -> int:
        return item_id

    app = FastAPI()
    app.get("/items/{item_id}")(one)
    app.get("/items")(listed)
    client = client_for(app)

    assert client.get("/items/3").json() == 3
    assert client.get("/items?item_id=4").json() == 4
    assert client.get("/items").status_code == 422


# --- raw query values --------------------------------------------------------------------


def test_query_plus_sign_is_a_space() -> None:
    app = FastAPI()

    @app.get("/q")
    def q(text: str) -> str:
        return text

    assert client_for(app).get("/q?text=a+b%2Bc").json() == "a b+c"


def test_query_percent_encoded_unicode() -> None:
    app = FastAPI()

    @app.get("/q")
    def q(text: str) -> str:
        return text

    assert client_for(app).get("/q?text=caf%C3%A9").json() == "café"


# --- endpoint shapes and injected objects ---------------------------------------------


def test_async_endpoint_receives_params() -> None:
    app = FastAPI()

    @app.get("/a/{x}")
    async def a(x: int, y: int = 2) -> int:
        return x * y

    assert client_for(app).get("/a/3?y=4").json() == 12


def test_request_object_is_injected() -> None:
    app = FastAPI()

    @app.post("/raw/{name}")
    async def raw(name: str, request: Request) -> dict[str, Any]:
        return {
            "name": name,
            "method": request.method,
            "path_params": request.path_params,
            "query": request.query_params.get("q"),
            "body": await request.json(),
        }

    response = TestClient(app).post("/raw/n?q=1", json={"k": "v"})
    assert response.json() == {
        "name": "n",
        "method": "POST",
        "path_params": {"name": "n"},
        "query": "1",
        "body": {"k": "v"},
    }


def test_http_connection_is_injected() -> None:
    app = FastAPI()

    @app.get("/conn")
    def conn(connection: HTTPConnection) -> str:
        return connection.url.path

    assert TestClient(app).get("/conn").json() == "/conn"


def test_partial_function_endpoint() -> None:
    def greet(greeting: str, name: str) -> str:
        return f"{greeting}, {name}"

    app = FastAPI()
    app.get("/greet")(functools.partial(greet, "Hello"))

    assert TestClient(app).get("/greet?name=Ann").json() == "Hello, Ann"


def test_callable_instance_endpoint() -> None:
    class Counter:
        def __call__(self, step: int = 1) -> int:
            return step * 10

    app = FastAPI()
    app.add_api_route("/count", Counter())

    assert TestClient(app).get("/count?step=2").json() == 20


def test_postponed_annotations_are_resolved_from_endpoint_module() -> None:
    source = "\n".join(
        [
            "from __future__ import annotations",
            "from pydantic import BaseModel",
            "from nimbleapi import FastAPI",
            "class Thing(BaseModel):",
            "    label: str",
            "app = FastAPI()",
            "@app.post('/things/{thing_id}')",
            "def create(thing_id: int, thing: Thing, loud: bool = False) -> Thing:",
            "    label = thing.label.upper() if loud else thing.label",
            "    return Thing(label=f'{thing_id}:{label}')",
        ]
    )
    namespace: dict[str, Any] = {"__name__": "postponed_example"}
    exec(compile(source, "<postponed_example>", "exec"), namespace)
    client = client_for(namespace["app"])

    response = client.post("/things/3?loud=true", json={"label": "box"})
    assert response.json() == {"label": "3:BOX"}
    assert client.post("/things/x", json={"label": "box"}).status_code == 422


def test_bound_method_endpoint() -> None:
    class Greeter:
        def __init__(self, greeting: str) -> None:
            self.greeting = greeting

        def greet(self, name: str) -> str:
            return f"{self.greeting} {name}"

    app = FastAPI()
    app.get("/greet")(Greeter("Hi").greet)

    assert client_for(app).get("/greet?name=Bo").json() == "Hi Bo"


def test_request_scope_carries_route_and_path_params() -> None:
    app = FastAPI()

    @app.get("/items/{item_id}", name="read_item")
    def read_item(item_id: int, request: Request) -> dict[str, Any]:
        route = request.scope["route"]
        return {
            "route_path": route.path,
            "route_name": route.name,
            "endpoint_is_self": request.scope["endpoint"] is read_item,
            "path_params": request.scope["path_params"],
        }

    assert client_for(app).get("/items/4").json() == {
        "route_path": "/items/{item_id}",
        "route_name": "read_item",
        "endpoint_is_self": True,
        "path_params": {"item_id": "4"},
    }
