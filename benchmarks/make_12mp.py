"""Make a set of ~12-megapixel JPEGs for benchmarks, from the shared photos (read in place).

Each output is 4000×3000 (landscape source) or 3000×4000 (portrait source), JPEG quality 90,
with EXIF Orientation cycling through 1, 3, 6, 8. The pixels are stored rotated inversely to
the tag, so the *displayed* image (after applying the tag) is upright, as a camera would write it.

Idempotent: when ``--out`` already holds exactly the expected files, nothing is written.
Never writes inside the repository.

    .venv/bin/python benchmarks/make_12mp.py [--out /tmp/faceorganizer-12mp] [--count 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"  # ../shared/data beside the checkout
DEFAULT_OUT = Path("/tmp/faceorganizer-12mp")
DEFAULT_SOURCES = (SHARED_DATA / "snapshots", SHARED_DATA / "celebrities")
ORIENTATIONS = (1, 3, 6, 8)
LONG, SHORT = 4000, 3000
QUALITY = 90
SOURCE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}
_EXIF_ORIENTATION = 0x0112


def source_photos(folders: tuple[Path, ...] = DEFAULT_SOURCES) -> list[Path]:
    """Every readable photo file of the source folders, sorted per folder."""
    out: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        out += sorted(
            p
            for p in folder.iterdir()
            if p.is_file() and p.suffix.lower() in SOURCE_EXTENSIONS and not p.name.startswith(".")
        )
    return out


def output_name(index: int, orientation: int) -> str:
    """The file name of output ``index`` (the orientation is part of the name)."""
    return f"12mp_{index:04d}_o{orientation}.jpg"


def plan(count: int, sources: list[Path]) -> list[tuple[int, Path, int, bool]]:
    """(index, source, orientation, mirror) of every output; sources repeat mirrored if needed."""
    if not sources:
        raise SystemExit("no source photos found")
    n = len(sources)
    return [(i, sources[i % n], ORIENTATIONS[i % 4], (i // n) % 2 == 1) for i in range(count)]


def stored_for_display(img: object, orientation: int) -> object:
    """The pixels to store so that applying EXIF ``orientation`` shows ``img`` upright."""
    from PIL import Image

    assert isinstance(img, Image.Image)
    # EXIF 3: viewer rotates 180°; 6: viewer rotates 90° clockwise; 8: 90° counter-clockwise.
    # Store the inverse rotation (PIL's ROTATE_90 is counter-clockwise).
    inverse = {
        1: None,
        3: Image.Transpose.ROTATE_180,
        6: Image.Transpose.ROTATE_90,
        8: Image.Transpose.ROTATE_270,
    }[orientation]
    return img if inverse is None else img.transpose(inverse)


def make_one(job: tuple[int, Path, int, bool], out: Path) -> str:
    """Write one output file atomically; returns its name."""
    from PIL import Image, ImageOps

    index, source, orientation, mirror = job
    with Image.open(source) as raw:
        img = ImageOps.exif_transpose(raw) or raw
        img = img.convert("RGB")
    if mirror:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    w, h = img.size
    tw, th = (LONG, SHORT) if w >= h else (SHORT, LONG)
    # centre-crop to the target aspect ratio, then upscale
    if w * th > h * tw:
        cw = round(h * tw / th)
        img = img.crop(((w - cw) // 2, 0, (w - cw) // 2 + cw, h))
    else:
        ch = round(w * th / tw)
        img = img.crop((0, (h - ch) // 2, w, (h - ch) // 2 + ch))
    img = img.resize((tw, th), Image.Resampling.BICUBIC)
    stored = stored_for_display(img, orientation)
    exif = Image.Exif()
    exif[_EXIF_ORIENTATION] = orientation
    name = output_name(index, orientation)
    tmp = out / f".{name}.tmp"
    stored.save(tmp, "JPEG", quality=QUALITY, exif=exif.tobytes())  # type: ignore[attr-defined]
    os.replace(tmp, out / name)
    return name


def ensure_12mp(
    out: Path = DEFAULT_OUT, count: int = 200, workers: int | None = None, quiet: bool = False
) -> list[Path]:
    """Make sure ``out`` holds exactly the ``count`` expected files; returns their paths."""
    out = Path(os.path.abspath(out))
    if out == REPO or REPO in out.parents:
        raise SystemExit(f"refusing to write inside the repository: {out}")
    jobs = plan(count, source_photos())
    wanted = {output_name(i, o): (i, s, o, m) for i, s, o, m in jobs}
    out.mkdir(parents=True, exist_ok=True)
    present = {p.name for p in out.iterdir() if p.name.startswith("12mp_")}
    # stray files of ours (an earlier, larger --count, an interrupted run) are removed so the
    # folder holds exactly the set asked for
    for name in present - set(wanted):
        (out / name).unlink()
    for tmp in out.glob(".12mp_*.tmp"):
        tmp.unlink()
    missing = [wanted[n] for n in sorted(set(wanted) - present)]
    paths = [out / output_name(i, o) for i, _, o, _ in jobs]
    if not missing:
        if not quiet:
            print(f"{out}: already holds the {count} photos, nothing to do")
        return paths
    started = time.monotonic()
    n_workers = workers or max(1, os.cpu_count() or 1)
    if not quiet:
        print(f"{out}: writing {len(missing)} of {count} photos with {n_workers} processes …")
    with ProcessPoolExecutor(max_workers=n_workers) as pool:
        for done, _ in enumerate(pool.map(make_one, missing, [out] * len(missing)), 1):
            if not quiet and (done % 25 == 0 or done == len(missing)):
                print(f"  {done}/{len(missing)}  {time.monotonic() - started:.0f} s", flush=True)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--count", type=int, default=200, help="how many photos")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    args = parser.parse_args(argv)
    ensure_12mp(args.out, args.count, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
