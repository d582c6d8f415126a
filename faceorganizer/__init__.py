"""FaceOrganizer: find, group and name the faces in a photo library, offline."""

__version__ = "0.1.0"
