"""Stage 5: browser-hardening response headers, precomputed once.

The defaults follow the OWASP REST Security Cheat Sheet, trimmed to what still
matters for a JSON API in current browsers: ``X-Content-Type-Options: nosniff``
(a JSON body is never sniffed into HTML) and a ``Content-Security-Policy`` of
``default-src 'none'; frame-ancestors 'none'`` (nothing loads or frames it; this
supersedes ``X-Frame-Options``). ``Strict-Transport-Security`` is added on HTTPS,
where it means something. Every header costs on every response (uvicorn
validates each one), so the list is short on purpose; pass ``headers=`` to add more.

The interactive docs pages load scripts from a CDN, so they are exempt from the
CSP. Headers the app set itself are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import Scope

__all__ = ["DEFAULT_SECURITY_HEADERS", "SecurityHeaders"]

Header = tuple[bytes, bytes]

DEFAULT_SECURITY_HEADERS: tuple[tuple[str, str], ...] = (("X-Content-Type-Options", "nosniff"),)
_API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")


class SecurityHeaders:
    """Which hardening headers a response gets.

    Args:
        headers: Name/value pairs added to every response.
        hsts_max_age: ``max-age`` for ``Strict-Transport-Security`` on HTTPS; 0 disables it.
        csp_exempt_paths: Paths (the docs UIs) served without the strict CSP.
    """

    def __init__(
        self,
        headers: Iterable[tuple[str, str]] = DEFAULT_SECURITY_HEADERS,
        *,
        hsts_max_age: int = 31_536_000,
        csp_exempt_paths: Iterable[str] = (),
    ) -> None:
        base = tuple(
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
        )
        strict = (*base, _API_CSP)
        hsts: tuple[Header, ...] = ()
        if hsts_max_age > 0:
            hsts = ((b"strict-transport-security", f"max-age={hsts_max_age}".encode("latin-1")),)
        self._http = strict
        self._table = {
            (False, True): base,
            (True, False): (*strict, *hsts),
            (True, True): (*base, *hsts),
        }
        self._csp_exempt = frozenset(csp_exempt_paths)
        self.names = frozenset(name for name, _ in (*strict, *hsts))

    def for_scope(self, scope: Scope) -> tuple[Header, ...]:
        """The headers to add to the response to this request."""
        https = scope.get("scheme") == "https"
        exempt = scope["path"] in self._csp_exempt
        if not https and not exempt:
            return self._http  # the common case, without building a key
        return self._table[(https, exempt)]
