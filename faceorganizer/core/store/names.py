"""Names as the user means them: one cleaning rule for every name that is stored or shown.

``clean_text`` is what a name is stored as; ``name_key`` is what two names are compared by
(the unique key of ``people.name_key``: SQLite's ``COLLATE NOCASE`` folds ASCII only, so
``émile``/``Émile`` and ``Straße``/``STRASSE`` would be two people). The store registers both
as SQL functions, so that migrations apply the same rule to names stored before it.
"""

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


MAX_NAME = 200  # characters of a stored name; a longer one is cut (imported) or refused (typed)


def clean_name(text: str) -> str:
    """``clean_text`` cut to the longest name stored (``MAX_NAME`` characters), trailing
    whitespace removed; what a name from another tool is stored as."""
    return clean_text(text)[:MAX_NAME].rstrip()


def name_key(text: str) -> str:
    """What two names are compared by: the cleaned name with full Unicode case folding.

    ``name_key("Émile") == name_key("e\u0301mile")`` and ``name_key("Straße") ==
    name_key("STRASSE")``; folding can change NFC, so the folded text is normalised again.
    """
    return unicodedata.normalize("NFC", clean_text(text).casefold())
