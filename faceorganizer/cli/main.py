"""The command line: parses, calls the core, prints. One module per command group."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from faceorganizer import __version__

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    from faceorganizer.cli import (
        eval_cmd,
        export_cmd,
        faces_cmd,
        models_cmd,
        people_cmd,
        scan_cmd,
        search_cmd,
        xmp_cmd,
    )

    parser = argparse.ArgumentParser(
        prog="faceorganizer",
        description="Find, group and name the faces in a photo library, offline.",
    )
    parser.add_argument("--version", action="version", version=f"faceorganizer {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (
        scan_cmd,
        faces_cmd,
        people_cmd,
        export_cmd,
        eval_cmd,
        search_cmd,
        xmp_cmd,
        models_cmd,
    ):
        module.register(sub)
    return parser


def run(argv: list[str]) -> int:
    """Run one command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - shown to the user with its cause, not a traceback
        from faceorganizer.core.library import StoreError
        from faceorganizer.core.models.manifest import ModelError

        if isinstance(exc, ModelError | StoreError):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise
