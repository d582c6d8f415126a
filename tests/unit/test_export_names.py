"""Safe, unique folder names for exported albums."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from faceorganizer.core.export.names import (
    FALLBACK_NAME,
    folder_key,
    safe_folder_name,
    unique_names,
)

WINDOWS_FORBIDDEN = set('<>:"|?*/\\')
RESERVED = (
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)


def assert_safe(result: str, max_bytes: int = 200) -> None:
    """Every rule a folder name must meet on Linux, Windows and macOS."""
    assert result
    assert result not in (".", "..")
    assert not (set(result) & WINDOWS_FORBIDDEN)
    assert all(ord(ch) >= 32 and not (0x7F <= ord(ch) <= 0x9F) for ch in result)
    assert result == result.strip(" .")
    assert not result.startswith(".")
    assert result.split(".", 1)[0].rstrip(" ").upper() not in RESERVED
    assert len(result.encode("utf-8")) <= max_bytes
    assert unicodedata.is_normalized("NFC", result)
    assert len(unicodedata.normalize("NFD", result).encode("utf-16-le")) // 2 <= 255


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "../../etc/passwd",
        "a/b",
        "a\\b",
        "..",
        ".",
        "...",
        "",
        "   ",
        "\t\n",
        "Anna...",
        "Anna. . .",
        " Anna ",
        "CON",
        "con.txt",
        "LPT9",
        "nul .tar.gz",
        "Aux",
        'a<b>c:d"e|f?g*h',
        "a\x00b",
        "\x1b[31mred\x7f\x85",
        "😀 Anna",
        "é" * 1000,
        "名" * 1000,
        "😀" * 1000,
        "👨\u200d👩\u200d👧" * 100,
        "x\udcffy",
    ],
)
def test_every_result_is_safe(name: str) -> None:
    result = safe_folder_name(name)
    assert_safe(result)
    assert safe_folder_name(name) == result  # deterministic


def test_traversal_never_escapes(tmp_path: Path) -> None:
    for name in ("../x", "..", ".", "../../y", "a/../../z", "..\\w"):
        folder = tmp_path / safe_folder_name(name)
        assert folder.resolve().parent == tmp_path.resolve()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a/b", "a_b"),
        ("a\\b", "a_b"),
        ("CON", "CON_"),
        ("con.txt", "con_.txt"),
        ("LPT9", "LPT9_"),
        ("lpt1.jpg", "lpt1_.jpg"),
        ("COM10", "COM10"),
        ("CONSTANCE", "CONSTANCE"),
        ("..", FALLBACK_NAME),
        (".", FALLBACK_NAME),
        ("", FALLBACK_NAME),
        ("   \t ", FALLBACK_NAME),
        ("Anna...", "Anna"),
        ("Anna. ", "Anna"),
        ("😀 Anna", "😀 Anna"),
        ("a\x00b", "ab"),
        ("Anna   Maria", "Anna Maria"),
        ("Anna\nMaria", "Anna Maria"),
        ("Ann\x07a", "Anna"),
        ("Mr. Smith", "Mr. Smith"),
        ("A:B", "A_B"),
    ],
)
def test_expected_names(name: str, expected: str) -> None:
    assert safe_folder_name(name) == expected


def test_traversal_result_is_plain() -> None:
    result = safe_folder_name("../x")
    assert "/" not in result and ".." not in result
    assert result.endswith("x")


def test_nfc_and_nfd_give_the_same_name() -> None:
    nfc = unicodedata.normalize("NFC", "José Müller")
    nfd = unicodedata.normalize("NFD", "José Müller")
    assert nfc != nfd
    assert safe_folder_name(nfc) == safe_folder_name(nfd) == nfc


@pytest.mark.parametrize("char", ["a", "é", "名", "😀"])
def test_long_names_are_cut_on_character_boundaries(char: str) -> None:
    result = safe_folder_name(char * 1000)
    encoded = result.encode("utf-8")
    assert len(encoded) <= 200
    assert len(encoded) > 200 - 4  # cut no shorter than needed
    assert set(result) == {char}  # no partial character
    assert encoded.decode("utf-8") == result


def test_max_bytes_is_respected() -> None:
    result = safe_folder_name("é" * 100, max_bytes=31)
    assert result == "é" * 15
    assert_safe(safe_folder_name("CON." + "x" * 100, max_bytes=20), max_bytes=20)
    assert safe_folder_name("CON." + "x" * 100, max_bytes=20).startswith("CON_.")


def test_cut_after_truncation_leaves_no_trailing_dot_or_space() -> None:
    name = "a" * 199 + ". b"
    result = safe_folder_name(name)
    assert result == "a" * 199


def test_decomposed_length_stays_within_utf16_limit() -> None:
    # U+01D5 is 2 bytes in UTF-8 but 3 UTF-16 units when decomposed (HFS+ stores NFD).
    result = safe_folder_name("\u01d5" * 200)
    assert_safe(result)
    assert len(result) == 85


def test_too_small_max_bytes_is_refused() -> None:
    with pytest.raises(ValueError):
        safe_folder_name("x", max_bytes=3)


def test_unique_names_without_collisions_keep_safe_names() -> None:
    assert unique_names(["Anna", "Bob", "../evil"]) == {
        "Anna": "Anna",
        "Bob": "Bob",
        "../evil": "_evil",
    }


def test_unique_names_case_insensitive_collisions() -> None:
    result = unique_names(["Anna", "anna", "ANNA", "a/b", "a\\b", "a:b"])
    assert result == {
        "Anna": "Anna",
        "anna": "anna (2)",
        "ANNA": "ANNA (3)",
        "a/b": "a_b",
        "a\\b": "a_b (2)",
        "a:b": "a_b (3)",
    }
    keys = [folder_key(v) for v in result.values()]
    assert len(keys) == len(set(keys))


def test_unique_names_respects_literal_numbered_names() -> None:
    result = unique_names(["Anna", "anna", "Anna (2)"])
    assert result == {"Anna": "Anna", "Anna (2)": "Anna (2)", "anna": "anna (3)"}


def test_unique_names_duplicates_and_empties() -> None:
    result = unique_names(["Anna", "Anna", "", "..", "Unnamed"])
    assert result["Anna"] == "Anna"
    assert result[""] == "Unnamed"
    assert result[".."] == "Unnamed (2)"
    assert result["Unnamed"] == "Unnamed (3)"
    assert len(result) == 4


def test_unique_names_nfc_nfd_collide() -> None:
    nfc = unicodedata.normalize("NFC", "Zoë")
    nfd = unicodedata.normalize("NFD", "Zoë")
    result = unique_names([nfc, nfd])
    assert result == {nfc: nfc, nfd: f"{nfc} (2)"}


def test_unique_names_reserved() -> None:
    result = unique_names(["Anna", "Bob"], reserved=["anna"])
    assert result == {"Anna": "Anna (2)", "Bob": "Bob"}


def test_unique_names_long_names_stay_within_limit() -> None:
    long = "名" * 1000
    result = unique_names([long, long + "x", long + "y"])
    values = list(result.values())
    assert len({folder_key(v) for v in values}) == 3
    for value in values:
        assert_safe(value)
    assert values[1].endswith(" (2)") and values[2].endswith(" (3)")


def test_unique_names_is_deterministic() -> None:
    names = ["b", "B", "a", "A", "a/b", "a\\b"]
    assert unique_names(names) == unique_names(list(names))
