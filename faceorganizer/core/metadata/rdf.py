"""XMP as RDF/XML: the namespaces of face regions and helpers that read any RDF form.

Tools write the same property in attribute form, element form, ``rdf:parseType="Resource"`` or
a nested ``rdf:Description``, arrays as Bag or Seq; these helpers read them all alike. Every
tree comes from :func:`packet_root`, which parses through the hardened parser of ``safe``.
"""

from __future__ import annotations

import logging
import math
import xml.etree.ElementTree as ET

from faceorganizer.core.metadata.safe import MetadataError, parse_xml

log = logging.getLogger(__name__)

NS_X = "adobe:ns:meta/"
NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_XML = "http://www.w3.org/XML/1998/namespace"
NS_MWG_RS = "http://www.metadataworkinggroup.com/schemas/regions/"
NS_ST_AREA = "http://ns.adobe.com/xmp/sType/Area#"
NS_ST_DIM = "http://ns.adobe.com/xap/1.0/sType/Dimensions#"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_DIGIKAM = "http://www.digikam.org/ns/1.0/"
NS_DIGIKAM_OLD = "http://www.digikam.org/"
NS_LR = "http://ns.adobe.com/lightroom/1.0/"
NS_MP = "http://ns.microsoft.com/photo/1.2/"
NS_MPRI = "http://ns.microsoft.com/photo/1.2/t/RegionInfo#"
NS_MPREG = "http://ns.microsoft.com/photo/1.2/t/Region#"
NS_TIFF = "http://ns.adobe.com/tiff/1.0/"
NS_FO = "https://faceorganizer.app/ns/xmp/1.0/"  # marks the regions we wrote

OUR_PREFIXES = {
    "x": NS_X,
    "rdf": NS_RDF,
    "mwg-rs": NS_MWG_RS,
    "stArea": NS_ST_AREA,
    "stDim": NS_ST_DIM,
    "dc": NS_DC,
    "digiKam": NS_DIGIKAM,
    "lr": NS_LR,
    "MP": NS_MP,
    "MPRI": NS_MPRI,
    "MPReg": NS_MPREG,
    "tiff": NS_TIFF,
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "faceorganizer": NS_FO,
}
for _prefix, _uri in OUR_PREFIXES.items():
    ET.register_namespace(_prefix, _uri)

# namespace variants seen in real files -> the one we compare with
_CANONICAL_NS = {
    NS_MP.rstrip("/"): NS_MP,
    NS_MPRI: NS_MPRI,
    NS_MPREG: NS_MPREG,
    NS_DIGIKAM_OLD: NS_DIGIKAM,
}

FieldValue = ET.Element | str


def q(ns: str, local: str) -> str:
    """``{ns}local``, ElementTree's name of a qualified tag."""
    return f"{{{ns}}}{local}"


RDF_DESC = q(NS_RDF, "Description")
RDF_LI = q(NS_RDF, "li")
RDF_CONTAINERS = {q(NS_RDF, "Bag"), q(NS_RDF, "Seq"), q(NS_RDF, "Alt")}


def canon(tag: str) -> str:
    """``{ns}local`` with known namespace variants folded together."""
    if not tag.startswith("{"):
        return tag
    ns, _, local = tag[1:].partition("}")
    return q(_CANONICAL_NS.get(ns, _CANONICAL_NS.get(ns.rstrip("/"), ns)), local)


def fields(node: ET.Element) -> dict[str, FieldValue]:
    """The fields of an RDF struct: attribute form, element form, parseType or rdf:Description."""
    out: dict[str, FieldValue] = {}
    for target in [node, *node.findall(RDF_DESC)]:
        for key, value in target.attrib.items():
            if not key.startswith(f"{{{NS_RDF}}}") and not key.startswith(f"{{{NS_XML}}}"):
                out[canon(key)] = value
        for child in target:
            if child.tag != RDF_DESC:
                out.setdefault(canon(child.tag), child)
    return out


def items(node: FieldValue | None) -> list[ET.Element]:
    """The rdf:li of an array property (Bag, Seq or Alt)."""
    if not isinstance(node, ET.Element):
        return []
    out: list[ET.Element] = []
    for child in node:
        if child.tag in RDF_CONTAINERS:
            out.extend(c for c in child if c.tag == RDF_LI)
    return out


def text(value: FieldValue | None) -> str | None:
    """A simple value as text (the first item of a language alternative).

    Iterative, so a value nested thousands of levels deep cannot exhaust the stack.
    """
    for _ in range(16):  # an Alt inside an Alt is already odd; deeper is not a name
        if value is None:
            return None
        if isinstance(value, str):
            return value.strip()
        found = items(value)
        if found:
            value = found[0]
            continue
        if len(value) == 0 and value.text is not None:
            return value.text.strip()
        resource = value.get(q(NS_RDF, "resource"))
        return resource.strip() if resource is not None else None
    return None


def number(value: FieldValue | None) -> float | None:
    """A finite number, or None."""
    raw = text(value)
    if not raw:
        return None
    try:
        result = float(raw.replace(",", "."))
    except ValueError:
        return None
    return result if math.isfinite(result) else None


def struct(value: FieldValue | None) -> dict[str, FieldValue]:
    """The fields of a struct value ({} for a simple value or nothing)."""
    return fields(value) if isinstance(value, ET.Element) else {}


def descriptions(root: ET.Element) -> list[ET.Element]:
    """Every top-level rdf:Description of an XMP tree."""
    rdf = root if root.tag == q(NS_RDF, "RDF") else root.find(f".//{q(NS_RDF, 'RDF')}")
    return [] if rdf is None else [d for d in rdf if d.tag == RDF_DESC]


def top_fields(root: ET.Element) -> dict[str, FieldValue]:
    """The properties of all top-level descriptions (the first one wins)."""
    out: dict[str, FieldValue] = {}
    for desc in descriptions(root):
        for key, value in fields(desc).items():
            out.setdefault(key, value)
    return out


def packet_root(data: bytes) -> ET.Element:
    """Parse an XMP packet (x:xmpmeta, or a bare rdf:RDF) through the hardened parser.

    Raises MetadataError when it cannot be parsed safely. XMP never declares a DTD or
    entities: a packet that does is refused whole, wherever the declaration sits.
    """
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise MetadataError("XML refused: DTD or entity declarations")
    for start_tag, end_tag in ((b"<x:xmpmeta", b"</x:xmpmeta>"), (b"<rdf:RDF", b"</rdf:RDF>")):
        start = data.find(start_tag)
        end = data.find(end_tag, start + 1)
        if start >= 0 and end > start:
            chunk = data[start : end + len(end_tag)]
            if start_tag == b"<rdf:RDF" and b"xmlns:rdf" not in chunk[:2000]:
                chunk = chunk.replace(b"<rdf:RDF", f'<rdf:RDF xmlns:rdf="{NS_RDF}"'.encode(), 1)
            return parse_xml(chunk)
    return parse_xml(data)
