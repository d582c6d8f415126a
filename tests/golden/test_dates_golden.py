"""When each photo was taken: files written each way, scanned, and read back by exiftool too."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import shared_set

pytestmark = pytest.mark.golden

XMP = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""
 xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 {attrs}/></rdf:RDF></x:xmpmeta>"""


def cli(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "faceorganizer", *args], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def write_library(folder: Path) -> dict[str, str | None]:
    """One photo of one face, written each way; what ``taken`` should say for each."""
    folder.mkdir()
    base = Image.open(shared_set("celebrities") / "img10.jpg").convert("RGB")

    def save(name: str, **tags: str) -> Path:
        exif = Image.Exif()
        sub = exif.get_ifd(0x8769)
        for key, value in tags.items():
            tag = {"original": 0x9003, "offset": 0x9011, "create": 0x9004, "modify": 0x0132}[key]
            (exif if tag == 0x0132 else sub)[tag] = value
        path = folder / name
        base.save(path, quality=90, exif=exif)
        return path

    save("exif_original.jpg", original="2019:05:03 14:22:01", offset="+02:00")
    save("exif_create.jpg", create="2018:01:02 03:04:05")
    save("xmp_sidecar.jpg")
    (folder / "xmp_sidecar.jpg.xmp").write_text(
        XMP.format(attrs='photoshop:DateCreated="2017-07-08T09:10:11-05:00"')
    )
    base.save(
        folder / "xmp_embedded.jpg",
        quality=90,
        xmp=XMP.format(attrs='xmp:CreateDate="2016-02-03T04:05:06"').encode(),
    )
    save("takeout.jpg", modify="2024:01:01 00:00:00")  # ModifyDate loses to Takeout
    takeout = {"title": "takeout.jpg", "photoTakenTime": {"timestamp": "1420070400"}}
    (folder / "takeout.jpg.supplemental-metadata.json").write_text(json.dumps(takeout))
    save("exif_wins.jpg", original="2012:12:12 12:12:12")
    (folder / "exif_wins.jpg.xmp").write_text(
        XMP.format(attrs='photoshop:DateCreated="1999-01-01"')
    )
    save("plain.jpg")
    when = datetime(2010, 6, 15, 8, 30, 0).timestamp()
    os.utime(folder / "plain.jpg", (when, when))
    guess = datetime.fromtimestamp(when).astimezone().isoformat()
    return {
        "exif_original.jpg": "2019-05-03T14:22:01+02:00",
        "exif_create.jpg": "2018-01-02T03:04:05",
        "xmp_sidecar.jpg": "2017-07-08T09:10:11-05:00",
        "xmp_embedded.jpg": "2016-02-03T04:05:06",
        "takeout.jpg": "2015-01-01T00:00:00+00:00",
        "exif_wins.jpg": "2012-12-12T12:12:12",
        "plain.jpg": guess,
    }


def taken_by_photo(db: Path) -> dict[str, tuple[str | None, str | None, bool | None]]:
    faces = json.loads(cli("faces", "--db", str(db), "--json"))
    return {
        Path(f["photo"]).name: (f["taken"], f["taken_source"], f["taken_guessed"]) for f in faces
    }


def test_dates_are_read_each_way_and_again_on_rescan(tmp_path: Path) -> None:
    library, db = tmp_path / "library", tmp_path / "library.db"
    expected = write_library(library)
    before = {p.name: p.read_bytes() for p in library.iterdir()}
    cli("scan", str(library), "--db", str(db))
    taken = taken_by_photo(db)
    assert {name: t[0] for name, t in taken.items()} == expected
    assert taken["plain.jpg"][1:] == ("file", True)
    assert taken["exif_original.jpg"][1:] == ("exif", False)
    assert taken["takeout.jpg"][1] == "takeout"
    assert taken["xmp_sidecar.jpg"][1] == "xmp-sidecar"
    assert taken["xmp_embedded.jpg"][1] == "xmp"
    assert {p.name: p.read_bytes() for p in library.iterdir()} == before  # only read

    # asked by person and time: the 7 copies of one face are one person
    (group,) = json.loads(cli("people", "--db", str(db), "--json"))
    cli("name", f"#{group['id']}", "Anna", "--db", str(db))
    query = ["photos", "--db", str(db), "--person", "anna", "--only", "--json"]
    hits = json.loads(cli(*query, "--from", "2016", "--to", "2018"))
    assert [Path(h["photo"]).name for h in hits] == [
        "xmp_embedded.jpg", "xmp_sidecar.jpg", "exif_create.jpg"
    ]  # fmt: skip
    assert hits[0]["people"] == [{"id": group["id"], "name": "Anna"}]

    # born 2016: her faces from 2010 (the file's time), 2012 and 2015 leave and stay out
    cli("person", "anna", "--born", "2016-01-01", "--db", str(db))
    cli("cluster", "--db", str(db))
    (anna,) = json.loads(cli("people", "--db", str(db), "--json"))[:1]
    assert anna["name"] == "Anna" and anna["born"] == "2016-01-01"
    listed = json.loads(cli("faces", "--db", str(db), "--json"))
    faces = {Path(f["photo"]).name: f["id"] for f in listed}
    early = {faces[n] for n in ("plain.jpg", "exif_wins.jpg", "takeout.jpg")}
    assert early.isdisjoint(anna["faces"]) and len(anna["faces"]) == 4
    refused = subprocess.run(
        [sys.executable, "-m", "faceorganizer", "move", "--face", str(faces["plain.jpg"]),
         "--to", "anna", "--db", str(db)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 1 and "before Anna was born" in refused.stderr

    # a Takeout sidecar changed: --rescan reads it again
    takeout = {"photoTakenTime": {"timestamp": "946684800"}}
    (library / "takeout.jpg.supplemental-metadata.json").write_text(json.dumps(takeout))
    cli("scan", str(library), "--db", str(db), "--rescan")
    assert taken_by_photo(db)["takeout.jpg"][0] == "2000-01-01T00:00:00+00:00"


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed")
def test_exiftool_reads_the_same_dates_from_the_files(tmp_path: Path) -> None:
    expected = write_library(tmp_path / "library")
    out = subprocess.run(
        ["exiftool", "-j", "-DateTimeOriginal", "-OffsetTimeOriginal", "-CreateDate",
         "-XMP:DateCreated", "-XMP:CreateDate", str(tmp_path / "library")],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    tags = {Path(t["SourceFile"]).name: t for t in json.loads(out)}
    assert tags["exif_original.jpg"]["DateTimeOriginal"] == "2019:05:03 14:22:01"
    assert tags["exif_original.jpg"]["OffsetTimeOriginal"] == "+02:00"
    assert tags["exif_create.jpg"]["CreateDate"] == "2018:01:02 03:04:05"
    assert tags["xmp_embedded.jpg"]["CreateDate"] == "2016:02:03 04:05:06"
    assert tags["xmp_sidecar.jpg.xmp"]["DateCreated"] == "2017:07:08 09:10:11-05:00"
    assert "DateTimeOriginal" not in tags["plain.jpg"]
    assert expected["exif_original.jpg"] == "2019-05-03T14:22:01+02:00"
