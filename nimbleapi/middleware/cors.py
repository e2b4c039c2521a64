"""CORSMiddleware, from Starlette."""

from starlette.middleware.cors import CORSMiddleware as CORSMiddleware
