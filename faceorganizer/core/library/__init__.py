"""What a user can do with a photo library: the one layer the window and the command line call.

``Library`` is opened on a database file; each use case is a method that opens its own
connection (so any worker thread may call it), does one job through the core's pieces and
returns plain data. The pieces it composes live in ``scanning`` (scan, then group),
``finding`` (find by photo or by a stored face, with the engine and index kept warm) and
``albums`` (which photos go into which album).
"""

from faceorganizer.core.library.library import Library, PersonPage
from faceorganizer.core.store.db import StoreError

__all__ = ["Library", "PersonPage", "StoreError"]
