"""The async client: ``async with ServiceClient("subject-service") as client: ...``."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Unpack

import httpx

from aurora.errors import ServiceUnavailableError
from aurora.http._backoff import sleep
from aurora.http._base import BaseServiceClient, RequestOptions
from aurora.http._credentials import Credentials
from aurora.http._endpoint import tls_context
from aurora.http._retry import RetryPolicy

if TYPE_CHECKING:
    from aurora.config import ServiceConfig
    from aurora.http._registry import ClientRegistry

__all__ = ["ServiceClient"]


class ServiceClient(BaseServiceClient):
    """A resilient async client for one Aurora service.

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
        transport: httpx.AsyncBaseTransport | None = None,
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
        self._http = httpx.AsyncClient(
            base_url=endpoint.base_url,
            timeout=endpoint.timeout,
            limits=endpoint.limits,
            headers=self._headers,
            verify=tls_context(verify),
            transport=transport,
        )

    async def __aenter__(self) -> ServiceClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def request(
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
        authorized = await self._authorize(call.request)
        while True:
            call.begin()
            try:
                response = await self._http.send(call.request)
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
                    if not await self._reauthorize(call.request):
                        return response
                    retry_in = 0.0
                await response.aclose()
                delay = retry_in
            await sleep(delay)

    async def _authorize(self, request: httpx.Request) -> bool:
        """Set ``Authorization`` from the credentials, unless the caller set one."""
        credentials = self._credentials
        if credentials is None or "authorization" in request.headers:
            return False
        value = await credentials.authorization()
        if value is None:
            return False
        request.headers["Authorization"] = value
        return True

    async def _reauthorize(self, request: httpx.Request) -> bool:
        """After a 401: fresh credentials for one retry, if there are any."""
        assert self._credentials is not None
        value = await self._credentials.refresh(request.headers["authorization"])
        if value is None:
            return False
        request.headers["Authorization"] = value
        return True

    async def get(self, url: str, **kwargs: Unpack[RequestOptions]) -> httpx.Response:
        """``GET`` through the pipeline."""
        return await self.request("GET", url, **kwargs)

    async def head(self, url: str, **kwargs: Unpack[RequestOptions]) -> httpx.Response:
        """``HEAD`` through the pipeline."""
        return await self.request("HEAD", url, **kwargs)

    async def options(self, url: str, **kwargs: Unpack[RequestOptions]) -> httpx.Response:
        """``OPTIONS`` through the pipeline."""
        return await self.request("OPTIONS", url, **kwargs)

    async def post(self, url: str, **kwargs: Unpack[RequestOptions]) -> httpx.Response:
        """``POST`` through the pipeline (retried only with an ``Idempotency-Key``)."""
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Unpack[RequestOptions]) -> httpx.Response:
        """``PUT`` through the pipeline."""
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Unpack[RequestOptions]) -> httpx.Response:
        """``PATCH`` through the pipeline (retried only with an ``Idempotency-Key``)."""
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Unpack[RequestOptions]) -> httpx.Response:
        """``DELETE`` through the pipeline."""
        return await self.request("DELETE", url, **kwargs)

    async def request_json(self, method: str, url: str, **kwargs: Unpack[RequestOptions]) -> Any:
        """Send a request and return its JSON body; non-2xx raises the typed upstream error."""
        return self._json(await self.request(method, url, **kwargs))

    async def get_json(self, url: str, **kwargs: Unpack[RequestOptions]) -> Any:
        """``GET`` and decode; ``NotFoundError`` for a 404, and so on."""
        return await self.request_json("GET", url, **kwargs)

    async def post_json(self, url: str, **kwargs: Unpack[RequestOptions]) -> Any:
        """``POST`` and decode."""
        return await self.request_json("POST", url, **kwargs)

    async def put_json(self, url: str, **kwargs: Unpack[RequestOptions]) -> Any:
        """``PUT`` and decode."""
        return await self.request_json("PUT", url, **kwargs)

    async def patch_json(self, url: str, **kwargs: Unpack[RequestOptions]) -> Any:
        """``PATCH`` and decode."""
        return await self.request_json("PATCH", url, **kwargs)

    async def delete_json(self, url: str, **kwargs: Unpack[RequestOptions]) -> Any:
        """``DELETE`` and decode (``None`` for an empty body)."""
        return await self.request_json("DELETE", url, **kwargs)

    async def check(self) -> dict[str, Any]:
        """Health check for aurora-app: this service's circuit state.

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
