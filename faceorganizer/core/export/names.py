"""Turning a person's name (the user's own text) into a folder name safe on every file system.

The rules cover Linux (ext4, btrfs), Windows (NTFS, FAT/exFAT) and macOS (APFS, HFS+):

* no path separators and no ``.``/``..`` traversal: the result is always a single path component;
* no NUL or other control characters;
* none of the characters Windows forbids (``<>:"|?*``);
* no leading or trailing dots or spaces (Windows drops trailing ones silently, leading dots
  make hidden folders on Unix);
* Windows reserved device names (``CON``, ``PRN``, ``AUX``, ``NUL``, ``COM1``-``COM9``,
  ``LPT1``-``LPT9``, ``CONIN$``, ``CONOUT$``; any case, with or without an extension) get a
  ``_`` appended to their stem;
* Unicode NFC (macOS stores names decomposed; comparing composed forms keeps ``é`` one name);
* at most ``max_bytes`` bytes of UTF-8, cut on a character boundary, and never more than
  255 UTF-16 units even when decomposed (the NTFS and HFS+ limit);
* never empty.

Names that differ but become the same folder name (``Anna`` and ``anna`` on a case-insensitive
disk, ``a/b`` and ``a\\b``) are told apart by :func:`unique_names`.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Sequence

from faceorganizer.core.people.text import clean_text

log = logging.getLogger(__name__)

FALLBACK_NAME = "Unnamed"
"""The folder name used when nothing usable is left of a name."""

MIN_MAX_BYTES = 16
"""The smallest ``max_bytes`` accepted: room for the fallback name and a ``(n)`` suffix."""

_REPLACEMENT = "_"
_FORBIDDEN = frozenset('<>:"|?*/\\')
_STRIP = " ."
_ZERO_WIDTH_JOINER = "\u200d"
_MAX_UTF16_UNITS = 255

_RESERVED_STEMS = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{d}" for d in "123456789\u00b9\u00b2\u00b3"}
    | {f"LPT{d}" for d in "123456789\u00b9\u00b2\u00b3"}
)


def _clean_char(ch: str) -> str:
    """One character as it may appear in a folder name ('' to drop it)."""
    if ch in _FORBIDDEN:
        return _REPLACEMENT
    if ch.isspace():
        return " "
    category = unicodedata.category(ch)
    if category == "Cc":  # NUL, C0 and C1 controls, DEL
        return ""
    if category == "Cs":  # a lone surrogate (undecodable bytes): not encodable as UTF-8
        return _REPLACEMENT
    return ch


def _fits(name: str, max_bytes: int) -> bool:
    """Whether a name fits ``max_bytes`` of UTF-8 and the UTF-16 limit, also decomposed (NFD)."""
    if len(name.encode("utf-8")) > max_bytes:
        return False
    decomposed = unicodedata.normalize("NFD", name)
    return len(decomposed.encode("utf-16-le")) // 2 <= _MAX_UTF16_UNITS


def _truncate(name: str, max_bytes: int) -> str:
    """Cut a name to fit ``max_bytes`` (see :func:`_fits`) without splitting a character."""
    if _fits(name, max_bytes):
        return name
    encoded = name.encode("utf-8")[:max_bytes]
    cut = encoded.decode("utf-8", errors="ignore")  # drops a partial last character
    while cut and not _fits(cut, max_bytes):
        cut = cut[:-1]
    # A cut inside an emoji sequence can leave a dangling joiner.
    return cut.rstrip(_ZERO_WIDTH_JOINER)


def _is_reserved(name: str) -> bool:
    """Whether Windows treats a name as a device (``con``, ``LPT1.txt``, ``nul .tar.gz``)."""
    stem = name.split(".", 1)[0].rstrip(" ")
    return stem.upper() in _RESERVED_STEMS


def _unreserve(name: str) -> str:
    """A reserved device name with ``_`` appended to its stem (``con.txt`` -> ``con_.txt``)."""
    stem, dot, rest = name.partition(".")
    return f"{stem.rstrip(' ')}{_REPLACEMENT}{dot}{rest}"


def _finish(name: str, max_bytes: int) -> str:
    """Truncate, trim the ends and make a reserved name safe; never returns ''."""
    name = _truncate(name, max_bytes).strip(_STRIP)
    if not name:
        return FALLBACK_NAME
    if _is_reserved(name):
        name = _truncate(_unreserve(name), max_bytes).rstrip(_STRIP)
    return name


def _check_max_bytes(max_bytes: int) -> None:
    """Refuse a byte limit too small to hold a name."""
    if max_bytes < MIN_MAX_BYTES:
        raise ValueError(f"max_bytes must be at least {MIN_MAX_BYTES}, got {max_bytes}")


def safe_folder_name(name: str, *, max_bytes: int = 200) -> str:
    """A folder name, safe on Linux, Windows and macOS, made from a user's text.

    Deterministic: the same ``name`` always gives the same result. The result is a single
    path component (never ``.``, ``..`` or empty; ``FALLBACK_NAME`` when nothing is left),
    NFC-normalised, free of separators, control characters and the characters Windows
    forbids (each forbidden character becomes ``_``, controls are dropped, runs of
    whitespace become one space), without leading or trailing dots and spaces, not a
    Windows device name, and at most ``max_bytes`` bytes of UTF-8. Emoji and other
    printable Unicode are kept.

    Raises ValueError if ``max_bytes`` is below ``MIN_MAX_BYTES``.
    """
    _check_max_bytes(max_bytes)
    normalised = clean_text(name)
    cleaned = "".join(_clean_char(ch) for ch in normalised)
    collapsed = " ".join(cleaned.split())
    return _finish(collapsed, max_bytes)


def folder_key(folder_name: str) -> str:
    """The form under which two folder names clash on a case-insensitive file system."""
    return unicodedata.normalize("NFC", folder_name).casefold()


def _numbered(base: str, number: int, max_bytes: int) -> str:
    """``base (number)``, shortening ``base`` so the whole fits ``max_bytes``."""
    suffix = f" ({number})"
    room = max_bytes - len(suffix.encode("utf-8"))
    stem = _truncate(base, room).rstrip(_STRIP) or FALLBACK_NAME
    return f"{stem}{suffix}"


def unique_names(
    names: Sequence[str], *, max_bytes: int = 200, reserved: Iterable[str] = ()
) -> dict[str, str]:
    """Map each distinct name to a safe folder name no other name in ``names`` gets.

    Each name becomes :func:`safe_folder_name` of itself. Folder names are compared
    case-insensitively (``folder_key``), as Windows and macOS do. Every name whose safe form
    is still free keeps it, first come first served in the order of ``names``; the rest get
    `` (2)``, `` (3)``... appended, the lowest number free, again in the order of ``names``.
    A name listed twice maps to one folder. ``reserved`` holds folder names that must not be
    handed out (folders already used for something else). Deterministic for a given input.
    """
    _check_max_bytes(max_bytes)
    taken = {folder_key(r) for r in reserved}
    result: dict[str, str] = {}
    clashing: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name in names:
        if name in seen:
            continue
        seen.add(name)
        safe = safe_folder_name(name, max_bytes=max_bytes)
        key = folder_key(safe)
        if key in taken:
            clashing.append((name, safe))
        else:
            taken.add(key)
            result[name] = safe
    for name, safe in clashing:
        number = 2
        candidate = _numbered(safe, number, max_bytes)
        while folder_key(candidate) in taken:
            number += 1
            candidate = _numbered(safe, number, max_bytes)
        taken.add(folder_key(candidate))
        result[name] = candidate
        log.debug("folder name %r for %r clashes; using %r", safe, name, candidate)
    return {name: result[name] for name in dict.fromkeys(names)}
