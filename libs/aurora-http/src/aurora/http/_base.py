"""What the async and sync clients share: setup, request preparation, error mapping.

Only the I/O loop differs between :class:`~aurora.http.ServiceClient` and
:class:`~aurora.http.SyncServiceClient`; everything that decides something lives
here or in the pipeline, so the twins cannot drift apart.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

import httpx

from aurora.errors import UpstreamError
from aurora.http._credentials import Credentials
from aurora.http._deadline import current_deadline, earliest
from aurora.http._defaults import default_registry
from aurora.http._endpoint import resolve_endpoint
from aurora.http._errors import error_for_response, misconfigured_error
from aurora.http._pipeline import Call, ServicePipeline
from aurora.http._propagation import propagate, user_agent
from aurora.http._retry import RetryPolicy
from aurora.http._version import VERSION
from aurora.utils import CircuitState

if TYPE_CHECKING:
    from aurora.config import ServiceConfig
    from aurora.http._registry import ClientRegistry

__all__ = ["BaseServiceClient", "RequestOptions"]


class RequestOptions(TypedDict, total=False):
    """Per-call options accepted by every verb method.

    ``content`` is bytes or text only: a retry must be able to send the body again.
    ``timeout`` is the per-try timeout; ``deadline`` bounds the whole call in
    seconds, retries and sleeps included; ``policy`` overrides the client's retry policy.
    """

    params: Mapping[str, Any]
    headers: Mapping[str, str]
    json: Any
    content: str | bytes
    data: Mapping[str, Any]
    files: Mapping[str, Any]
    timeout: float | httpx.Timeout
    deadline: float
    policy: RetryPolicy


_SEND_OPTIONS = ("params", "headers", "json", "content", "data", "files", "timeout")


class BaseServiceClient:
    """Configuration and the decisions shared by both clients; not used directly."""

    def __init__(
        self,
        service: str,
        base_url: str | None = None,
        *,
        registry: ClientRegistry | None = None,
        config: ServiceConfig | None = None,
        policy: RetryPolicy | None = None,
        timeout: httpx.Timeout | float | None = None,
        limits: httpx.Limits | None = None,
        deadline: float | None = None,
        headers: Mapping[str, str] | None = None,
        caller: str | None = None,
        forward_authorization: bool = False,
        credentials: Credentials | None = None,
    ) -> None:
        self.service = service
        self._registry = registry if registry is not None else default_registry()
        self._endpoint = resolve_endpoint(
            service, base_url, config=config, timeout=timeout, limits=limits, caller=caller
        )
        self._pipeline: ServicePipeline = self._registry.pipeline(service)
        self._policy = policy if policy is not None else self._registry.policy
        self._deadline = deadline
        self._forward_authorization = forward_authorization
        self._credentials = credentials
        self._headers = {
            "user-agent": user_agent(self._endpoint.caller, VERSION),
            **(headers or {}),
        }

    @property
    def base_url(self) -> str:
        """The URL every relative path is joined to."""
        return self._endpoint.base_url

    @property
    def circuit_state(self) -> CircuitState:
        """The state of this service's circuit breaker (shared process-wide)."""
        return self._pipeline.breaker.state

    def _prepare(
        self, http: httpx.AsyncClient | httpx.Client, method: str, url: str, options: RequestOptions
    ) -> Call:
        given: Mapping[str, object] = options
        sent: dict[str, Any] = {name: given[name] for name in _SEND_OPTIONS if name in given}
        try:
            request = http.build_request(method.upper(), url, **sent)
        except httpx.InvalidURL as exc:
            raise misconfigured_error(self.service) from exc
        propagate(
            request.headers,
            options.get("headers"),
            forward_authorization=self._forward_authorization,
        )
        own = options.get("deadline", self._deadline)
        deadline = earliest(current_deadline(), None if own is None else time.monotonic() + own)
        return Call(self._pipeline, request, options.get("policy", self._policy), deadline)

    def raise_for_status(self, response: httpx.Response) -> httpx.Response:
        """Return ``response`` if it is a 2xx; otherwise raise the typed error it stands for.

        Raises:
            AuroraError: The upstream's own error class when it sent a problem
                document, else the class its status implies, with
                ``upstream_service`` and ``upstream_status`` in ``context``.
        """
        if response.is_success:
            return response
        raise error_for_response(self.service, response)

    def _json(self, response: httpx.Response) -> Any:
        self.raise_for_status(response)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise UpstreamError(
                f"{self.service} sent a body that is not JSON",
                service=self.service,
                upstream_status=response.status_code,
                context={"upstream_service": self.service},
            ) from exc
