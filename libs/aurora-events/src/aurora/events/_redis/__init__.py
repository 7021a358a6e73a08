"""The Redis Streams transport (private; import ``RedisBroker`` from ``aurora.events``)."""

from aurora.events._redis._broker import RedisBroker

__all__ = ["RedisBroker"]
