"""A photo's and a face's pixels for the screen: the one decoder and the thumbnail cache.

The window shows pictures; it decodes nothing itself. These are the core's own functions
(``core.photos``), named here so the faces import nothing below ``core.library``.
"""

from faceorganizer.core.photos.decode import read_and_decode
from faceorganizer.core.photos.thumbnails import face_thumbnail, photo_thumbnail

__all__ = ["face_thumbnail", "photo_thumbnail", "read_and_decode"]
