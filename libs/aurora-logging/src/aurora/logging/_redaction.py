"""Masking secrets before a line leaves the process.

Logs are copied to places with weaker access control than the database, so a
password or a bearer token that reaches a log line has leaked. Two rules apply:

- **keys**: a value whose key *contains* a sensitive word (case-insensitive, ``-``
  and ``_`` treated alike) is replaced whole: ``password``, ``new_password``,
  ``X-Api-Key``, ``accessToken`` and ``set-cookie`` all match. Substring matching
  over-masks now and then (``token_count``); that is the safe side to err on.
- **values**: any string, under any key and in the event text itself, has bearer
  credentials, JWTs and URL passwords (``postgresql://app:s3cret@db``) cut out.

Dicts, lists and tuples are walked recursively. Containers are copied only when
something inside them changes, so the common case (nothing secret) costs a key
lookup and a substring scan per value, and the caller's objects are never mutated.
Other objects (dataclasses, models) are not inspected: log their fields as a dict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from structlog.typing import EventDict, WrappedLogger

__all__ = [
    "DEFAULT_REDACT_KEYS",
    "MAX_CACHED_KEYS",
    "REDACTED",
    "SCALARS",
    "Redactor",
    "redact_text",
]

REDACTED = "***"
"""What a masked value is replaced with."""

DEFAULT_REDACT_KEYS: frozenset[str] = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "authorization",
        "cookie",
        "passwd",
        "password",
        "private_key",
        "refresh_token",
        "secret",
        "set-cookie",
        "token",
    }
)
"""Key fragments masked by default; ``setup_logging(redact_keys=...)`` adds to them."""

_SECRET_TEXT = re.compile(
    # 8+ characters: real tokens are long, and "the bearer of" must survive.
    r"(?P<scheme>\b[Bb][Ee][Aa][Rr][Ee][Rr])\s+[A-Za-z0-9._~+/-]{8,}=*"
    r"|eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*"
    r"|(?P<userinfo>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)[^\s/@]+@"
)
SCALARS = frozenset({int, float, bool, type(None)})
_MAX_DEPTH = 16
MAX_CACHED_KEYS = 4096


def _mask_match(match: re.Match[str]) -> str:
    if match.group("scheme"):
        return f"{match.group('scheme')} {REDACTED}"
    if match.group("userinfo"):
        return f"{match.group('userinfo')}{REDACTED}@"
    return REDACTED


def _normalize(key: str) -> str:
    return key.lower().replace("-", "_")


def redact_text(text: str) -> str:
    """``text`` with bearer credentials, JWTs and URL passwords masked."""
    # Plain substring tests are ~5x cheaper than a regex search, and almost no
    # log value contains any of these markers, so the regex rarely runs.
    if "eyJ" in text or "@" in text or "earer" in text or "EARER" in text:
        masked = _SECRET_TEXT.sub(_mask_match, text)
        # Hand back the caller's object when nothing matched, so containers aren't copied.
        return text if masked == text else masked
    return text


class Redactor:
    """The processor that masks secrets in an event dict (see the module docstring).

    Args:
        keys: Extra sensitive key fragments, on top of :data:`DEFAULT_REDACT_KEYS`.
    """

    __slots__ = ("_fragments", "_verdicts")

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._fragments = tuple(sorted({_normalize(k) for k in (*DEFAULT_REDACT_KEYS, *keys) if k}))
        self._verdicts: dict[object, bool] = {}

    def is_sensitive(self, key: object) -> bool:
        """Whether values under ``key`` are masked whole."""
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._judge(key)
        return verdict

    def _judge(self, key: object) -> bool:
        normalized = _normalize(key) if isinstance(key, str) else ""
        verdict = any(fragment in normalized for fragment in self._fragments)
        if len(self._verdicts) >= MAX_CACHED_KEYS:
            # Keys are identifiers from code, so the set is small; a flood of
            # data-derived keys must not grow memory without bound.
            self._verdicts.clear()
        self._verdicts[key] = verdict
        return verdict

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        # This runs for every line, so the common cases are inlined: a cached key
        # verdict, then a plain substring pre-check on strings. The event dict is a
        # fresh copy structlog made for this call, so it is edited in place.
        verdicts = self._verdicts
        for key, value in event_dict.items():
            sensitive = verdicts.get(key)
            if sensitive is None:
                sensitive = self._judge(key)
            if sensitive:
                event_dict[key] = REDACTED
                continue
            kind = type(value)
            if kind is str:
                if "eyJ" in value or "@" in value or "earer" in value or "EARER" in value:
                    event_dict[key] = redact_text(value)
            elif kind not in SCALARS:
                scrubbed = self.scrub(value)
                if scrubbed is not value:
                    event_dict[key] = scrubbed
        return event_dict

    def scrub(self, value: Any, depth: int = 0) -> Any:
        """``value`` with secrets masked; the same object when nothing needed masking."""
        kind = type(value)
        if kind is str:
            return redact_text(value)
        if kind in SCALARS:
            return value
        if depth >= _MAX_DEPTH:
            # Deeper than any real payload: most likely a cycle. Masking is the safe
            # answer, since the renderer's repr() fallback would print it unfiltered.
            return REDACTED if isinstance(value, Mapping | list | tuple) else value
        if isinstance(value, Mapping):
            return self._scrub_mapping(value, depth + 1)
        if kind is list or kind is tuple:
            return self._scrub_sequence(value, depth + 1)
        return value

    def _scrub_mapping(self, mapping: Mapping[Any, Any], depth: int) -> Any:
        copy: dict[Any, Any] | None = None
        for key, value in mapping.items():
            if self.is_sensitive(key):
                scrubbed: Any = REDACTED
            else:
                scrubbed = self.scrub(value, depth)
            if scrubbed is not value:
                if copy is None:
                    copy = dict(mapping)
                copy[key] = scrubbed
        return mapping if copy is None else copy

    def _scrub_sequence(self, items: list[Any] | tuple[Any, ...], depth: int) -> Any:
        copy: list[Any] | None = None
        for index, value in enumerate(items):
            scrubbed = self.scrub(value, depth)
            if scrubbed is not value:
                if copy is None:
                    copy = list(items)
                copy[index] = scrubbed
        if copy is None:
            return items
        return tuple(copy) if type(items) is tuple else copy
