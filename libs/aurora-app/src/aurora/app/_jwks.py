"""Signing keys published by an identity provider: a JWKS URL or OpenID Connect discovery.

Policy:

* **Fetching** goes through one bounded, timed httpx call per document (a size
  cap, a timeout on the whole exchange, no redirects), from a client made for
  that fetch, so it works from whichever event loop asks. PyJWT's own
  ``PyJWKClient`` is not used: it fetches with urllib, which blocks the event
  loop, and knows neither ``Cache-Control`` nor discovery. PyJWT still does the
  parsing (``PyJWKSet``) and the verification.
* **Caching:** keys stay fresh for the response's ``Cache-Control: max-age``
  (clamped between the refetch interval and a day), else ``cache_ttl``, and are
  refreshed in the background when that runs out. When the provider cannot be
  reached, the cached keys keep verifying for ``max_stale`` more seconds while
  readiness reports the provider degraded; after that, the keys are dropped and
  readiness fails.
* **Unknown kid:** a token naming a key the cache lacks (a rotation) triggers
  one refetch, and at most one per ``refetch_interval`` whatever the number of
  such tokens, so forged ``kid`` values cannot make the service hammer its IdP.
  Concurrent callers share the fetch in flight.
* **Start-up** never waits for the provider: the first fetch runs in the
  background (or on the first token, without a lifespan).
* **Algorithms** come from each key (its ``alg``, else ``kty``/``crv``), and keys
  whose algorithm is not allowed, or that are not for signatures, are ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from jwt import PyJWKSet, PyJWTError

from aurora.app._health import HealthCheckFn
from aurora.app._keys import ASYMMETRIC_ALGORITHMS, SigningKey
from aurora.errors import ServiceUnavailableError
from aurora.logging import get_logger

if TYPE_CHECKING:
    import httpx

__all__ = ["JwksKeySource", "KeyFetchError", "KeysUnavailableError"]

_DISCOVERY_PATH = "/.well-known/openid-configuration"
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d+)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-store|no-cache)\b", re.IGNORECASE)
_LONGEST_TTL = 86_400.0


class KeyFetchError(ServiceUnavailableError):
    """A JWKS or discovery document could not be fetched or used (logged, never sent)."""

    code = "identity_provider_unavailable"


class KeysUnavailableError(ServiceUnavailableError):
    """503: no usable signing keys yet (or any more); the token may well be valid."""

    code = "signing_keys_unavailable"
    default_detail = "The identity provider's signing keys are not available; retry later"


class JwksKeySource:
    """Keys by ``kid`` from a JWKS, found directly or through OIDC discovery.

    Args:
        jwks_url: The JWKS document's URL.
        issuer_url: An OpenID Connect issuer; ``/.well-known/openid-configuration``
            under it names the JWKS and the issuer (exactly one of the two URLs).
        algorithms: The allow-list; asymmetric algorithms only.
        cache_ttl: Freshness of keys served without ``Cache-Control: max-age``.
        refetch_interval: Minimum seconds between fetches.
        max_stale: Seconds keys keep verifying past freshness while fetches fail.
        fetch_timeout: Seconds for one whole fetch.
        max_bytes: Largest document accepted.
        verify: TLS verification: ``True`` (system CAs), ``False`` or a context.
        clock: Monotonic seconds (injectable for tests).
    """

    def __init__(
        self,
        *,
        jwks_url: str | None = None,
        issuer_url: str | None = None,
        algorithms: Iterable[str] = ASYMMETRIC_ALGORITHMS,
        cache_ttl: float = 300.0,
        refetch_interval: float = 30.0,
        max_stale: float = 3600.0,
        fetch_timeout: float = 5.0,
        max_bytes: int = 1 << 20,
        verify: ssl.SSLContext | bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if (jwks_url is None) == (issuer_url is None):
            raise ValueError("JwksKeySource needs exactly one of jwks_url and issuer_url")
        self.algorithms = frozenset(algorithms)
        if not self.algorithms or self.algorithms - set(ASYMMETRIC_ALGORITHMS):
            raise ValueError(f"a JWKS verifies only {', '.join(ASYMMETRIC_ALGORITHMS)}")
        self._jwks_url = jwks_url
        self._issuer_url = issuer_url
        self._cache_ttl = cache_ttl
        self._refetch_interval = refetch_interval
        self._max_stale = max_stale
        self._timeout = fetch_timeout
        self._max_bytes = max_bytes
        self._verify = ssl.create_default_context() if verify is True else verify
        self._clock = clock
        self.issuer: str | None = None
        self.fetches = 0
        self._keys: dict[str, SigningKey] = {}
        self._only: SigningKey | None = None
        self._count = 0
        self._fresh_until = self._usable_until = 0.0
        self._last_fetch = -float("inf")
        self._last_error: str | None = None
        self._fetching: asyncio.Task[None] | None = None
        self._runner: asyncio.Task[None] | None = None

    @property
    def available(self) -> bool:
        return bool(self._keys or self._only) and self._clock() < self._usable_until

    def key_for(self, header: Mapping[str, Any]) -> SigningKey | None:
        if self._clock() >= self._usable_until:
            return None
        kid = header.get("kid")
        if kid is None:
            return self._only  # a kid-less token only when the set has a single key
        return self._keys.get(kid) if isinstance(kid, str) else None

    async def refetch(self) -> bool:
        fetching = self._fetching
        if fetching is not None and not fetching.done() and _same_loop(fetching):
            await asyncio.shield(fetching)
            return True
        if self._clock() - self._last_fetch < self._refetch_interval:
            return False
        await self._refresh()
        return True

    async def start(self) -> None:
        self._runner = asyncio.create_task(self._run(), name="aurora-jwks-refresh")

    async def aclose(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner

    def health_checks(self) -> Iterable[tuple[str, HealthCheckFn, bool]]:
        return (
            ("identity_keys", self._check_keys, True),
            ("identity_provider", self._check_provider, False),
        )

    async def _check_keys(self) -> Mapping[str, Any]:
        if not self.available:
            raise KeysUnavailableError()
        stale = self._clock() >= self._fresh_until
        return {"keys": self._count, "state": "degraded" if stale else "fresh"}

    async def _check_provider(self) -> Mapping[str, Any]:
        if self._last_error is not None:
            raise KeyFetchError(self._last_error)
        return {"url": self._jwks_url or self._issuer_url}

    async def _run(self) -> None:
        while True:
            try:
                await self._refresh()
            except Exception as exc:  # the refresher must outlive any one failure
                self._last_error = f"refresh failed ({type(exc).__name__})"
                get_logger("aurora.app.security").error("jwks_refresh_crashed", exc_info=exc)
            await asyncio.sleep(max(self._fresh_until - self._clock(), self._refetch_interval))

    async def _refresh(self) -> None:
        """One fetch at a time; callers arriving meanwhile wait for the same one."""
        fetching = self._fetching
        if fetching is None or fetching.done() or not _same_loop(fetching):
            fetching = self._fetching = asyncio.ensure_future(self._fetch())
        await asyncio.shield(fetching)

    async def _fetch(self) -> None:
        self._last_fetch = self._clock()
        self.fetches += 1
        try:
            url = self._jwks_url or await self._discover()
            document, cache_control = await self._get_json(url)
            self._install(_signing_keys(document, self.algorithms), cache_control)
        except KeyFetchError as exc:
            self._last_error = exc.detail
            get_logger("aurora.app.security").warning(
                "jwks_fetch_failed", error=exc.detail, keys_usable=self.available
            )

    async def _discover(self) -> str:
        assert self._issuer_url is not None
        configured = self._issuer_url.rstrip("/")
        document, _ = await self._get_json(configured + _DISCOVERY_PATH)
        issuer, jwks_uri = document.get("issuer"), document.get("jwks_uri")
        # OIDC Discovery §4.3: the document must name the issuer it was fetched for.
        if not isinstance(issuer, str) or issuer.rstrip("/") != configured:
            raise KeyFetchError("the discovery document names another issuer")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise KeyFetchError("the discovery document has no usable jwks_uri")
        if jwks_uri.startswith("http://") and not configured.startswith("http://"):
            raise KeyFetchError("the discovery document's jwks_uri is not https")
        self.issuer, self._jwks_url = issuer, jwks_uri
        return jwks_uri

    async def _get_json(self, url: str) -> tuple[dict[str, Any], str | None]:
        # Imported here: a service with static keys should not pay for httpx at start-up.
        import httpx

        try:
            async with asyncio.timeout(self._timeout):
                async with httpx.AsyncClient(timeout=self._timeout, verify=self._verify) as client:
                    async with client.stream(
                        "GET", url, headers={"Accept": "application/json"}
                    ) as response:
                        if response.status_code != 200:
                            raise KeyFetchError(f"{url} answered {response.status_code}")
                        body = await _read_bounded(response, self._max_bytes, url)
        except TimeoutError as exc:
            raise KeyFetchError(f"{url} did not answer within {self._timeout:g}s") from exc
        except httpx.HTTPError as exc:
            raise KeyFetchError(f"{url} is unreachable ({type(exc).__name__})") from exc
        try:
            document = json.loads(body)
        except ValueError as exc:
            raise KeyFetchError(f"{url} did not send JSON") from exc
        if not isinstance(document, dict):
            raise KeyFetchError(f"{url} did not send a JSON object")
        return document, response.headers.get("cache-control")

    def _install(self, keys: dict[str | None, SigningKey], cache_control: str | None) -> None:
        now = self._clock()
        ttl = _ttl(cache_control, default=self._cache_ttl, floor=self._refetch_interval)
        self._count = len(keys)
        self._only = next(iter(keys.values())) if len(keys) == 1 else None
        self._keys = {kid: key for kid, key in keys.items() if kid is not None}
        self._fresh_until = now + ttl
        self._usable_until = now + ttl + self._max_stale
        self._last_error = None
        get_logger("aurora.app.security").info("jwks_fetched", keys=len(keys), ttl_s=ttl)


def _same_loop(task: asyncio.Task[None]) -> bool:
    return task.get_loop() is asyncio.get_running_loop()


async def _read_bounded(response: httpx.Response, limit: int, url: str) -> bytes:
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:
            raise KeyFetchError(f"{url} sent more than {limit} bytes")
    return bytes(body)


def _signing_keys(
    document: Mapping[str, Any], allowed: frozenset[str]
) -> dict[str | None, SigningKey]:
    """The usable signature keys of a JWKS by ``kid``; the others are skipped."""
    try:
        jwk_set = PyJWKSet.from_dict(dict(document))
    except PyJWTError as exc:
        raise KeyFetchError("the JWKS holds no usable key") from exc
    keys = {
        jwk.key_id: SigningKey(jwk.key, jwk.algorithm_name)
        for jwk in jwk_set
        if jwk.public_key_use in (None, "sig") and jwk.algorithm_name in allowed
    }
    if not keys:
        raise KeyFetchError("the JWKS holds no signature key for the allowed algorithms")
    return keys


def _ttl(cache_control: str | None, *, default: float, floor: float) -> float:
    if not cache_control:
        return default
    if _NO_CACHE.search(cache_control):
        return floor
    match = _MAX_AGE.search(cache_control)
    return default if match is None else min(max(float(match.group(1)), floor), _LONGEST_TTL)
