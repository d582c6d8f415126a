"""``faceorganizer``: no arguments opens the window, anything else is the command line."""

from __future__ import annotations

import multiprocessing
import sys


def main(argv: list[str] | None = None) -> int:
    """Console entry point."""
    multiprocessing.freeze_support()  # a frozen bundle's scan process starts here (no-op else)
    args = sys.argv[1:] if argv is None else argv
    if not args:
        return main_gui()
    from faceorganizer.cli.main import run

    return run(args)


def main_gui() -> int:
    """GUI entry point (falls back to the CLI's help until the window exists)."""
    try:
        from faceorganizer.gui.app import run_app  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        from faceorganizer.cli.main import run

        return run(["--help"])
    return int(run_app())


if __name__ == "__main__":
    raise SystemExit(main())
