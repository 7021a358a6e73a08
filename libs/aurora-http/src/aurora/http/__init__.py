"""Aurora's resilient inter-service HTTP client, built on httpx.

``async with ServiceClient("subject-service") as client: await client.get_json("/api/v1/subjects")``

Each call runs through: overall deadline → retry (with a per-service retry
budget) → circuit breaker → per-try timeout, carries the correlation id, trace
context and remaining deadline downstream, and turns every failure into an
``aurora.errors`` type. See ``aurora.http.testing`` for fault injection.
"""

from aurora.http._backoff import Backoff
from aurora.http._base import RequestOptions
from aurora.http._budget import RetryBudget
from aurora.http._client import ServiceClient
from aurora.http._credentials import (
    BearerToken,
    ClientCredentials,
    Credentials,
    ForwardedToken,
    TokenEndpointError,
)
from aurora.http._deadline import deadline_scope
from aurora.http._defaults import configure, default_registry, reset_defaults
from aurora.http._errors import error_for_response
from aurora.http._install import install_clients
from aurora.http._propagation import DEADLINE_HEADER, REQUEST_ID_HEADER, propagation_context
from aurora.http._registry import ClientRegistry
from aurora.http._retry import (
    IDEMPOTENCY_KEY_HEADER,
    IDEMPOTENT_METHODS,
    RETRYABLE_STATUSES,
    RetryPolicy,
)
from aurora.http._settings import ServiceEndpoint, ServiceEndpoints
from aurora.http._sync import SyncServiceClient

__all__ = [
    "DEADLINE_HEADER",
    "IDEMPOTENCY_KEY_HEADER",
    "IDEMPOTENT_METHODS",
    "REQUEST_ID_HEADER",
    "RETRYABLE_STATUSES",
    "Backoff",
    "BearerToken",
    "ClientCredentials",
    "ClientRegistry",
    "Credentials",
    "ForwardedToken",
    "RequestOptions",
    "RetryBudget",
    "RetryPolicy",
    "ServiceClient",
    "ServiceEndpoint",
    "ServiceEndpoints",
    "SyncServiceClient",
    "TokenEndpointError",
    "configure",
    "deadline_scope",
    "default_registry",
    "error_for_response",
    "install_clients",
    "propagation_context",
    "reset_defaults",
]
