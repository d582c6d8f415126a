"""``faceorganizer faces --json``"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from faceorganizer.cli.common import add_db_option, open_library
from faceorganizer.cli.text import shown
from faceorganizer.core.records import FLAG_NAMES


def register(sub: Any) -> None:
    """Add the command to the parser."""
    p = sub.add_parser("faces", help="list every stored face")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the faces."""
    library = open_library(args, readonly=True)
    rows = library.faces()
    offline = library.offline_photos()
    items: list[dict[str, Any]] = [
        {
            "id": f.id,
            "photo": f.path,
            "index": f.idx,
            "box": [round(v, 2) for v in f.box],
            "landmarks": f.landmarks,
            "score": round(f.det_score, 4),
            "quality": {
                "score": round(f.quality, 4),
                "size_px": round(f.size_px, 1),
                "blur": round(f.blur, 1),
                "yaw": round(f.yaw, 3),
                "norm": round(f.norm, 3),
                "flags": [name for bit, name in FLAG_NAMES if f.flags & bit],
            },
            "pack": f.pack_id,
            "offline": f.photo_id in offline,  # its folder was offline at the last scan
            "taken": f.taken,
            "taken_source": f.taken_source,
            "taken_guessed": f.taken_source == "file" if f.taken else None,
        }
        for f in rows
    ]
    if args.json:
        json.dump(items, sys.stdout, indent=1, ensure_ascii=False)
        print()
    else:
        for it in items:
            x, y, w, h = it["box"]
            print(
                f"{it['id']}\t{shown(it['photo'])}\t{x:.0f},{y:.0f} {w:.0f}x{h:.0f}\t{it['score']}"
            )
    return 0
