"""Middleware, from Starlette."""

from starlette.middleware import Middleware as Middleware
