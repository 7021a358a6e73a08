from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora.utils import sanitize_filename

RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{n}" for d in ("COM", "LPT") for n in range(10)}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("my file.pdf", "my_file.pdf"),
        ("report.final.PDF", "report.final.PDF"),
        ("__init__.py", "__init__.py"),
        ("Report (final) v2.docx", "Report_final_v2.docx"),
        ("café.txt", "café.txt"),
        ("cafe\u0301.txt", "café.txt"),
        ("हिन्दी.txt", "हिन्दी.txt"),
    ],
)
def test_keeps_ordinary_names_readable(name: str, expected: str) -> None:
    assert sanitize_filename(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/etc/shadow", "shadow"),
        ("C:\\Users\\me\\cv.pdf", "cv.pdf"),
        ("uploads/..", "uploads"),
        ("../", "unnamed"),
        ("..", "unnamed"),
        (".", "unnamed"),
        ("", "unnamed"),
        ("ｆｉｌｅ／..／x.txt", "x.txt"),  # noqa: RUF001 - fullwidth on purpose
        ("a\u2025b", "a..b"),
    ],
)
def test_blocks_traversal_and_absolute_paths(name: str, expected: str) -> None:
    assert sanitize_filename(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("evil\x00.txt", "evil.txt"),
        ("a\x00b.txt", "a_b.txt"),
        ("line\nbreak\r.txt", "line_break.txt"),
        ("tab\there.txt", "tab_here.txt"),
        ("\x1b[31mred.txt", "31mred.txt"),
        ("\u202etxt.exe", "txt.exe"),
        ("zero\u200bwidth.txt", "zero_width.txt"),
    ],
)
def test_replaces_nul_control_and_invisible_characters(name: str, expected: str) -> None:
    assert sanitize_filename(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("NUL", "_NUL"),
        ("nul.tar.gz", "_nul.tar.gz"),
        ("COM1", "_COM1"),
        ("lpt9.log", "_lpt9.log"),
        ("COM¹.txt", "_COM1.txt"),
        ("CON .txt", "_CON.txt"),
        ("CON  ", "_CON"),
        ("console.txt", "console.txt"),
        ("icon.png", "icon.png"),
    ],
)
def test_prefixes_windows_device_names(name: str, expected: str) -> None:
    assert sanitize_filename(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("name.", "name"),
        ("name. . .", "name"),
        ("name.txt   ", "name.txt"),
        ("   name.txt", "name.txt"),
        (".htaccess", "htaccess"),
        ("-rf", "rf"),
        ("???.pdf", "unnamed.pdf"),
    ],
)
def test_strips_dangerous_leading_and_trailing_characters(name: str, expected: str) -> None:
    assert sanitize_filename(name) == expected


def test_shortens_the_stem_to_keep_the_extension() -> None:
    result = sanitize_filename("a" * 300 + ".pdf")
    assert result == "a" * 251 + ".pdf"


def test_length_limit_counts_utf8_bytes() -> None:
    result = sanitize_filename("é" * 200 + ".txt", max_length=100)
    assert result == "é" * 48 + ".txt"
    assert len(result.encode()) == 100


def test_cut_never_splits_a_multibyte_character() -> None:
    assert sanitize_filename("日本語.txt", max_length=9) == "日.txt"


def test_drops_the_extension_only_when_it_cannot_fit() -> None:
    assert sanitize_filename("photo.jpeg", max_length=4) == "phot"


def test_shortening_cannot_create_a_device_name() -> None:
    assert sanitize_filename("CONSOLE.txt", max_length=7) == "_CO.txt"


def test_rejects_a_non_positive_limit() -> None:
    with pytest.raises(ValueError, match="max_length"):
        sanitize_filename("a.txt", max_length=0)


_PIECES = st.sampled_from(
    ["..", ".", "/", "\\", " ", "\x00", "\x7f", "\u202e", "\u200b", "\uff0f", "\u2025", "CON", "nul",
     "com1", "-", "_", "a", "é", "日", "\U0001f600", "txt", "pdf", "e\u0301", "ﬁ", "\t"]
)  # fmt: skip
NAMES = st.one_of(st.text(), st.lists(_PIECES, max_size=20).map("".join))
LIMITS = st.integers(min_value=1, max_value=300)


@given(NAMES, LIMITS)
def test_result_is_one_safe_component(name: str, max_length: int) -> None:
    result = sanitize_filename(name, max_length=max_length)
    assert result and result not in {".", ".."}
    assert "/" not in result and "\\" not in result
    assert not any(unicodedata.category(char).startswith(("C", "Z")) for char in result)
    assert not result.startswith((".", "-"))
    assert not result.endswith((".", " "))
    assert result.split(".", 1)[0].upper() not in RESERVED


@given(NAMES, LIMITS)
def test_result_fits_the_byte_limit(name: str, max_length: int) -> None:
    assert len(sanitize_filename(name, max_length=max_length).encode()) <= max_length


@given(NAMES, LIMITS)
def test_sanitizing_is_idempotent(name: str, max_length: int) -> None:
    once = sanitize_filename(name, max_length=max_length)
    assert sanitize_filename(once, max_length=max_length) == once


@given(
    st.text(st.characters(categories=["Lu", "Ll", "Nd"]), min_size=1, max_size=80),
    st.text(
        st.characters(min_codepoint=48, max_codepoint=122).filter(str.isalnum),
        min_size=1,
        max_size=8,
    ),
    st.integers(min_value=0, max_value=200),
)
def test_extension_is_kept_when_it_fits(stem: str, extension: str, spare: int) -> None:
    max_length = len(extension) + 1 + 4 + spare  # 4: room for one character of any width
    assert sanitize_filename(f"{stem}.{extension}", max_length=max_length).endswith(f".{extension}")
