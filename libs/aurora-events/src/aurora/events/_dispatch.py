"""What happens to one delivered message: route, validate, call, retry, dead-letter.

Kept apart from the consumer's loop so that the rules of a single delivery (the
part users reason about when a handler fails) read in one place.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

from pydantic import BaseModel

from aurora.errors import ValidationError
from aurora.events._broker import Broker, Delivery
from aurora.events._context import handling
from aurora.events._envelope import Event
from aurora.events._errors import BrokerUnavailableError
from aurora.events._registry import EventRegistry
from aurora.events._retry import RetryPolicy
from aurora.logging import get_logger

__all__ = ["ConsumerStats", "Dispatcher", "Handler", "Outcome", "Route", "describe_error"]

Handler = Callable[[Event], Awaitable[None]]
"""An event handler: ``async def on_created(event: Event) -> None``."""

ExceptionTypes = tuple[type[BaseException], ...]

_MAX_ERROR_CHARS = 4000


class Outcome(Enum):
    """What the consumer must do with a delivery after dispatching it."""

    ACK = "ack"  # handled, or not for us
    DEAD = "dead"  # moved to the dead-letter stream (already acked)
    RETRY = "retry"  # leave pending: redelivered after the visibility timeout
    RELEASE = "release"  # not processed (shutdown): hand back at once


@dataclass(slots=True)
class ConsumerStats:
    """Counters a test or health check can read (``consumer.stats``)."""

    received: int = 0
    handled: int = 0
    skipped: int = 0
    failed_attempts: int = 0
    retried_later: int = 0
    dead_lettered: int = 0
    given_up: int = 0
    released: int = 0


@dataclass(frozen=True, slots=True)
class Route:
    """A handler and which of its exceptions are worth another try.

    ``give_up_on`` wins over ``retry_on``: a poison input (a ``ValueError`` the handler
    raises on bad data) goes straight to the dead-letter stream, with no retries.
    """

    handler: Handler
    retry_on: ExceptionTypes = (Exception,)
    give_up_on: ExceptionTypes = ()

    def retryable(self, exc: BaseException) -> bool:
        """Whether ``exc`` may go away on another attempt."""
        return isinstance(exc, self.retry_on) and not isinstance(exc, self.give_up_on)


def describe_error(exc: BaseException) -> str:
    """The error text stored with a dead letter: type, message and the last frames."""
    lines = traceback.format_exception(exc, limit=-5)
    return "".join(lines)[-_MAX_ERROR_CHARS:]


class Dispatcher:
    """Applies the delivery rules for one consumer group."""

    def __init__(
        self,
        broker: Broker,
        *,
        group: str,
        registry: EventRegistry,
        retry: RetryPolicy,
        max_deliveries: int,
        stats: ConsumerStats,
    ) -> None:
        self._broker = broker
        self._group = group
        self._registry = registry
        self._retry_policy = retry
        self._max_deliveries = max_deliveries
        self._stats = stats
        self._handlers: dict[str, Route] = {}
        self._routes: dict[str, Route | None] = {}
        self._log = get_logger("aurora.events.consumer")

    def add(self, event_type: str, route: Route) -> None:
        """Route ``event_type`` (and older versions that upcast to it) to ``route``."""
        self._registry.spec(event_type)  # unknown types fail at subscription, not at runtime
        if event_type in self._handlers:
            raise ValueError(f"a handler for {event_type!r} is already subscribed")
        self._handlers[event_type] = route
        self._routes.clear()

    def route(self, event_type: str) -> Route | None:
        """The handler for ``event_type``, following upcasters; cached per type."""
        if event_type not in self._routes:
            handler = self._handlers.get(event_type)
            if handler is None and event_type in self._registry:
                handler = self._handlers.get(self._registry.current_type(event_type))
            self._routes[event_type] = handler
        return self._routes[event_type]

    async def dispatch(self, delivery: Delivery) -> Outcome:
        """Process one delivery and say how to settle it."""
        stats = self._stats
        stats.received += 1
        route = self.route(delivery.event_type)
        if route is None:
            stats.skipped += 1
            return Outcome.ACK
        if delivery.deliveries > self._max_deliveries:
            reason = f"exceeded {self._max_deliveries} deliveries (consumer crashed or timed out)"
            return await self._dead_letter(delivery, reason)
        try:
            event, payload = self._registry.validate(Event.from_json(delivery.body))
        except ValidationError as exc:  # a malformed event never gets better: no retries
            return await self._dead_letter(delivery, describe_error(exc))
        try:  # the first attempt inline: it is the only one almost always
            with handling(event, payload):
                await route.handler(event)
        except Exception as exc:  # retried, unless the route gives up on it
            error = await self._retry(route, event, payload, delivery, exc)
        else:
            stats.handled += 1
            return Outcome.ACK
        if error is None:
            stats.handled += 1
            return Outcome.ACK
        if not route.retryable(error):
            stats.given_up += 1
            return await self._dead_letter(delivery, describe_error(error))
        if delivery.deliveries >= self._max_deliveries:
            return await self._dead_letter(delivery, describe_error(error))
        stats.retried_later += 1
        return Outcome.RETRY

    async def _retry(
        self,
        route: Route,
        event: Event,
        payload: BaseModel,
        delivery: Delivery,
        first: Exception,
    ) -> Exception | None:
        """The remaining attempts, with backoff; returns the last error, if any."""
        last = first
        for attempt in range(1, self._retry_policy.attempts + 1):
            self._stats.failed_attempts += 1
            self._log.warning(
                "event_handler_failed",
                event_type=event.type,
                event_id=event.id,
                message_id=delivery.message_id,
                attempt=attempt,
                delivery=delivery.deliveries,
                error=repr(last),
            )
            if attempt == self._retry_policy.attempts or not route.retryable(last):
                break
            await asyncio.sleep(self._retry_policy.backoff(attempt - 1))
            try:
                with handling(event, payload):
                    await route.handler(event)
                return None
            except Exception as exc:  # retried, unless the route gives up on it
                last = exc
        return last

    async def _dead_letter(self, delivery: Delivery, error: str) -> Outcome:
        try:
            dlq_id = await self._broker.dead_letter(delivery, group=self._group, error=error)
        except BrokerUnavailableError:
            self._stats.retried_later += 1
            return Outcome.RETRY  # still pending: the next delivery dead-letters it
        self._stats.dead_lettered += 1
        self._log.error(
            "event_dead_lettered",
            stream=delivery.stream,
            message_id=delivery.message_id,
            dead_letter_id=dlq_id,
            event_type=delivery.event_type,
            deliveries=delivery.deliveries,
            error=error.strip().splitlines()[-1] if error.strip() else error,
        )
        return Outcome.DEAD
