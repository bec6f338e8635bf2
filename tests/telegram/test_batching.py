"""Group commit (bot.telegram.batching): callers share writes, and a caller is only ever
served by a write that began after it asked."""

from __future__ import annotations

import asyncio

import pytest

from bot.telegram.batching import Batch


async def test_callers_arriving_during_a_write_share_the_next_one():
    runs: list[list[int]] = []
    release = asyncio.Event()

    async def write(items: list[int]) -> None:
        runs.append(items)
        await release.wait()

    batch = Batch[int](write)
    first = asyncio.create_task(batch.submit(1))
    await asyncio.sleep(0)  # the first write begins, with item 1 only
    later = [asyncio.create_task(batch.submit(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0.01)
    assert runs == [[1]]
    assert not first.done()
    release.set()
    await asyncio.gather(first, *later)
    assert runs == [[1], [2, 3, 4]]  # three callers, one write, begun after they asked


async def test_a_failed_write_reaches_every_caller_it_served():
    async def write(items: list[int]) -> None:
        await asyncio.sleep(0.01)
        raise OSError("disk full")

    batch = Batch[int](write)
    results = await asyncio.gather(batch.submit(1), batch.submit(2), return_exceptions=True)
    assert [type(r) for r in results] == [OSError, OSError]
    with pytest.raises(OSError, match="disk full"):
        await batch.submit(3)  # and the next caller gets a write of its own


async def test_every_caller_a_write_served_gets_what_it_returned():
    async def write(items: list[int]) -> list[int]:
        await asyncio.sleep(0.01)
        return [n * 10 for n in items]

    batch = Batch[int](write)
    first = asyncio.create_task(batch.submit(1))
    await asyncio.sleep(0)
    together = await asyncio.gather(batch.submit(2), batch.submit(3))
    assert await first == [10]
    assert together == [[20, 30], [20, 30]]  # each finds its own in the shared result


async def test_a_cancelled_write_leaves_no_caller_waiting_for_ever():
    started = asyncio.Event()

    async def write(items: list[int]) -> None:
        started.set()
        await asyncio.sleep(10)

    batch = Batch[int](write)
    first = asyncio.create_task(batch.submit(1))
    await started.wait()
    second = asyncio.create_task(batch.submit(2))  # waits for the next run
    await asyncio.sleep(0)
    batch._runner.cancel()  # as a shutdown would
    results = await asyncio.wait_for(asyncio.gather(first, second, return_exceptions=True), 1)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)
