"""FastAPI's private helpers in ``_compat`` and ``dependencies.models`` behave as extensions expect."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from starlette.requests import Request

from nimbleapi._compat import ModelField, sequence_annotation_to_type, shared, v2
from nimbleapi.dependencies.models import (
    Dependant,
    _get_cache_key,
    _get_computed_scope,
    _get_oauth_scopes,
    _get_security_scheme,
    _is_async_gen_callable,
    _is_coroutine_callable,
    _is_coroutine_callable_cached,
    _is_gen_callable,
    _is_security_scheme,
    _uses_scopes,
)
from nimbleapi.security import APIKeyHeader
from nimbleapi.utils import create_cloned_field


def plain() -> None: ...
async def coroutine() -> None: ...
def generator() -> Iterator[None]:
    yield
async def async_generator() -> AsyncIterator[None]:
    yield


@pytest.mark.parametrize(
    ("call", "kinds"),
    [
        pytest.param(plain, (False, False, False), id="plain"),
        pytest.param(coroutine, (False, False, True), id="coroutine"),
        pytest.param(generator, (True, False, False), id="generator"),
        pytest.param(async_generator, (False, True, False), id="async-generator"),
    ],
)
def test_callables_are_classified(call: Any, kinds: tuple[bool, bool, bool]) -> None:
    assert (_is_gen_callable(call), _is_async_gen_callable(call), _is_coroutine_callable(call)) == kinds


def test_classification_is_cached_per_callable_identity() -> None:
    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

        async def __call__(self) -> None: ...

    _is_coroutine_callable_cached.cache_clear()
    instance = Unhashable()
    assert _is_coroutine_callable(instance) and _is_coroutine_callable(instance)
    info = _is_coroutine_callable_cached.cache_info()
    assert (info.hits, info.misses, info.maxsize) == (1, 1, 4096)


def test_cache_key_includes_scopes_only_when_they_matter() -> None:
    assert _get_cache_key(dependant=Dependant(call=plain)) == (plain, (), "")
    scoped = Dependant(call=plain, own_oauth_scopes=["b", "a"], parent_oauth_scopes=["a"])
    assert _get_oauth_scopes(dependant=scoped) == ["a", "b"]
    assert _uses_scopes(dependant=scoped)
    assert _get_cache_key(dependant=scoped) == (plain, ("a", "b"), "")
    assert _get_computed_scope(dependant=Dependant(call=generator)) == "request"


def test_security_schemes_are_found_through_the_tree() -> None:
    scheme = APIKeyHeader(name="key")
    security = Dependant(call=scheme)
    assert _is_security_scheme(dependant=security)
    assert _get_security_scheme(dependant=security) is scheme
    assert _uses_scopes(dependant=Dependant(call=plain, dependencies=[security]))
    assert not _is_security_scheme(dependant=Dependant(call=plain))


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        pytest.param(list[str], ["a", "b"], id="list"),
        pytest.param(set[str] | None, {"a", "b"}, id="optional-set"),
        pytest.param(None | tuple[str, ...], ("a", "b"), id="none-first"),
        pytest.param(Sequence[str], ["a", "b"], id="abstract-sequence"),
    ],
)
def test_serialize_sequence_value_rebuilds_the_declared_type(annotation: Any, expected: Any) -> None:
    field = ModelField(name="items", field_info=FieldInfo(annotation=annotation))
    assert v2.serialize_sequence_value(field=field, value=["a", "b"]) == expected


def test_sequence_builders() -> None:
    assert sequence_annotation_to_type[deque] is deque
    assert set(shared.sequence_types) == set(sequence_annotation_to_type)
    assert shared.value_is_sequence([1]) and not shared.value_is_sequence("ab")


class Pet(BaseModel):
    """A pet.\fInternal notes."""

    name: str


class Owner(BaseModel):
    pets: list[Pet]


def test_definitions_and_field_schema() -> None:
    field = ModelField(name="owner", field_info=FieldInfo(annotation=Owner))
    models = v2.get_flat_models_from_fields([field], known_models=set())
    assert models == {Owner, Pet}
    name_map = v2.get_model_name_map(models)
    mapping, definitions = v2.get_definitions(fields=[field], model_name_map=name_map)
    assert set(definitions) == {"Owner", "Pet"}
    assert definitions["Pet"]["description"] == "A pet."
    schema = v2.get_schema_from_model_field(field=field, model_name_map=name_map, field_mapping=mapping)
    assert schema == {"$ref": "#/components/schemas/Owner"}
    inline = ModelField(name="page_size", field_info=FieldInfo(annotation=int))
    mapping, _ = v2.get_definitions(fields=[inline], model_name_map={})
    assert v2.get_schema_from_model_field(field=inline, model_name_map={}, field_mapping=mapping)["title"] == "Page Size"


def test_evaluate_forwardref_is_lenient() -> None:
    assert v2.evaluate_forwardref("int", {}) is int
    assert v2.evaluate_forwardref("Pet", {"Pet": Pet}) is Pet
    unresolved = v2.evaluate_forwardref("Missing", {})
    assert "Missing" in repr(unresolved)


def test_errors_get_a_location_prefix() -> None:
    errors = [{"type": "missing", "loc": ("name",), "msg": "Field required"}]
    assert v2._regenerate_error_with_loc(errors=errors, loc_prefix=("body",))[0]["loc"] == ("body", "name")
    assert errors[0]["loc"] == ("name",)


def test_model_fields_and_cloned_fields() -> None:
    fields = v2.get_cached_model_fields(Owner)
    assert [field.name for field in fields] == ["pets"]
    assert v2.get_cached_model_fields(Owner) is fields
    assert create_cloned_field(fields[0]) is fields[0]


def test_generator_lifespan_is_lifted_to_an_async_context_manager() -> None:
    import anyio

    from nimbleapi.routing import _wrap_gen_lifespan_context

    events: list[str] = []

    def lifespan(app: Any) -> Iterator[dict[str, str]]:
        events.append("start")
        yield {"state": app}
        events.append("stop")

    async def run() -> None:
        async with _wrap_gen_lifespan_context(lifespan)("app") as state:
            assert state == {"state": "app"}
            events.append("serving")

    anyio.run(run)
    assert events == ["start", "serving", "stop"]
    assert _wrap_gen_lifespan_context(lifespan).__name__ == "lifespan"


def test_endpoint_context_is_worked_out_once_per_function() -> None:
    from nimbleapi.routing import _endpoint_context_cache, _extract_endpoint_context

    context = _extract_endpoint_context(plain)
    assert context["function"] == "plain" and context["file"] == __file__
    assert _extract_endpoint_context(plain) is context
    assert _endpoint_context_cache[id(plain)] is context


def test_non_finite_floats_become_null() -> None:
    from nimbleapi.routing import _normalize_non_finite_floats

    assert _normalize_non_finite_floats({"a": [float("nan"), 1.5], "b": float("inf")}) == {"a": [None, 1.5], "b": None}


def test_sse_field_checks_and_line_splitting() -> None:
    from nimbleapi.sse import _check_event_single_line, _check_id_valid, _split_sse_lines

    assert _check_event_single_line("update") == "update"
    with pytest.raises(ValueError, match="'event' must be a single line"):
        _check_event_single_line("a\nb")
    with pytest.raises(ValueError, match="null"):
        _check_id_valid("a\0")
    assert _split_sse_lines("a\r\nb\rc\n") == ["a", "b", "c", ""]


def test_json_for_script_tags_escapes_markup() -> None:
    from nimbleapi.openapi.docs import _html_safe_json

    assert _html_safe_json({"x": "</script>"}) == '{"x": "\\u003c/script\\u003e"}'


def test_update_scope_merges_the_fastapi_entries_instead_of_replacing_them() -> None:
    from nimbleapi.routing import _get_scope_effective_route_context, _update_scope

    scope: dict[str, object] = {"fastapi": {"kept": 1}, "path": "/a"}
    _update_scope(scope, {"fastapi": {"effective_route_context": "ctx"}, "path": "/b"})
    assert scope == {"fastapi": {"kept": 1, "effective_route_context": "ctx"}, "path": "/b"}
    assert _get_scope_effective_route_context(scope) == "ctx"


def test_included_route_exposes_its_served_form_in_the_scope() -> None:
    from nimbleapi import APIRouter, FastAPI
    from nimbleapi.routing import _get_scope_effective_route_context
    from nimbleapi.testclient import TestClient

    router = APIRouter()

    @router.get("/items/{item_id}")
    def read(item_id: int, request: Request) -> dict[str, object]:
        served = _get_scope_effective_route_context(request.scope)
        return {"declared": request.scope["route"].path, "path": served.path}

    app = FastAPI()
    app.include_router(router, prefix="/api")
    assert TestClient(app).get("/api/items/3").json() == {"declared": "/items/{item_id}", "path": "/api/items/{item_id}"}


def test_parameterless_dependencies_come_first_in_the_built_dependant() -> None:
    from nimbleapi import Depends, Query
    from nimbleapi.routing import _build_dependant_with_parameterless_dependencies

    def audit() -> None: ...

    def endpoint(q: str = Query()) -> None: ...

    dependant, body_params, embed = _build_dependant_with_parameterless_dependencies(
        path="/x", call=endpoint, dependencies=[Depends(audit)]
    )
    assert [sub.call for sub in dependant.dependencies] == [audit]
    assert [param.name for param in dependant.query_params] == ["q"]
    assert (body_params, embed) == ([], False)


class _Signup(BaseModel):
    name: str
    tags: list[str] = []


def _form_fields() -> list[ModelField]:
    from nimbleapi import File, Form
    from nimbleapi.dependencies.utils import get_dependant

    def endpoint(name: str = Form(), tags: list[str] = Form([]), photo: bytes = File(b"")) -> None: ...

    return get_dependant(path="/", call=endpoint).body_params


def _form(*entries: tuple[str, Any]) -> Any:
    from starlette.datastructures import FormData

    return FormData(list(entries))


def test_form_values_are_picked_per_field_as_the_engine_reads_them() -> None:
    from pydantic_core import PydanticUndefined

    from nimbleapi.dependencies.utils import _extract_form_items, _get_multidict_value

    name, tags, photo = _form_fields()
    form = _form(("name", "Ada"), ("tags", "a"), ("tags", "b"), ("photo", ""), ("other", "x"))
    assert _get_multidict_value(tags, form, "tags") == ["a", "b"]
    assert _get_multidict_value(photo, form, "photo") is PydanticUndefined  # an empty entry counts as absent
    items = [(alias, value, field.name if field else None) for alias, value, field in _extract_form_items([name, tags, photo], form)]
    assert items == [("name", "Ada", "name"), ("tags", ["a", "b"], "tags"), ("other", "x", None)]


def test_form_body_reads_bytes_files_and_keeps_the_upload_position() -> None:
    from io import BytesIO

    import anyio

    from starlette.datastructures import Headers, UploadFile

    from nimbleapi.dependencies.utils import _extract_form_body

    name, tags, photo = _form_fields()
    upload = UploadFile(BytesIO(b"png"), size=3, filename="p.png", headers=Headers({"content-type": "image/png"}))
    async def collect() -> list[Any]:
        return [item async for item in _extract_form_body([name, photo], _form(("name", "Ada"), ("photo", upload)))]

    body = anyio.run(collect)
    assert [(alias, value) for alias, value, _ in body] == [("name", "Ada"), ("photo", b"png")]
    assert upload.file.tell() == 0


def test_form_model_branch_is_normalized_and_detected() -> None:
    from nimbleapi.dependencies.utils import _is_form_model_supplied, _normalize_form_model

    # a sequence field gets a list; entries of no field are passed on for the model to judge
    assert _normalize_form_model({"name": "Ada", "tags": "a", "extra": "1"}, model=_Signup) == {
        "name": "Ada", "tags": ["a"], "extra": "1"
    }
    assert _normalize_form_model("not a form", model=_Signup) == "not a form"
    assert _is_form_model_supplied(_Signup, _form(("tags", "")))
    assert not _is_form_model_supplied(_Signup, _form(("unrelated", "1")))


def test_solve_dependencies_reads_query_and_cookies_as_the_request_object_holds_them() -> None:
    """Code that edits ``request.query_params`` or ``request.cookies`` before solving a
    dependant (request migrations, say) gets its edited values, not the raw scope's."""
    from contextlib import AsyncExitStack

    import anyio

    from nimbleapi import Cookie, Query
    from nimbleapi.dependencies.utils import get_dependant, solve_dependencies

    def endpoint(page: int = Query(1), session: str | None = Cookie(None)) -> None: ...

    request = Request({
        "type": "http", "method": "GET", "path": "/", "query_string": b"page=1",
        "headers": [(b"cookie", b"session=old")],
    })
    request.query_params._dict["page"] = "2"
    request.cookies["session"] = "new"

    async def solve() -> Any:
        async with AsyncExitStack() as stack:
            return await solve_dependencies(
                request=request, dependant=get_dependant(path="/", call=endpoint),
                async_exit_stack=stack, embed_body_fields=False,
            )

    solved = anyio.run(solve)
    assert solved.errors == []
    assert solved.values == {"page": 2, "session": "new"}
