"""Opaque, tamper-evident keyset cursors.

A cursor carries the sort-key values of the last row a client saw. Clients must
not be able to forge one (to probe rows they can't list) or replay it against a
different listing, so the payload is signed with HMAC-SHA256 over the listing's
*scope* (model and ordering) as well as the values.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from aurora.db._errors import InvalidCursorError

__all__ = ["CursorCodec", "derive_cursor_key"]

_MAX_TOKEN_LENGTH = 4096
_SIGNATURE_BYTES = 16  # 128-bit tags: forging one is out of reach, cursors stay short
_KEY_CONTEXT = b"aurora.db.cursor.v1"


def derive_cursor_key(secret: str | bytes) -> bytes:
    """A cursor-signing key derived from a service secret (e.g. the JWT secret).

    Deriving, rather than using the secret itself, keeps a leaked cursor key from
    being a leaked token-signing key.
    """
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, _KEY_CONTEXT, hashlib.sha256).digest()


class CursorCodec:
    """Turns sort-key values into signed cursor strings and back.

    Args:
        key: The HMAC key. Every replica of a service must share it, or a cursor
            issued by one replica is rejected by another. ``None`` makes a random
            per-process key, fine for tests and single-process services.
    """

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)

    def encode(self, scope: str, values: Sequence[Any]) -> str:
        """Sign ``values`` for ``scope``; the result is URL-safe."""
        payload = json.dumps([_tag(value) for value in values], separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._sign(scope, payload))}"

    def decode(self, scope: str, token: str) -> list[Any]:
        """The values in ``token``.

        Raises:
            InvalidCursorError: The token is malformed, altered, or was issued for
                another scope (listing) or under another key.
        """
        if len(token) > _MAX_TOKEN_LENGTH or token.count(".") != 1:
            raise InvalidCursorError()
        encoded_payload, encoded_signature = token.split(".")
        try:
            payload, signature = _unb64(encoded_payload), _unb64(encoded_signature)
        except (binascii.Error, ValueError) as exc:
            raise InvalidCursorError() from exc
        if not hmac.compare_digest(signature, self._sign(scope, payload)):
            raise InvalidCursorError()
        try:
            return [_untag(item) for item in json.loads(payload)]
        except (ValueError, TypeError, KeyError) as exc:  # signed by us, so only on version skew
            raise InvalidCursorError() from exc

    def _sign(self, scope: str, payload: bytes) -> bytes:
        message = scope.encode() + b"\x00" + payload
        return hmac.new(self._key, message, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _tag(value: Any) -> Any:
    """A JSON-safe form of a sort-key value that keeps its Python type."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return {"e": value.name}
    if isinstance(value, uuid.UUID):
        return {"u": value.hex}
    if isinstance(value, datetime):  # before date: a datetime is a date
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, time):
        return {"t": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if isinstance(value, bytes):
        return {"b": _b64(value)}
    raise TypeError(f"can't put a {type(value).__name__} in a pagination cursor")


_DECODERS: dict[str, Any] = {
    "e": str,  # SQLAlchemy's Enum type binds a member's name
    "u": uuid.UUID,
    "dt": datetime.fromisoformat,
    "d": date.fromisoformat,
    "t": time.fromisoformat,
    "n": Decimal,
    "b": _unb64,
}


def _untag(item: Any) -> Any:
    if isinstance(item, dict):
        ((tag, raw),) = item.items()
        return _DECODERS[tag](raw)
    return item
