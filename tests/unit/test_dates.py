"""Reading when a photo was taken: EXIF, XMP and Takeout values, odd ones refused."""

from __future__ import annotations

import json
from pathlib import Path

from faceorganizer.core.metadata.dates import (
    DateReader,
    parse_iso,
    takeout_taken,
    xmp_taken,
)
from faceorganizer.core.photos.taken import exif_datetime


def test_exif_values() -> None:
    assert exif_datetime("2019:05:03 14:22:01", "+02:00") == "2019-05-03T14:22:01+02:00"
    assert exif_datetime(b"2019:05:03 14:22:01\x00") == "2019-05-03T14:22:01"
    assert exif_datetime("2019:05:03 14:22:01", "junk!!") == "2019-05-03T14:22:01"
    assert exif_datetime("0000:00:00 00:00:00") is None  # a camera whose clock was never set
    assert exif_datetime("    :  :     :  :  ") is None
    assert exif_datetime(None) is None
    assert exif_datetime(12345) is None


def test_iso_values() -> None:
    assert parse_iso("2019") == "2019-01-01T00:00:00"
    assert parse_iso("2019-05") == "2019-05-01T00:00:00"
    assert parse_iso("2019-05-03T14:22:01.123Z") == "2019-05-03T14:22:01+00:00"
    assert parse_iso("2019:05:03 14:22:01") == "2019-05-03T14:22:01"
    assert parse_iso("yesterday") is None
    assert parse_iso("0001-01-01") is None


def test_takeout_and_xmp() -> None:
    assert takeout_taken(b'{"photoTakenTime": {"timestamp": "0"}}') is None
    assert takeout_taken(b"[1, 2") is None
    assert takeout_taken(b'{"photoTakenTime": 5}') is None
    stamp = json.dumps({"photoTakenTime": {"timestamp": "1420070400"}}).encode()
    assert takeout_taken(stamp) == "2015-01-01T00:00:00+00:00"
    packet = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:CreateDate>2016-02-03T04:05:06'
        b"</xmp:CreateDate></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    assert xmp_taken(packet) == "2016-02-03T04:05:06"


def test_a_long_name_finds_takeouts_shortened_sidecar(tmp_path: Path) -> None:
    photo = tmp_path / "PXL_20230101_123456789.PORTRAIT.ORIGINAL.jpg"
    photo.write_bytes(b"")
    long = photo.name + ".supplemental-metadata.json"
    (tmp_path / (long[:46] + ".json")).write_text('{"photoTakenTime": {"timestamp": "86400"}}')
    taken = DateReader().taken(str(photo), b"", (None, None), 0)
    assert taken is not None and taken.source == "takeout"
    assert taken.when == "1970-01-02T00:00:00+00:00"


def test_an_unreadable_sidecar_falls_back_to_the_file_time(tmp_path: Path) -> None:
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"")
    (tmp_path / "a.jpg.xmp").write_text("<x:xmpmeta <<< not xml")
    (tmp_path / "a.jpg.json").write_text("{not json")
    taken = DateReader().taken(str(photo), b"", (None, None), 1_500_000_000 * 10**9)
    assert taken is not None and taken.guessed and taken.when.startswith("2017-07-1")
