"""``faceorganizer models list|verify|fetch``"""

from __future__ import annotations

import argparse
from typing import Any

from faceorganizer.core.library.models import list_packs, verify_pack


def register(sub: Any) -> None:
    """Add the command to the parser."""
    p = sub.add_parser("models", help="model packs: list, verify, fetch (set-up only)")
    p.add_argument("action", choices=["list", "verify", "fetch"], nargs="?", default="list")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """List, verify or fetch the model packs."""
    if args.action == "fetch":
        from faceorganizer.core.library.models import fetch_all

        for line in fetch_all():
            print(line)
        return 0
    status = 0
    for pack in list_packs():
        mark = "*" if pack.is_default else " "
        print(
            f"{mark} {pack.id}: {pack.title} ({pack.detector.licence} + {pack.recognizer.licence})"
        )
        if args.action == "verify":
            problems = verify_pack(pack)
            for problem in problems:
                print(f"    problem: {problem}")
            if not problems:
                print("    files ok (sha256 verified)")
            status = status or (1 if problems else 0)
    return status
