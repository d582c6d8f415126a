"""Names as the user means them: one cleaning rule for every name that is stored or shown.

The rule itself lives with the store (``core/store/names.py``), which enforces that no two
people share a name by it; every path that takes a name (the command line, the window, names
imported from XMP or other tools) goes through ``clean_text`` and compares with ``name_key``.
"""

from __future__ import annotations

from faceorganizer.core.store.names import MAX_NAME, clean_name, clean_text, name_key

__all__ = ["MAX_NAME", "clean_name", "clean_text", "name_key"]
