"""Short garbage-collector passes on the GUI thread.

Python's cycle collector runs on whichever thread allocates when a threshold is crossed, and a
full (oldest-generation) pass walks every tracked object: in the window, Qt's bindings, the
imported modules and the widgets, about 60,000 objects, 17–26 ms on the 2-core machine, long
enough to be the longest stall of the event loop during a scan (``benchmarks/gui_bench.py
--explain``). Those objects live as long as the window. ``freeze_heap()`` moves every object
tracked so far to the collector's permanent generation, which no pass walks again; objects made
later are collected as before. The window freezes once its library is open and once a scan's
modules are imported (a scan's first progress).
"""

from __future__ import annotations

import gc


def freeze_heap() -> int:
    """Exempt every object tracked now from later collector passes; how many were moved."""
    gc.freeze()
    return gc.get_freeze_count()
