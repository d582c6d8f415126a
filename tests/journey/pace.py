"""Where a window driver's time went: printed beside the journey's and the soak's figures.

A run of the real window that is much slower than usual then says whether the driver waited
for background work, for the window to become active, or in which step. (Unexplained so far: a
fresh clone's journey once took 312 s, a working tree's 227 s, against 71-111 s in other runs,
fresh clones included; a fresh clone's soak once ran 240 events a minute against 1,200-2,200.)
"""

from __future__ import annotations

from typing import Any


def waits_text(result: dict[str, Any]) -> str:
    """Where a window driver's time went (a slow run says whether it waited, and for what)."""
    w = result.get("waits") or {}
    return (
        f"settling {w.get('settle_s')} s, window activation {w.get('activation_s')} s "
        f"({w.get('activation_failures')} failed)"
    )


def slowest_steps(steps: list[str], n: int = 3) -> str:
    """The ``n`` longest gaps of a driver's step log (``"  12.3s text"`` lines)."""
    gaps = []
    last = 0.0
    for line in steps:
        stamp, _, text = line.strip().partition("s ")
        try:
            at = float(stamp)
        except ValueError:
            continue
        gaps.append((at - last, text.splitlines()[0][:60]))
        last = at
    gaps.sort(reverse=True)
    return ", ".join(f"{gap:.1f} s to {text!r}" for gap, text in gaps[:n])
