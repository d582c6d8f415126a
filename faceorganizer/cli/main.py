"""The command line: parses, calls the core, prints. One module per command group."""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import logging
import os
import sys
from collections.abc import Callable
from typing import TextIO

from faceorganizer import __version__

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    from faceorganizer.cli import (
        eval_cmd,
        export_cmd,
        faces_cmd,
        import_cmd,
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
        import_cmd,
        models_cmd,
    ):
        module.register(sub)
    return parser


def run(argv: list[str]) -> int:
    """Run one command; returns the exit code (0 done, 1 failed, 2 unusable input)."""
    parser = build_parser()
    args = parser.parse_args(_joined(argv, "--face"))
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    real_stdout = sys.stdout
    sys.stdout = _Output(real_stdout)
    try:
        status = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not as a warning at exit
        return status
    except BaseException as exc:  # noqa: BLE001 - every failure ends as one line, see below
        if isinstance(exc, SystemExit):
            raise
        status, message = explain(exc)
        if args.verbose and status == 1 and not isinstance(exc, KeyboardInterrupt):
            logging.getLogger("faceorganizer").exception("the command failed")
        if message:
            _say(message)
        return status
    finally:
        sys.stdout = real_stdout


class OutputError(OSError):
    """Writing the command's output failed; the command's own work is not undone by it."""


class _Output(io.TextIOBase):
    """The command's standard output: text any terminal can show, and a failure to write it
    (a full disk, a closed descriptor) told apart from a failure of the work itself."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream
        if isinstance(stream, io.TextIOWrapper):
            # a latin-1 terminal shows a name it cannot encode as \u escapes, not an error
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors="backslashreplace")

    def _fail(self, exc: OSError) -> OSError:
        if isinstance(exc, BrokenPipeError):
            return exc  # the reader left: ends quietly
        _discard_stdout()  # what is buffered can never be written: not again at exit
        return OutputError(exc.errno, exc.strerror or str(exc))

    def write(self, text: str) -> int:
        if self._stream is None:
            raise OutputError(errno.EBADF, "standard output is closed")
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise self._fail(exc) from exc

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except OSError as exc:
            raise self._fail(exc) from exc

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._stream is not None and self._stream.isatty()

    def fileno(self) -> int:
        if self._stream is None:
            raise OSError(errno.EBADF, "standard output is closed")
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"


def _discard_stdout() -> None:
    """Point the real standard output at /dev/null (its buffer is flushed once more at exit)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())  # type: ignore[union-attr]
        os.close(devnull)


def _joined(argv: list[str], option: str) -> list[str]:
    """``--face 1 --face 2`` as ``--face 1 2``: argparse's time grows with the square of the
    options given (30,000 took 19 s), not with the values of one."""
    out: list[str] = []
    values: list[str] = []
    at: int | None = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            out.extend(argv[i:])
            break
        value: str | None = None
        if arg == option and i + 1 < len(argv) and not argv[i + 1].startswith("--"):
            value, i = argv[i + 1], i + 2
        elif arg.startswith(option + "="):
            value, i = arg[len(option) + 1 :], i + 1
        if value is None:
            out.append(arg)
            i += 1
            continue
        if at is None:
            at = len(out)
            out.append(option)
        values.append(value)
    if at is not None:
        out[at + 1 : at + 1] = values
    return out


def _say(message: str) -> None:
    from faceorganizer.cli.text import shown

    with contextlib.suppress(OSError):
        print(f"error: {shown(message)}", file=sys.stderr)


def explain(exc: BaseException) -> tuple[int, str | None]:
    """The exit status and the one line a user sees for an exception that ended a command.

    2: the input cannot be used (not our database, unreadable photo or label file, bad model);
    1: the work failed (disk full, read-only disk, interrupted, closed output); never a traceback.
    """
    from faceorganizer.core.library import (
        StoreError,
        StoreWriteError,
        database_damaged,
        database_error_text,
    )
    from faceorganizer.core.library.errors import (
        DecodeError,
        LabelFileError,
        ModelError,
        PeopleError,
    )

    if isinstance(exc, KeyboardInterrupt):
        return 1, "interrupted; what was finished is stored"
    if isinstance(exc, BrokenPipeError):
        # the reader went away (``faceorganizer people | head``): nothing more to say to it
        _discard_stdout()
        return 1, None
    if isinstance(exc, OutputError):
        # the work is done (a change is committed before it is reported): only the output
        # was lost, and saying "nothing was kept" would be false
        return 1, (
            f"the output could not be written ({exc.strerror}); what the command did is saved"
        )
    if isinstance(exc, StoreWriteError):
        return 1, str(exc)
    if isinstance(exc, ModelError | StoreError | DecodeError):
        return 2, str(exc)
    if isinstance(exc, LabelFileError):
        return 2, str(exc)
    if isinstance(exc, PeopleError):
        return 1, str(exc)
    database = database_error_text(exc)
    if database is not None:
        return (2 if database_damaged(exc) else 1), database
    if isinstance(exc, UnicodeDecodeError):
        return 2, f"a file is not UTF-8 text ({exc})"
    if isinstance(exc, NotADirectoryError) and not exc.filename:
        return 2, str(exc)  # FACEORGANIZER_HOME names a file
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return 1, f"no space left on the disk{_where(exc)}; nothing half-written was kept"
        return 1, f"{exc.strerror or exc}{_where(exc)}"
    if isinstance(exc, MemoryError):
        return 1, "out of memory"
    if isinstance(exc, RecursionError):
        return 1, "input nested too deeply to read"
    return 1, f"unexpected {type(exc).__name__}: {exc} (run with -v for details)"


def _where(exc: OSError) -> str:
    return f": {exc.filename}" if exc.filename else ""
