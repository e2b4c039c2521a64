"""``nimbleapi alias``: make a whole virtualenv see nimbleapi as FastAPI 0.165.0.

The alias is an installed distribution named ``fastapi``, written straight into
site-packages the way pip writes a wheel:

- ``fastapi-<version>.dist-info`` with real ``METADATA`` (requiring nimbleapi itself),
  ``entry_points.txt``, ``INSTALLER`` and a ``RECORD`` listing every file with its hash.
  pip and ``importlib.metadata`` see FastAPI installed, so an extension that depends on
  ``fastapi`` does not pull the real one in, ``pip check`` is clean, and
  ``pip uninstall fastapi`` (or installing the real FastAPI over it) removes the alias
  completely, because pip reads the same ``RECORD``.
- a ``.pth`` file whose one line runs ``nimbleapi.compat.install()`` at interpreter start,
  in every process of the environment (servers, their workers, test runners, scripts).
  The finder imports nothing until the first ``import fastapi``.
- the ``fastapi`` console script, the same entry point as FastAPI's (``fastapi.cli:main``).

``files`` builds that file set, ``environment`` installs, inspects and removes it.
"""
