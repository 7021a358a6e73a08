"""The NATS JetStream transport (private; import ``NatsBroker`` from ``aurora.events``)."""

from aurora.events._nats._broker import NatsBroker

__all__ = ["NatsBroker"]
