"""The sync twin of :class:`~aurora.http.ServiceClient`, for scripts, CLIs and sync workers.

Generated from ``_client.py`` (see ``tests/test_sync_twin.py``): every decision is
shared through ``_base.py`` and ``_pipeline.py``, and the per-service breaker and
retry budget through the registry; only the I/O loop differs.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Unpack

import httpx

from aurora.errors import ServiceUnavailableError
from aurora.http._backoff import sleep_blocking
from aurora.http._base import BaseServiceClient, RequestOptions
from aurora.http._credentials import Credentials
from aurora.http._endpoint import tls_context
from aurora.http._retry import RetryPolicy

if TYPE_CHECKING:
    from aurora.config import ServiceConfig
    from aurora.http._registry import ClientRegistry

__all__ = ["SyncServiceClient"]


class SyncServiceClient(BaseServiceClient):
    """A resilient blocking client for one Aurora service.

    Verb methods return the ``httpx.Response`` (any status); the ``*_json``
    helpers raise the upstream's typed error for non-2xx and return the decoded
    body. Transport failures always raise ``aurora.errors`` types, never httpx's.

    Args:
        service: The target's name; keys its breaker, budget, metrics and config.
        base_url: Overrides the URL from aurora-config's service registry.
        registry: Where the per-service breaker and retry budget live; the
            process-wide default registry when omitted.
        config: A ``ServiceConfig`` to read the endpoint from instead of the environment.
        policy: Retry policy; the registry's default when omitted.
        timeout: Per-try timeouts; from config, else 10 s (2 s to connect).
        limits: Connection pool limits; from config, else 100 connections.
        deadline: Default overall time budget per call, in seconds.
        headers: Extra headers sent with every request.
        caller: This service's name for ``User-Agent``; from config when omitted.
        forward_authorization: Forward the inbound bearer token (see ``propagation_context``).
        credentials: What to authenticate with (``ClientCredentials``, ``BearerToken``,
            ``ForwardedToken``); a 401 gets one refresh and one retry.
        verify: TLS verification: ``True`` (system CAs, one context per process),
            ``False``, or an ``ssl.SSLContext`` (a private CA, mutual TLS).
        transport: An httpx transport, e.g. ``aurora.http.testing.FaultTransport``.
    """

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
        verify: ssl.SSLContext | bool = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            service,
            base_url,
            registry=registry,
            config=config,
            policy=policy,
            timeout=timeout,
            limits=limits,
            deadline=deadline,
            headers=headers,
            caller=caller,
            forward_authorization=forward_authorization,
            credentials=credentials,
        )
        endpoint = self._endpoint
        self._http = httpx.Client(
            base_url=endpoint.base_url,
            timeout=endpoint.timeout,
            limits=endpoint.limits,
            headers=self._headers,
            verify=tls_context(verify),
            transport=transport,
        )

    def __enter__(self) -> SyncServiceClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def request(
        self,
        method: str,
        url: str,
        **kwargs: Unpack[RequestOptions],
    ) -> httpx.Response:
        """Send a request through the resilience pipeline and return the final response.

        Raises:
            ServiceUnavailableError: The service is unreachable or its circuit is open.
            DeadlineExceededError: The deadline or a per-try timeout ran out.
            UpstreamError: The connection broke mid-request.
        """
        call = self._prepare(self._http, method, url, kwargs)
        authorized = self._authorize(call.request)
        while True:
            call.begin()
            try:
                response = self._http.send(call.request)
            except httpx.RequestError as exc:
                delay = call.failed(exc)
            except BaseException:
                call.abandoned()
                raise
            else:
                retry_in = call.answered(response)
                if retry_in is None:
                    if not (authorized and response.status_code == 401):
                        return response
                    authorized = False  # one refresh and one retry, no more
                    if not self._reauthorize(call.request):
                        return response
                    retry_in = 0.0
                response.close()
                delay = retry_in
            sleep_blocking(delay)

    def _authorize(self, request: httpx.Request) -> bool:
        """Set ``Authorization`` from the credentials, unless the caller set one."""
        credentials = self._credentials
        if credentials is None or "authorization" in request.headers:
            return False
        value = credentials.authorization_blocking()
        if value is None:
            return False
        request.headers["Authorization"] = value
        return True

    def _reauthorize(self, request: httpx.Request) -> bool:
        """After a 401: fresh credentials for one retry, if there are any."""
        assert self._credentials is not None
        value = self._credentials.refresh_blocking(request.headers["authorization"])
        if value is None:
            return False
        request.headers["Authorization"] = value
        return True

    def get(self, url: str, **kwargs: Unpack[RequestOptions]) -> httpx.Response:
        """``GET`` through the pipeline."""
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Unpack[RequestOptions]) -> httpx.Response:
        """``HEAD`` through the pipeline."""
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Unpack[RequestOptions]) -> httpx.Response:
        """``OPTIONS`` through the pipeline."""
        return self.request("OPTIONS", url, **kwargs)

    def post(self, url: str, **kwargs: Unpack[RequestOptions]) -> httpx.Response:
        """``POST`` through the pipeline (retried only with an ``Idempotency-Key``)."""
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Unpack[RequestOptions]) -> httpx.Response:
        """``PUT`` through the pipeline."""
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Unpack[RequestOptions]) -> httpx.Response:
        """``PATCH`` through the pipeline (retried only with an ``Idempotency-Key``)."""
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Unpack[RequestOptions]) -> httpx.Response:
        """``DELETE`` through the pipeline."""
        return self.request("DELETE", url, **kwargs)

    def request_json(self, method: str, url: str, **kwargs: Unpack[RequestOptions]) -> Any:
        """Send a request and return its JSON body; non-2xx raises the typed upstream error."""
        return self._json(self.request(method, url, **kwargs))

    def get_json(self, url: str, **kwargs: Unpack[RequestOptions]) -> Any:
        """``GET`` and decode; ``NotFoundError`` for a 404, and so on."""
        return self.request_json("GET", url, **kwargs)

    def post_json(self, url: str, **kwargs: Unpack[RequestOptions]) -> Any:
        """``POST`` and decode."""
        return self.request_json("POST", url, **kwargs)

    def put_json(self, url: str, **kwargs: Unpack[RequestOptions]) -> Any:
        """``PUT`` and decode."""
        return self.request_json("PUT", url, **kwargs)

    def patch_json(self, url: str, **kwargs: Unpack[RequestOptions]) -> Any:
        """``PATCH`` and decode."""
        return self.request_json("PATCH", url, **kwargs)

    def delete_json(self, url: str, **kwargs: Unpack[RequestOptions]) -> Any:
        """``DELETE`` and decode (``None`` for an empty body)."""
        return self.request_json("DELETE", url, **kwargs)

    def check(self) -> dict[str, Any]:
        """Health check: this service's circuit state.

        Raises:
            ServiceUnavailableError: The circuit is open.
        """
        state = self.circuit_state
        if state == "open":
            raise ServiceUnavailableError(
                f"circuit to {self.service} is open",
                retry_after=self._pipeline.breaker.retry_after,
                context={"upstream_service": self.service},
            )
        return {"service": self.service, "circuit": str(state)}
