"""What a client proves itself with: a credential provider per ``ServiceClient``.

* :class:`ClientCredentials`: the service's own identity, an OAuth 2 access token
  from the client-credentials grant (RFC 6749 §4.4). The token is cached and
  refreshed ahead of its expiry, one refresh in flight at a time (concurrent
  callers share it); a 401 from the callee triggers one refresh and one retry.
  If a refresh fails while the cached token is still valid, the cached one is used.
* :class:`BearerToken`: a fixed token (an API key issued out of band).
* :class:`ForwardedToken`: the inbound caller's token, as
  ``forward_authorization=True`` does (see ``propagation_context``).

Secrets are ``SecretStr`` and never appear in reprs, logs or errors; nor do tokens.
Token requests go through a short-lived httpx client of their own: they are rare,
and a client made per fetch works from whichever event loop (or thread) asks.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from pydantic import SecretStr

from aurora.errors import ServiceUnavailableError
from aurora.http._propagation import inbound_authorization


class OAuthClientSettings(Protocol):
    """The client-credentials fields of aurora-app's ``SecuritySettings`` (which http can't import)."""

    @property
    def oauth_token_url(self) -> str | None: ...
    @property
    def oauth_client_id(self) -> str | None: ...
    @property
    def oauth_client_secret(self) -> SecretStr | None: ...
    @property
    def oauth_scope(self) -> str | None: ...


__all__ = [
    "BearerToken",
    "ClientCredentials",
    "Credentials",
    "ForwardedToken",
    "TokenEndpointError",
]


class Credentials(Protocol):
    """The ``Authorization`` a client sends, and what it does about a 401."""

    async def authorization(self) -> str | None:
        """The header value to send, or ``None`` for none."""
        ...

    def authorization_blocking(self) -> str | None:
        """:meth:`authorization` for the sync client."""
        ...

    async def refresh(self, rejected: str) -> str | None:
        """After a 401 for ``rejected``: a new value worth one retry, or ``None``."""
        ...

    def refresh_blocking(self, rejected: str) -> str | None:
        """:meth:`refresh` for the sync client."""
        ...


class TokenEndpointError(ServiceUnavailableError):
    """No access token: the token endpoint is unreachable or refused the client."""

    code = "token_endpoint_error"


class BearerToken:
    """A fixed bearer token; a 401 is final (there is nothing to refresh)."""

    def __init__(self, token: SecretStr | str) -> None:
        secret = token if isinstance(token, SecretStr) else SecretStr(token)
        self._value = "Bearer " + secret.get_secret_value()

    async def authorization(self) -> str:
        return self._value

    def authorization_blocking(self) -> str:
        return self._value

    async def refresh(self, rejected: str) -> None:
        return None

    def refresh_blocking(self, rejected: str) -> None:
        return None

    def __repr__(self) -> str:
        return "BearerToken('**********')"


class ForwardedToken(BearerToken):
    """The inbound request's bearer token, inside ``propagation_context``; none outside it."""

    def __init__(self) -> None:
        pass

    async def authorization(self) -> str | None:  # type: ignore[override]
        return inbound_authorization()

    def authorization_blocking(self) -> str | None:  # type: ignore[override]
        return inbound_authorization()

    def __repr__(self) -> str:
        return "ForwardedToken()"


@dataclass(frozen=True, slots=True)
class _Token:
    header: str
    refresh_at: float
    expires_at: float


