"""Logical stream names and Redis-style positions, translated to JetStream terms.

The ``Broker`` protocol speaks Redis Streams: ids are ``<millis>-<seq>``, ``"0"``
is the beginning, ``"$"`` the end, ``"-"``/``"+"`` the range bounds. JetStream
numbers messages by stream sequence and knows each message's time, so a NATS
message id is its sequence (``"42"``) and a Redis-style id ``"<millis>-<n>"`` is
read as a point in time. That keeps ``replay_group(since=...)``, the DLQ CLI and
time ranges working unchanged on both transports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from nats.js.api import DeliverPolicy

__all__ = ["Position", "event_type_of", "parse_position", "stream_name", "subject_base"]

_INVALID_NAME = re.compile(r"[^A-Za-z0-9_-]")
_INVALID_TOKEN = re.compile(r"[\s*>]")
_MAX_SEQ_IN_MILLIS = 2**63 - 1


def subject_base(prefix: str, stream: str) -> str:
    """The subject root of a logical stream: messages go to ``<base>.<event type>``.

    Putting the event type in the subject keeps headers off the hot path and lets a
    consumer filter by type on the server later.

    Raises:
        ValueError: the name holds whitespace or a NATS wildcard.
    """
    base = prefix + stream
    if not base or _INVALID_TOKEN.search(base) or ".." in base or base.endswith("."):
        raise ValueError(f"{base!r} is not usable as a NATS subject")
    return base


def stream_name(prefix: str, stream: str) -> str:
    """The JetStream stream of a logical stream (names may not contain ``.`` or ``:``)."""
    return _INVALID_NAME.sub("_", prefix + stream)


def event_type_of(subject: str, base: str) -> str:
    """The event type carried in a message's subject."""
    return subject[len(base) + 1 :]


@dataclass(frozen=True, slots=True)
class Position:
    """Where a consumer starts: the first sequence or the first moment it delivers."""

    policy: DeliverPolicy
    sequence: int | None = None
    moment: datetime | None = None

    def consumer_options(self) -> dict[str, Any]:
        """``ConsumerConfig`` keyword arguments for this start."""
        options: dict[str, Any] = {"deliver_policy": self.policy}
        if self.sequence is not None:
            options["opt_start_seq"] = self.sequence
        if self.moment is not None:
            options["opt_start_time"] = self.moment
        return options


def parse_position(value: str, *, after: bool) -> Position:
    """A Redis-style id as a JetStream start.

    Args:
        value: ``"0"``/``"-"``, ``"$"``/``"+"``, a sequence, or ``"<millis>-<n>"``.
        after: Start strictly after ``value`` (a group position), not at it (a range start).

    Raises:
        ValueError: ``value`` is none of the above.
    """
    if value in ("0", "-", "0-0"):
        return Position(DeliverPolicy.ALL)
    if value in ("$", "+"):
        return Position(DeliverPolicy.NEW)
    millis, dash, rest = value.partition("-")
    if not millis.isdigit() or (dash and not rest.isdigit()):
        raise ValueError(f"{value!r} is not a stream position")
    if not dash:
        return Position(DeliverPolicy.BY_START_SEQUENCE, sequence=int(millis) + int(after))
    # Millisecond resolution: "after <ms>-<max>" means from the next millisecond.
    start = int(millis) + int(after and int(rest) >= _MAX_SEQ_IN_MILLIS)
    moment = datetime.fromtimestamp(0, UTC) + timedelta(milliseconds=start)
    return Position(DeliverPolicy.BY_START_TIME, moment=moment)
