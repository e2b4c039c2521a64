"""When cleanup after ``yield`` needs a shielding cancel scope: only inside an AnyIO one."""

from __future__ import annotations

import asyncio
import sys
import types

import anyio
import pytest

from nimbleapi._compile.exits import outside_cancel_scopes


def test_a_plain_asyncio_task_is_outside_any_cancel_scope() -> None:
    async def main() -> bool:
        return outside_cancel_scopes()

    assert asyncio.run(main()) is True


def test_a_task_inside_an_anyio_cancel_scope_is_not_outside() -> None:
    async def main() -> bool:
        with anyio.CancelScope():
            return outside_cancel_scopes()

    assert asyncio.run(main()) is False


def test_a_plain_task_stays_outside_while_another_task_holds_a_scope() -> None:
    async def main() -> tuple[bool, bool]:
        entered, release = asyncio.Event(), asyncio.Event()

        async def holder() -> bool:
            with anyio.CancelScope():
                entered.set()
                await release.wait()
                return outside_cancel_scopes()

        holding = asyncio.create_task(holder())
        await entered.wait()
        plain = await asyncio.create_task(_plain_task_check())
        release.set()
        return plain, await holding

    assert asyncio.run(main()) == (True, False)


async def _plain_task_check() -> bool:
    return outside_cancel_scopes()


def test_when_trio_may_be_running_no_asyncio_loop_means_no(monkeypatch: pytest.MonkeyPatch) -> None:
    # Under trio there is no asyncio loop and AnyIO's asyncio table says nothing: shield.
    monkeypatch.setitem(sys.modules, "trio", types.ModuleType("trio"))
    assert outside_cancel_scopes() is False

    async def main() -> bool:
        return outside_cancel_scopes()

    assert asyncio.run(main()) is True
