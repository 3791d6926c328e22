"""A race of N threads, for the tests that check what holds when requests or workers collide."""
from __future__ import annotations

import threading
from typing import Any, Callable

JOIN_SECONDS = 120


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in a thread of its own, all released together from one barrier; join them all
    and return their results in the calls' order. A call's exception is raised here once every
    thread has ended (the first one's, by the calls' order); a thread still running after
    JOIN_SECONDS fails the test instead of hanging it."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException | None] = [None] * len(calls)

    def run(n: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[n] = call()
        except BaseException as error:  # re-raised in the test's thread
            errors[n] = error
            barrier.abort()  # a thread that never reached the barrier must not leave the others waiting

    threads = [threading.Thread(target=run, args=(n, call), daemon=True) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    assert not any(thread.is_alive() for thread in threads), f"a racing thread did not end in {JOIN_SECONDS} s"
    raised = [error for error in errors if error is not None]
    # A thread whose barrier another one broke says less than that other one's exception.
    raised.sort(key=lambda error: isinstance(error, threading.BrokenBarrierError))
    if raised:
        raise raised[0]
    return results
