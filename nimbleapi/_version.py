"""Version numbers, kept apart so that reading them imports nothing.

VERSION is nimbleapi's own release (the package metadata reads it; at run time ask
``importlib.metadata.version("nimbleapi")``). FASTAPI_VERSION is the FastAPI release
whose public API nimbleapi reproduces: ``nimbleapi.__version__`` reports it, because the
package is also the ``fastapi`` module and code that reads ``fastapi.__version__``
compares it with FastAPI's releases.
"""

VERSION = "0.1.0"
FASTAPI_VERSION = "0.165.0"
