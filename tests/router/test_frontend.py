"""Frontend builds: ``app.frontend()`` / ``router.frontend()`` serve a static build after every route.

Covers file serving, the ``index.html`` / ``404.html`` fallbacks, the priority of path
operations and redirects over frontend files, ``check_dir``, dependencies guarding a
frontend, and frontends carried over by ``include_router``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from nimbleapi import (
    APIRouter,
    BackgroundTasks,
    Depends,
    FastAPI,
    HTTPException,
    Request,
    Response,
)
from nimbleapi.testclient import TestClient

HTML = {"accept": "text/html"}


def build(directory: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def frontend_app(tmp_path: Path, files: dict[str, str], **options: Any) -> TestClient:
    app = FastAPI()
    app.frontend("/", directory=build(tmp_path / "dist", files), **options)
    return TestClient(app)


# --- serving files ----------------------------------------------------------------------------


def test_file_is_served_with_caching_headers(tmp_path: Path) -> None:
    client = frontend_app(tmp_path, {"assets/app.js": "console.log(1)"})

    response = client.get("/assets/app.js")

    assert response.status_code == 200
    assert response.text == "console.log(1)"
    assert "etag" in response.headers and "last-modified" in response.headers


def test_head_request_gets_headers_only(tmp_path: Path) -> None:
    response = frontend_app(tmp_path, {"asset.txt": "ok"}).head("/asset.txt")

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "2"


def test_directory_redirects_to_slash_then_serves_its_index(tmp_path: Path) -> None:
    client = frontend_app(tmp_path, {"about/index.html": "about"})

    redirect = client.get("/about", follow_redirects=False)
    page = client.get("/about/")

    assert redirect.status_code == 307
    assert redirect.headers["location"] == "http://testserver/about/"
    assert page.text == "about"


def test_frontend_under_a_path_serves_below_it_only_on_segment_boundaries(tmp_path: Path) -> None:
    app = FastAPI()
    app.frontend("/app/", directory=build(tmp_path / "dist", {"asset.txt": "ok", "index.html": "shell"}))
    client = TestClient(app)

    assert client.get("/app/asset.txt").text == "ok"
    assert client.get("/application", headers=HTML).status_code == 404


def test_root_path_is_stripped_before_matching(tmp_path: Path) -> None:
    app = FastAPI()
    app.frontend("/app", directory=build(tmp_path / "dist", {"asset.txt": "ok"}))

    response = TestClient(app, root_path="/proxy").get("/app/asset.txt")

    assert response.text == "ok"


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"])
def test_paths_cannot_escape_the_directory(tmp_path: Path, path: str) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    client = frontend_app(tmp_path, {"index.html": "shell"})

    response = client.get(path)

    assert response.status_code == 404
    assert "secret" not in response.text


def test_symlink_leading_outside_the_directory_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    dist = build(tmp_path / "dist", {})
    os.symlink(tmp_path / "secret.txt", dist / "secret.txt")
    app = FastAPI()
    app.frontend("/", directory=dist)

    assert TestClient(app).get("/secret.txt").status_code == 404


# --- fallbacks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept",
    ["text/html", "application/xhtml+xml", "text/html; charset=utf-8; q=0.8", "text/html; q=wat"],
)
def test_navigation_to_unknown_path_gets_index_html(tmp_path: Path, accept: str) -> None:
    client = frontend_app(tmp_path, {"index.html": "shell"}, fallback="index.html")

    response = client.get("/users/jane.doe", headers={"accept": accept})

    assert response.status_code == 200
    assert response.text == "shell"


@pytest.mark.parametrize("accept", ["*/*", "application/json", "image/png", "", "text/html; q=0, */*; q=1"])
def test_non_navigation_request_for_unknown_path_gets_404(tmp_path: Path, accept: str) -> None:
    client = frontend_app(tmp_path, {"index.html": "shell"}, fallback="index.html")

    response = client.get("/assets/missing.js", headers={"accept": accept})

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_404_html_fallback_answers_with_status_404(tmp_path: Path) -> None:
    client = frontend_app(tmp_path, {"404.html": "missing"}, fallback="404.html")

    response = client.get("/assets/missing.js")

    assert response.status_code == 404
    assert response.text == "missing"


def test_auto_fallback_prefers_404_html_over_index_html(tmp_path: Path) -> None:
    client = frontend_app(tmp_path, {"index.html": "shell", "404.html": "missing"})

    response = client.get("/dashboard", headers=HTML)

    assert (response.status_code, response.text) == (404, "missing")


def test_auto_fallback_uses_index_html_when_there_is_no_404_html(tmp_path: Path) -> None:
    client = frontend_app(tmp_path, {"index.html": "shell"})

    response = client.get("/dashboard", headers=HTML)

    assert (response.status_code, response.text) == (200, "shell")


def test_no_fallback_answers_the_usual_404(tmp_path: Path) -> None:
    client = frontend_app(tmp_path, {"index.html": "shell"}, fallback=None)

    response = client.get("/dashboard", headers=HTML)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


# --- methods ------------------------------------------------------------------------------------


def test_other_method_on_existing_file_is_405(tmp_path: Path) -> None:
    client = frontend_app(tmp_path, {"asset.txt": "ok", "index.html": "shell"})

    assert client.post("/asset.txt").status_code == 405
    assert client.post("/").status_code == 405


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_other_method_on_fallback_only_path_is_404(tmp_path: Path, method: str) -> None:
    client = frontend_app(tmp_path, {"index.html": "shell"}, fallback="index.html")

    response = client.request(method, "/dashboard", headers=HTML)

    assert response.status_code == 404


# --- priority -----------------------------------------------------------------------------------


def test_path_operation_wins_over_file_with_same_path(tmp_path: Path) -> None:
    app = FastAPI()

    @app.get("/api")
    def read_api() -> dict[str, str]:
        return {"source": "api"}

    app.frontend("/", directory=build(tmp_path / "dist", {"api": "file"}))
    client = TestClient(app)

    assert client.get("/api").json() == {"source": "api"}
    assert client.post("/api").status_code == 405


def test_path_operation_404_is_not_replaced_by_fallback(tmp_path: Path) -> None:
    app = FastAPI()

    @app.get("/api/users")
    def read_users() -> None:
        raise HTTPException(status_code=404, detail="no users")

    app.frontend("/", directory=build(tmp_path / "dist", {"index.html": "shell"}), fallback="index.html")

    response = TestClient(app).get("/api/users", headers=HTML)

    assert response.json() == {"detail": "no users"}


def test_slash_redirect_to_a_path_operation_wins_over_frontend(tmp_path: Path) -> None:
    app = FastAPI()

    @app.get("/api/")
    def read_api() -> dict[str, str]:
        return {"source": "api"}

    app.frontend("/", directory=build(tmp_path / "dist", {"api": "file"}))

    response = TestClient(app).get("/api", follow_redirects=False)

    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/api/"


def test_longest_matching_frontend_wins_whatever_the_order(tmp_path: Path) -> None:
    app = FastAPI()
    app.frontend("/", directory=build(tmp_path / "site", {"index.html": "site"}), fallback="index.html")
    app.frontend("/admin", directory=build(tmp_path / "admin", {"index.html": "admin"}), fallback="index.html")
    client = TestClient(app)

    assert client.get("/admin/settings", headers=HTML).text == "admin"
    assert client.get("/settings", headers=HTML).text == "site"


def test_frontend_is_not_in_openapi(tmp_path: Path) -> None:
    app = FastAPI()

    @app.get("/api")
    def read_api() -> None:
        return None

    app.frontend("/", directory=build(tmp_path / "dist", {"index.html": "shell"}))

    assert set(app.openapi()["paths"]) == {"/api"}


# --- declaration checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "message"), [("", "cannot be empty"), ("app", "must start with '/'")])
def test_frontend_path_is_validated(tmp_path: Path, path: str, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        FastAPI().frontend(path, directory=build(tmp_path / "dist", {}))


def test_unknown_fallback_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="fallback must be 'auto', 'index.html', '404.html', or None"):
        FastAPI().frontend("/", directory=build(tmp_path / "dist", {}), fallback="spa")  # type: ignore[arg-type]


def test_missing_directory_fails_at_declaration_with_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FASTAPI_ENV", raising=False)
    monkeypatch.chdir(tmp_path)

    with pytest.raises(RuntimeError) as exc_info:
        FastAPI().frontend("/", directory="missing")

    assert str(exc_info.value) == (
        f"Frontend directory 'missing' does not exist. Resolved absolute path: '{tmp_path / 'missing'}'"
    )


@pytest.mark.parametrize("declare_on", ["app", "router"])
def test_missing_directory_only_warns_in_development(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, declare_on: str
) -> None:
    monkeypatch.setenv("FASTAPI_ENV", "development")
    target = FastAPI() if declare_on == "app" else APIRouter()

    with pytest.warns(UserWarning, match="does not exist") as caught:
        target.frontend("/", directory=tmp_path / "missing")

    assert caught[0].filename == __file__


def test_check_dir_true_fails_even_in_development(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_ENV", "development")

    with pytest.raises(RuntimeError, match="does not exist"):
        FastAPI().frontend("/", directory=tmp_path / "missing", check_dir=True)


def test_check_dir_false_defers_the_failure_to_the_first_request(tmp_path: Path) -> None:
    app = FastAPI()
    app.frontend("/", directory=tmp_path / "missing", check_dir=False)

    with pytest.raises(RuntimeError, match="does not exist"):
        TestClient(app).get("/asset.txt")


def test_missing_explicit_fallback_file_fails_at_declaration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(tmp_path / "dist", {})
    monkeypatch.chdir(tmp_path)

    with pytest.raises(RuntimeError) as exc_info:
        FastAPI().frontend("/", directory="dist", fallback="index.html")

    assert str(exc_info.value) == (
        "Frontend fallback file 'index.html' does not exist in directory 'dist'. "
        f"Resolved absolute directory: '{tmp_path / 'dist'}'"
    )


# --- dependencies -------------------------------------------------------------------------------


def test_app_dependencies_guard_files_and_fallback(tmp_path: Path) -> None:
    seen: list[str] = []

    def require_session(request: Request) -> None:
        seen.append(request.url.path)
        if request.cookies.get("session") != "ok":
            raise HTTPException(status_code=401)

    app = FastAPI(dependencies=[Depends(require_session)])
    app.frontend("/", directory=build(tmp_path / "dist", {"index.html": "shell"}), fallback="index.html")
    client = TestClient(app)

    assert client.get("/").status_code == 401
    assert client.get("/", headers={"cookie": "session=ok"}).text == "shell"
    assert client.get("/deep/link", headers={**HTML, "cookie": "session=ok"}).text == "shell"
    assert seen == ["/", "/", "/deep/link"]


def test_dependencies_do_not_run_for_methods_the_frontend_refuses(tmp_path: Path) -> None:
    seen: list[str] = []
    app = FastAPI(dependencies=[Depends(lambda: seen.append("ran"))])
    app.frontend("/", directory=build(tmp_path / "dist", {"asset.txt": "ok"}))

    assert TestClient(app).post("/asset.txt").status_code == 405
    assert seen == []


def test_dependency_headers_cookies_and_background_tasks_reach_the_response(tmp_path: Path) -> None:
    done: list[str] = []

    def decorate(response: Response, background_tasks: BackgroundTasks) -> None:
        response.headers["X-Guard"] = "passed"
        response.set_cookie("seen", "yes")
        background_tasks.add_task(done.append, "background")

    app = FastAPI(dependencies=[Depends(decorate)])
    app.frontend("/", directory=build(tmp_path / "dist", {"index.html": "shell"}))

    response = TestClient(app).get("/")

    assert response.text == "shell"
    assert response.headers["X-Guard"] == "passed"
    assert response.cookies["seen"] == "yes"
    assert done == ["background"]


def test_dependency_validation_error_is_422(tmp_path: Path) -> None:
    def require_token(token: str) -> None:
        raise AssertionError("not reached")

    app = FastAPI(dependencies=[Depends(require_token)])
    app.frontend("/", directory=build(tmp_path / "dist", {"index.html": "shell"}))

    response = TestClient(app).get("/")

    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"type": "missing", "loc": ["query", "token"], "msg": "Field required", "input": None}]
    }


def test_dependency_overrides_apply_to_frontend(tmp_path: Path) -> None:
    def deny() -> None:
        raise HTTPException(status_code=401)

    app = FastAPI(dependencies=[Depends(deny)])
    app.frontend("/", directory=build(tmp_path / "dist", {"index.html": "shell"}))
    app.dependency_overrides[deny] = lambda: None

    assert TestClient(app).get("/").text == "shell"


def test_yield_dependency_cleans_up_after_the_file_is_sent(tmp_path: Path) -> None:
    events: list[str] = []

    def session() -> Any:
        events.append("open")
        yield
        events.append("close")

    app = FastAPI(dependencies=[Depends(session)])
    app.frontend("/", directory=build(tmp_path / "dist", {"index.html": "shell"}))

    assert TestClient(app).get("/").text == "shell"
    assert events == ["open", "close"]


# --- include_router -------------------------------------------------------------------------------


def test_included_frontend_uses_router_and_include_prefixes(tmp_path: Path) -> None:
    router = APIRouter(prefix="/internal")
    router.frontend("/ui", directory=build(tmp_path / "dist", {"asset.txt": "ok"}))
    app = FastAPI()
    app.include_router(router, prefix="/outer")

    assert TestClient(app).get("/outer/internal/ui/asset.txt").text == "ok"


def test_nested_includes_apply_every_prefix(tmp_path: Path) -> None:
    child = APIRouter()
    child.frontend("/", directory=build(tmp_path / "dist", {"index.html": "admin"}), fallback="index.html")
    parent = APIRouter()
    parent.include_router(child, prefix="/child")
    app = FastAPI()
    app.include_router(parent, prefix="/parent")

    assert TestClient(app).get("/parent/child/settings", headers=HTML).text == "admin"


def test_included_frontend_dependencies_run_outermost_first(tmp_path: Path) -> None:
    calls: list[str] = []

    def record(name: str) -> Any:
        return Depends(lambda: calls.append(name))

    child = APIRouter(dependencies=[record("child")])
    child.frontend("/ui", directory=build(tmp_path / "dist", {"index.html": "shell"}))
    parent = APIRouter(dependencies=[record("parent")])
    parent.include_router(child, prefix="/child", dependencies=[record("parent-include")])
    app = FastAPI(dependencies=[record("app")])
    app.include_router(parent, prefix="/parent", dependencies=[record("app-include")])

    response = TestClient(app).get("/parent/child/ui/")

    assert response.text == "shell"
    assert calls == ["app", "app-include", "parent", "parent-include", "child"]


def test_only_the_chosen_frontends_dependencies_run(tmp_path: Path) -> None:
    calls: list[str] = []
    site, admin = APIRouter(), APIRouter()
    site.frontend("/", directory=build(tmp_path / "site", {"index.html": "site"}))
    admin.frontend("/", directory=build(tmp_path / "admin", {"index.html": "admin"}))
    app = FastAPI()
    app.include_router(site, dependencies=[Depends(lambda: calls.append("site"))])
    app.include_router(admin, prefix="/admin", dependencies=[Depends(lambda: calls.append("admin"))])

    response = TestClient(app).get("/admin/")

    assert response.text == "admin"
    assert calls == ["admin"]


def test_included_frontend_does_not_shadow_routes_or_url_names(tmp_path: Path) -> None:
    site = APIRouter()
    site.frontend("/", directory=build(tmp_path / "dist", {"index.html": "shell"}), fallback="index.html")
    api = APIRouter()

    @api.get("/api/users", name="users")
    def read_users() -> dict[str, str]:
        return {"source": "api"}

    app = FastAPI()
    app.include_router(site)
    app.include_router(api)
    client = TestClient(app)

    assert client.get("/api/users", headers=HTML).json() == {"source": "api"}
    assert client.get("/elsewhere", headers=HTML).text == "shell"
    assert app.url_path_for("users") == "/api/users"


def test_each_inclusion_applies_its_own_body_size_limit(tmp_path: Path) -> None:
    router = APIRouter()
    router.frontend("/", directory=build(tmp_path / "dist", {"index.html": "shell"}))
    app = FastAPI()
    app.include_router(router, prefix="/strict", max_body_size=0)
    app.include_router(router, prefix="/lenient", max_body_size=10)
    client = TestClient(app)

    strict = client.request("GET", "/strict/index.html", content=b"x")
    lenient = client.request("GET", "/lenient/index.html", content=b"x")

    assert (strict.status_code, strict.text) == (413, "Content Too Large")
    assert (lenient.status_code, lenient.text) == (200, "shell")
