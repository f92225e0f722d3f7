"""Things that must be tried at the same moment: claims, double submits, two senders."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released at the same moment; re-raise any failure."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def runner(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results
