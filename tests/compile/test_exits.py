"""When cleanup after ``yield`` needs a shielding cancel scope: only inside an AnyIO one."""

from __future__ import annotations

import asyncio

import anyio

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


def test_outside_asyncio_the_answer_is_no() -> None:
    assert outside_cancel_scopes() is False
