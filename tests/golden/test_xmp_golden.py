"""XMP face regions on the real shared photos, checked with exiftool as other tools see them."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import shared_set

pytestmark = [
    pytest.mark.golden,
    pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed"),
]

# Runs the CLI; registers the xmp commands itself until cli/main.py lists them.
_RUNNER = """
import argparse, sys
from faceorganizer.cli import main, xmp_cmd
parser = main.build_parser()
sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
if "xmp" not in sub.choices:
    xmp_cmd.register(sub)
args = parser.parse_args(sys.argv[1:])
raise SystemExit(args.handler(args) if getattr(args, "handler", None) else 0)
"""


def cli(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", _RUNNER, *args], capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise AssertionError(f"{args} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def exiftool_json(path: Path) -> dict:
    out = subprocess.run(
        ["exiftool", "-j", "-struct", "-n", "-XMP-mwg-rs:all", "-XMP-dc:Subject", "-XMP-xmp:Rating",
         "-XMP-MP:all", str(path)],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    return json.loads(out)[0]


def exiftool_write(path: Path, *assignments: str) -> None:
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", *assignments, str(path)], check=True, timeout=60
    )


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def named_faces(db: Path) -> list[tuple[str, str, tuple[float, ...], int, int]]:
    """(photo path, name, box px, width, height) of every confirmed named face."""
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT p.path, pe.name, f.x, f.y, f.w, f.h, p.width, p.height FROM face_person fp "
        "JOIN people pe ON pe.id = fp.person_id JOIN faces f ON f.id = fp.face_id "
        "JOIN photos p ON p.id = f.photo_id WHERE pe.name IS NOT NULL AND fp.confirmed = 1"
    ).fetchall()
    conn.close()
    return [(r[0], r[1], tuple(r[2:6]), r[6], r[7]) for r in rows]


def expected_centre(box: tuple[float, ...], width: int, height: int) -> tuple[float, float]:
    x0, y0 = max(0.0, box[0]) / width, max(0.0, box[1]) / height
    x1, y1 = min(width, box[0] + box[2]) / width, min(height, box[1] + box[3]) / height
    return (x0 + x1) / 2, (y0 + y1) / 2


def regions_of(info: dict) -> list[dict]:
    return info.get("RegionInfo", {}).get("RegionList", [])


def as_list(value: object) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def test_write_sidecars_that_exiftool_reads_back(tmp_path: Path) -> None:
    lib = tmp_path / "celebrities"
    shutil.copytree(shared_set("celebrities"), lib)
    db = tmp_path / "lib.db"
    cli("scan", str(lib), "--db", str(db), "--no-progress")
    cli("cluster", "--db", str(db))
    people = json.loads(cli("people", "--db", str(db), "--json"))
    groups = [p for p in people if p["name"] is None][:3]
    assert len(groups) == 3
    names = ["Zoë O'Brien", "Bob & Co", "Carol"]  # non-ASCII, quote, ampersand
    for group, name in zip(groups, names, strict=True):
        cli("name", str(group["id"]), name, "--db", str(db))
    images = sorted(p for p in lib.iterdir() if p.suffix.lower() == ".jpg")
    before = {p.name: sha(p) for p in images}

    # a sidecar another tool made: its fields must survive
    first_photo = Path(groups[0]["photos"][0])
    premade = first_photo.with_name(first_photo.name + ".xmp")
    exiftool_write(premade, "-XMP-xmp:Rating=3", "-XMP-dc:Subject=Holiday")
    premade_bytes = premade.read_bytes()

    out = cli("xmp", "write", "--db", str(db), "--dry-run")
    assert "dry_run=yes" in out.splitlines()[-1]
    assert sorted(lib.glob("*.xmp")) == [premade] and premade.read_bytes() == premade_bytes

    out = cli("xmp", "write", "--db", str(db))
    faces = named_faces(db)
    photos = {f[0] for f in faces}
    summary = out.splitlines()[-1]
    assert summary == f"xmp: files={len(photos)} regions={len(faces)} skipped=0 dry_run=no", out

    for path, name, box, width, height in faces:
        info = exiftool_json(Path(path + ".xmp"))
        regions = [r for r in regions_of(info) if r["Name"] == name]
        assert regions, (path, name, info)
        cx, cy = expected_centre(box, width, height)
        assert any(
            abs(r["Area"]["X"] - cx) <= 0.01 and abs(r["Area"]["Y"] - cy) <= 0.01 for r in regions
        ), (path, name, regions, (cx, cy))
        area = regions[0]["Area"]
        assert area["Unit"] == "normalized" and regions[0]["Type"] == "Face"
        dims = info["RegionInfo"]["AppliedToDimensions"]
        assert (dims["W"], dims["H"], dims["Unit"]) == (width, height, "pixel")
        assert name in as_list(info.get("Subject"))
        mp_names = [r.get("PersonDisplayName") for r in info["RegionInfoMP"]["Regions"]]
        assert name in mp_names

    info = exiftool_json(premade)
    assert info.get("Rating") == 3
    assert "Holiday" in as_list(info["Subject"]) and names[0] in as_list(info["Subject"])

    # again: nothing duplicated, nothing rewritten
    snapshot = {p: p.read_bytes() for p in lib.glob("*.xmp")}
    out = cli("xmp", "write", "--db", str(db))
    assert out.splitlines()[-1] == "xmp: files=0 regions=0 skipped=0 dry_run=no", out
    assert {p: p.read_bytes() for p in lib.glob("*.xmp")} == snapshot
    for sidecar in snapshot:
        info = exiftool_json(sidecar)
        subjects = as_list(info.get("Subject"))
        assert len(subjects) == len(set(subjects))
        pairs = [(r["Name"], r["Area"]["X"], r["Area"]["Y"]) for r in regions_of(info)]
        assert len(pairs) == len(set(pairs))

    # one person only, with the other naming: photo.xmp
    out = cli("xmp", "write", "--db", str(db), "--person", "carol", "--naming", "photo.xmp")
    carol_photos = {f[0] for f in faces if f[1] == "Carol"}
    assert {str(p.with_suffix(".jpg")) for p in lib.glob("*.xmp") if ".jpg" not in p.name} == (
        carol_photos
    )

    # a sidecar we cannot parse is left alone
    broken = Path(sorted(photos)[0] + ".xmp")
    broken.write_text("<x:xmpmeta><rdf:RDF>not closed")
    out = cli("xmp", "write", "--db", str(db))
    assert "skipped=1" in out.splitlines()[-1] and "unparseable" in out
    assert broken.read_text() == "<x:xmpmeta><rdf:RDF>not closed"

    assert {p.name: sha(p) for p in images} == before


def _face_boxes(db: Path, photo: Path) -> list[tuple[int, tuple[float, ...], int, int]]:
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT f.id, f.x, f.y, f.w, f.h, p.width, p.height FROM faces f "
        "JOIN photos p ON p.id = f.photo_id WHERE p.path = ? ORDER BY f.idx",
        (str(photo),),
    ).fetchall()
    conn.close()
    return [(r[0], tuple(r[1:5]), r[5], r[6]) for r in rows]


def _mwg(box: tuple[float, ...], width: int, height: int) -> tuple[float, float, float, float]:
    x, y, w, h = box
    return ((x + w / 2) / width, (y + h / 2) / height, w / width, h / height)


def test_import_names_from_embedded_sidecar_and_microsoft_regions(tmp_path: Path) -> None:
    src = shared_set("celebrities")
    lib = tmp_path / "imp"
    lib.mkdir()
    for name in ("couple.jpg", "img1.jpg", "img2.jpg"):
        shutil.copy2(src / name, lib / name)
    probe = tmp_path / "probe.db"
    cli("scan", str(lib), "--db", str(probe), "--no-progress")
    couple = _face_boxes(probe, lib / "couple.jpg")
    assert len(couple) == 2
    (_, box_a, w, h), (_, box_b, _, _) = couple

    # embedded MWG regions made with exiftool: two names on the two faces of one photo
    items = []
    for label, box in (("Alice", box_b), ("Bob", box_a)):
        cx, cy, bw, bh = _mwg(box, w, h)
        items.append(
            f"{{Area={{X={cx:.5f},Y={cy:.5f},W={bw:.5f},H={bh:.5f},Unit=normalized}},"
            f"Name={label},Type=Face}}"
        )
    exiftool_write(
        lib / "couple.jpg",
        f"-XMP-mwg-rs:RegionInfo={{AppliedToDimensions={{W={w},H={h},Unit=pixel}},"
        f"RegionList=[{','.join(items)}]}}",
    )
    # a sidecar only (photo.jpg.xmp), MWG
    (_, box1, w1, h1), *_ = _face_boxes(probe, lib / "img1.jpg")
    cx, cy, bw, bh = _mwg(box1, w1, h1)
    exiftool_write(
        lib / "img1.jpg.xmp",
        f"-XMP-mwg-rs:RegionInfo={{AppliedToDimensions={{W={w1},H={h1},Unit=pixel}},"
        f"RegionList=[{{Area={{X={cx},Y={cy},W={bw},H={bh},Unit=normalized}},"
        f"Name=alice,Type=Face}}]}}",
    )
    # Microsoft regions (top-left rectangles) in a photo.xmp sidecar
    (_, box2, w2, h2), *_ = _face_boxes(probe, lib / "img2.jpg")
    rect = "|, ".join(f"{v:.5f}" for v in (box2[0] / w2, box2[1] / h2, box2[2] / w2, box2[3] / h2))
    exiftool_write(
        lib / "img2.xmp",
        f"-XMP-MP:RegionInfoMP={{Regions=[{{PersonDisplayName=Carol,Rectangle={rect}}}]}}",
    )

    db = tmp_path / "lib.db"
    # the scan itself imports the names, with no clustering
    scanned = cli("scan", str(lib), "--db", str(db), "--no-progress")
    assert "names_imported=4" in scanned.splitlines()[-1], scanned
    people = {p["name"]: p for p in json.loads(cli("people", "--db", str(db), "--json"))}
    assert set(people) == {"Alice", "Bob", "Carol"}
    ids = {fid: box for fid, box, *_ in _face_boxes(db, lib / "couple.jpg")}
    alice = people["Alice"]
    assert alice["confirmed_faces"] == 2
    assert sorted(alice["photos"]) == [str(lib / "couple.jpg"), str(lib / "img1.jpg")]
    couple_face = next(f for f in alice["faces"] if f in ids)
    assert ids[couple_face] == pytest.approx(box_b)
    assert people["Bob"]["photos"] == [str(lib / "couple.jpg")]
    assert people["Carol"]["photos"] == [str(lib / "img2.jpg")]

    # again: nothing new; and one undo step takes the whole import back
    out = cli("xmp", "import", "--db", str(db))
    assert out.splitlines()[-1] == (
        "xmp import: photos=3 regions=4 assigned=0 already=4 conflicts=0 unmatched=0 new_people=0"
    ), out
    cli("undo", "--db", str(db))
    assert [p for p in json.loads(cli("people", "--db", str(db), "--json")) if p["name"]] == []

    # a face the user confirmed as someone else is a conflict, not overridden
    cli("xmp", "import", "--db", str(db))
    cli("move", "--db", str(db), "--face", str(people["Carol"]["faces"][0]), "--to", "Dora")
    (lib / "img2.xmp").unlink()
    exiftool_write(
        lib / "img2.jpg.xmp",
        f"-XMP-MP:RegionInfoMP={{Regions=[{{PersonDisplayName=Erin,Rectangle={rect}}}]}}",
    )
    out = cli("xmp", "import", "--db", str(db))
    assert "conflicts=1" in out.splitlines()[-1] and "confirmed as Dora" in out, out


def test_rotated_photo_round_trips_in_the_stored_frame(tmp_path: Path) -> None:
    from faceorganizer.core.export.xmp import read_regions

    lib = tmp_path / "rot"
    lib.mkdir()
    photo = lib / "img1.jpg"
    shutil.copy2(shared_set("celebrities") / "img1.jpg", photo)
    exiftool_write(photo, "-n", "-IFD0:Orientation=6")
    db = tmp_path / "lib.db"
    cli("scan", str(lib), "--db", str(db), "--no-progress")
    faces = _face_boxes(db, photo)
    assert faces and faces[0][2] > faces[0][3]  # stored portrait, displayed landscape
    fid, box, width, height = faces[0]
    cli("move", "--db", str(db), "--face", str(fid), "--to", "Alice")
    cli("xmp", "write", "--db", str(db))
    info = exiftool_json(Path(str(photo) + ".xmp"))
    dims = info["RegionInfo"]["AppliedToDimensions"]
    assert (dims["W"], dims["H"]) == (height, width)  # the stored pixels
    [region] = read_regions(photo)
    got = (region.x * width, region.y * height, region.w * width, region.h * height)
    assert got == pytest.approx(box, abs=0.01 * width)


# -- a library tagged by other tools (tests/xmp_corpus.py) ----------------------------------------
def _tree_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): sha(p) for p in sorted(root.rglob("*")) if p.is_file()}


def _box_iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    from faceorganizer.core.store.faces import iou

    return iou(a, b)


@pytest.fixture(scope="module")
def tagged_library(tmp_path_factory: pytest.TempPathFactory):
    """The corpus of tests/xmp_corpus.py, scanned once: (corpus, database, scan output)."""
    from tests import xmp_corpus

    root = tmp_path_factory.mktemp("tagged")
    corpus = xmp_corpus.build(root / "lib", xmp_corpus.upright_boxes())
    before = _tree_hashes(corpus.root)
    db = root / "lib.db"
    out = cli("scan", str(corpus.root), "--db", str(db), "--no-progress")
    assert _tree_hashes(corpus.root) == before, "scan changed a file of the library"
    return corpus, db, out


def test_every_named_region_comes_back_as_that_person_with_its_box(tagged_library) -> None:
    corpus, db, out = tagged_library
    lines = out.splitlines()
    assert lines[-1].startswith("summary: ") and "names_imported=20" in lines[-1], out
    [regions] = [line for line in lines if line.startswith("regions: ")]
    named = len(corpus.expected)
    assert named == 20
    fields = dict(kv.split("=") for kv in regions.split()[1:])
    assert int(fields["read"]) == corpus.read and int(fields["ignored"]) == corpus.ignored
    assert int(fields["named"]) == named
    assert int(fields["matched"]) + int(fields["from_metadata"]) == named, regions
    assert int(fields["from_metadata"]) >= 2  # the tiny face and the pet at least
    # the bare and the hostile sidecars are reported, and broke nothing else
    for sidecar in corpus.bare_sidecars + corpus.hostile_sidecars:
        assert any(line.startswith("metadata: ") and sidecar.name in line for line in lines), out

    people = {p["name"]: p for p in json.loads(cli("people", "--db", str(db), "--json"))}
    faces = {f["id"]: f for f in json.loads(cli("faces", "--db", str(db), "--json"))}
    conn = sqlite3.connect(db)
    sizes = {
        Path(r[0]).name: (r[1], r[2])
        for r in conn.execute("SELECT path, width, height FROM photos")
    }
    conn.close()
    recovered = 0
    for e in corpus.expected:
        person = people.get(e.name)
        assert person is not None, (e, sorted(people))
        photo = str(corpus.root / e.photo)
        assert photo in person["photos"], (e, person["photos"])
        width, height = sizes[e.photo]
        want = (e.box[0] * width, e.box[1] * height, e.box[2] * width, e.box[3] * height)
        mine = [faces[f] for f in person["faces"] if faces[f]["photo"] == photo]
        assert len(mine) == 1, (e, mine)
        assert _box_iou(tuple(mine[0]["box"]), want) >= 0.5, (e, mine[0]["box"], want)
        recovered += 1
    assert recovered == named
    # faces from metadata are marked; one without landmarks never seeds a group
    from_meta = [f for f in faces.values() if "from_metadata" in f["quality"]["flags"]]
    assert len(from_meta) == int(fields["from_metadata"])
    for f in from_meta:
        if "box_aligned" in f["quality"]["flags"]:
            assert f["quality"]["score"] == 0
    # the app reads faces through the browse queries: person page and viewer both see them
    from faceorganizer.core.store.browse import person_faces, photo_faces
    from faceorganizer.core.store.db import Database

    with Database(db, readonly=True) as store:
        for f in from_meta:
            person = next(p for p in people.values() if f["id"] in p["faces"])
            assert f["id"] in [ref.id for ref in person_faces(store, person["id"])]
            photo_id = next(
                ref.photo_id for ref in person_faces(store, person["id"]) if ref.id == f["id"]
            )
            [ref] = [r for r in photo_faces(store, photo_id) if r.id == f["id"]]
            assert ref.person_name == person["name"]
            assert ref.box == pytest.approx(tuple(f["box"]), abs=0.01)


def test_xmp_import_again_changes_no_file_and_finds_every_name_placed(
    tagged_library, tmp_path: Path
) -> None:
    corpus, db, _ = tagged_library
    copy = tmp_path / "copy.db"
    shutil.copy2(db, copy)
    before = _tree_hashes(corpus.root)
    out = cli("xmp", "import", "--db", str(copy))
    lines = out.splitlines()
    assert lines[-1] == (
        "xmp import: photos=20 regions=20 assigned=0 already=20 conflicts=0 unmatched=0"
        " new_people=0"
    ), out
    assert lines[-2] == (
        f"regions: read={corpus.read} named=20 matched=20 from_metadata=0 ignored={corpus.ignored}"
    ), out
    assert _tree_hashes(corpus.root) == before


def test_xmp_write_after_the_scan_keeps_every_foreign_region(tagged_library) -> None:
    corpus, db, _ = tagged_library

    def foreign(path: Path) -> tuple[list, object, list]:
        out = subprocess.run(
            ["exiftool", "-j", "-struct", "-n", "-XMP-mwg-rs:RegionInfo",
             "-XMP-MP:RegionInfoMP", str(path)],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout  # fmt: skip
        info = json.loads(out)[0]
        mwg = info.get("RegionInfo", {})
        mp = info.get("RegionInfoMP", {}).get("Regions", [])
        theirs = [r for r in mwg.get("RegionList", []) if "FaceId" not in json.dumps(r)]
        return (
            theirs,
            mwg.get("AppliedToDimensions"),
            [r for r in mp if "FaceId" not in json.dumps(r)],
        )

    before = {p: foreign(p) for p in corpus.foreign_sidecars}
    images = {p: sha(p) for p in corpus.root.iterdir() if p.suffix.lower() == ".jpg"}
    out = cli("xmp", "write", "--db", str(db))
    assert out.splitlines()[-1] == "xmp: files=19 regions=20 skipped=0 dry_run=no", out
    for path, (mwg, dims, mp) in before.items():
        after_mwg, after_dims, after_mp = foreign(path)
        assert after_mwg == mwg, path
        assert dims is None or after_dims == dims, path
        assert after_mp == mp, path
    # a face their region already names is not written again beside it
    for path, (mwg, _dims, mp) in before.items():
        info = exiftool_json(path)
        after_mwg = [r.get("Name") for r in regions_of(info)]
        after_mp = [
            r.get("PersonDisplayName") for r in info.get("RegionInfoMP", {}).get("Regions", [])
        ]
        for name in {r.get("Name") for r in mwg} - {None}:
            assert after_mwg.count(name) == [r.get("Name") for r in mwg].count(name), (path, name)
        for name in {r.get("PersonDisplayName") for r in mp} - {None}:
            before_mp = [r.get("PersonDisplayName") for r in mp]
            assert after_mp.count(name) == before_mp.count(name), (path, name)
    # a second write changes nothing; the image files were never touched
    snapshot = _tree_hashes(corpus.root)
    out = cli("xmp", "write", "--db", str(db))
    assert out.splitlines()[-1] == "xmp: files=0 regions=0 skipped=0 dry_run=no", out
    assert _tree_hashes(corpus.root) == snapshot
    assert {p: sha(p) for p in images} == images
    # and reading it all back names the same faces, nothing new
    out = cli("xmp", "import", "--db", str(db))
    assert "assigned=0 already=20 conflicts=0 unmatched=0 new_people=0" in out.splitlines()[-1]


def test_a_region_turned_upright_by_the_sidecar_gives_the_same_person_vector() -> None:
    """Orientation only in the sidecar: the crop is turned upright before landmarks and vector."""
    import numpy as np
    from PIL import Image

    from faceorganizer.core.faces.from_region import face_from_region
    from faceorganizer.core.faces.pipeline import FaceEngine
    from faceorganizer.core.metadata.regions import displayed_to_stored
    from faceorganizer.core.photos.decode import DecodedPhoto
    from faceorganizer.core.photos.orientation import orient
    from faceorganizer.core.records import FLAG_BOX_ALIGNED, FLAG_FROM_METADATA

    engine = FaceEngine()
    rgb = np.asarray(
        Image.open(shared_set("lfw-fold1") / "l00002.jpg").convert("RGB").resize((300, 300))
    )
    upright = DecodedPhoto(np.ascontiguousarray(rgb[:, :, ::-1]), 300, 300, 1.0, 1, None, "JPEG")
    [detected] = [f for f in engine.analyse(upright) if f.box[2] >= 80]
    # the stored pixels are sideways; only a sidecar's tiff:Orientation=6 says how to show them
    sideways = orient(upright.pixels, 8)
    photo = DecodedPhoto(sideways, 300, 300, 1.0, 1, None, "JPEG")
    x, y, w, h = (v / 300 for v in detected.box)
    sx, sy, sw, sh = displayed_to_stored((x, y, w, h), 6)
    box = (sx * 300, sy * 300, sw * 300, sh * 300)
    turned = face_from_region(engine, photo, box, 6)
    assert turned.flags & FLAG_FROM_METADATA and not turned.flags & FLAG_BOX_ALIGNED
    assert float(turned.embedding @ detected.embedding) > 0.7
    assert turned.box == pytest.approx(box)
