"""Applications whose OpenAPI documents are compared with FastAPI 0.165.0's.

Each scenario is a function ``build(fw) -> app`` where ``fw`` is a namespace holding the
framework's names (``fw.FastAPI``, ``fw.Query``, ``fw.security``, ``fw.responses``...),
so the very same source builds a FastAPI app (for ``make_snapshots.py``) and a
nimbleapi app (for the tests). Models are plain pydantic and shared.
"""

# No ``from __future__ import annotations`` here: the endpoints' annotations refer to the
# local ``fw`` namespace, so they must be evaluated where they are written.
import datetime
import importlib
from collections.abc import Callable
from enum import Enum
from types import SimpleNamespace
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, computed_field

SUBMODULES = ("security", "responses", "params", "routing", "openapi.utils")


def load_framework(name: str) -> SimpleNamespace:
    root = importlib.import_module(name)
    namespace = SimpleNamespace(**{key: getattr(root, key) for key in dir(root) if not key.startswith("_")})
    for submodule in SUBMODULES:
        setattr(namespace, submodule.replace(".", "_"), importlib.import_module(f"{name}.{submodule}"))
    return namespace


# ---------------------------------------------------------------- shared models


class Color(str, Enum):
    red = "red"
    green = "green"


class Tag(BaseModel):
    name: str
    color: Color = Color.red


class Item(BaseModel):
    """An item for sale.\fInternal notes that must not reach the document."""

    name: str = Field(min_length=1, examples=["Hammer"])
    description: Optional[str] = None
    price: float = Field(gt=0, description="Price in euros")
    tags: list[Tag] = []
    created: datetime.datetime | None = None


class ItemOut(BaseModel):
    name: str
    price: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def price_with_tax(self) -> float:
        return self.price * 1.2


class User(BaseModel):
    username: str
    full_name: str | None = None


class Message(BaseModel):
    message: str


class FilterParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(100, gt=0, le=100)
    offset: int = Field(0, ge=0)
    order_by: Literal["created_at", "updated_at"] = "created_at"
    tags: list[str] = []


class CommonHeaders(BaseModel):
    host: str
    save_data: bool
    x_tag: list[str] = []


class Cookies(BaseModel):
    session_id: str
    tracker: str | None = None


class FormData(BaseModel):
    username: str
    password: str
    remember: bool = False


class Event(BaseModel):
    id: int
    kind: str


class Invoice(BaseModel):
    id: str
    total: float


class InvoiceEvent(BaseModel):
    description: str
    paid: bool


class Subscription(BaseModel):
    username: str
    monthly_fee: float
    start_date: datetime.datetime


# ---------------------------------------------------------------- scenarios


def parameters(fw: Any) -> Any:
    app = fw.FastAPI()

    @app.get("/items/{item_id}", tags=["items"], summary="Read one item", description="Reads an item by id.")
    def read_item(
        item_id: Annotated[int, fw.Path(title="The ID", ge=1, le=1000)],
        q: Annotated[str | None, fw.Query(alias="item-query", min_length=3, max_length=50, pattern="^fixed")] = None,
        size: Annotated[float, fw.Query(gt=0, lt=10.5)] = 1.0,
        color: Color = Color.red,
        many: Annotated[list[str], fw.Query(description="Several values")] = [],
        old: Annotated[str | None, fw.Query(deprecated=True)] = None,
        hidden: Annotated[str | None, fw.Query(include_in_schema=False)] = None,
        documented: Annotated[
            int | None,
            fw.Query(
                openapi_examples={"small": {"summary": "A small one", "value": 1}, "big": {"value": 1000}},
            ),
        ] = None,
        listed: Annotated[str | None, fw.Query(examples=["one", "two"])] = None,
    ) -> dict[str, Any]:
        return {}

    @app.get("/headers/")
    def read_headers(
        user_agent: Annotated[str | None, fw.Header()] = None,
        strange_header: Annotated[str | None, fw.Header(convert_underscores=False)] = None,
        x_token: Annotated[list[str] | None, fw.Header()] = None,
        ads_id: Annotated[str | None, fw.Cookie()] = None,
    ) -> dict[str, Any]:
        return {}

    @app.get("/choices/")
    def read_choices(
        name: Annotated[str, fw.Query(validation_alias=AliasChoices("name", "title"))],
    ) -> str:
        return name

    @app.get("/no-params/", deprecated=True, operation_id="custom_operation")
    def no_params() -> None:
        return None

    @app.get("/hidden/", include_in_schema=False)
    def hidden_route() -> None:
        return None

    @app.get("/users/{user_id}/items/{item_id}")
    async def read_user_item(user_id: str, item_id: str, needy: str, skip: int = 0, limit: int | None = None) -> Any:
        return {}

    return app


