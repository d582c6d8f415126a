"""The failures the window and the command line tell apart, raised by the core's pieces.

Re-exported here so the faces catch them without importing below ``core.library`` (the
contract "The faces reach the core only through the use cases" in pyproject.toml). Each
message is one line for the user. Imported where caught, not at start-up.
"""

from faceorganizer.core.evaluate.labelled import LabelFileError
from faceorganizer.core.export.xmp import XmpError
from faceorganizer.core.models.manifest import ModelError
from faceorganizer.core.people.naming import AskScope
from faceorganizer.core.people.ops import NameTaken, PeopleError
from faceorganizer.core.people.same_photo import SamePhoto
from faceorganizer.core.photos.decode import DecodeError

__all__ = [
    "AskScope",
    "DecodeError",
    "LabelFileError",
    "ModelError",
    "NameTaken",
    "PeopleError",
    "SamePhoto",
    "XmpError",
]
