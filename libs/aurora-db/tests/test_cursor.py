"""The cursor codec: lossless round trips, and nothing but its own output accepted."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora.db import CursorCodec, InvalidCursorError, derive_cursor_key

CODEC = CursorCodec(derive_cursor_key("secret"))


class Colour(enum.Enum):
    RED = "r"


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(),
    st.uuids(),
    # Fixed offsets: zoneinfo datetimes in a DST fold never compare equal across
    # zones (PEP 495), though the instant survives; cursor values are UTC anyway.
    st.datetimes(
        timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=-3, minutes=-30))])
    ),
    st.dates(),
    st.times(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.binary(max_size=32),
)


@given(st.lists(values, max_size=5), st.text(max_size=20))
def test_round_trip(items, scope):
    assert CODEC.decode(scope, CODEC.encode(scope, items)) == items


@given(st.lists(values, min_size=1, max_size=3), st.text(min_size=1, max_size=20))
def test_other_scope_is_rejected(items, scope):
    with pytest.raises(InvalidCursorError):
        CODEC.decode(scope + "x", CODEC.encode(scope, items))


@given(st.text(max_size=200))
def test_arbitrary_text_is_rejected(token):
    with pytest.raises(InvalidCursorError):
        CODEC.decode("scope", token)


def test_enum_is_encoded_by_name():
    assert CODEC.decode("s", CODEC.encode("s", [Colour.RED])) == ["RED"]


def test_unsupported_values_are_refused_at_encoding():
    with pytest.raises(TypeError, match="object"):
        CODEC.encode("s", [object()])


def test_cursor_is_url_safe_and_short():
    token = CODEC.encode("subjects:id", [uuid.uuid4(), Decimal("1.5")])
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert len(token) < 120


def test_oversized_token_is_rejected_before_decoding():
    with pytest.raises(InvalidCursorError):
        CODEC.decode("s", "a" * 5000 + ".b")


def test_derived_keys_differ_per_secret():
    assert derive_cursor_key("a") != derive_cursor_key("b")
    assert derive_cursor_key("a") == derive_cursor_key(b"a")
