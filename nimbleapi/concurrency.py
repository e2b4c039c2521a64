"""Running blocking code off the event loop, and limiting how many run at once.

``contextmanager_in_threadpool`` is defined with the thread hop (``_compile/threads.py``)
and the per-declaration limiter with the dependency declarations it belongs to
(``_plan/limits.py``); these are the same objects. The imports below are FastAPI's
module namespace."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import AbstractContextManager
from contextlib import asynccontextmanager as asynccontextmanager
from typing import TypeVar
from weakref import WeakKeyDictionary

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter, Semaphore
from anyio.lowlevel import RunVar
from starlette.concurrency import iterate_in_threadpool as iterate_in_threadpool
from starlette.concurrency import run_in_threadpool as run_in_threadpool
from starlette.concurrency import run_until_first_complete as run_until_first_complete

from ._compile.threads import contextmanager_in_threadpool as contextmanager_in_threadpool
from ._plan.limits import _DependencyConcurrency as _DependencyConcurrency

_T = TypeVar("_T")
