"""Small, dependable building blocks every Aurora service uses.

One concept per module: the current actor (who is acting), ids (UUIDv4/v7), files (safe file names), validation
(email, slug, phone, URL), text (slugs, truncation, case conversion), the
circuit breaker that aurora-http builds on, and the service hooks (lifecycle and
health checks) through which aurora-db, aurora-http and aurora-events plug into a service.
"""

from aurora.utils._actor import acting_as, current_actor, set_current_actor
from aurora.utils._breaker import CircuitBreaker
from aurora.utils._circuit import CircuitOpenError, CircuitState, StateListener
from aurora.utils._files import sanitize_filename
from aurora.utils._hooks import HealthCheck, Hook, ServiceHooks
from aurora.utils._ids import UUID7Generator, generate_uuid, generate_uuid7, uuid7
from aurora.utils._text import (
    slugify,
    to_camel_case,
    to_kebab_case,
    to_pascal_case,
    to_snake_case,
    truncate,
)
from aurora.utils._validation import validate_email, validate_phone, validate_slug, validate_url

__all__ = [
    "CircuitBreaker",
    "CircuitOpenError",
    "CircuitState",
    "HealthCheck",
    "Hook",
    "ServiceHooks",
    "StateListener",
    "UUID7Generator",
    "acting_as",
    "current_actor",
    "generate_uuid",
    "generate_uuid7",
    "sanitize_filename",
    "set_current_actor",
    "slugify",
    "to_camel_case",
    "to_kebab_case",
    "to_pascal_case",
    "to_snake_case",
    "truncate",
    "uuid7",
    "validate_email",
    "validate_phone",
    "validate_slug",
    "validate_url",
]
