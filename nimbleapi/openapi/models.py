"""Pydantic models of an OpenAPI 3.1 document.

The names and fields follow ``fastapi.openapi.models`` so that code which builds
or inspects a document with those classes (``get_openapi`` output, security
scheme ``model`` attributes, ``openapi_extra`` helpers) works unchanged.
Almost every object allows extra keys, because the specification allows
``x-`` extensions nearly everywhere.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterable, Mapping  # noqa: F401 - Iterable: star-import parity
from enum import Enum
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import AnyUrl, BaseModel, Field, GetJsonSchemaHandler
from pydantic_core import core_schema
from pydantic_core.core_schema import with_info_plain_validator_function
from typing_extensions import TypedDict
from typing_extensions import deprecated as typing_deprecated

from nimbleapi import _lazy
from nimbleapi.logger import logger

# Whether email-validator is installed, asked without importing it: its import compiles
# large regular expressions, and only a contact address in a document ever needs it.
_HAS_EMAIL_VALIDATOR = importlib.util.find_spec("email_validator") is not None

_EMAIL_VALIDATOR_MISSING = (
    "email-validator not installed, email fields will be treated as str.\n"
    "To install, run: pip install email-validator"
)

if _HAS_EMAIL_VALIDATOR:
    from pydantic import EmailStr as _PydanticEmailStr
    from pydantic.networks import validate_email as _validate_email

    class EmailStr(_PydanticEmailStr):
        """pydantic's ``EmailStr`` (same validation, errors and schema), with email-validator
        imported when an address is first validated instead of when a schema using it is
        built (which is when the first document is generated)."""

        @classmethod
        def __get_pydantic_core_schema__(cls, source: type[Any], handler: Any) -> core_schema.CoreSchema:
            return core_schema.no_info_after_validator_function(_normalized_email, core_schema.str_schema())

    def _normalized_email(value: str) -> str:
        """What pydantic's ``EmailStr`` validates an address to (``_validate_email`` imports
        email-validator when first called)."""
        return _validate_email(value)[1]

else:  # pragma: no cover - depends on the installed extras

    class EmailStr(str):  # type: ignore[no-redef]
        """Plain-string stand-in for pydantic's ``EmailStr`` without email-validator.

        Documents still validate (the address is kept as text) and the schema still
        says ``format: email``; a warning tells the user what is missing.
        """

        @classmethod
        def _accept(cls, value: Any, _info: Any = None) -> str:
            logger.warning(_EMAIL_VALIDATOR_MISSING)
            return str(value)

        @classmethod
        def __get_pydantic_core_schema__(
            cls, source: type[Any], handler: Callable[[Any], Mapping[str, Any]]
        ) -> core_schema.CoreSchema:
            return with_info_plain_validator_function(cls._accept)

        @classmethod
        def __get_pydantic_json_schema__(
            cls, schema: Mapping[str, Any], handler: GetJsonSchemaHandler
        ) -> dict[str, Any]:
            return {"type": "string", "format": "email"}


# Model classes carry comments rather than docstrings: a docstring would become
# the "description" of the model's own JSON Schema.
#
# Every model defers building its validator to its first use (a security scheme made,
# a document validated): building all of them costs more than the rest of an import.
# Names defined further down (SchemaOrBool, Header, PathItem) are resolved then too.


class BaseModelWithConfig(BaseModel):
    # Base of every object that accepts specification extensions ("x-...").
    model_config = {"extra": "allow", "defer_build": True}


# --- document metadata ------------------------------------------------------------


class Contact(BaseModelWithConfig):
    name: Optional[str] = None
    url: Optional[AnyUrl] = None
    email: Optional[EmailStr] = None


class License(BaseModelWithConfig):
    name: str
    identifier: Optional[str] = None
    url: Optional[AnyUrl] = None


class Info(BaseModelWithConfig):
    title: str
    summary: Optional[str] = None
    description: Optional[str] = None
    termsOfService: Optional[str] = None
    contact: Optional[Contact] = None
    license: Optional[License] = None
    version: str


class ServerVariable(BaseModelWithConfig):
    enum: Annotated[Optional[list[str]], Field(min_length=1)] = None
    default: str
    description: Optional[str] = None


class Server(BaseModelWithConfig):
    # A server URL may be relative or templated ("/v1", "{scheme}://api"), so a
    # plain string is accepted when it is not a valid absolute URL.
    url: Union[AnyUrl, str]
    description: Optional[str] = None
    variables: Optional[dict[str, ServerVariable]] = None


class Reference(BaseModel):
    model_config = {"defer_build": True}
    ref: str = Field(alias="$ref")


class Discriminator(BaseModel):
    model_config = {"defer_build": True}
    propertyName: str
    mapping: Optional[dict[str, str]] = None


class XML(BaseModelWithConfig):
    name: Optional[str] = None
    namespace: Optional[str] = None
    prefix: Optional[str] = None
    attribute: Optional[bool] = None
    wrapped: Optional[bool] = None


class ExternalDocumentation(BaseModelWithConfig):
    description: Optional[str] = None
    url: AnyUrl


# --- JSON Schema 2020-12 (the dialect of OpenAPI 3.1) ---------------------------------

SchemaType = Literal["array", "boolean", "integer", "null", "number", "object", "string"]


class Schema(BaseModelWithConfig):
    # A JSON Schema 2020-12 object plus the OpenAPI-specific keywords. Keywords
    # that are Python keywords or start with "$" get a trailing underscore or a
    # plain name, and keep their real spelling as the alias.
    # core vocabulary
    schema_: Optional[str] = Field(default=None, alias="$schema")
    vocabulary: Optional[str] = Field(default=None, alias="$vocabulary")
    id: Optional[str] = Field(default=None, alias="$id")
    anchor: Optional[str] = Field(default=None, alias="$anchor")
    dynamicAnchor: Optional[str] = Field(default=None, alias="$dynamicAnchor")
    ref: Optional[str] = Field(default=None, alias="$ref")
    dynamicRef: Optional[str] = Field(default=None, alias="$dynamicRef")
    defs: Optional[dict[str, SchemaOrBool]] = Field(default=None, alias="$defs")
    comment: Optional[str] = Field(default=None, alias="$comment")
    # applying subschemas
    allOf: Optional[list[SchemaOrBool]] = None
    anyOf: Optional[list[SchemaOrBool]] = None
    oneOf: Optional[list[SchemaOrBool]] = None
    not_: Optional[SchemaOrBool] = Field(default=None, alias="not")
    if_: Optional[SchemaOrBool] = Field(default=None, alias="if")
    then: Optional[SchemaOrBool] = None
    else_: Optional[SchemaOrBool] = Field(default=None, alias="else")
    dependentSchemas: Optional[dict[str, SchemaOrBool]] = None
    prefixItems: Optional[list[SchemaOrBool]] = None
    items: Optional[SchemaOrBool] = None
    contains: Optional[SchemaOrBool] = None
    properties: Optional[dict[str, SchemaOrBool]] = None
    patternProperties: Optional[dict[str, SchemaOrBool]] = None
    additionalProperties: Optional[SchemaOrBool] = None
    propertyNames: Optional[SchemaOrBool] = None
    unevaluatedItems: Optional[SchemaOrBool] = None
    unevaluatedProperties: Optional[SchemaOrBool] = None
    # structural validation
    type: Optional[Union[SchemaType, list[SchemaType]]] = None
    enum: Optional[list[Any]] = None
    const: Optional[Any] = None
    multipleOf: Optional[float] = Field(default=None, gt=0)
    maximum: Optional[float] = None
    exclusiveMaximum: Optional[float] = None
    minimum: Optional[float] = None
    exclusiveMinimum: Optional[float] = None
    maxLength: Optional[int] = Field(default=None, ge=0)
    minLength: Optional[int] = Field(default=None, ge=0)
    pattern: Optional[str] = None
    maxItems: Optional[int] = Field(default=None, ge=0)
    minItems: Optional[int] = Field(default=None, ge=0)
    uniqueItems: Optional[bool] = None
    maxContains: Optional[int] = Field(default=None, ge=0)
    minContains: Optional[int] = Field(default=None, ge=0)
    maxProperties: Optional[int] = Field(default=None, ge=0)
    minProperties: Optional[int] = Field(default=None, ge=0)
    required: Optional[list[str]] = None
    dependentRequired: Optional[dict[str, set[str]]] = None
    # semantic content ("format")
    format: Optional[str] = None
    # string-encoded content
    contentEncoding: Optional[str] = None
    contentMediaType: Optional[str] = None
    contentSchema: Optional[SchemaOrBool] = None
    # basic meta-data annotations
    title: Optional[str] = None
    description: Optional[str] = None
    default: Optional[Any] = None
    deprecated: Optional[bool] = None
    readOnly: Optional[bool] = None
    writeOnly: Optional[bool] = None
    examples: Optional[list[Any]] = None
    # OpenAPI additions to the schema object
    discriminator: Optional[Discriminator] = None
    xml: Optional[XML] = None
    externalDocs: Optional[ExternalDocumentation] = None
    example: Annotated[
        Optional[Any],
        typing_deprecated(
            "Deprecated in OpenAPI 3.1.0 that now uses JSON Schema 2020-12, "
            "although still supported. Use examples instead."
        ),
    ] = None


# JSON Schema allows ``true`` / ``false`` wherever a schema is expected.
SchemaOrBool = Union[Schema, bool]


# --- operations and their parts -------------------------------------------------------


class Example(TypedDict, total=False):
    summary: Optional[str]
    description: Optional[str]
    value: Optional[Any]
    externalValue: Optional[AnyUrl]

    __pydantic_config__ = {"extra": "allow"}  # type: ignore[misc]


class ParameterInType(Enum):
    query = "query"
    header = "header"
    path = "path"
    cookie = "cookie"


class Encoding(BaseModelWithConfig):
    contentType: Optional[str] = None
    headers: Optional[dict[str, Union[Header, Reference]]] = None
    style: Optional[str] = None
    explode: Optional[bool] = None
    allowReserved: Optional[bool] = None


class MediaType(BaseModelWithConfig):
    schema_: Optional[Union[Schema, Reference]] = Field(default=None, alias="schema")
    example: Optional[Any] = None
    examples: Optional[dict[str, Union[Example, Reference]]] = None
    encoding: Optional[dict[str, Encoding]] = None


class ParameterBase(BaseModelWithConfig):
    # Fields shared by a parameter and a response header.
    description: Optional[str] = None
    required: Optional[bool] = None
    deprecated: Optional[bool] = None
    # simple serialisation: a schema and a style
    style: Optional[str] = None
    explode: Optional[bool] = None
    allowReserved: Optional[bool] = None
    schema_: Optional[Union[Schema, Reference]] = Field(default=None, alias="schema")
    example: Optional[Any] = None
    examples: Optional[dict[str, Union[Example, Reference]]] = None
    # complex serialisation: a media type map instead
    content: Optional[dict[str, MediaType]] = None


class Parameter(ParameterBase):
    name: str
    in_: ParameterInType = Field(alias="in")


class Header(ParameterBase):
    pass


class RequestBody(BaseModelWithConfig):
    description: Optional[str] = None
    content: dict[str, MediaType]
    required: Optional[bool] = None


class Link(BaseModelWithConfig):
    operationRef: Optional[str] = None
    operationId: Optional[str] = None
    parameters: Optional[dict[str, Union[Any, str]]] = None
    requestBody: Optional[Union[Any, str]] = None
    description: Optional[str] = None
    server: Optional[Server] = None


class Response(BaseModelWithConfig):
    description: str
    headers: Optional[dict[str, Union[Header, Reference]]] = None
    content: Optional[dict[str, MediaType]] = None
    links: Optional[dict[str, Union[Link, Reference]]] = None


class Operation(BaseModelWithConfig):
    tags: Optional[list[str]] = None
    summary: Optional[str] = None
    description: Optional[str] = None
    externalDocs: Optional[ExternalDocumentation] = None
    operationId: Optional[str] = None
    parameters: Optional[list[Union[Parameter, Reference]]] = None
    requestBody: Optional[Union[RequestBody, Reference]] = None
    # Any: response maps may carry "x-" extensions next to the status codes.
    responses: Optional[dict[str, Union[Response, Any]]] = None
    callbacks: Optional[dict[str, Union[dict[str, PathItem], Reference]]] = None
    deprecated: Optional[bool] = None
    security: Optional[list[dict[str, list[str]]]] = None
    servers: Optional[list[Server]] = None


class PathItem(BaseModelWithConfig):
    ref: Optional[str] = Field(default=None, alias="$ref")
    summary: Optional[str] = None
    description: Optional[str] = None
    get: Optional[Operation] = None
    put: Optional[Operation] = None
    post: Optional[Operation] = None
    delete: Optional[Operation] = None
    options: Optional[Operation] = None
    head: Optional[Operation] = None
    patch: Optional[Operation] = None
    trace: Optional[Operation] = None
    servers: Optional[list[Server]] = None
    parameters: Optional[list[Union[Parameter, Reference]]] = None


# --- security schemes -----------------------------------------------------------------


class SecuritySchemeType(Enum):
    apiKey = "apiKey"
    http = "http"
    oauth2 = "oauth2"
    openIdConnect = "openIdConnect"


class SecurityBase(BaseModelWithConfig):
    type_: SecuritySchemeType = Field(alias="type")
    description: Optional[str] = None


class APIKeyIn(Enum):
    query = "query"
    header = "header"
    cookie = "cookie"


class APIKey(SecurityBase):
    type_: SecuritySchemeType = Field(default=SecuritySchemeType.apiKey, alias="type")
    in_: APIKeyIn = Field(alias="in")
    name: str


class HTTPBase(SecurityBase):
    type_: SecuritySchemeType = Field(default=SecuritySchemeType.http, alias="type")
    scheme: str


class HTTPBearer(HTTPBase):
    scheme: Literal["bearer"] = "bearer"
    bearerFormat: Optional[str] = None


class OAuthFlow(BaseModelWithConfig):
    refreshUrl: Optional[str] = None
    scopes: dict[str, str] = {}


class OAuthFlowImplicit(OAuthFlow):
    authorizationUrl: str


class OAuthFlowPassword(OAuthFlow):
    tokenUrl: str


class OAuthFlowClientCredentials(OAuthFlow):
    tokenUrl: str


class OAuthFlowAuthorizationCode(OAuthFlow):
    authorizationUrl: str
    tokenUrl: str


class OAuthFlows(BaseModelWithConfig):
    implicit: Optional[OAuthFlowImplicit] = None
    password: Optional[OAuthFlowPassword] = None
    clientCredentials: Optional[OAuthFlowClientCredentials] = None
    authorizationCode: Optional[OAuthFlowAuthorizationCode] = None


class OAuth2(SecurityBase):
    type_: SecuritySchemeType = Field(default=SecuritySchemeType.oauth2, alias="type")
    flows: OAuthFlows


class OpenIdConnect(SecurityBase):
    type_: SecuritySchemeType = Field(
        default=SecuritySchemeType.openIdConnect, alias="type"
    )
    openIdConnectUrl: str


SecurityScheme = Union[APIKey, HTTPBase, OAuth2, OpenIdConnect, HTTPBearer]


# --- the document ---------------------------------------------------------------------


class Components(BaseModelWithConfig):
    schemas: Optional[dict[str, Union[Schema, Reference]]] = None
    responses: Optional[dict[str, Union[Response, Reference]]] = None
    parameters: Optional[dict[str, Union[Parameter, Reference]]] = None
    examples: Optional[dict[str, Union[Example, Reference]]] = None
    requestBodies: Optional[dict[str, Union[RequestBody, Reference]]] = None
    headers: Optional[dict[str, Union[Header, Reference]]] = None
    securitySchemes: Optional[dict[str, Union[SecurityScheme, Reference]]] = None
    links: Optional[dict[str, Union[Link, Reference]]] = None
    # Any: callbacks may carry "x-" extensions.
    callbacks: Optional[dict[str, Union[dict[str, PathItem], Reference, Any]]] = None
    pathItems: Optional[dict[str, Union[PathItem, Reference]]] = None


class Tag(BaseModelWithConfig):
    name: str
    description: Optional[str] = None
    externalDocs: Optional[ExternalDocumentation] = None


class OpenAPI(BaseModelWithConfig):
    openapi: str
    info: Info
    jsonSchemaDialect: Optional[str] = None
    servers: Optional[list[Server]] = None
    # Any: the paths object may carry "x-" extensions next to the paths.
    paths: Optional[dict[str, Union[PathItem, Any]]] = None
    webhooks: Optional[dict[str, Union[PathItem, Reference]]] = None
    components: Optional[Components] = None
    security: Optional[list[dict[str, list[str]]]] = None
    tags: Optional[list[Tag]] = None
    externalDocs: Optional[ExternalDocumentation] = None


if _HAS_EMAIL_VALIDATOR:
    # FastAPI's module imports email-validator (a name its star-import carries); here the
    # module is loaded when the name is first read.
    _lazy.export_lazily(globals(), {"email_validator": "email_validator:"})
