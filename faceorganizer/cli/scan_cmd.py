"""``faceorganizer scan FOLDER...``"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import TYPE_CHECKING, Any

from faceorganizer.cli import validate
from faceorganizer.cli.common import add_db_option, open_library
from faceorganizer.cli.text import shown
from faceorganizer.core.library.scanning import ScanHooks, ScanRequest, regions_line
from faceorganizer.core.records import DEFAULT_DETECT_SCORE, EngineOptions

if TYPE_CHECKING:
    from faceorganizer.core.library.scanning import ScanProgress, ScanSummary


def register(sub: Any) -> None:
    """Add the command to the parser."""
    p = sub.add_parser("scan", help="find faces in folders of photos (only new or changed photos)")
    p.add_argument("folders", nargs="+", metavar="FOLDER")
    add_db_option(p)
    p.add_argument("--no-group", action="store_true", help="do not group the new faces")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--pack", default=None, help="model pack id (default: the manifest default)")
    p.add_argument(
        "--detect-score",
        type=validate.detect_score,
        default=DEFAULT_DETECT_SCORE,
        help=f"detector confidence, above 0 and at most 1 (default {DEFAULT_DETECT_SCORE})",
    )
    p.add_argument(
        "--no-small-faces",
        action="store_true",
        help="no second look for small faces in photos decoded larger than 1280 px: large"
        " photos scan faster, but faces under about 100 px in a 12-24 MP photo are missed"
        " (docs/detection.md)",
    )
    p.add_argument(
        "--rescan",
        action="store_true",
        help="read and analyse every photo under the folders again, changed or not",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Scan and print the summary."""
    options = EngineOptions(
        pack_id=args.pack,
        device=args.device,
        detect_score=args.detect_score,
        small_faces=not args.no_small_faces,
    )
    stopping = {"now": False}

    def on_signal(*_: object) -> None:
        if stopping["now"]:  # a second signal: stop waiting for the photos in hand
            raise KeyboardInterrupt
        stopping["now"] = True

    # SIGTERM and Ctrl-C alike: finish the photos in hand, store them, print the summary
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    bar = _Bar(enabled=sys.stderr.isatty() and not args.no_progress)
    request = ScanRequest(
        roots=args.folders, engine=options, group=not args.no_group, rescan=args.rescan
    )
    hooks = ScanHooks(progress=bar.update, should_stop=lambda: stopping["now"])
    try:
        outcome = open_library(args, create=True).scan(request, hooks)
    except KeyboardInterrupt:
        bar.close()
        print("scan interrupted; run it again to continue where it stopped", file=sys.stderr)
        return 1
    finally:
        bar.close()
    print_summary(outcome.summary, people=outcome.people)
    return 1 if outcome.summary.cancelled else 0


def print_summary(s: ScanSummary, *, people: int) -> None:
    """The closing lines (their keys are a contract for scripts; new keys go at the end)."""
    for path, reason in s.skipped:
        print(f"skipped: {shown(path)}: {shown(reason)}")
    for problem in s.problems:
        print(f"unreadable: {shown(problem.path)}: {shown(problem.reason)}")
    for path in s.vanished:
        print(f"vanished: {shown(path)}: removed or moved during the scan")
    state = "cancelled" if s.cancelled else "done"
    for path, reason in s.metadata_problems:
        print(f"metadata: {shown(path)}: {shown(reason)}")
    print(regions_line(s))
    print(
        f"summary: seen={s.seen} processed={s.processed} unchanged={s.unchanged} moved={s.moved}"
        f" skipped={len(s.skipped)} deleted={s.deleted} faces={s.faces_found}"
        f" seconds={s.elapsed:.2f} photos_per_s={s.photos_per_second:.1f} device={s.device}"
        f" names_imported={s.imported_names} status={state} people={people}"
        f" offline={s.offline}"
    )


class _Bar:
    """A tqdm bar on a terminal; nothing otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None

    def update(self, p: ScanProgress) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=p.total, unit="photo", file=sys.stderr, dynamic_ncols=True)
        self._bar.n = p.done
        self._bar.set_postfix(faces=p.faces, skipped=p.skipped, refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
