"""Hide latency: from the answer to the crossing report until the image reads hidden."""
from __future__ import annotations

import http.client
import json
import threading
import time
from typing import Callable

from rq import Queue

from bench.services import RQWorkers
from service.core.store import Store
from service.core.queue import FOLLOWUP_QUEUE_NAME, QUEUE_NAME

POLL_SECONDS = 0.0005
GIVE_UP_SECONDS = 30
SETTLE_SECONDS = 0.01


def post_report(port: int, key: str, image_id: str, reporter_id: str) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/v1/reports", json.dumps({"image_id": image_id, "reporter_id": reporter_id}),
                           {"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 202:
        raise RuntimeError(f"report answered {response.status}: {body[:200]!r}")
    return json.loads(body)


def crossing_ms(port: int, key: str, store: Store, image_id: str, before_crossing: Callable[[], None]) -> float:
    """Report `image_id` up to the threshold; ms from the crossing's answer until it reads hidden.

    "Reads hidden" is polled with Store.is_hidden, the very read GET /v1/images makes, so that
    polling does not load the API's workers.
    """
    # Readers of one image only: per-reporter rate limits must never trip over 200 crossings.
    readers = [f"reader-{number}-of-{image_id}" for number in range(store.threshold)]
    for reader in readers[:-1]:
        post_report(port, key, image_id, reader)
    before_crossing()
    answer = post_report(port, key, image_id, readers[-1])
    answered = time.perf_counter()
    if not answer["counted"]:
        raise RuntimeError(f"the crossing report of {image_id} was not counted: {answer}")
    while not store.is_hidden(image_id):
        if time.perf_counter() - answered > GIVE_UP_SECONDS:
            raise RuntimeError(f"{image_id} was not hidden within {GIVE_UP_SECONDS} s: are the workers running?")
        time.sleep(POLL_SECONDS)
    return (time.perf_counter() - answered) * 1000


def measure(port: int, key: str, store: Store, workers: RQWorkers, crossings: int, concurrency: int,
            nonce: str) -> list[float]:
    """Latencies of `crossings` crossings, sent by `concurrency` readers' threads at once.

    With one thread every crossing waits until the workers are idle and the queues empty: the
    figure the issue's "one idle worker" target is about.
    """
    queues = [Queue(name, connection=workers.connection) for name in (QUEUE_NAME, FOLLOWUP_QUEUE_NAME)]

    def quiet() -> bool:
        return workers.all_idle() and all(queue.count == 0 for queue in queues)

    def wait_idle() -> None:
        # Quiet twice, SETTLE_SECONDS apart: a worker that has just popped a follow-up reads as idle,
        # with empty queues, for the few milliseconds before it marks itself busy and forks its horse.
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while True:
            while not quiet():
                if time.monotonic() > deadline:
                    raise RuntimeError("the RQ workers did not become idle")
                time.sleep(0.001)
            time.sleep(SETTLE_SECONDS)
            if quiet():
                return

    before = wait_idle if concurrency == 1 else (lambda: None)
    latencies: list[float] = []
    errors: list[BaseException] = []
    numbers = iter(range(crossings))
    lock = threading.Lock()

    def reader() -> None:
        try:
            while True:
                with lock:
                    number = next(numbers, None)
                if number is None:
                    return
                latency = crossing_ms(port, key, store, f"hide-{nonce}-{number}", before)
                with lock:
                    latencies.append(latency)
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread below
            errors.append(error)

    threads = [threading.Thread(target=reader, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return latencies
