from __future__ import annotations

import threading
import time
import uuid
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from aurora.utils import UUID7Generator, generate_uuid, generate_uuid7, uuid7


def _timestamp_ms(value: uuid.UUID) -> int:
    return value.int >> 80


def test_generate_uuid_is_a_uuid4_string() -> None:
    value = generate_uuid()
    parsed = uuid.UUID(value)
    assert parsed.version == 4
    assert str(parsed) == value


def test_generate_uuid_is_unique() -> None:
    assert len({generate_uuid() for _ in range(1000)}) == 1000


def test_uuid7_has_version_7_and_rfc_variant() -> None:
    value = uuid7()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_uuid7_carries_the_current_unix_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    value = uuid7()
    after = time.time_ns() // 1_000_000
    assert before <= _timestamp_ms(value) <= after


def test_generate_uuid7_is_the_string_form() -> None:
    value = generate_uuid7()
    assert uuid.UUID(value).version == 7
    assert str(uuid.UUID(value)) == value


def test_uuid7_strictly_increases_in_a_tight_loop() -> None:
    """Thousands of ids share a millisecond, and still sort in creation order."""
    ids = [uuid7() for _ in range(10_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert len({_timestamp_ms(value) for value in ids}) < len(ids)


def test_uuid7_string_order_matches_creation_order() -> None:
    ids = [generate_uuid7() for _ in range(2000)]
    assert ids == sorted(ids)


@given(st.lists(st.integers(min_value=0, max_value=2**47), min_size=1, max_size=200))
def test_generator_increases_whatever_the_clock_does(milliseconds: list[int]) -> None:
    """Stalled, repeated or backwards clocks never break the order."""
    ticks = iter(milliseconds)
    generator = UUID7Generator(clock_ns=lambda: next(ticks) * 1_000_000)
    ids = [generator() for _ in milliseconds]
    assert all(a < b for a, b in pairwise(ids))
    for index, value in enumerate(ids):
        assert _timestamp_ms(value) == max(milliseconds[: index + 1])
        assert value.version == 7


@given(st.lists(st.integers(min_value=0, max_value=2**47), min_size=2, max_size=50, unique=True))
def test_later_milliseconds_sort_later(milliseconds: list[int]) -> None:
    ordered = sorted(milliseconds)
    ticks = iter(ordered)
    generator = UUID7Generator(clock_ns=lambda: next(ticks) * 1_000_000)
    ids = [generator() for _ in ordered]
    assert [_timestamp_ms(value) for value in ids] == ordered


def test_uuid7_is_unique_and_ordered_per_thread_across_threads() -> None:
    results: list[list[uuid.UUID]] = [[] for _ in range(4)]

    def work(bucket: list[uuid.UUID]) -> None:
        bucket.extend(uuid7() for _ in range(2000))

    threads = [threading.Thread(target=work, args=(bucket,)) for bucket in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [value for bucket in results for value in bucket]
    assert len(set(everything)) == len(everything)
    assert all(bucket == sorted(bucket) for bucket in results)
