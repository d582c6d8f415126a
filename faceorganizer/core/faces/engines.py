"""The one cache of loaded face engines: each engine is loaded once per (options, slot).

A ``FaceEngine`` holds its models (tens of MB, seconds to load) and runs one photo at a time.
Three users keep engines: the scan (one engine per inference thread, for one scan: slots),
the finder (one engine per engine options, for a ``Library``'s lifetime) and the embedding of
regions another tool or the user drew (one engine per pack, for the process: ``shared``).
They all hold them here, so the rule "load outside the lock, once per key" is written once.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

from faceorganizer.core.faces.pipeline import FaceEngine
from faceorganizer.core.records import EngineOptions

EngineFactory = Callable[[EngineOptions], FaceEngine]
_Key = tuple[tuple[object, ...], int]


class EngineCache:
    """Loaded engines by (engine options, slot); a slot is one thread's engine where engines
    run side by side (an engine runs one photo at a time: the caller holds a lock or a slot)."""

    def __init__(self, factory: EngineFactory | None = None) -> None:
        self._factory: EngineFactory = factory or FaceEngine
        self._engines: dict[_Key, FaceEngine] = {}
        self._loading: dict[_Key, threading.Lock] = {}
        self._lock = threading.Lock()
        self.loaded = 0  # engines this cache loaded (not those put in)

    @staticmethod
    def _key(options: EngineOptions, slot: int) -> _Key:
        return dataclasses.astuple(options), slot

    def put(self, options: EngineOptions, slot: int, engine: FaceEngine) -> None:
        """Use ``engine`` (loaded by the caller) for ``options`` in ``slot``."""
        with self._lock:
            self._engines[self._key(options, slot)] = engine

    def get(self, options: EngineOptions, slot: int = 0) -> FaceEngine:
        """The engine for ``options`` in ``slot``, loaded on first use; loading runs outside
        the cache's lock, so one slot's load never holds up another slot's engine."""
        key = self._key(options, slot)
        with self._lock:
            engine = self._engines.get(key)
            if engine is not None:
                return engine
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:  # a second caller for the same key waits for the first's engine
            with self._lock:
                engine = self._engines.get(key)
            if engine is None:
                engine = self._factory(options)
                with self._lock:
                    self._engines[key] = engine
                    self.loaded += 1
        return engine


_shared = EngineCache()
shared_lock = threading.Lock()  # one region embedded at a time with a shared engine


def shared_engine(pack_id: str | None) -> FaceEngine:
    """The process's engine of a model pack (the default one for None), loaded once; callers
    that run it from several threads hold ``shared_lock``."""
    return _shared.get(EngineOptions(pack_id=pack_id))
