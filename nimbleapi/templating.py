"""Jinja2 templates, from Starlette (needs the ``jinja2`` package)."""

from starlette.templating import Jinja2Templates as Jinja2Templates