def bodies(fw: Any) -> Any:
    app = fw.FastAPI()

    @app.post("/items/", status_code=201, response_model=ItemOut)
    def create_item(item: Item) -> Any:
        return item

    @app.put("/items/{item_id}")
    def update_item(
        item_id: int,
        item: Item,
        user: User,
        importance: Annotated[int, fw.Body(gt=0)],
        q: str | None = None,
    ) -> dict[str, Any]:
        return {}

    @app.put("/embedded/{item_id}")
    def embedded(item_id: int, item: Annotated[Item, fw.Body(embed=True)]) -> Item:
        return item

    @app.post("/examples/")
    def with_examples(
        item: Annotated[
            Item,
            fw.Body(
                openapi_examples={
                    "normal": {"summary": "A normal example", "value": {"name": "Foo", "price": 35.4}},
                    "invalid": {"summary": "Invalid data", "value": {"name": "Baz", "price": "thirty five"}},
                }
            ),
        ],
    ) -> Item:
        return item

    @app.post("/optional-body/")
    def optional_body(item: Item | None = None) -> dict[str, Any]:
        return {}

    @app.post("/scalar-body/")
    def scalar_body(value: Annotated[int, fw.Body()]) -> int:
        return value

    @app.post("/list-body/")
    def list_body(items: list[Item]) -> list[Item]:
        return items

    @app.post("/bytes/")
    def raw_bytes(data: Annotated[bytes, fw.Body(media_type="application/octet-stream")]) -> dict[str, Any]:
        return {}

    return app


def shared_schemas(fw: Any) -> Any:
    app = fw.FastAPI(separate_input_output_schemas=False)

    @app.post("/items/")
    def create_item(item: Item) -> Item:
        return item

    @app.get("/computed/")
    def computed() -> ItemOut:
        return ItemOut(name="a", price=1.0)

    return app


def forms_and_files(fw: Any) -> Any:
    app = fw.FastAPI()

    @app.post("/login/")
    def login(username: Annotated[str, fw.Form()], password: Annotated[str, fw.Form(min_length=8)]) -> dict[str, Any]:
        return {}

    @app.post("/form-model/")
    def form_model(data: Annotated[FormData, fw.Form()]) -> FormData:
        return data

    @app.post("/files/")
    def upload(
        file: Annotated[bytes, fw.File(description="A file read as bytes")],
        upload: fw.UploadFile,
        token: Annotated[str, fw.Form()],
        extra: Annotated[list[fw.UploadFile] | None, fw.File()] = None,
    ) -> dict[str, Any]:
        return {}

    @app.post("/single-file/")
    def single_file(file: fw.UploadFile | None = None) -> dict[str, Any]:
        return {}

    return app


