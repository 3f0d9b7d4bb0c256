"""The activity counter: exact counts from several threads; injected input kept apart."""

from __future__ import annotations

import threading

from tracker.activity import ActivityCounter, Counts


def test_counts_from_many_threads_are_exact_across_drains() -> None:
    counter = ActivityCounter()
    drained: list[Counts] = []
    stop = threading.Event()

    def drain_repeatedly() -> None:
        while not stop.is_set():
            drained.append(counter.drain())

    def press(n: int) -> None:
        for _ in range(n):
            counter.key_pressed()
            counter.moved()

    drainer = threading.Thread(target=drain_repeatedly)
    drainer.start()
    workers = [threading.Thread(target=press, args=(20_000,)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stop.set()
    drainer.join()
    total = sum(drained, Counts()) + counter.drain()
    assert (total.keys, total.moves) == (80_000, 80_000)


def test_injected_events_are_not_activity() -> None:
    counter = ActivityCounter()
    counter.key_pressed(injected=True)
    counter.clicked(injected=True)
    counter.scrolled(3, injected=True)
    counts = counter.drain()
    assert counts == Counts(injected=5)
    assert not counts.any_input
    assert counter.drain() == Counts()