class ClientCredentials:
    """OAuth 2 client credentials: this service's own access token, cached and refreshed.

    Args:
        token_url: The token endpoint.
        client_id: This service's client id.
        client_secret: Its secret, sent with HTTP Basic (``client_secret_basic``).
        scope: Scopes to request (a space-separated string or a sequence).
        audience: ``audience`` parameter (Auth0 and others need it to pick the API).
        refresh_margin: Seconds before expiry a token is replaced (at most half its life).
        timeout: Seconds allowed for one token request.
        verify: TLS verification for the token endpoint.
        clock: Monotonic seconds (injectable for tests).
    """

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: SecretStr | str,
        scope: str | Sequence[str] | None = None,
        audience: str | None = None,
        refresh_margin: float = 60.0,
        timeout: float = 10.0,
        verify: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = (
            client_secret if isinstance(client_secret, SecretStr) else SecretStr(client_secret)
        )
        form = {"grant_type": "client_credentials"}
        if scope:
            form["scope"] = scope if isinstance(scope, str) else " ".join(scope)
        if audience:
            form["audience"] = audience
        self._form = form
        self._margin = refresh_margin
        self._timeout = timeout
        self._verify = verify
        self._clock = clock
        self._token: _Token | None = None
        self._fetching: asyncio.Task[_Token] | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    @classmethod
    def from_settings(cls, security: OAuthClientSettings, **options: Any) -> ClientCredentials:
        """From ``AURORA_SECURITY__OAUTH_*``; ``options`` add ``audience=``, ``scope=`` etc."""
        if not (security.oauth_token_url and security.oauth_client_id):
            raise ValueError("AURORA_SECURITY__OAUTH_TOKEN_URL and _CLIENT_ID are not set")
        assert security.oauth_client_secret is not None  # the settings require it
        options.setdefault("scope", security.oauth_scope)
        return cls(
            token_url=security.oauth_token_url,
            client_id=security.oauth_client_id,
            client_secret=security.oauth_client_secret,
            **options,
        )

    async def authorization(self) -> str:
        token = self._token
        if token is not None and self._clock() < token.refresh_at:
            return token.header
        try:
            return (await self._refreshed(token)).header
        except TokenEndpointError:
            if token is None or self._clock() >= token.expires_at:
                raise
            return token.header  # still valid: the next call tries again

    def authorization_blocking(self) -> str:
        token = self._token
        if token is not None and self._clock() < token.refresh_at:
            return token.header
        try:
            return self._refreshed_blocking(token).header
        except TokenEndpointError:
            if token is None or self._clock() >= token.expires_at:
                raise
            return token.header

    async def refresh(self, rejected: str) -> str:
        token = self._token
        if token is not None and token.header != rejected:
            return token.header  # another call has refreshed already
        return (await self._refreshed(token)).header

    def refresh_blocking(self, rejected: str) -> str:
        token = self._token
        if token is not None and token.header != rejected:
            return token.header
        return self._refreshed_blocking(token).header

    async def _refreshed(self, stale: _Token | None) -> _Token:
        fetching = self._fetching
        if (
            fetching is None
            or fetching.done()
            or fetching.get_loop() is not asyncio.get_running_loop()
        ):
            if self._token is not stale and self._token is not None:
                return self._token  # a fetch finished since the caller looked
            fetching = self._fetching = asyncio.ensure_future(self._fetch())
        return await asyncio.shield(fetching)

    def _refreshed_blocking(self, stale: _Token | None) -> _Token:
        with self._lock:
            if self._token is not stale and self._token is not None:
                return self._token
            self.fetches += 1
            try:
                with httpx.Client(timeout=self._timeout, verify=self._verify) as client:
                    response = client.post(self.token_url, **self._request())
            except httpx.HTTPError as exc:
                raise self._unreachable(exc) from None
            return self._accept(response)

    async def _fetch(self) -> _Token:
        self.fetches += 1
        try:
            async with httpx.AsyncClient(timeout=self._timeout, verify=self._verify) as client:
                response = await client.post(self.token_url, **self._request())
        except httpx.HTTPError as exc:
            # from None: httpx's exception holds the request, whose headers hold the secret.
            raise self._unreachable(exc) from None
        return self._accept(response)

    def _request(self) -> dict[str, Any]:
        auth = httpx.BasicAuth(self.client_id, self._secret.get_secret_value())
        return {"data": self._form, "auth": auth, "headers": {"Accept": "application/json"}}

    def _accept(self, response: httpx.Response) -> _Token:
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict):
            # RFC 6749 §5.2 error codes (invalid_client...) are safe to repeat; the rest is not.
            error = body.get("error") if isinstance(body, dict) else None
            reason = f" ({error})" if isinstance(error, str) and error.isidentifier() else ""
            raise self._failed(f"answered {response.status_code}{reason}")
        value, lifetime = body.get("access_token"), body.get("expires_in", 300)
        kind = str(body.get("token_type", "bearer")).lower()
        if not isinstance(value, str) or not value or kind != "bearer":
            raise self._failed("sent no bearer access token")
        if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
            raise self._failed("sent an invalid expires_in")
        now = self._clock()
        margin = min(self._margin, lifetime / 2)
        token = _Token("Bearer " + value, now + lifetime - margin, now + lifetime)
        self._token = token
        return token

    def _unreachable(self, exc: httpx.HTTPError) -> TokenEndpointError:
        return self._failed(f"is unreachable ({type(exc).__name__})")

    def _failed(self, what: str) -> TokenEndpointError:
        return TokenEndpointError(f"The token endpoint {what}")

    def __repr__(self) -> str:
        return f"ClientCredentials(token_url={self.token_url!r}, client_id={self.client_id!r})"
