# conftest.py at the root of a FastAPI project's tests: run them on nimbleapi
# without installing the alias into the environment.
import nimbleapi.compat

nimbleapi.compat.install()
