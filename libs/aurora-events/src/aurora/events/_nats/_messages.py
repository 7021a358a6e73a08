"""Reading JetStream messages into the protocol's shapes: deliveries, entries, group info.

Kept apart from the broker so the hot-path parsing (the ack subject) and the
translation of headers and sequences stay small and testable on their own.
"""

from __future__ import annotations

from datetime import UTC, datetime

from nats.aio.msg import Msg

from aurora.events._broker import GroupInfo, StreamEntry
from aurora.events._nats._positions import event_type_of

__all__ = [
    "NatsGroupInfo",
    "end_sequence",
    "entry",
    "header_value",
    "sequence_and_count",
]

_V1_ACK_TOKENS = 9  # $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>
_V2_ACK_TOKENS = 11  # with <domain>.<account hash> after $JS.ACK, and an optional token


def header_value(value: str) -> str:
    # NATS headers are line-based: a traceback's newlines would end the header.
    return value.replace("\r", " ").replace("\n", " | ")


class NatsGroupInfo(GroupInfo):
    """Sequences are not times: the oldest pending message's age comes from its timestamp."""

    @property
    def oldest_pending_age(self) -> float:
        appended: datetime | None = self.extra.get("oldest_pending_time")
        if appended is None:
            return 0.0
        return max(0.0, (datetime.now(UTC) - appended).total_seconds())


def sequence_and_count(msg: Msg) -> tuple[str, int]:
    """The stream sequence and delivery count, read from the ack subject.

    ``msg.metadata`` builds dataclasses and a datetime per message; on the consume
    hot path only two tokens are needed. Ack subjects have two layouts (with and
    without domain and account); anything else goes through nats-py's parser.
    """
    tokens = (msg.reply or "").split(".")
    if len(tokens) == _V1_ACK_TOKENS:
        return tokens[5], int(tokens[4])
    if len(tokens) >= _V2_ACK_TOKENS:
        return tokens[Msg.Ack.StreamSeq], int(tokens[Msg.Ack.NumDelivered])
    meta = msg.metadata
    return str(meta.sequence.stream), meta.num_delivered


def end_sequence(end: str, last_seq: int) -> int:
    if end == "+":
        return last_seq
    if end.isdigit():
        return min(int(end), last_seq)
    raise ValueError(f"{end!r} is not an end sequence on NATS (use a sequence or '+')")


def entry(stream: str, base: str, msg: Msg) -> StreamEntry:
    fields = {key: value for key, value in (msg.headers or {}).items() if key != "Nats-Msg-Id"}
    fields["type"] = event_type_of(msg.subject, base)
    fields["event"] = msg.data.decode()
    return StreamEntry(stream, str(msg.metadata.sequence.stream), fields)
