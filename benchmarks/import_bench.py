"""Importing names from Picasa, digiKam and Google Takeout, measured on labelled shared sets.

For each set (a copy under --work, every 10th photo stored sideways with EXIF orientation 6 or 8)
the copy is scanned once; labels.csv names the largest face of each labelled photo. Each source
is then written as its program writes it, with that face's box moved and grown as another
detector would draw it (Picasa rect64 in the stored frame, digiKam pixels in the shown frame)
or, for Takeout, the name alone; ``faceorganizer import`` runs on a copy of the scanned library
and each labelled photo is scored: right (the largest face, by its area inside the photo, got
the name), wrong (another face got it) or left unplaced. Then a round trip: the Picasa import
written with ``xmp write`` and read back with ``exiftool -j -XMP-mwg-rs:all``.

    .venv/bin/python benchmarks/import_bench.py            # --sets celebrities,lfw-fold1
                                                           # --work /tmp/import-bench
It prints figures and asserts nothing; the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests import import_fixtures as fx  # noqa: E402

DATA = REPO.parent / "shared" / "data"


def cli(*args: str) -> tuple[list[str], float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "faceorganizer", *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{args[:2]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return result.stdout.splitlines(), time.monotonic() - started


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def prepare(name: str, work: Path) -> tuple[Path, Path, dict[str, str]]:
    """The set copied (every 10th photo turned), scanned once; (folder, database, labels)."""
    folder = work / name
    db = work / f"{name}.db"
    with open(DATA / name / "labels.csv", encoding="utf-8") as fh:
        labels = {r["file"]: r["person"] for r in csv.DictReader(fh) if r["person"]}
    if not db.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        photos = sorted(p for p in (DATA / name).iterdir() if p.suffix.lower() == ".jpg")
        for i, photo in enumerate(photos):
            if i % 10 == 5:
                fx.rotated_copy(photo, folder / photo.name, 6 if i % 20 == 5 else 8)
            else:
                shutil.copy2(photo, folder / photo.name)
        lines, seconds = cli("scan", str(folder), "--db", str(db))
        print(f"  scanned {name}: {lines[-1]} ({seconds:.0f} s, {load()})")
    return folder, db, labels


def faces_of(db: Path) -> dict[str, list[tuple[int, tuple[float, ...], int, int, int]]]:
    """photo name -> [(face id, box px, width, height, orientation)], largest face first."""
    conn = sqlite3.connect(db)
    out: dict[str, list[tuple[int, tuple[float, ...], int, int, int]]] = {}
    for path, w, h, turn, fid, x, y, fw, fh in conn.execute(
        "SELECT p.path, p.width, p.height, p.orientation, f.id, f.x, f.y, f.w, f.h FROM faces f"
        " JOIN photos p ON p.id = f.photo_id"
    ):
        out.setdefault(Path(path).name, []).append((fid, (x, y, fw, fh), w, h, turn))
    conn.close()
    for faces in out.values():
        faces.sort(key=lambda f: -_shown_area(f[1], f[2], f[3]))
    return out


def _shown_area(box: tuple[float, ...], width: int, height: int) -> float:
    """The area of a box inside the photo: an edge face cut off is not the subject."""
    x0, y0 = max(0.0, box[0]), max(0.0, box[1])
    x1, y1 = min(float(width), box[0] + box[2]), min(float(height), box[1] + box[3])
    return max(0.0, x1 - x0) * max(0.0, y1 - y0)


def drawn(box: tuple[float, ...], w: int, h: int, rng: random.Random) -> fx.Box:
    """A normalised box as another program drew the face: grown 0-25 %, moved up to 8 %."""
    x, y, bw, bh = box
    grow = 1 + rng.uniform(0.0, 0.25)
    dx, dy = rng.uniform(-0.08, 0.08) * bw, rng.uniform(-0.08, 0.08) * bh
    cx, cy = x + bw / 2 + dx, y + bh / 2 + dy
    nw, nh = bw * grow, bh * grow
    return ((cx - nw / 2) / w, (cy - nh / 2) / h, nw / w, nh / h)


def score(db: Path, labels: dict[str, str], faces: dict) -> tuple[int, int, int]:
    """(right, wrong, unplaced) over the labelled photos that have a detected face."""
    conn = sqlite3.connect(db)
    named = {
        r[0]: r[1]
        for r in conn.execute(
            "SELECT fp.face_id, pe.name FROM face_person fp JOIN people pe ON pe.id = fp.person_id"
            " WHERE fp.confirmed = 1 AND pe.name IS NOT NULL"
        )
    }
    conn.close()
    right = wrong = unplaced = 0
    for photo, person in labels.items():
        if photo not in faces:
            continue
        name = f"Person {person}"
        got = [f[0] for f in faces[photo] if named.get(f[0]) == name]
        largest = faces[photo][0][0]
        if got == [largest]:
            right += 1
        elif got:
            wrong += 1
        else:
            unplaced += 1
    return right, wrong, unplaced


def run_source(source: str, folder: Path, db: Path, work: Path, args: list[str], labels, faces):
    copy = work / f"{folder.name}-{source}.db"
    shutil.copy2(db, copy)
    dry, _ = cli("import", source, *args, "--db", str(copy), "--dry-run")
    lines, wall = cli("import", source, *args, "--db", str(copy))
    summary = dict(kv.split("=", 1) for kv in lines[-1].split()[1:])
    right, wrong, unplaced = score(copy, labels, faces)
    print(
        f"  {source:8} names={summary['names']} assigned={summary['assigned']}"
        f" right={right} wrong={wrong} unplaced={unplaced} ambiguous={summary['ambiguous']}"
        f" import {summary['seconds']} s (command {wall:.1f} s; {load()})"
    )
    print("    dry run: " + " | ".join(x for x in dry if x.startswith(("regions:", "import:"))))
    return copy


def round_trip(folder: Path, db: Path) -> None:
    """Picasa's import written to sidecars by ``xmp write`` and read back by exiftool."""
    if shutil.which("exiftool") is None:
        print("  round trip: exiftool is not installed")
        return
    out, _ = cli("xmp", "write", "--db", str(db))
    print(f"  xmp write: {out[-1]}")
    conn = sqlite3.connect(db)
    want = {
        (Path(r[0]).name, r[1]): (r[2], r[3], r[4], r[5], r[6], r[7], r[8])
        for r in conn.execute(
            "SELECT p.path, pe.name, f.x, f.y, f.w, f.h, p.width, p.height, p.orientation"
            " FROM face_person fp JOIN people pe ON pe.id = fp.person_id JOIN faces f"
            " ON f.id = fp.face_id JOIN photos p ON p.id = f.photo_id"
            " WHERE fp.confirmed = 1 AND pe.name IS NOT NULL"
        )
    }
    conn.close()
    sidecars = sorted(folder.glob("*.xmp"))
    got = (
        json.loads(
            subprocess.run(
                ["exiftool", "-j", "-struct", "-n", "-XMP-mwg-rs:all", *map(str, sidecars)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout  # fmt: skip
        )
        if sidecars
        else []
    )
    from faceorganizer.core.metadata.regions import stored_to_displayed

    same = 0
    regions = 0
    for info in got:
        photo = Path(info["SourceFile"]).name[: -len(".xmp")]
        for r in info.get("RegionInfo", {}).get("RegionList", []):
            regions += 1
            box = want.get((photo, r.get("Name")))
            if box is None:
                continue
            x, y, w, h, width, height, turn = box
            a = r["Area"]
            shown = stored_to_displayed(
                (a["X"] - a["W"] / 2, a["Y"] - a["H"] / 2, a["W"], a["H"]), turn
            )
            if (
                abs(shown[0] * width - x) <= 0.01 * width
                and abs(shown[1] * height - y) <= 0.01 * height
            ):
                same += 1
    print(
        f"  round trip: {len(want)} named faces, {len(sidecars)} sidecars, exiftool read"
        f" {regions} MWG regions, {same} with the same name and box (within 1 %)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sets", default="celebrities,lfw-fold1")
    parser.add_argument("--work", type=Path, default=Path("/tmp/import-bench"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(load())
    for name in args.sets.split(","):
        print(f"{name}:")
        folder, db, labels = prepare(name, args.work)
        faces = faces_of(db)
        rng = random.Random(29)
        tags, sizes, turns = [], {}, {}
        for photo, person in sorted(labels.items()):
            if photo not in faces:
                continue
            _fid, box, w, h, turn = faces[photo][0]
            tags.append(fx.Tag(photo, f"Person {person}", drawn(box, w, h, rng)))
            sizes[photo], turns[photo] = (w, h), turn
        for p in folder.glob("*.json"):
            p.unlink()
        for p in list(folder.glob("*.xmp")) + list(folder.glob(".picasa.ini")):
            p.unlink()
        contacts = fx.write_picasa(folder, tags, turns, in_ini=set())
        fx.write_contacts_xml(args.work / "contacts.xml", contacts)
        picasa_db = run_source(
            "picasa", folder, db, args.work,
            [str(folder), "--contacts", str(args.work / "contacts.xml")], labels, faces,
        )  # fmt: skip
        (folder / ".picasa.ini").unlink()
        digikam = args.work / f"{name}-digikam4.db"
        digikam.unlink(missing_ok=True)
        fx.write_digikam(digikam, "/home/old/Pictures", f"/{name}", tags, sizes)
        run_source(
            "digikam", folder, db, args.work,
            [str(digikam), "--root", f"/home/old/Pictures={args.work}"], labels, faces,
        )  # fmt: skip
        namings = ["supplemental", "json", "cut"]
        fx.write_takeout(
            folder,
            {t.photo: [t.name or ""] for t in tags},
            {t.photo: namings[i % 3] for i, t in enumerate(tags)},
        )
        run_source("takeout", folder, db, args.work, [str(folder)], labels, faces)
        for p in folder.glob("*.json"):
            p.unlink()
        round_trip(folder, picasa_db)
        for p in folder.glob("*.xmp"):
            p.unlink()


if __name__ == "__main__":
    main()
