"""Reading metadata files and XML as hostile input: regular files only, bounded size and depth.

A sidecar or an image's XMP packet comes from anywhere. Every read goes through here: a file
that is not a regular file (a FIFO, a device) is refused before it is opened for reading, a file
larger than the cap is refused without being read, and XML is parsed by ``defusedxml`` (no DTD,
no entities, no external references) and refused when it nests deeper than any real XMP does.
"""

from __future__ import annotations

import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

MAX_SIDECAR_BYTES = 16 * 1024 * 1024  # real sidecars are kilobytes; Lightroom's rarely 1 MB
MAX_XML_DEPTH = 64  # real XMP nests about 12 levels (regions: 10)


class MetadataError(ValueError):
    """Metadata that cannot be read safely; ``str()`` is the reason shown to users."""


def check_regular(path: str | Path) -> os.stat_result:
    """The file's stat; raises MetadataError for anything but a regular file (FIFO, device…)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise MetadataError(f"cannot read: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise MetadataError("not a regular file")
    return st


def read_limited(path: str | Path, limit: int = MAX_SIDECAR_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; MetadataError otherwise.

    The file is opened non-blocking and checked again after opening, so a file swapped for a
    FIFO between the check and the open cannot hang the reader.
    """
    st = check_regular(path)
    if st.st_size > limit:
        raise MetadataError(f"too large: {st.st_size} bytes (limit {limit})")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise MetadataError(f"cannot read: {exc.strerror or exc}") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise MetadataError("not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise MetadataError(f"cannot read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    if len(data) > limit:
        raise MetadataError(f"too large: more than {limit} bytes")
    return data


def parse_xml(data: bytes, *, max_depth: int = MAX_XML_DEPTH) -> ET.Element:
    """A hardened parse: no DTD or entities, at most ``max_depth`` levels, size already capped.

    Raises MetadataError with the reason.
    """
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    if len(data) > MAX_SIDECAR_BYTES:
        raise MetadataError(f"XML too large: {len(data)} bytes")
    try:
        root: ET.Element = DET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise MetadataError(f"XML refused: {type(exc).__name__}") from exc
    except (ET.ParseError, ValueError, UnicodeError) as exc:
        raise MetadataError(f"not well-formed XML: {exc}") from exc
    check_depth(root, max_depth)
    return root


def check_depth(root: ET.Element, max_depth: int = MAX_XML_DEPTH) -> None:
    """MetadataError when the tree nests deeper than ``max_depth`` (checked without recursion)."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise MetadataError(f"XML nested deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in node)
