"""The model packs: list, verify, fetch (set-up) and the default pack's thresholds.

``models list|verify|fetch`` and ``eval --pairs`` need these and nothing of a library; they are
``core.models``' own functions, named here so the command line imports nothing below
``core.library``.
"""

from faceorganizer.core.models.fetch import fetch_all
from faceorganizer.core.models.manifest import list_packs, load_pack, verify_pack

__all__ = ["fetch_all", "list_packs", "load_pack", "verify_pack"]
