"""The extensions whose own test suites make up the ecosystem yardstick.

Each suite names one source distribution on PyPI, pinned to an exact version and
its sha256, and says how its tests run: which extra packages they need, which
test paths and pytest options, and which tests are left out on both sides (with
the reason). A suite is only listed when its sdist ships runnable tests.

`requires` are pip requirement strings installed next to the extension; the
string ``{src}`` stands for the unpacked sdist, so ``{src}[redis]`` installs the
extension itself with an extra. Both sides get exactly the same packages: the
nimbleapi side is a copy of the baseline environment, less FastAPI itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# the pytest plugin for the per-test time limit, added to every suite
COMMON_REQUIRES = ("pytest-timeout==2.4.0",)


@dataclass(frozen=True)
class Suite:
    name: str  # the name used on the command line
    dist: str  # the PyPI project
    version: str
    sha256: str  # of the sdist
    requires: tuple[str, ...]
    tests: tuple[str, ...] = ("tests",)
    pytest_options: tuple[str, ...] = ()
    # node ids (or id prefixes) left out on both sides, with the reason
    deselect: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    time_limit: int = 600  # seconds for the whole suite on one side
    note: str = ""


SUITES: tuple[Suite, ...] = (
    Suite(
        name="cadwyn",
        dist="cadwyn",
        version="9.0.0",
        sha256="284d93307fe78771bfaeb533018e36e73d0798aa23f201a2520109d505d140e8",
        requires=(
            "{src}[standard]", "python-multipart", "svcs~=24.1.0", "httpx", "pytest==9.0.3",
            "pytest-fixture-classes>=1.0.3", "dirty-equals>=0.6.0", "uvicorn", "inline-snapshot>=0.20.7",
            "pydantic-settings>=2.8.1", "sqlalchemy>=2.0", "sqlmodel>=0.0.24", "fastapi-pagination>=0.15.15",
        ),
        pytest_options=("-o", "addopts=", "-p", "no:cov", "--inline-snapshot=disable"),
    ),
    Suite(
        name="dishka",
        dist="dishka",
        version="1.10.1",
        sha256="51fb624b9acc948b90f57128460061d1f3a1780121fe1c7d14c565e8bbff2083",
        requires=("{src}", "pytest~=9.0.1", "pytest-asyncio==1.3.*", "pytest-repeat==0.9.*", "httpx", "asgi-lifespan"),
        tests=("tests/integrations/fastapi",),
        pytest_options=("-o", "addopts=", "-p", "no:cov"),
        note="only its FastAPI integration tests",
    ),
    Suite(
        name="fastapi-pagination",
        dist="fastapi-pagination",
        version="0.16.1",
        sha256="c43a4286f7dd4c25501da7f5ae84a89172d3c5f3c4a93b4bc8c6639ed754d11d",
        requires=(
            "{src}[sqlalchemy,sqlmodel,aiosqlite]", "pytest>=8.3.4", "pytest-asyncio>=0.25.3", "flaky>=3.8.1",
            "Faker>=35.2", "httpx>=0.28.1", "asgi-lifespan>=2.1.0", "requests>=2.32.2", "Jinja2>=3.1.5",
            "dirty-equals>=0.9.0", "asyncpg", "scylla-driver", "pymongo",  # imported by its conftest
        ),
        # tests/ext pages through PostgreSQL, MongoDB, Cassandra, Firestore and other servers
        tests=("tests", "--ignore=tests/ext"),
        note="without tests/ext, which need database servers",
    ),
    Suite(
        name="fastapi-users",
        dist="fastapi-users",
        version="15.0.5",
        sha256="097f69701894e650c346df89b1cdb0a09cf139234f4cb9a8ece275af4e98e202",
        requires=(
            "{src}[sqlalchemy,oauth,redis]", "pytest", "pytest-asyncio", "pytest-mock", "httpx-oauth", "httpx",
            "asgi_lifespan", "uvicorn",
        ),
        pytest_options=("-o", "addopts="),
    ),
    Suite(
        name="fastapi-azure-auth",
        dist="fastapi-azure-auth",
        version="5.3.0",
        sha256="096934a99110509f47f55d59c2b8bfa3d9ee496bb341abc27eaae801afa9570f",
        requires=(
            "{src}", "pytest>=8.3.0", "pytest-asyncio>=0.24.0", "pytest-mock>=3.14.0", "requests-mock>=1.12.0",
            "pytest-socket>=0.7.0", "pytest-dotenv>=0.5.2", "uvicorn>=0.32.0", "pytest-freezer>=0.4.8", "trio>=0.27.0",
            "pytest-httpx2>=1.0.0", "openapi-spec-validator>=0.7.1", "pydantic-settings>=2.5.0", "asgi-lifespan>=2.1.0",
        ),
    ),
    Suite(
        name="fastapi-mcp",
        dist="fastapi-mcp",
        version="0.4.0",
        sha256="d4ca9410996f4c7b8ea0d7b20fdf79878dc359ebf89cbf3b222e0b675a55097d",
        requires=("{src}", "pytest>=8.3.5", "pytest-asyncio>=0.26.0", "pyjwt>=2.10.1", "cryptography>=44.0.2",
                  # mcp as in its uv.lock (newer ones dropped a helper its tests import), and a
                  # pydantic that still has the private helper this mcp imports
                  "coverage", "mcp==1.12.1", "pydantic>=2.11,<2.12"),
        pytest_options=("-o", "addopts=", "-o", "log_cli=false"),
    ),
    Suite(
        name="fastapi-csrf-protect",
        dist="fastapi-csrf-protect",
        version="1.0.7",
        sha256="888b15b232625aae5b997fbcf81ef45633a7694f0312a054f1eec6d132b295fb",
        requires=("{src}", "fastapi", "httpx>=0.24.1", "pytest>=7.3.1", "python-multipart"),
        # its pytest-modern reporter crashes pytest on a fixture error, so the plain reporter is used
        pytest_options=("-o", "addopts=--capture=sys --strict-markers"),
    ),
    Suite(
        name="fastapi-problem",
        dist="fastapi-problem",
        version="0.12.1",
        sha256="ef8ae98d88b1889820474b5659c455cca785f09aeda7d51b46a3599720aeebe6",
        requires=("{src}", "fastapi", "pytest>=9.0.2", "pytest-asyncio>=1.3.0", "pytest-httpx>=0.36.0", "httpx"),
        pytest_options=("-o", "addopts="),
    ),
    Suite(
        name="fastapi-async-sqlalchemy",
        dist="fastapi-async-sqlalchemy",
        version="0.7.1.post3",
        sha256="0d619d6b99eb8373d71034ba4ed2ae561676ccc31913ba1ba67fb51473fbe181",
        requires=("{src}", "fastapi", "sqlalchemy[asyncio]>=2", "aiosqlite", "sqlmodel", "pytest", "pytest-asyncio",
                  "httpx", "asgi-lifespan"),
    ),
    Suite(
        name="fastapi-offline",
        dist="fastapi-offline",
        version="1.7.7",
        sha256="aeeabe67dd40f867ab0fe64dd8de742949e36ba5f3ac6aeb055baef274ed91d0",
        requires=("{src}", "pytest", "httpx"),
    ),
    Suite(
        name="fastapi-jsonrpc",
        dist="fastapi-jsonrpc",
        version="4.1.0",
        sha256="28671b9a2fe232e2b1a06aedc172fea543ddcb3d0aeb0fd08ebaed1415c416e8",
        requires=("{src}[sentry,opentelemetry]", "pytest>=9.0", "sentry-sdk>=2.12", "opentelemetry-sdk>=1.30",
                  "opentelemetry-instrumentation-fastapi", "requests", "httpx>=0.27.0,<0.29.0", "httpx2>=2.0.0"),
    ),
    Suite(
        name="opentelemetry-instrumentation-fastapi",
        dist="opentelemetry-instrumentation-fastapi",
        version="0.66b2",
        sha256="bd226e0196990999eef77380a64527a26f35b621e681c3cad860984ecc3c23f5",
        requires=("{src}", "fastapi", "opentelemetry-test-utils==0.66b2", "pytest", "httpx", "requests",
                  "opentelemetry-instrumentation-asgi==0.66b2", "opentelemetry-instrumentation-httpx==0.66b2"),
    ),
    Suite(
        name="sentry-sdk",
        dist="sentry-sdk",
        version="2.75.0",
        sha256="c38ac2d4b2435c11da821e173bb9d9088c98f41ae92f559ce0e424170a8e1a29",
        requires=("{src}", "fastapi", "starlette", "pytest", "pytest-asyncio", "httpx", "python-multipart", "jinja2",
                  "requests", "pytest-localserver", "jsonschema", "responses", "pytest-forked", "executing", "asttokens",
                  "pyyaml", "itsdangerous"),
        tests=("tests/integrations/fastapi", "tests/integrations/starlette"),
        pytest_options=("-o", "addopts="),
        note="only its FastAPI and Starlette integration tests",
    ),
)


def by_name() -> dict[str, Suite]:
    return {suite.name: suite for suite in SUITES}
