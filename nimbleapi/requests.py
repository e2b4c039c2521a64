"""Request objects, from Starlette."""

from starlette.requests import HTTPConnection as HTTPConnection
from starlette.requests import Request as Request
