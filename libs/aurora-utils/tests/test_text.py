from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora.utils import (
    slugify,
    to_camel_case,
    to_kebab_case,
    to_pascal_case,
    to_snake_case,
    truncate,
    validate_slug,
)

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello World", "hello-world"),
        ("Héllo, Wörld!", "hello-world"),
        ("  --Already--a--slug--  ", "already-a-slug"),
        ("Straße & Søren Œuvre", "strasse-soren-oeuvre"),
        ("Ｆｕｌｌｗｉｄｔｈ 123", "fullwidth-123"),  # noqa: RUF001 - fullwidth on purpose
        ("日本語", ""),
        ("", ""),
    ],
)
def test_slugify(text: str, expected: str) -> None:
    assert slugify(text) == expected


def test_slugify_keeps_other_scripts_when_asked() -> None:
    assert slugify("日本語 Текст", allow_unicode=True) == "日本語-текст"


def test_slugify_uses_the_separator() -> None:
    assert slugify("Hello World", separator="_") == "hello_world"


def test_slugify_cuts_at_a_word_boundary() -> None:
    assert slugify("a long title here", max_length=9) == "a-long"


def test_slugify_cuts_a_single_long_word() -> None:
    assert slugify("supercalifragilistic", max_length=5) == "super"


@given(st.text(), st.one_of(st.none(), st.integers(min_value=1, max_value=40)))
def test_slugify_output_is_a_valid_slug(text: str, max_length: int | None) -> None:
    slug = slugify(text, max_length=max_length)
    assert slug == "" or SLUG.fullmatch(slug)
    if max_length is not None:
        assert len(slug) <= max_length
    if slug:
        assert validate_slug(slug) == slug


@given(st.text(), st.booleans())
def test_slugify_is_idempotent(text: str, allow_unicode: bool) -> None:
    slug = slugify(text, allow_unicode=allow_unicode)
    assert slugify(slug, allow_unicode=allow_unicode) == slug


@given(st.text())
def test_unicode_slug_has_no_whitespace_or_upper_case(text: str) -> None:
    slug = slugify(text, allow_unicode=True)
    assert not any(char.isspace() for char in slug)
    assert slug == slug.lower()


@pytest.mark.parametrize(
    ("text", "max_length", "options", "expected"),
    [
        ("short", 10, {}, "short"),
        ("exactly10!", 10, {}, "exactly10!"),
        ("hello wonderful world", 12, {}, "hello wonde…"),
        ("hello wonderful world", 12, {"word_boundary": True}, "hello…"),
        ("hello wonderful world", 16, {"word_boundary": True}, "hello wonderful…"),
        ("hello wonderful world", 12, {"suffix": "..."}, "hello won..."),
        ("hello world", 7, {}, "hello…"),
        ("unbreakable", 6, {"word_boundary": True}, "unbre…"),
        ("abc", 2, {}, "a…"),
        ("abcdef", 2, {"suffix": "..."}, "ab"),
        ("abc", 0, {}, ""),
    ],
)
def test_truncate(text: str, max_length: int, options: dict[str, Any], expected: str) -> None:
    assert truncate(text, max_length, **options) == expected


def test_truncate_rejects_a_negative_length() -> None:
    with pytest.raises(ValueError, match="max_length"):
        truncate("abc", -1)


@given(
    st.text(),
    st.integers(min_value=0, max_value=60),
    st.booleans(),
    st.sampled_from(["…", "...", ""]),
)
def test_truncate_fits_and_keeps_a_prefix(
    text: str, max_length: int, word_boundary: bool, suffix: str
) -> None:
    result = truncate(text, max_length, suffix=suffix, word_boundary=word_boundary)
    assert len(result) <= max_length
    if len(text) <= max_length:
        assert result == text
    elif max_length > len(suffix):
        assert result.endswith(suffix)
        assert text.startswith(result[: len(result) - len(suffix)])


@pytest.mark.parametrize(
    ("name", "snake", "camel", "pascal", "kebab"),
    [
        ("userId", "user_id", "userId", "UserId", "user-id"),
        ("UserID", "user_id", "userId", "UserId", "user-id"),
        ("user_id", "user_id", "userId", "UserId", "user-id"),
        ("user-id", "user_id", "userId", "UserId", "user-id"),
        ("User Id", "user_id", "userId", "UserId", "user-id"),
        ("HTTPServerError", "http_server_error", "httpServerError", "HttpServerError", "http-server-error"),
        ("getHTTPResponseCode", "get_http_response_code", "getHttpResponseCode", "GetHttpResponseCode", "get-http-response-code"),
        ("http2Server", "http2_server", "http2Server", "Http2Server", "http2-server"),
        ("__private__name", "private_name", "privateName", "PrivateName", "private-name"),
        ("", "", "", "", ""),
    ],
)  # fmt: skip
def test_case_conversions(name: str, snake: str, camel: str, pascal: str, kebab: str) -> None:
    assert to_snake_case(name) == snake
    assert to_camel_case(name) == camel
    assert to_pascal_case(name) == pascal
    assert to_kebab_case(name) == kebab


# Words of two letters or more: "a_b_c" -> "aBC" reads as an acronym, in any library.
WORDS = st.lists(
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8), min_size=1, max_size=6
)


@given(WORDS)
def test_case_conversions_round_trip_through_snake_case(words: list[str]) -> None:
    snake = "_".join(words)
    assert to_snake_case(to_camel_case(snake)) == snake
    assert to_snake_case(to_pascal_case(snake)) == snake
    assert to_snake_case(to_kebab_case(snake)) == snake
    assert to_kebab_case(to_camel_case(snake)) == "-".join(words)


@given(st.text())
def test_snake_and_kebab_case_are_idempotent(name: str) -> None:
    for convert in (to_snake_case, to_kebab_case):
        assert convert(convert(name)) == convert(name)


@given(WORDS.map("_".join), st.sampled_from([to_camel_case, to_pascal_case]))
def test_camel_and_pascal_case_are_idempotent(name: str, convert: Callable[[str], str]) -> None:
    assert convert(convert(name)) == convert(name)


@pytest.mark.parametrize("name", ["İstanbul", "aİb", "ΣΑΣ"])
def test_lower_casing_that_adds_marks_stays_stable(name: str) -> None:
    assert to_snake_case(to_snake_case(name)) == to_snake_case(name)
