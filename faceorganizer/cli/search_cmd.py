"""``faceorganizer compare PHOTO_A PHOTO_B`` and ``faceorganizer find PHOTO``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from faceorganizer.cli import validate
from faceorganizer.cli.common import add_db_option, open_library
from faceorganizer.cli.text import shown


def register(sub: Any) -> None:
    """Add the commands to the parser."""
    p = sub.add_parser(
        "compare", help="are the faces in two photos the same person? (no library needed)"
    )
    p.add_argument("photo_a", metavar="PHOTO_A")
    p.add_argument("photo_b", metavar="PHOTO_B")
    p.add_argument("--all", action="store_true", help="compare every face pair, not the largest")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.set_defaults(handler=cmd_compare)

    p = sub.add_parser("find", help="the most similar faces and people in the library")
    p.add_argument("photo", metavar="PHOTO")
    add_db_option(p)
    p.add_argument(
        "--top", type=validate.top_k, default=10, help="faces listed per query face (1-10000)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.set_defaults(handler=cmd_find)


def _faces_of(paths: list[str], device: str) -> list[list[Any]] | None:
    """Faces of each photo; None (after an error line on stderr) if one cannot be read."""
    from faceorganizer.core.library.comparing import load_photo
    from faceorganizer.core.library.errors import DecodeError
    from faceorganizer.core.library.finding import Finder
    from faceorganizer.core.records import EngineOptions

    try:
        photos = [load_photo(p) for p in paths]
    except DecodeError as exc:
        print(f"error: {shown(exc)}", file=sys.stderr)
        return None
    finder, options = Finder(), EngineOptions(device=device)  # the engine loaded once
    return [finder.analyse(photo, options) for photo in photos]


def _box(box: tuple[float, float, float, float]) -> list[float]:
    return [round(v, 1) for v in box]


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare the faces of two photos."""
    from faceorganizer.core.library.comparing import (
        compare_faces,
        describe,
        thresholds,
        thresholds_text,
    )

    found = _faces_of([args.photo_a, args.photo_b], args.device)
    if found is None:
        return 2
    faces_a, faces_b = found
    pairs = compare_faces(faces_a, faces_b, all_pairs=args.all)
    missing = [p for p, f in ((args.photo_a, faces_a), (args.photo_b, faces_b)) if not f]
    if args.json:
        out: dict[str, Any] = {
            "photo_a": args.photo_a,
            "photo_b": args.photo_b,
            "faces_a": len(faces_a),
            "faces_b": len(faces_b),
            "thresholds": thresholds(),
            "verdict": pairs[0].verdict if pairs else None,
            "similarity": round(pairs[0].similarity, 4) if pairs else None,
            "probability": round(pairs[0].probability, 4) if pairs else None,
            "no_faces_in": missing,
            "pairs": [
                {
                    "face_a": c.index_a,
                    "face_b": c.index_b,
                    "box_a": _box(c.box_a),
                    "box_b": _box(c.box_b),
                    "similarity": round(c.similarity, 4),
                    "verdict": c.verdict,
                    "probability": round(c.probability, 4),
                }
                for c in pairs
            ],
        }
        json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
        print()
        return 0
    for path in missing:
        print(f"no faces found in {shown(path)}")
    if not pairs:
        return 0
    for c in pairs:
        where = f"face {c.index_a} vs face {c.index_b}: " if args.all else ""
        print(f"{where}{describe(c.similarity)}")  # the window shows the same words
    print(thresholds_text())
    return 0


def cmd_find(args: argparse.Namespace) -> int:
    """Find the faces of a photo in the library."""
    from faceorganizer.core.library.errors import DecodeError
    from faceorganizer.core.records import EngineOptions

    if args.top < 1:
        print("error: --top must be at least 1", file=sys.stderr)
        return 2
    library = open_library(args, readonly=True)
    try:
        found = library.find_by_photo(args.photo, EngineOptions(device=args.device), top=args.top)
    except DecodeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    results = found.results
    if args.json:
        json.dump(
            {
                "photo": args.photo,
                "no_faces_found": not results,
                "faces": [
                    {
                        "index": r.index,
                        "box": _box(r.box),
                        "matches": [
                            {
                                "face_id": m.face_id,
                                "person_id": m.person_id,
                                "person": m.person,
                                "photo": m.photo,
                                "similarity": round(m.similarity, 4),
                                "verdict": m.verdict,
                            }
                            for m in r.matches
                        ],
                        "people": [
                            {
                                "person_id": p.person_id,
                                "person": p.person,
                                "score": round(p.score, 4),
                                "faces_used": p.faces_used,
                                "best_face_id": p.best_face_id,
                                "verdict": p.verdict,
                                "probability": round(p.probability, 4),
                            }
                            for p in r.people
                        ],
                    }
                    for r in results
                ],
            },
            sys.stdout,
            indent=1,
            ensure_ascii=False,
        )
        print()
        return 0
    if not results:
        print(f"no faces found in {shown(args.photo)}")
        return 0
    for r in results:
        x, y, w, h = r.box
        print(f"face {r.index} at {x:.0f},{y:.0f} {w:.0f}x{h:.0f}")
        if r.people:
            print("  people (mean of best 3 similarities):")
            for p in r.people[:5]:
                print(
                    f"    {p.score:.3f}  {p.verdict:<16}  {shown(p.person)}"
                    f"  (best face {p.best_face_id})"
                )
        print("  most similar faces:")
        if not r.matches:
            print("    (the library has no faces)")
        for m in r.matches:
            who = shown(m.person or "unsorted")
            print(
                f"    {m.similarity:.3f}  {m.verdict:<16}  face {m.face_id}  {who}"
                f"  {shown(m.photo)}"
            )
    return 0
