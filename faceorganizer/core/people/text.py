"""Names as the user means them: one cleaning rule for every name that is stored or shown."""

from __future__ import annotations

import unicodedata

_JOINERS = frozenset("\u200c\u200d")  # ZWNJ, ZWJ: needed inside emoji and some scripts
# invisible characters that are not format characters (Cf): soft hyphen, combining grapheme
# joiner, Hangul fillers
_INVISIBLE = frozenset("\u00ad\u034f\u115f\u1160\u3164\uffa0")


def _keeps_joiner(text: str, i: int) -> bool:
    """A ZWJ/ZWNJ is kept only between two non-ASCII, non-space characters (an emoji sequence,
    Persian or Indic script); between Latin letters it only hides a difference."""
    if i == 0 or i == len(text) - 1:
        return False
    before, after = text[i - 1], text[i + 1]
    return all(not c.isascii() and not c.isspace() and c not in _JOINERS for c in (before, after))


def clean_text(text: str) -> str:
    """A name as the user means it: NFC, whitespace collapsed, and nothing invisible.

    Bidirectional overrides and marks, zero-width spaces and other format characters, and
    control characters are removed, so two names that look the same are the same text.
    Every person name passes through here before it is stored.
    """
    text = unicodedata.normalize("NFC", text)
    kept = []
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if ch in _JOINERS:
            if _keeps_joiner(text, i):
                kept.append(ch)
        elif not (category == "Cf" or ch in _INVISIBLE or (category == "Cc" and not ch.isspace())):
            kept.append(ch)
    return " ".join("".join(kept).split())
