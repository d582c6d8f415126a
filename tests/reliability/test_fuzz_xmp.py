"""Fuzzing the XMP reader and writer (Hypothesis), seeded with the sidecars the tests make.

Whatever bytes a sidecar holds, reading it either yields regions with finite boxes inside the
image or a ``MetadataError`` with a reason; merging our regions into it either yields a packet
that reads back with our regions, or a ``MetadataError``. Never another exception, never a hang.
Bounded by ``FACEORGANIZER_FUZZ_EXAMPLES`` (default 300 inputs per target, a few seconds).
"""

from __future__ import annotations

import math
import os

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from faceorganizer.core.export import xmp
from faceorganizer.core.metadata import rdf
from faceorganizer.core.metadata.regions import regions_of_tree, tree_orientation
from faceorganizer.core.metadata.safe import MetadataError
from faceorganizer.core.store.names import clean_name
from tests.reliability.test_xmp_hostile import _sidecar
from tests.xmp_corpus import deep_sidecar

EXAMPLES = int(os.environ.get("FACEORGANIZER_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

_OURS = [xmp._OutRegion(1, 'Zoë & "Co" <x>', (0.2, 0.3, 0.2, 0.25))]

SEEDS = [
    _sidecar("Alice"),
    _sidecar("Zoë O'Brien &amp; 李小龍"),
    deep_sidecar(8),
    xmp._render_sidecar(None, _OURS, (640, 480)),
    xmp._render_sidecar(_sidecar("Bob").encode(), _OURS, (640, 480)),
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    'syntax-ns#"><rdf:Description rdf:about="" xmlns:MP="http://ns.microsoft.com/photo/1.2" '
    'xmlns:MPRI="http://ns.microsoft.com/photo/1.2/t/RegionInfo#" '
    'xmlns:MPReg="http://ns.microsoft.com/photo/1.2/t/Region#" '
    'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"><MP:RegionInfo '
    'rdf:parseType="Resource"><MPRI:Regions><rdf:Bag><rdf:li MPReg:PersonDisplayName="Eve" '
    'MPReg:Rectangle="0.1, 0.1, 0.2, 0.2"/></rdf:Bag></MPRI:Regions></MP:RegionInfo>'
    "</rdf:Description></rdf:RDF></x:xmpmeta>",
]
TOKENS = [
    b"<rdf:Alt><rdf:li>", b"</rdf:li></rdf:Alt>", b"<rdf:Seq>", b"<rdf:Bag>", b"&amp;", b"&#0;",
    b'stArea:unit="pixel"', b'stArea:x="nan"', b'stArea:w="-1e308"', b'stArea:h="1e400"',
    b"<mwg-rs:Type>Pet</mwg-rs:Type>", b"<!DOCTYPE x>", b"<![CDATA[", b"\xff\xfe", b"\x00",
    b'rdf:parseType="Resource"', b"<rdf:Description>", b'MPReg:Rectangle="1,2,3"', b">", b"<",
]  # fmt: skip

counts = {"read": 0, "write": 0}


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A seed sidecar with a few insertions, deletions, duplications and token splices."""
    data = bytearray(draw(st.sampled_from(SEEDS)).encode("utf-8"))
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["insert", "delete", "dup", "token", "byte"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "insert":
            data[at:at] = draw(st.binary(max_size=24))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "dup":
            size = draw(st.integers(1, 200))
            data[at:at] = data[at : at + size] * draw(st.integers(1, 8))
        elif op == "token":
            data[at:at] = draw(st.sampled_from(TOKENS)) * draw(st.integers(1, 50))
        elif data:
            data[at] = draw(st.integers(0, 255))
    return bytes(data)


def _read(data: bytes) -> None:
    try:
        root = rdf.packet_root(data)
    except MetadataError:
        return
    regions, unusable = regions_of_tree(root)
    assert unusable >= 0
    assert tree_orientation(root) in (None, 1, 2, 3, 4, 5, 6, 7, 8)
    for r in regions:
        x, y, w, h = r.box
        assert all(math.isfinite(v) for v in r.box)
        assert x >= 0 and y >= 0 and w > 0 and h > 0 and x + w <= 1 + 1e-9 and y + h <= 1 + 1e-9
        assert r.kind in ("face", "pet", "focus", "barcode", "other")


@FUZZ
@given(mutated())
def test_reading_any_sidecar_gives_regions_or_a_reason(data: bytes) -> None:
    counts["read"] += 1
    _read(data)


# found by this fuzzer: an xmpmeta root in another namespace was kept, and our own reader,
# which looks for x:xmpmeta, then met rdf:RDF without its namespace declarations
_FOREIGN_ROOT = (
    b'<x:xmpmeta xmlns:x="dobe:ns:meta/"><rdf:RDF'
    b' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""'
    b' xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"'
    b' xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"><mwg-rs:Regions'
    b' rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag><rdf:li rdf:parseType="Resource">'
    b'<mwg-rs:Area stArea:x="0.35" stArea:y="0.35" stArea:w="0.3" stArea:h="0.4"'
    b' stArea:unit="normalized"/><mwg-rs:Name>Alice</mwg-rs:Name><mwg-rs:Type>Face</mwg-rs:Type>'
    b"</rdf:li></rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions></rdf:Description></rdf:RDF>"
    b"</x:xmpmeta>"
)


@FUZZ
@given(mutated())
@example(_FOREIGN_ROOT)
def test_merging_into_any_sidecar_gives_a_readable_packet_or_a_reason(data: bytes) -> None:
    counts["write"] += 1
    try:
        text = xmp._render_sidecar(data, _OURS, (640, 480))
    except MetadataError:
        return
    root = rdf.packet_root(text.encode("utf-8"))
    names = [r.name for r in regions_of_tree(root)[0]]
    assert _OURS[0].name in names or any(
        n and n.casefold() == _OURS[0].name.casefold() for n in names
    )


names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=40)


@FUZZ
@given(st.lists(st.tuples(names, st.floats(allow_nan=True, allow_infinity=True)), max_size=5))
def test_any_names_and_numbers_round_trip_through_our_writer(
    items: list[tuple[str, float]],
) -> None:
    ours = []
    for i, (name, value) in enumerate(items):
        # our writer writes stored names, and every stored name has passed the one rule
        # (``clean_name``: NFC, invisible characters such as a soft hyphen removed)
        clean = clean_name(name)
        if not clean or not math.isfinite(value):
            continue
        v = abs(value) % 0.5
        ours.append(xmp._OutRegion(i, clean, (v, v, 0.25, 0.25)))
    if not ours:
        return
    text = xmp._render_sidecar(None, ours, (100, 100))
    got = [r.name for r in regions_of_tree(rdf.packet_root(text.encode("utf-8")))[0]]
    assert got[: len(ours)] == [r.name for r in ours]


def test_fuzz_counts_are_reported() -> None:
    """The reader's and the writer's fuzzers each try most of their budget of inputs (a filter or
    a setting that quietly cut them to a handful fails here); prints the counts (see them with -s).

    Runs both targets itself, so the counts do not depend on which tests ran before.
    """
    counts.update(read=0, write=0)
    test_reading_any_sidecar_gives_regions_or_a_reason()
    test_merging_into_any_sidecar_gives_a_readable_packet_or_a_reason()
    print(f"fuzz xmp: read={counts['read']} write={counts['write']} (limit {EXAMPLES} each)")
    # Hypothesis stops at the budget; it may stop earlier only when it runs out of new inputs
    assert counts["read"] >= EXAMPLES // 2, counts
    assert counts["write"] >= EXAMPLES // 2 + 1, counts  # + the explicit example