def responses(fw: Any) -> Any:
    app = fw.FastAPI()
    responses_module = fw.responses

    @app.get(
        "/items/{item_id}",
        response_model=Item,
        responses={
            404: {"model": Message, "description": "The item was not found"},
            "default": {"description": "Something else"},
            "5XX": {"description": "Server trouble"},
            302: {},
            200: {
                "content": {"image/png": {}},
                "description": "Return the JSON item or an image.",
            },
        },
        response_description="The item",
    )
    def read_item(item_id: str) -> Any:
        return None

    @app.get("/html/", response_class=responses_module.HTMLResponse)
    def html() -> str:
        return "<p>hi</p>"

    @app.get("/text/", response_class=responses_module.PlainTextResponse, status_code=202)
    def text() -> str:
        return "hi"

    @app.delete("/items/{item_id}", status_code=204)
    def delete_item(item_id: str) -> None:
        return None

    @app.get("/redirect/", response_class=responses_module.RedirectResponse)
    def redirect() -> str:
        return "/"

    @app.get("/no-model/", response_model=None)
    def no_model() -> Any:
        return {}

    @app.get("/union/", response_model=Union[Item, User])
    def union() -> Any:
        return {}

    @app.post(
        "/custom-422/",
        responses={422: {"description": "Custom validation", "model": Message}},
    )
    def custom_422(item: Item) -> None:
        return None

    @app.get("/with-4xx/{x}", responses={"4XX": {"model": Message}})
    def with_4xx(x: int) -> None:
        return None

    @app.get("/list/", response_model=list[User])
    def list_users() -> Any:
        return []

    return app


def security(fw: Any) -> Any:
    sec = fw.security
    app = fw.FastAPI()
    oauth2 = sec.OAuth2PasswordBearer(
        tokenUrl="token", scopes={"me": "Read information about the current user.", "items": "Read items."}
    )
    api_key_header = sec.APIKeyHeader(name="X-API-Key", description="Key in a header", auto_error=False)
    api_key_query = sec.APIKeyQuery(name="api_key", scheme_name="QueryKey")
    api_key_cookie = sec.APIKeyCookie(name="session")
    basic = sec.HTTPBasic(realm="simple")
    bearer = sec.HTTPBearer(bearerFormat="JWT")
    openid = sec.OpenIdConnect(openIdConnectUrl="/openid")
    code_bearer = sec.OAuth2AuthorizationCodeBearer(
        authorizationUrl="authorize", tokenUrl="token", refreshUrl="refresh", scopes={"read": "Read it"}
    )

    def current_user(
        security_scopes: sec.SecurityScopes, token: Annotated[str, fw.Depends(oauth2)]
    ) -> str:
        return token

    def active_user(user: Annotated[str, fw.Security(current_user, scopes=["me"])]) -> str:
        return user

    @app.get("/users/me/items/")
    def my_items(user: Annotated[str, fw.Security(active_user, scopes=["items"])]) -> list[str]:
        return []

    @app.get("/users/me/")
    def me(user: Annotated[str, fw.Depends(active_user)]) -> str:
        return user

    @app.get("/keys/")
    def keys(
        header: Annotated[str | None, fw.Depends(api_key_header)],
        query: Annotated[str, fw.Depends(api_key_query)],
        cookie: Annotated[str, fw.Depends(api_key_cookie)],
    ) -> None:
        return None

    @app.get("/http/")
    def http(
        credentials: Annotated[sec.HTTPBasicCredentials, fw.Depends(basic)],
        token: Annotated[sec.HTTPAuthorizationCredentials, fw.Depends(bearer)],
    ) -> None:
        return None

    @app.get("/openid/", dependencies=[fw.Depends(openid)])
    def openid_route() -> None:
        return None

    @app.get("/code/")
    def code(token: Annotated[str, fw.Security(code_bearer, scopes=["read"])]) -> None:
        return None

    @app.post("/token")
    def token(form: Annotated[sec.OAuth2PasswordRequestForm, fw.Depends()]) -> dict[str, str]:
        return {}

    return app


