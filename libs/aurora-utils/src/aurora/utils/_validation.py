"""Validators for values services take from users: email, slug, phone, URL.

Each returns the value in its normalised form, so the caller stores one
spelling, or raises :class:`aurora.errors.ValidationError` whose ``details``
point at the field (``field=`` names it), so a 422 tells the client exactly
what to fix. Error messages never echo the value: it may be personal data.

These check shape, not existence: no DNS, no SMTP, no phone-number database.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Collection
from urllib.parse import SplitResult, urlsplit

from aurora.errors import ValidationError

__all__ = ["validate_email", "validate_phone", "validate_slug", "validate_url"]

_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


def _invalid(field: str, message: str, code: str) -> ValidationError:
    return ValidationError(
        f"Invalid {field}", details=[{"field": field, "message": message, "code": code}]
    )


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise _invalid(field, "must be a string", "type_error")
    stripped = value.strip()
    if not stripped:
        raise _invalid(field, "must not be empty", "missing")
    return stripped


def validate_email(value: str, *, field: str = "email") -> str:
    """An email address as ``local@domain`` with the domain lower-cased.

    The local part keeps its case (servers may treat it as case-sensitive) and
    must be an unquoted dot-atom; international domains are accepted.
    """
    text = _text(value, field)
    local, at, domain = text.rpartition("@")
    if not at or not local:
        raise _invalid(field, "must look like name@example.com", "invalid_email")
    if len(local) > 64 or not _LOCAL_PART.fullmatch(local):
        raise _invalid(field, "has an invalid part before '@'", "invalid_email")
    host = _hostname(domain)
    if host is None or "." not in host or _is_ip(host):
        raise _invalid(field, "has an invalid domain", "invalid_email")
    address = f"{local}@{host}"
    if len(address) > 254:
        raise _invalid(field, "is longer than 254 characters", "invalid_email")
    return address


def validate_slug(value: str, *, field: str = "slug", max_length: int = 100) -> str:
    """A lowercase ASCII slug such as ``"my-first-post"`` (see ``slugify``)."""
    text = _text(value, field)
    if len(text) > max_length:
        raise _invalid(field, f"must be at most {max_length} characters", "invalid_slug")
    if not _SLUG.fullmatch(text):
        raise _invalid(
            field,
            "must be lowercase letters and digits separated by single hyphens",
            "invalid_slug",
        )
    return text


def validate_phone(value: str, *, field: str = "phone") -> str:
    """A phone number with its punctuation removed: ``"+1 (555) 010-9999"`` -> ``"+15550109999"``.

    A leading ``+`` or international ``00`` prefix gives ``+`` and the digits
    (E.164); a national number keeps just its digits. 7 to 15 digits, the E.164
    maximum. Without a numbering-plan database this is "phone-like", no more.
    """
    text = _PHONE_PUNCTUATION.sub("", _text(value, field))
    international = text.startswith("+") or text.startswith("00")
    digits = text[1:] if text.startswith("+") else text[2:] if international else text
    if not (digits.isascii() and digits.isdigit()):
        raise _invalid(field, "may contain only digits, spaces and ()+-./", "invalid_phone")
    if not 7 <= len(digits) <= 15:
        raise _invalid(field, "must have 7 to 15 digits", "invalid_phone")
    return f"+{digits}" if international else digits


def validate_url(
    value: str, *, field: str = "url", schemes: Collection[str] = ("http", "https")
) -> str:
    """An absolute URL whose scheme is one of ``schemes``, scheme and host lower-cased."""
    text = _text(value, field)
    if _CONTROL_OR_SPACE.search(text):
        raise _invalid(field, "must not contain spaces or control characters", "invalid_url")
    try:
        parts = urlsplit(text)
        port = parts.port  # parses, and range-checks, the port
    except ValueError:
        raise _invalid(field, "is not a valid URL", "invalid_url") from None
    scheme = parts.scheme.lower()
    if scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        raise _invalid(field, f"must use one of these schemes: {allowed}", "invalid_url")
    host = _url_host(parts)
    if host is None:
        raise _invalid(field, "has no valid host", "invalid_url")
    netloc = _netloc(parts, host, port)
    return SplitResult(scheme, netloc, parts.path, parts.query, parts.fragment).geturl()


def _url_host(parts: SplitResult) -> str | None:
    raw = parts.hostname  # already lower-cased and stripped of [] by urlsplit
    if not raw:
        return None
    if parts.netloc.rpartition("@")[2].startswith("["):
        return f"[{raw}]" if _is_ip(raw) and ":" in raw else None
    return raw if _is_ip(raw) else _hostname(raw)


def _netloc(parts: SplitResult, host: str, port: int | None) -> str:
    userinfo, at, _ = parts.netloc.rpartition("@")
    return f"{userinfo}{at}{host}" + ("" if port is None else f":{port}")


def _hostname(domain: str) -> str | None:
    """The lower-cased host name, or None when it is not a valid DNS name.

    Non-ASCII names are checked in their IDNA (punycode) form, as resolvers see
    them, but returned as written (NFC), which is how people read them.
    """
    name = unicodedata.normalize("NFC", domain).rstrip(".").lower()
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    if labels[-1].isdigit():
        return None  # a numeric top-level label is a mistyped IP address, not a name
    return name


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
