"""The one cache of face engines: each loaded once per (options, slot), loads outside its lock."""

from __future__ import annotations

import threading
import time
from typing import Any

from faceorganizer.core.faces.engines import EngineCache
from faceorganizer.core.records import EngineOptions


class _Loads:
    """A factory that counts its loads and takes a while, as loading the models does; with
    ``together``, each load waits until that many loads are under way at once."""

    def __init__(self, together: int = 0) -> None:
        self.count = 0
        self.lock = threading.Lock()
        self.barrier = threading.Barrier(together, timeout=10) if together else None

    def __call__(self, options: EngineOptions) -> Any:
        time.sleep(0.05)
        if self.barrier is not None:
            self.barrier.wait()  # broken (and the load fails) if the loads ran one at a time
        with self.lock:
            self.count += 1
        return object()


def test_one_engine_per_options_and_slot_loaded_once() -> None:
    loads = _Loads()
    cache = EngineCache(loads)  # type: ignore[arg-type]
    cpu, other = EngineOptions(device="cpu"), EngineOptions(device="cpu", detect_score=0.8)
    first = cache.get(cpu)
    assert cache.get(EngineOptions(device="cpu")) is first  # equal options: the same engine
    assert cache.get(other) is not first
    assert cache.get(cpu, slot=1) is not first  # another thread's engine
    assert loads.count == cache.loaded == 3


def test_callers_at_once_share_one_load_and_slots_load_side_by_side() -> None:
    loads = _Loads(together=2)
    cache = EngineCache(loads)  # type: ignore[arg-type]
    options = EngineOptions(device="cpu")
    got: list[Any] = []

    def ask(slot: int) -> None:
        got.append((slot, cache.get(options, slot)))

    threads = [threading.Thread(target=ask, args=(i % 2,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 8  # every caller got an engine: the two slots loaded side by side
    assert loads.count == 2  # one per slot, however many asked at once
    assert len({id(e) for s, e in got if s == 0}) == 1 and len({id(e) for s, e in got}) == 2


def test_an_engine_put_in_is_used_and_not_counted() -> None:
    loads = _Loads()
    cache = EngineCache(loads)  # type: ignore[arg-type]
    given = object()
    cache.put(EngineOptions(), 0, given)  # type: ignore[arg-type]
    assert cache.get(EngineOptions()) is given
    assert loads.count == cache.loaded == 0
