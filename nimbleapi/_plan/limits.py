"""The concurrency limit of one ``Depends(..., max_concurrency=N)`` declaration
(public through ``nimbleapi.concurrency``): made when the dependency is declared, its
semaphore made per running event loop when a request first waits on it."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from anyio import Semaphore
from anyio.lowlevel import RunVar

# Semaphores belong to one event loop; a RunVar keeps one table per running loop.
_semaphores_per_loop: RunVar[WeakKeyDictionary[_DependencyConcurrency, Semaphore]] = RunVar(
    "nimbleapi_dependency_semaphores"
)


class _DependencyConcurrency:
    """The concurrency limit of one ``Depends(..., max_concurrency=N)`` declaration."""

    def __init__(self, max_concurrency: int) -> None:
        self.max_concurrency = max_concurrency

    def get_semaphore(self) -> Semaphore:
        table = _semaphores_per_loop.get(None)
        if table is None:
            table = WeakKeyDictionary()
            _semaphores_per_loop.set(table)
        semaphore = table.get(self)
        if semaphore is None:
            semaphore = table[self] = Semaphore(self.max_concurrency)
        return semaphore
