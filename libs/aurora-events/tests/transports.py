"""What each transport guarantees, stated once for the contract suite and the README.

The contract suite runs on every transport; where one can't offer a Redis Streams
behaviour, the difference is named here and the test asserts the transport's own
behaviour instead of skipping (the README's transport table says the same).
"""

from __future__ import annotations

from dataclasses import dataclass

from aurora.events import Broker, NatsBroker

__all__ = ["Guarantees", "guarantees"]


@dataclass(frozen=True, slots=True)
class Guarantees:
    """Differences from Redis Streams semantics a test must know about."""

    claim_honours_min_idle: bool = True
    """``claim(min_idle=)`` decides idleness; False: the server's ack wait does."""
    names_group_members: bool = True
    """``GroupInfo.consumers`` counts named members of the group."""
    reclaim_after: float = 0.05
    """Seconds after which an unacked message can be claimed in the suite."""


def guarantees(broker: Broker) -> Guarantees:
    """The guarantees of ``broker``'s transport."""
    if isinstance(broker, NatsBroker):
        return Guarantees(
            claim_honours_min_idle=False, names_group_members=False, reclaim_after=broker.ack_wait
        )
    return Guarantees()
