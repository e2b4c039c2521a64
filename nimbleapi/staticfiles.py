"""Static file serving, from Starlette."""

from starlette.staticfiles import StaticFiles as StaticFiles
