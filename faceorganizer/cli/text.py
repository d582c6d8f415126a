"""The one helper for putting outside text (file names, person names) into text output.

A file name may hold a newline (and forge a ``summary:`` line), an escape sequence (and drive the
terminal) or a bidirectional override (and show one name as another). :func:`shown` writes such
characters as visible escapes (``\\n``, ``\\x1b``, ``\\u202e``); everything printable is kept.
JSON output needs none of this: ``json.dump`` escapes control characters itself.
"""

from __future__ import annotations

import unicodedata

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# categories never shown raw: controls, format characters (bidi overrides, zero-width),
# line and paragraph separators, lone surrogates
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else (f"\\U{code:08x}")
    )


def shown(text: object) -> str:
    """``text`` safe for one line of a terminal or a log: controls and invisibles escaped."""
    s = str(text)
    if s.isprintable():  # the common case, fast (str.isprintable is false for all of the above)
        return s
    return "".join(
        _escape(ch) if unicodedata.category(ch) in _ESCAPED_CATEGORIES else ch for ch in s
    )