def routers(fw: Any) -> Any:
    def verify_token(x_token: Annotated[str, fw.Header()]) -> None:
        return None

    def custom_unique_id(route: Any) -> str:
        return f"{route.tags[0]}-{route.name}" if route.tags else route.name

    app = fw.FastAPI(dependencies=[fw.Depends(verify_token)])
    router = fw.APIRouter(
        prefix="/items",
        tags=["items"],
        responses={404: {"description": "Not found"}},
        deprecated=True,
    )

    @router.get("/")
    def list_items(skip: int = 0) -> list[Item]:
        return []

    @router.get("/{item_id}", tags=["custom"], responses={403: {"description": "Forbidden"}})
    def get_item(item_id: str) -> Item:
        return Item(name="x", price=1)

    users = fw.APIRouter(generate_unique_id_function=custom_unique_id)

    @users.get("/users/", tags=["users"])
    def list_users() -> list[User]:
        return []

    @users.get("/users/{name}")
    def get_user(name: str) -> User:
        return User(username=name)

    hidden = fw.APIRouter()

    @hidden.get("/internal/")
    def internal() -> None:
        return None

    app.include_router(router)
    app.include_router(users, prefix="/v1")
    app.include_router(hidden, include_in_schema=False)
    return app


def param_models(fw: Any) -> Any:
    app = fw.FastAPI()

    @app.get("/items/")
    def read_items(filters: Annotated[FilterParams, fw.Query()]) -> FilterParams:
        return filters

    @app.get("/headers/")
    def read_headers(headers: Annotated[CommonHeaders, fw.Header()]) -> CommonHeaders:
        return headers

    @app.get("/cookies/")
    def read_cookies(cookies: Annotated[Cookies, fw.Cookie()]) -> Cookies:
        return cookies

    @app.get("/optional/")
    def read_optional(filters: Annotated[FilterParams | None, fw.Query()] = None) -> dict[str, Any]:
        return {}

    return app


def metadata(fw: Any) -> Any:
    app = fw.FastAPI(
        title="ChimichangApp",
        summary="Deadpool's favorite app. Nuff said.",
        description="Chimichangas **everywhere**.",
        version="0.0.1",
        terms_of_service="http://example.com/terms/",
        contact={"name": "Deadpoolio", "url": "http://x-force.example.com/contact/", "email": "dp@x-force.example.com"},
        license_info={"name": "Apache 2.0", "identifier": "Apache-2.0"},
        openapi_tags=[
            {"name": "users", "description": "Operations with users."},
            {"name": "items", "externalDocs": {"description": "Items external docs", "url": "https://example.com/"}},
        ],
        servers=[{"url": "https://stag.example.com", "description": "Staging environment"}],
        openapi_external_docs={"description": "More docs", "url": "https://example.com/docs"},
    )

    @app.get("/users/", tags=["users"])
    def get_users() -> list[User]:
        return []

    @app.get(
        "/extra/",
        openapi_extra={
            "x-aperture-labs-portal": "blue",
            "responses": {"200": {"description": "Overridden"}},
            "parameters": [{"name": "extra", "in": "query", "schema": {"type": "string"}}],
        },
    )
    def extra() -> None:
        return None

    return app


def callbacks_and_webhooks(fw: Any) -> Any:
    app = fw.FastAPI()
    callback_router = fw.APIRouter()

    @callback_router.post("{$callback_url}/invoices/{$request.body.id}", response_model=Message)
    def invoice_notification(body: InvoiceEvent) -> None:
        return None

    @app.post("/invoices/", callbacks=callback_router.routes)
    def create_invoice(invoice: Invoice, callback_url: str | None = None) -> dict[str, str]:
        return {}

    @app.webhooks.post("new-subscription")
    def new_subscription(body: Subscription) -> None:
        return None

    @app.get("/events/")
    def events() -> list[Event]:
        return []

    return app


SCENARIOS: dict[str, Callable[[Any], Any]] = {
    "parameters": parameters,
    "bodies": bodies,
    "shared_schemas": shared_schemas,
    "forms_and_files": forms_and_files,
    "responses": responses,
    "security": security,
    "routers": routers,
    "param_models": param_models,
    "metadata": metadata,
    "callbacks_and_webhooks": callbacks_and_webhooks,
}
